#include "plugins/common/zmq_socket.h"

#include <algorithm>
#include <cstring>

#include "net/curve.h"

namespace edge::gst {

bool zmq_endpoint_valid(const char* address) {
  if (!address) return false;
  const char* sep = std::strstr(address, "://");
  return sep && sep != address && sep[3] != '\0';
}

void zmq_set_endpoint_property(const char* element, const char* property, const GValue* value,
                               std::string* address, bool allow_empty) {
  const gchar* v = g_value_get_string(value);
  if (allow_empty && (!v || !*v)) {
    address->clear();
  } else if (!zmq_endpoint_valid(v)) {
    g_warning(
        "%s: property '%s' must be a ZeroMQ endpoint such as tcp://127.0.0.1:5555 or "
        "ipc:///tmp/hub, not \"%s\"; keeping \"%s\"",
        element, property, v ? v : "(null)", address->c_str());
  } else {
    *address = v;
  }
}

void zmq_set_heartbeat(zmq::socket_t& socket, guint interval_ms) {
  if (interval_ms == 0) return;
  const int dead_ms = static_cast<int>(
      std::min<guint>(interval_ms * kHeartbeatDeadFactor, kMaxHeartbeatMs * kHeartbeatDeadFactor));
  socket.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(interval_ms));
  socket.set(zmq::sockopt::heartbeat_timeout, dead_ms);
  // TTL travels in the PING in tenths of a second, at most 6553.5 s.
  socket.set(zmq::sockopt::heartbeat_ttl, std::min(dead_ms, 6553500));
}

void zmq_set_curve_client(zmq::socket_t& socket, const std::string& key_file,
                          const std::string& server_key_file) {
  const net::CurveKeyPair own = net::load_secret_certificate(key_file);
  socket.set(zmq::sockopt::curve_serverkey, net::load_public_key(server_key_file));
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

}  // namespace edge::gst
