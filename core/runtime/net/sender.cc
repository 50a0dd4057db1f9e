#include "net/sender.h"

#include <chrono>
#include <cstring>

#include "net/wire.h"

namespace edge::net {

namespace {

constexpr auto kWaitSlice = std::chrono::milliseconds(50);
// XPUB reports POLLOUT even when its queue is full, so a blocked publisher retries this often.
constexpr auto kPublishRetry = std::chrono::milliseconds(5);

// A subscription topic reaches our messages when it is a prefix of every header: the
// magic and the version byte.
bool topic_matches(const char* topic, size_t size) {
  const char prefix[] = {kMagic[0], kMagic[1], kMagic[2], kMagic[3],
                         static_cast<char>(kWireVersion)};
  return size <= sizeof(prefix) && std::memcmp(topic, prefix, size) == 0;
}

}  // namespace

const char* drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::kNoReceiver:
      return "no-receiver";
    case DropReason::kQueueFull:
      return "queue-full";
    case DropReason::kUnsent:
      return "unsent";
  }
  return "?";
}

Sender::Sender(const SenderOptions& options) : options_(options) {
  const std::string why = endpoint_problem(options.address);
  if (!why.empty()) throw Error(msg("'address' \"", options.address, "\": ", why));
  if (options.key_file.empty() != options.server_key_file.empty())
    throw Error(
        msg("CURVE needs both 'key' (this device's secret certificate) and "
            "'server-key' (the receiver's public certificate); only '",
            options.key_file.empty() ? "server-key" : "key", "' is set"));
  const bool publish = options.pattern == SendPattern::kPublish;
  socket_ = zmq::socket_t(context_, publish ? zmq::socket_type::xpub : zmq::socket_type::push);
  socket_.set(zmq::sockopt::sndhwm, static_cast<int>(options.queue));
  socket_.set(zmq::sockopt::linger, static_cast<int>(options.linger_ms));
  socket_.set(zmq::sockopt::reconnect_ivl, static_cast<int>(options.reconnect_ms));
  socket_.set(zmq::sockopt::reconnect_ivl_max, static_cast<int>(options.reconnect_max_ms));
  socket_.set(zmq::sockopt::handshake_ivl, kHandshakeTimeoutMs);
  // At the high-water mark XPUB returns EAGAIN instead of discarding unseen, so it is counted.
  if (publish) socket_.set(zmq::sockopt::xpub_nodrop, 1);
  set_heartbeat(socket_, options.heartbeat_ms);
  if (!options.key_file.empty())
    set_curve_client(socket_, options.key_file, options.server_key_file);
  monitor_ = std::make_unique<ConnectionMonitor>(context_, socket_, options.address);
  try {
    if (options.bind)
      socket_.bind(options.address);
    else
      socket_.connect(options.address);
  } catch (const zmq::error_t& e) {
    throw Error(msg("could not ", options.bind ? "bind" : "connect to", " 'address' \"",
                    options.address, "\": ", e.what()));
  }
}

Sender::~Sender() {
  monitor_.reset();
  socket_.close();  // lingers at most linger_ms; the context then ends at once
}

uint64_t Sender::dropped() const {
  uint64_t total = 0;
  for (const auto& d : dropped_) total += d.load();
  return total;
}

void Sender::read_subscriptions() {
  if (options_.pattern != SendPattern::kPublish) return;
  zmq::message_t m;
  while (socket_.recv(m, zmq::recv_flags::dontwait)) {
    if (m.size() == 0) continue;
    const char* data = static_cast<const char*>(m.data());
    // 1 + topic: subscribe; 0 + topic: the last subscriber of that topic left.
    if (!topic_matches(data + 1, m.size() - 1)) continue;
    if (data[0] == 1)
      ++subscriptions_;
    else if (data[0] == 0 && subscriptions_ > 0)
      --subscriptions_;
  }
}

void Sender::check_handshakes() {
  monitor_->update();
  if (!monitor_->failure().empty()) throw SendError(monitor_->failure(), true);
  if (monitor_->connected() > 0) queued_away_ = 0;  // the hub is back: its queue drains
}

bool Sender::receiver_known() {
  read_subscriptions();
  check_handshakes();
  if (options_.pattern == SendPattern::kPublish) return subscriptions_ > 0;
  return monitor_->connected() > 0;
}

bool Sender::has_receiver() { return receiver_known(); }

Sender::Result Sender::send(const std::string& header, zmq::message_t* payload, size_t n,
                            const std::atomic<bool>& cancel, DropReason* why) {
  const bool publish = options_.pattern == SendPattern::kPublish;
  const bool block = options_.policy == SendPolicy::kBlock;
  try {
    while (true) {
      const bool receiver = receiver_known();
      if (!publish || receiver) {  // PUB without a subscriber would discard it unseen
        const auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
        if (socket_.send(zmq::buffer(header), n > 0 ? more : zmq::send_flags::dontwait)) {
          // Once the first frame is queued, ZeroMQ takes the rest of the message whole.
          for (size_t i = 0; i < n; ++i)
            socket_.send(payload[i], i + 1 < n ? zmq::send_flags::sndmore : zmq::send_flags::none);
          sent_++;
          if (!options_.bind && monitor_->connected() == 0) queued_away_++;
          return Result::kSent;
        }
      }
      // Not queued: nobody to take it (PUB: no subscription; bound PUSH: no worker), or full.
      const DropReason reason = !receiver && (publish || options_.bind) ? DropReason::kNoReceiver
                                                                        : DropReason::kQueueFull;
      if (!block) {
        count_drop(reason);
        *why = reason;
        return Result::kDropped;
      }
      zmq::pollitem_t items[2] = {
          {socket_.handle(), 0, static_cast<short>(publish ? ZMQ_POLLIN : ZMQ_POLLOUT), 0},
          {monitor_->events().handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, publish && receiver ? kPublishRetry : kWaitSlice);
      if (cancel) return Result::kCancelled;
    }
  } catch (const zmq::error_t& e) {
    throw SendError(msg("could not send to ", options_.address, ": ", e.what()), false);
  }
}

void Sender::finish(const std::atomic<bool>& cancel) {
  try {
    // A connecting socket holding messages for a hub that is away, or one that has never
    // completed a handshake: give the hub up to linger-ms to come (back), and a failing
    // handshake the time to say so.
    check_handshakes();
    const bool waiting_for_hub =
        !options_.bind && (queued_away_ > 0 || !monitor_->ever_connected());
    if (waiting_for_hub) {
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.linger_ms);
      while (monitor_->connected() == 0 && !cancel && std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t item{monitor_->events().handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(10));
        read_subscriptions();
        check_handshakes();
      }
    }
    if (monitor_->connected() == 0 && queued_away_ > 0) {
      // Counted as never delivered, so make sure they are not: drop the connection (and its
      // queue) rather than let a hub that comes in the next moment have them.
      socket_.set(zmq::sockopt::linger, 0);
      socket_.disconnect(options_.address);
      sent_ -= queued_away_;
      dropped_[static_cast<size_t>(DropReason::kUnsent)] += queued_away_;
      queued_away_ = 0;
    }
  } catch (const zmq::error_t& e) {
    throw SendError(msg("could not send to ", options_.address, ": ", e.what()), false);
  }
}

void Sender::send_last(const std::string& header) {
  try {
    if (receiver_known() || (!options_.bind && options_.pattern == SendPattern::kPush))
      (void)socket_.send(zmq::buffer(header), zmq::send_flags::dontwait);
  } catch (const std::exception&) {  // the last heartbeat is a courtesy: never an error
  }
}

}  // namespace edge::net
