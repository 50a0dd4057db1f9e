#include "net/receiver.h"

#include "common/error.h"

namespace edge::net {

Receiver::Receiver(const ReceiverOptions& options) : options_(options) {
  const std::string why = endpoint_problem(options.address);
  if (!why.empty()) throw Error(msg("'address' \"", options.address, "\": ", why));
  if (!options.authorized_keys.empty() && options.key_file.empty())
    throw Error(
        "'authorized-keys' needs 'key' (this hub's secret certificate): without CURVE there "
        "are no keys to check");
  // ZAP must serve before a CURVE socket binds.
  if (!options.authorized_keys.empty())
    zap_ = std::make_unique<ZapHandler>(context_,
                                        AuthorizedKeys::load_directory(options.authorized_keys));
  const zmq::socket_type type =
      options.pattern == ReceivePattern::kSubscribe ? zmq::socket_type::sub
      : options.pattern == ReceivePattern::kPull    ? zmq::socket_type::pull
                                                    : zmq::socket_type::router;
  socket_ = zmq::socket_t(context_, type);
  if (options.pattern == ReceivePattern::kRouter) {
    // A reply to a peer that is gone fails (and is counted) instead of vanishing.
    socket_.set(zmq::sockopt::router_mandatory, 1);
    socket_.set(zmq::sockopt::sndhwm, static_cast<int>(options.queue));
  }
  socket_.set(zmq::sockopt::linger, 0);
  set_heartbeat(socket_, options.heartbeat_ms);
  socket_.set(zmq::sockopt::rcvhwm, static_cast<int>(options.queue));
  // ZeroMQ itself closes a peer's connection on a frame over the limit, before reading it.
  socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options.max_message_size));
  socket_.set(zmq::sockopt::handshake_ivl, kHandshakeTimeoutMs);
  if (!options.key_file.empty()) {
    const CurveKeyPair own = load_secret_certificate(options.key_file);
    socket_.set(zmq::sockopt::curve_server, 1);
    socket_.set(zmq::sockopt::curve_secretkey, own.secret_key);
    curve_ = true;
  }
  if (options.pattern == ReceivePattern::kSubscribe) socket_.set(zmq::sockopt::subscribe, "");
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

Receiver::~Receiver() {
  socket_.close();
  zap_.reset();
}

int Receiver::wait(std::chrono::milliseconds timeout, zmq::socket_t* also) {
  zmq::pollitem_t items[2] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                              {also ? also->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, also ? 2 : 1, timeout) <= 0) return 0;
  return ((items[0].revents & ZMQ_POLLIN) ? 1 : 0) |
         (also && (items[1].revents & ZMQ_POLLIN) ? 2 : 0);
}

Receiver::Read Receiver::read(WireMessage* message, DecodeError* error) {
  const bool router = options_.pattern == ReceivePattern::kRouter;
  if (router) {  // the peer's identity comes first
    zmq::message_t identity;
    if (!socket_.recv(identity, zmq::recv_flags::dontwait)) return Read::kNone;
    peer_.assign(static_cast<const char*>(identity.data()), identity.size());
    if (!identity.more()) return Read::kNone;
  }
  // A message arrives whole: read all its parts, keeping no more than the format allows.
  frames_.clear();
  size_t parts = 0;
  while (true) {
    zmq::message_t part;
    if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
    const bool more = part.more();
    if (++parts <= kMaxPayloadFrames + 1) frames_.push_back(std::move(part));
    if (!more) break;
  }
  if (frames_.empty()) return Read::kNone;
  if (parts > frames_.size()) {
    *error = {RejectReason::kPayload,
              msg("message has ", parts, " frames, at most ", kMaxPayloadFrames + 1, " allowed")};
    return Read::kRejected;
  }
  views_.clear();
  for (const auto& f : frames_) views_.push_back({f.data(), f.size()});
  if (!decode_message(views_.data(), views_.size(), options_.max_message_size, message, error))
    return Read::kRejected;
  if (router && (message->kind != MessageKind::kTensors || message->request == 0)) {
    *error = {RejectReason::kMalformed,
              msg("a router source takes remote-inference requests (tensors with a request "
                  "id), this is a ",
                  message_kind_name(message->kind), " message with request id ", message->request)};
    return Read::kRejected;
  }
  payload_.clear();
  for (size_t i = 1; i < frames_.size(); ++i) payload_.push_back(std::move(frames_[i]));
  return Read::kMessage;
}

bool Receiver::route(zmq::message_t* parts, size_t n) {
  if (n < 2) return false;
  try {
    if (!socket_.send(parts[0], zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
  } catch (const zmq::error_t&) {  // EHOSTUNREACH: no such peer (ROUTER_MANDATORY)
    return false;
  }
  // Once the identity frame is taken the rest of the message is.
  for (size_t i = 1; i < n; ++i)
    socket_.send(parts[i], i + 1 < n ? zmq::send_flags::sndmore : zmq::send_flags::none);
  return true;
}

SequenceTracker::Seen SequenceTracker::observe(const std::string& sender, uint64_t session,
                                               uint64_t seq, bool data) {
  Seen seen;
  if (tracks_.size() >= kMaxSenders && !tracks_.count(sender)) tracks_.clear();
  auto it = tracks_.find(sender);
  if (it == tracks_.end() || it->second.session != session) {
    tracks_[sender] = Track{session, data ? seq + 1 : seq};
    seen.first = true;
    return seen;
  }
  Track& t = it->second;
  if (seq > t.next) seen.missing = seq - t.next;
  missing_ += seen.missing;
  if (seq >= t.next) t.next = data ? seq + 1 : seq;
  return seen;
}

bool ReportLimiter::should_report(std::chrono::steady_clock::time_point now, uint64_t* since) {
  ++pending_;
  if (reported_ && now - last_ < interval_) return false;
  reported_ = true;
  last_ = now;
  *since = pending_;
  pending_ = 0;
  return true;
}

}  // namespace edge::net
