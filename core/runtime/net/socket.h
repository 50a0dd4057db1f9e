// ZeroMQ socket settings that every edgestream socket shares (edgezmqsink, edgezmqsrc,
// remote inference): endpoints, ZMTP heartbeats, CURVE, and the connection monitor that
// tells a sender whether its handshakes succeed.
//
// Endpoints: edgestream uses tcp://HOST:PORT (HOST a name, an address, [IPv6], an
// interface or * to bind every interface; PORT 1..65535; ZeroMQ's "SOURCE;HOST:PORT"
// form for a connect is allowed), ipc:///path and inproc://name. endpoint_problem() is
// the one check, so a wrong address is refused where it is set, with a sentence that
// says what is wrong, instead of ZeroMQ binding something else (a port above 65535
// silently became a random one).
//
// ConnectionMonitor reads zmq_socket_monitor()'s events for one socket (tcp:// and ipc://;
// inproc:// has none and counts as connected): whether a connection has completed its
// handshake now, and whether handshakes fail in a way that retrying will not mend (a
// CURVE key the server refuses, a server key that is not the server's, CURVE on one side
// only). libzmq >= 4.3 reports these events.
//
// Thread safety: free functions; a socket and its monitor are used from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace edge::net {

// "" when `address` is an endpoint edgestream uses, else why not, for a person
// ("port 99999 is not 1..65535").
std::string endpoint_problem(const std::string& address);

// ZMTP heartbeats: a PING every interval; a connection silent for kHeartbeatDeadFactor
// intervals is closed (a connecting socket then reconnects).
constexpr uint32_t kDefaultHeartbeatMs = 1000;
constexpr uint32_t kMaxHeartbeatMs = 600000;
constexpr uint32_t kHeartbeatDeadFactor = 3;
// Longest a connection may take for its ZMTP/CURVE handshake (ZMQ_HANDSHAKE_IVL).
constexpr int kHandshakeTimeoutMs = 5000;

// Turns ZMTP heartbeats on (interval_ms > 0) or leaves them off (0): PING every interval,
// the peer is asked to drop us after kHeartbeatDeadFactor intervals without traffic (TTL),
// and we drop a peer whose PONG does not come within as long (TIMEOUT).
void set_heartbeat(zmq::socket_t& socket, uint32_t interval_ms);

// Makes `socket` a CURVE client: this device's secret certificate file and the server's
// public certificate file (net/curve.h). Throws edge::Error naming a file that cannot be
// read, holds no key, or (server_key_file) is a secret certificate.
void set_curve_client(zmq::socket_t& socket, const std::string& key_file,
                      const std::string& server_key_file);

// What zmq_socket_monitor() said about a socket's connections.
class ConnectionMonitor {
 public:
  // Starts monitoring `socket`, which must not have connected or bound yet; `endpoint` is
  // the address it will use (inproc:// has no events: it then counts as connected).
  ConnectionMonitor(zmq::context_t& context, zmq::socket_t& socket, const std::string& endpoint);
  ~ConnectionMonitor();
  ConnectionMonitor(const ConnectionMonitor&) = delete;
  ConnectionMonitor& operator=(const ConnectionMonitor&) = delete;

  // Reads every event waiting; never blocks.
  void update();
  // For zmq_poll: readable when events wait.
  zmq::socket_t& events() { return pair_; }

  // Connections whose handshake completed and that have not closed since.
  int connected() const { return connected_; }
  // A handshake has completed at least once.
  bool ever_connected() const { return ever_connected_; }
  // Non-empty once handshakes fail in a way retrying will not mend: what happened and what
  // to check, for a person. Handshake failures without detail (the server closed the
  // connection during it) count when kFailuresBeforeError come in a row.
  const std::string& failure() const { return failure_; }
  static constexpr int kFailuresBeforeError = 3;

 private:
  void on_event(uint16_t event, uint32_t value);

  zmq::socket_t* socket_ = nullptr;
  zmq::socket_t pair_;
  std::string endpoint_;
  bool inproc_ = false;
  int connected_ = 0;
  bool ever_connected_ = false;
  int failures_in_a_row_ = 0;
  int pending_failures_ = 0;  // failed handshakes whose DISCONNECTED is still to come
  std::string failure_;
};

}  // namespace edge::net
