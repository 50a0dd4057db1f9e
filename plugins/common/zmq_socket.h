// Socket settings that edgezmqsink, edgezmqsrc and edgeinfer's remote inference share, as
// element properties: endpoints, ZMTP heartbeats and the CURVE client side. The rules are
// core/runtime/net/socket.h's; this is their GValue side.
//
// Thread safety: free functions; a socket is only touched from the thread that owns it.
#pragma once

#include <glib-object.h>

#include <string>
#include <zmq.hpp>

#include "net/socket.h"

namespace edge::gst {

constexpr guint kDefaultHeartbeatMs = net::kDefaultHeartbeatMs;
constexpr guint kMaxHeartbeatMs = net::kMaxHeartbeatMs;
constexpr guint kHeartbeatDeadFactor = net::kHeartbeatDeadFactor;

// True for an endpoint edgestream uses (net::endpoint_problem() finds nothing wrong).
bool zmq_endpoint_valid(const char* address);

// Sets *address from a string property value. A value that is not an endpoint is
// refused with a warning naming `element`'s `property` and what is wrong, and *address is
// kept. With `allow_empty`, NULL or "" clears *address (an optional endpoint).
void zmq_set_endpoint_property(const char* element, const char* property, const GValue* value,
                               std::string* address, bool allow_empty);

inline void zmq_set_heartbeat(zmq::socket_t& socket, guint interval_ms) {
  net::set_heartbeat(socket, interval_ms);
}

// Makes `socket` a CURVE client (net::set_curve_client): throws edge::Error naming a key
// file that cannot be read, holds no key, or is a secret certificate given as server key.
inline void zmq_set_curve_client(zmq::socket_t& socket, const std::string& key_file,
                                 const std::string& server_key_file) {
  net::set_curve_client(socket, key_file, server_key_file);
}

}  // namespace edge::gst
