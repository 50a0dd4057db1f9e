// The receiving end of wire messages: edgezmqsrc's socket (SUB for a hub, PULL for a
// worker, ROUTER for a remote-inference server), its CURVE server side, reading whole
// messages, decoding them, and the accounting a hub keeps per sender.
//
// A server never stops because of what a peer sends: read() turns every message into
// either a decoded WireMessage or a rejection with its reason (net/wire.h), and the
// caller counts it and goes on. Sequence numbers are tracked per sender and session
// (SequenceTracker): a jump is counted missing; a sender first seen in the middle of a
// session starts at its first message (`first_seq` says where, so a restarted hub's log
// shows what came before it).
//
// Thread safety: a Receiver is used from one thread (the ZAP handler has its own);
// counters of the ZAP handler are atomics.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "net/curve.h"
#include "net/socket.h"
#include "net/wire.h"

namespace edge::net {

enum class ReceivePattern : uint8_t { kSubscribe, kPull, kRouter };

struct ReceiverOptions {
  ReceivePattern pattern = ReceivePattern::kSubscribe;
  std::string address;
  bool bind = true;                      // a hub binds; edges connect
  uint32_t queue = 1000;                 // ZMQ_RCVHWM (and the ROUTER's ZMQ_SNDHWM), messages
  std::string key_file;                  // CURVE server: this hub's secret certificate
  std::string authorized_keys;           // directory of device public certificates
  uint64_t max_message_size = 16 << 20;  // all frames of one message, bytes
  uint32_t heartbeat_ms = kDefaultHeartbeatMs;
};

class Receiver {
 public:
  // Creates the socket, its ZAP handler and binds or connects. Throws edge::Error naming the
  // address, a key file or the authorized-keys directory when they are unusable.
  explicit Receiver(const ReceiverOptions& options);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // CURVE with no authorized-keys: encrypted, but anyone who knows the public key may send.
  bool admits_any_key() const { return curve_ && !zap_; }
  uint64_t unauthenticated() const { return zap_ ? zap_->denied() : 0; }

  // Waits up to `timeout` for a message, or for `also` (another socket of this thread, such
  // as a reply channel; nullptr: none) to be readable. Bit 0: a message; bit 1: `also`.
  int wait(std::chrono::milliseconds timeout, zmq::socket_t* also);

  enum class Read { kNone, kMessage, kRejected };
  // Reads one whole message without waiting. kMessage: *message is decoded and its payload
  // frames are payload(); kRejected: *error says why (nothing else to do with it).
  // Router: the request's peer identity is peer(), and only requests (data messages with a
  // request id) are taken.
  Read read(WireMessage* message, DecodeError* error);
  std::vector<zmq::message_t>& payload() { return payload_; }
  const std::string& peer() const { return peer_; }

  // Router: sends a reply [identity, header, payload...]; false when its peer is gone or
  // its queue is full (ZMQ_ROUTER_MANDATORY makes that visible).
  bool route(zmq::message_t* parts, size_t n);

 private:
  ReceiverOptions options_;
  zmq::context_t context_{1};
  std::unique_ptr<ZapHandler> zap_;  // before the socket: destroyed after it
  zmq::socket_t socket_;
  bool curve_ = false;
  std::string peer_;
  std::vector<zmq::message_t> frames_;
  std::vector<zmq::message_t> payload_;
  std::vector<Frame> views_;
};

// Per sender and session, the next expected sequence number.
class SequenceTracker {
 public:
  struct Seen {
    uint64_t missing = 0;  // numbers skipped before this message (counted once)
    bool first = false;    // the first message of this sender's session here
  };
  // Data messages take one number each; a heartbeat announces the next one.
  Seen observe(const std::string& sender, uint64_t session, uint64_t seq, bool data);
  uint64_t missing() const { return missing_; }

  static constexpr size_t kMaxSenders = 4096;  // beyond: forget all and start again

 private:
  struct Track {
    uint64_t session = 0;
    uint64_t next = 0;
  };
  std::unordered_map<std::string, Track> tracks_;
  uint64_t missing_ = 0;
};

// Rate limit for reports of the same kind: the first at once, then at most one per
// interval, each saying how many came since the last report.
class ReportLimiter {
 public:
  explicit ReportLimiter(std::chrono::milliseconds interval) : interval_(interval) {}
  // True when this event should be reported now; *since then holds how many events
  // (this one included) the report stands for.
  bool should_report(std::chrono::steady_clock::time_point now, uint64_t* since);

 private:
  std::chrono::milliseconds interval_;
  bool reported_ = false;
  std::chrono::steady_clock::time_point last_{};
  uint64_t pending_ = 0;
};

}  // namespace edge::net
