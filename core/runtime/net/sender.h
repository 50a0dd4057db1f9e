// The sending end of a stream of wire messages to a hub (PUB) or a pool of workers (PUSH):
// edgezmqsink's socket, its queue policy and its delivery accounting (docs/network.md,
// "Delivery").
//
// Every message is either counted `sent` or `dropped` with a reason, so that
//   attempted = sent + dropped                       at any time, and
//   sent      = handed to ZeroMQ for a receiver that was there (or, connecting, is expected
//               back), and not known to have been discarded since.
//
//   kNoReceiver  PUB: no subscriber yet (ZeroMQ's PUB would discard it unseen: the sink
//                uses XPUB and counts subscriptions); PUSH bound: no worker connected.
//   kQueueFull   the receiver's queue (ZMQ_SNDHWM, `queue` messages) is full.
//   kUnsent      a connecting socket's messages queued while its hub was away and still
//                queued when the stream ended (finish() waited up to linger for the hub).
// policy kBlock never drops kNoReceiver or kQueueFull: send() waits (checking `cancel`
// every 50 ms) until a subscriber or worker is there and has room.
//
// A connecting socket keeps what it queues while the hub is away and delivers it when the
// hub is back (up to `queue` messages). What only a hub that died had (its socket buffers,
// messages in flight) is the one loss the sender cannot see: the receiver sees it as a gap
// in the sequence numbers.
//
// Handshakes that fail in a way retrying does not mend (ConnectionMonitor: a refused CURVE
// key, a wrong server key, CURVE on one side only) make send() and finish() throw
// SendError: the stream stops with a message that says what to check, within a few
// reconnect intervals (at the latest linger_ms after the stream ended), instead of
// counting messages nobody can receive as sent.
//
// Thread safety: send() and finish() from one thread; counters readable from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "common/error.h"
#include "net/socket.h"

namespace edge::net {

enum class SendPattern : uint8_t { kPublish, kPush };
enum class SendPolicy : uint8_t { kDrop, kBlock };

struct SenderOptions {
  SendPattern pattern = SendPattern::kPublish;
  std::string address;
  bool bind = false;      // false: connect (an edge); true: bind (receivers connect)
  uint32_t queue = 1000;  // ZMQ_SNDHWM, messages
  SendPolicy policy = SendPolicy::kDrop;
  std::string key_file;         // CURVE: this side's secret certificate
  std::string server_key_file;  // CURVE: the receiver's public certificate (both or neither)
  uint32_t linger_ms = 500;     // at finish/close: how long queued messages may still leave
  uint32_t reconnect_ms = 100;
  uint32_t reconnect_max_ms = 2000;
  uint32_t heartbeat_ms = kDefaultHeartbeatMs;
};

enum class DropReason : uint8_t { kNoReceiver, kQueueFull, kUnsent };
constexpr size_t kDropReasonCount = 3;
const char* drop_reason_name(DropReason reason);  // "no-receiver", "queue-full", "unsent"

// A handshake failure (handshake() true) or a socket error the stream cannot go on with.
class SendError : public Error {
 public:
  SendError(const std::string& message, bool handshake) : Error(message), handshake_(handshake) {}
  bool handshake() const { return handshake_; }

 private:
  bool handshake_;
};

class Sender {
 public:
  // Creates the socket, connects or binds. Throws edge::Error naming a key file or the
  // address when they are unusable.
  explicit Sender(const SenderOptions& options);
  ~Sender();  // waits at most linger_ms for queued messages
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  enum class Result { kSent, kDropped, kCancelled };
  // Sends [header, payload[0..n)] (payload frames are moved from: ZeroMQ releases them).
  // kDropped: counted with its reason in *why. kCancelled (policy block): `cancel` became
  // true while waiting; not counted. Throws SendError.
  Result send(const std::string& header, zmq::message_t* payload, size_t n,
              const std::atomic<bool>& cancel, DropReason* why);

  // Ends the stream's accounting: a connecting socket that holds messages for a hub that is
  // away, or that never completed a handshake, waits up to linger_ms for the hub (and for a
  // failing handshake to say so); what it then still holds for an absent hub moves from
  // sent to kUnsent. Throws SendError when handshakes failed.
  void finish(const std::atomic<bool>& cancel);
  // After finish(): sends a last message (the final heartbeat with the counters) if a
  // receiver can take it; never fails.
  void send_last(const std::string& header);

  uint64_t sent() const { return sent_.load(); }
  uint64_t dropped(DropReason reason) const { return dropped_[static_cast<size_t>(reason)].load(); }
  uint64_t dropped() const;  // all reasons
  // Whether a message would find a receiver now (PUB: a subscription; PUSH: a connection).
  bool has_receiver();

 private:
  bool receiver_known();  // reads subscriptions and monitor events first
  void read_subscriptions();
  void check_handshakes();
  void count_drop(DropReason reason) { dropped_[static_cast<size_t>(reason)]++; }

  SenderOptions options_;
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  std::unique_ptr<ConnectionMonitor> monitor_;
  int subscriptions_ = 0;     // PUB: subscriptions that match our messages
  uint64_t queued_away_ = 0;  // connecting: sent since the hub was last connected
  std::atomic<uint64_t> sent_{0};
  std::array<std::atomic<uint64_t>, kDropReasonCount> dropped_{};
};

}  // namespace edge::net
