#include "net/socket.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>

#include "common/error.h"
#include "net/curve.h"

namespace edge::net {

namespace {

constexpr char kExpected[] = "expected tcp://HOST:PORT, ipc:///path or inproc://name";

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "HOST:PORT" of a tcp:// endpoint.
std::string tcp_problem(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  const size_t bracket = host_port.rfind(']');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket))
    return msg("\"", host_port, "\" has no port: ", kExpected);
  const std::string host = host_port.substr(0, colon);
  const std::string port = host_port.substr(colon + 1);
  if (host.empty()) return msg("\"", host_port, "\" has no host (use * for every interface)");
  if (host.front() == '[' && host.back() != ']')
    return msg("\"", host, "\" opens an IPv6 address with '[' but does not close it");
  for (char c : host)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/')
      return msg("host \"", host, "\" contains a space or '/'");
  if (!all_digits(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535)
    return msg("port ", port.empty() ? "(none)" : port, " is not 1..65535");
  return "";
}

}  // namespace

std::string endpoint_problem(const std::string& address) {
  const size_t sep = address.find("://");
  if (sep == std::string::npos || sep == 0)
    return msg("\"", address, "\" is not a ZeroMQ endpoint: ", kExpected);
  const std::string scheme = address.substr(0, sep);
  const std::string rest = address.substr(sep + 3);
  if (scheme == "tcp") {
    // ZeroMQ's "SOURCE;HOST:PORT" binds the connection's local end to SOURCE.
    const size_t semicolon = rest.find(';');
    if (semicolon != std::string::npos) {
      const std::string source = rest.substr(0, semicolon);
      if (source.find(':') != std::string::npos) {
        std::string why = tcp_problem(source);
        if (!why.empty()) return "source " + why;
      } else if (source.empty()) {
        return "the source before ';' is empty";
      }
      return tcp_problem(rest.substr(semicolon + 1));
    }
    return tcp_problem(rest);
  }
  if (scheme == "ipc") return rest.empty() ? "an ipc:// endpoint needs a path: ipc:///path" : "";
  if (scheme == "inproc") return rest.empty() ? "an inproc:// endpoint needs a name" : "";
  return msg("transport ", scheme, ":// is not one edgestream uses: ", kExpected);
}

void set_heartbeat(zmq::socket_t& socket, uint32_t interval_ms) {
  if (interval_ms == 0) return;
  const int dead_ms =
      static_cast<int>(std::min<uint32_t>(interval_ms, kMaxHeartbeatMs) * kHeartbeatDeadFactor);
  socket.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(interval_ms));
  socket.set(zmq::sockopt::heartbeat_timeout, dead_ms);
  // TTL travels in the PING in tenths of a second, at most 6553.5 s.
  socket.set(zmq::sockopt::heartbeat_ttl, std::min(dead_ms, 6553500));
}

void set_curve_client(zmq::socket_t& socket, const std::string& key_file,
                      const std::string& server_key_file) {
  const CurveKeyPair own = load_secret_certificate(key_file);
  socket.set(zmq::sockopt::curve_serverkey, load_public_certificate(server_key_file));
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

ConnectionMonitor::ConnectionMonitor(zmq::context_t& context, zmq::socket_t& socket,
                                     const std::string& endpoint)
    : socket_(&socket), pair_(context, zmq::socket_type::pair), endpoint_(endpoint) {
  inproc_ = endpoint.compare(0, 9, "inproc://") == 0;
  pair_.set(zmq::sockopt::linger, 0);
  if (inproc_) {  // no events on inproc://: the peer is there once bound
    connected_ = 1;
    ever_connected_ = true;
    return;
  }
  static std::atomic<uint64_t> next{0};
  const std::string monitor = "inproc://edgestream-monitor-" + std::to_string(next++);
  const int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                     ZMQ_EVENT_DISCONNECTED;
  if (zmq_socket_monitor(socket.handle(), monitor.c_str(), events) != 0) throw zmq::error_t();
  pair_.connect(monitor);
}

ConnectionMonitor::~ConnectionMonitor() {
  if (!inproc_ && socket_->handle() != nullptr) zmq_socket_monitor(socket_->handle(), nullptr, 0);
  pair_.close();
}

void ConnectionMonitor::update() {
  if (inproc_) return;
  while (true) {
    zmq::message_t head;
    if (!pair_.recv(head, zmq::recv_flags::dontwait)) return;
    // Two frames: 16-bit event and 32-bit value, then the endpoint.
    if (head.more()) {
      zmq::message_t address;
      (void)pair_.recv(address);
    }
    if (head.size() < 6) continue;
    uint16_t event = 0;
    uint32_t value = 0;
    std::memcpy(&event, head.data(), 2);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, 4);
    on_event(event, value);
  }
}

void ConnectionMonitor::on_event(uint16_t event, uint32_t value) {
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      ++connected_;
      ever_connected_ = true;
      failures_in_a_row_ = 0;
      break;
    case ZMQ_EVENT_DISCONNECTED:
      // Every connection that never completed its handshake reported a failure first and
      // was not counted; one that did is gone now.
      if (pending_failures_ > 0)
        --pending_failures_;
      else if (connected_ > 0)
        --connected_;
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      ++pending_failures_;
      if (failure_.empty())
        failure_ =
            msg("the server at ", endpoint_, " refused this side's CURVE key (status ", value,
                "): its public certificate (NAME.key) is not in the server's "
                "authorized-keys directory");
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      ++pending_failures_;
      if (!failure_.empty()) break;
      if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        failure_ = msg("the server at ", endpoint_,
                       " and this side disagree about CURVE: one of them has keys and the "
                       "other not (set key and server-key here and key on the server, or "
                       "neither)");
      else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
        failure_ = msg("the CURVE handshake with ", endpoint_,
                       " did not decrypt: server-key is not the server's public certificate");
      else
        failure_ = msg("the peer at ", endpoint_, " broke the ZeroMQ handshake (protocol error 0x",
                       std::hex, value, std::dec, "): is it an edgestream hub or server?");
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      ++pending_failures_;
      if (++failures_in_a_row_ >= kFailuresBeforeError && failure_.empty())
        failure_ = msg("the server at ", endpoint_, " closed ", failures_in_a_row_,
                       " handshakes in a row before they completed: with CURVE, server-key "
                       "is probably not the server's public certificate, or the server "
                       "wants CURVE keys this side does not have");
      break;
    default:
      break;
  }
}

}  // namespace edge::net
