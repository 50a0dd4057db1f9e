// Socket settings that edgezmqsink, edgezmqsrc and edgeinfer's remote inference share:
// endpoint properties, ZMTP heartbeats and the CURVE client side.
//
// Thread safety: free functions; a socket is only touched from the thread that owns it.
#pragma once

#include <glib-object.h>

#include <string>
#include <zmq.hpp>

namespace edge::gst {

// ZMTP heartbeats: a PING every `heartbeat-ms`; a connection silent for
// kHeartbeatDeadFactor intervals is closed (a connecting socket then reconnects).
constexpr guint kDefaultHeartbeatMs = 1000;
constexpr guint kMaxHeartbeatMs = 600000;
constexpr guint kHeartbeatDeadFactor = 3;

// True for "scheme://rest" (tcp://, ipc://, inproc:// and ZeroMQ's other transports).
bool zmq_endpoint_valid(const char* address);

// Sets *address from a string property value. A value that is not an endpoint is
// refused with a warning naming `element`'s `property` and *address is kept. With
// `allow_empty`, NULL or "" clears *address (an optional endpoint).
void zmq_set_endpoint_property(const char* element, const char* property, const GValue* value,
                               std::string* address, bool allow_empty);

// Turns ZMTP heartbeats on (interval_ms > 0) or leaves them off (0): PING every
// interval, the peer is asked to drop us after kHeartbeatDeadFactor intervals without
// traffic (TTL), and we drop a peer whose PONG does not come within as long (TIMEOUT).
void zmq_set_heartbeat(zmq::socket_t& socket, guint interval_ms);

// Makes `socket` a CURVE client: this device's secret certificate file and the server's
// public certificate file (core/runtime/net/curve.h formats). Throws edge::Error naming a file
// that cannot be read or holds no key.
void zmq_set_curve_client(zmq::socket_t& socket, const std::string& key_file,
                          const std::string& server_key_file);

}  // namespace edge::gst
