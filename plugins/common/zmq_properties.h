// The properties of edgezmqsink and edgezmqsrc, declared in one place: the settings both
// sockets share (address, bind, queue, key, heartbeat-ms) once, each element's own beside
// them. Elements keep typed Settings under their object lock and read counters themselves.
//
// Thread safety: the set/get functions touch one Settings object: the caller holds its lock.
#pragma once

#include <glib-object.h>

#include <string>

#include "net/socket.h"
#include "plugins/gstedgezmqsink.h"
#include "plugins/gstedgezmqsrc.h"

namespace edge::gst {

constexpr char kZmqDefaultAddress[] = "tcp://127.0.0.1:5555";
constexpr guint kZmqDefaultQueue = 1000;

// What both sockets are configured with.
struct ZmqSocketSettings {
  std::string address = kZmqDefaultAddress;
  bool bind = false;
  guint queue = kZmqDefaultQueue;
  std::string key;  // CURVE: this side's secret certificate
  guint heartbeat_ms = net::kDefaultHeartbeatMs;
};

struct ZmqSinkSettings : ZmqSocketSettings {
  GstEdgeZmqSinkMode mode = GST_EDGE_ZMQ_SINK_MODE_PUB;
  std::string sender_id;  // empty: "<host>/<element name>"
  GstEdgeZmqPolicy policy = GST_EDGE_ZMQ_POLICY_DROP;
  std::string server_key;
  guint linger_ms = 500;
  guint reconnect_ms = 100;
  guint reconnect_max_ms = 2000;
};

struct ZmqSrcSettings : ZmqSocketSettings {
  ZmqSrcSettings() { bind = true; }  // a hub binds
  GstEdgeZmqSrcMode mode = GST_EDGE_ZMQ_SRC_MODE_SUB;
  std::string authorized_keys;
  guint64 max_message_size = 16 * 1024 * 1024;
  std::string log;
};

// Read-only properties the elements answer themselves (ids as installed).
enum : guint { kZmqSinkPropSent = 13, kZmqSinkPropDropped = 14 };
enum : guint {
  kZmqSrcPropReceived = 10,
  kZmqSrcPropRejected,
  kZmqSrcPropMissing,
  kZmqSrcPropUnauthenticated,
  kZmqSrcPropStats,
  kZmqSrcPropReplies,
  kZmqSrcPropRepliesLost,
};

void zmq_sink_install_properties(GObjectClass* klass);
void zmq_src_install_properties(GObjectClass* klass);
// False when `id` is not a setting (a counter, or unknown).
bool zmq_sink_set_property(ZmqSinkSettings* s, guint id, const GValue* value);
bool zmq_sink_get_property(const ZmqSinkSettings& s, guint id, GValue* value);
bool zmq_src_set_property(ZmqSrcSettings* s, guint id, const GValue* value);
bool zmq_src_get_property(const ZmqSrcSettings& s, guint id, GValue* value);

}  // namespace edge::gst
