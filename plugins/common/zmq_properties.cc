#include "plugins/common/zmq_properties.h"

#include <gst/gst.h>

#include <cstring>

#include "net/wire.h"
#include "plugins/common/zmq_socket.h"

namespace edge::gst {

namespace {

const auto kRW =
    static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
const auto kRO = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

// Sink ids 1..14 and source ids 1..16, in the order gst-inspect-1.0 lists them.
enum SinkProp : guint {
  kSinkAddress = 1,
  kSinkMode,
  kSinkBind,
  kSinkSenderId,
  kSinkQueue,
  kSinkPolicy,
  kSinkServerKey,
  kSinkKey,
  kSinkLingerMs,
  kSinkReconnectMs,
  kSinkReconnectMaxMs,
  kSinkHeartbeatMs,
};
static_assert(kSinkHeartbeatMs + 1 == kZmqSinkPropSent, "counters follow the settings");
enum SrcProp : guint {
  kSrcAddress = 1,
  kSrcMode,
  kSrcBind,
  kSrcQueue,
  kSrcKey,
  kSrcAuthorizedKeys,
  kSrcMaxMessageSize,
  kSrcLog,
  kSrcHeartbeatMs,
};
static_assert(kSrcHeartbeatMs + 1 == kZmqSrcPropReceived, "counters follow the settings");

GType sink_mode_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {GST_EDGE_ZMQ_SINK_MODE_PUB, "PUB: to every connected subscriber (results to a hub)",
         "pub"},
        {GST_EDGE_ZMQ_SINK_MODE_PUSH, "PUSH: each message to one puller, round robin (work)",
         "push"},
        {GST_EDGE_ZMQ_SINK_MODE_ROUTER,
         "ROUTER: each buffer is the reply to the request it carries, sent back through "
         "the edgezmqsrc mode=router that received it",
         "router"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstEdgeZmqSinkMode", values));
  }
  return type;
}

GType policy_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {GST_EDGE_ZMQ_POLICY_DROP, "Drop the buffer and count it when the queue is full", "drop"},
        {GST_EDGE_ZMQ_POLICY_BLOCK, "Wait for room in the queue (back-pressure upstream)", "block"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstEdgeZmqPolicy", values));
  }
  return type;
}

GType src_mode_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {GST_EDGE_ZMQ_SRC_MODE_SUB, "SUB: everything every publisher sends (a hub)", "sub"},
        {GST_EDGE_ZMQ_SRC_MODE_PULL, "PULL: a fair share of what pushers send (a worker)", "pull"},
        {GST_EDGE_ZMQ_SRC_MODE_ROUTER,
         "ROUTER: remote-inference requests; edgezmqsink mode=router sends the replies", "router"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstEdgeZmqSrcMode", values));
  }
  return type;
}

void install(GObjectClass* klass, guint id, GParamSpec* spec) {
  g_object_class_install_property(klass, id, spec);
}

GParamSpec* counter(const char* name, const char* nick, const char* blurb) {
  return g_param_spec_uint64(name, nick, blurb, 0, G_MAXUINT64, 0, kRO);
}

// The shared settings, with each element's own wording where the two sides differ.
void install_address(GObjectClass* klass, guint id) {
  install(klass, id,
          g_param_spec_string("address", "Address",
                              "ZeroMQ endpoint: tcp://HOST:PORT, ipc:///path or inproc://name",
                              kZmqDefaultAddress, kRW));
}
void install_queue(GObjectClass* klass, guint id, const char* blurb) {
  install(klass, id,
          g_param_spec_uint("queue", "Queue (messages)", blurb, 1, 1000000, kZmqDefaultQueue, kRW));
}
void install_key(GObjectClass* klass, guint id, const char* blurb) {
  install(klass, id, g_param_spec_string("key", "Key", blurb, nullptr, kRW));
}
void install_heartbeat(GObjectClass* klass, guint id, const char* blurb) {
  install(klass, id,
          g_param_spec_uint("heartbeat-ms", "Heartbeat interval (ms)", blurb, 0,
                            net::kMaxHeartbeatMs, net::kDefaultHeartbeatMs, kRW));
}

void set_string(const GValue* value, std::string* out) {
  const gchar* v = g_value_get_string(value);
  *out = v ? v : "";
}
void get_string(GValue* value, const std::string& s) {
  g_value_set_string(value, s.empty() ? nullptr : s.c_str());
}

// The shared settings by their name (ids differ between the elements).
bool set_socket(const char* element, ZmqSocketSettings* s, const char* name, const GValue* value) {
  if (!std::strcmp(name, "address"))
    zmq_set_address_keeping_invalid(element, "address", value, &s->address);
  else if (!std::strcmp(name, "bind"))
    s->bind = g_value_get_boolean(value);
  else if (!std::strcmp(name, "queue"))
    s->queue = g_value_get_uint(value);
  else if (!std::strcmp(name, "key"))
    set_string(value, &s->key);
  else if (!std::strcmp(name, "heartbeat-ms"))
    s->heartbeat_ms = g_value_get_uint(value);
  else
    return false;
  return true;
}

bool get_socket(const ZmqSocketSettings& s, const char* name, GValue* value) {
  if (!std::strcmp(name, "address"))
    g_value_set_string(value, s.address.c_str());
  else if (!std::strcmp(name, "bind"))
    g_value_set_boolean(value, s.bind);
  else if (!std::strcmp(name, "queue"))
    g_value_set_uint(value, s.queue);
  else if (!std::strcmp(name, "key"))
    get_string(value, s.key);
  else if (!std::strcmp(name, "heartbeat-ms"))
    g_value_set_uint(value, s.heartbeat_ms);
  else
    return false;
  return true;
}

const char* sink_name(guint id) {
  switch (id) {
    case kSinkAddress:
      return "address";
    case kSinkBind:
      return "bind";
    case kSinkQueue:
      return "queue";
    case kSinkKey:
      return "key";
    case kSinkHeartbeatMs:
      return "heartbeat-ms";
    default:
      return "";
  }
}

const char* src_name(guint id) {
  switch (id) {
    case kSrcAddress:
      return "address";
    case kSrcBind:
      return "bind";
    case kSrcQueue:
      return "queue";
    case kSrcKey:
      return "key";
    case kSrcHeartbeatMs:
      return "heartbeat-ms";
    default:
      return "";
  }
}

}  // namespace

void zmq_sink_install_properties(GObjectClass* k) {
  install_address(k, kSinkAddress);
  install(k, kSinkMode,
          g_param_spec_enum("mode", "Mode",
                            "Socket pattern: pub (results), push (work) or router (replies to "
                            "remote-inference requests)",
                            sink_mode_type(), GST_EDGE_ZMQ_SINK_MODE_PUB, kRW));
  install(k, kSinkBind,
          g_param_spec_boolean("bind", "Bind",
                               "Bind the address instead of connecting to it (a fleet's edges "
                               "connect; the hub binds)",
                               FALSE, kRW));
  install(k, kSinkSenderId,
          g_param_spec_string("sender-id", "Sender id",
                              "Name of this sender in every message (unset: HOST/element-name)",
                              nullptr, kRW));
  install_queue(k, kSinkQueue,
                "Messages ZeroMQ may hold per peer before the policy applies (ZMQ_SNDHWM)");
  install(k, kSinkPolicy,
          g_param_spec_enum("policy", "Policy",
                            "When no receiver is there yet or its queue is full: drop the "
                            "buffer and count it, or block until one can take it",
                            policy_type(), GST_EDGE_ZMQ_POLICY_DROP, kRW));
  install(k, kSinkServerKey,
          g_param_spec_string("server-key", "Server key",
                              "CURVE: the hub's public certificate file (NAME.key); needs 'key'",
                              nullptr, kRW));
  install_key(k, kSinkKey,
              "CURVE: this device's secret certificate file (NAME.key_secret); needs "
              "'server-key'");
  install(k, kSinkLingerMs,
          g_param_spec_uint("linger-ms", "Linger (ms)",
                            "At the end, how long a hub that is away may take to come back for "
                            "the messages queued for it, and queued messages may still leave "
                            "(bounded: stopping never hangs)",
                            0, 60000, 500, kRW));
  install(k, kSinkReconnectMs,
          g_param_spec_uint("reconnect-ms", "Reconnect interval (ms)",
                            "First wait before reconnecting to a lost peer (ZMQ_RECONNECT_IVL)", 1,
                            60000, 100, kRW));
  install(k, kSinkReconnectMaxMs,
          g_param_spec_uint("reconnect-max-ms", "Longest reconnect interval (ms)",
                            "Reconnect waits double up to this (ZMQ_RECONNECT_IVL_MAX; 0: no "
                            "backoff)",
                            0, 600000, 2000, kRW));
  install_heartbeat(k, kSinkHeartbeatMs,
                    "ZMTP PING interval; a connection silent for 3 intervals is dropped (and "
                    "reconnected when this side connects), so a vanished peer is noticed within "
                    "3x this. 0: no heartbeats");
  install(k, kZmqSinkPropSent, counter("sent", "Sent", "Messages handed to ZeroMQ in this run"));
  install(k, kZmqSinkPropDropped,
          counter("dropped", "Dropped",
                  "Buffers not delivered in this run: no receiver yet or its queue full "
                  "(policy=drop), or still queued for an absent hub at the end"));
}

bool zmq_sink_set_property(ZmqSinkSettings* s, guint id, const GValue* value) {
  switch (id) {
    case kSinkMode:
      s->mode = static_cast<GstEdgeZmqSinkMode>(g_value_get_enum(value));
      return true;
    case kSinkSenderId: {
      const gchar* v = g_value_get_string(value);
      if (v && (std::strlen(v) > net::kMaxString || !g_utf8_validate(v, -1, nullptr)))
        g_warning("edgezmqsink: property 'sender-id' must be UTF-8 of at most %zu bytes",
                  net::kMaxString);
      else
        s->sender_id = v ? v : "";
      return true;
    }
    case kSinkPolicy:
      s->policy = static_cast<GstEdgeZmqPolicy>(g_value_get_enum(value));
      return true;
    case kSinkServerKey:
      set_string(value, &s->server_key);
      return true;
    case kSinkLingerMs:
      s->linger_ms = g_value_get_uint(value);
      return true;
    case kSinkReconnectMs:
      s->reconnect_ms = g_value_get_uint(value);
      return true;
    case kSinkReconnectMaxMs:
      s->reconnect_max_ms = g_value_get_uint(value);
      return true;
    default:
      return set_socket("edgezmqsink", s, sink_name(id), value);
  }
}

bool zmq_sink_get_property(const ZmqSinkSettings& s, guint id, GValue* value) {
  switch (id) {
    case kSinkMode:
      g_value_set_enum(value, s.mode);
      return true;
    case kSinkSenderId:
      get_string(value, s.sender_id);
      return true;
    case kSinkPolicy:
      g_value_set_enum(value, s.policy);
      return true;
    case kSinkServerKey:
      get_string(value, s.server_key);
      return true;
    case kSinkLingerMs:
      g_value_set_uint(value, s.linger_ms);
      return true;
    case kSinkReconnectMs:
      g_value_set_uint(value, s.reconnect_ms);
      return true;
    case kSinkReconnectMaxMs:
      g_value_set_uint(value, s.reconnect_max_ms);
      return true;
    default:
      return get_socket(s, sink_name(id), value);
  }
}

void zmq_src_install_properties(GObjectClass* k) {
  install_address(k, kSrcAddress);
  install(k, kSrcMode,
          g_param_spec_enum("mode", "Mode",
                            "Socket pattern: sub (a hub of results), pull (work) or router "
                            "(remote-inference requests)",
                            src_mode_type(), GST_EDGE_ZMQ_SRC_MODE_SUB, kRW));
  install(k, kSrcBind,
          g_param_spec_boolean("bind", "Bind",
                               "Bind the address (a hub) instead of connecting to it", TRUE, kRW));
  install_queue(k, kSrcQueue,
                "Messages ZeroMQ may hold per peer before the peer's own policy applies "
                "(ZMQ_RCVHWM)");
  install_key(k, kSrcKey,
              "CURVE: this hub's secret certificate file (NAME.key_secret); makes the socket "
              "a CURVE server");
  install(k, kSrcAuthorizedKeys,
          g_param_spec_string("authorized-keys", "Authorized keys",
                              "CURVE: directory of device public certificates (*.key); only "
                              "these may connect (needs 'key')",
                              nullptr, kRW));
  install(k, kSrcMaxMessageSize,
          g_param_spec_uint64("max-message-size", "Largest message (bytes)",
                              "Messages larger than this (all frames) are rejected; a single "
                              "frame over it closes the sender's connection",
                              1024, G_GUINT64_CONSTANT(1) << 32, 16 * 1024 * 1024, kRW));
  install(k, kSrcLog,
          g_param_spec_string("log", "Log file",
                              "Append one JSON line per message received or rejected (sender, "
                              "session, seq, kind, pts, clip, label) and one per start",
                              nullptr, kRW));
  install_heartbeat(k, kSrcHeartbeatMs,
                    "ZMTP PING interval to every peer; a peer silent for 3 intervals is "
                    "dropped, so a vanished device is noticed within 3x this. 0: no heartbeats");
  install(k, kZmqSrcPropReceived,
          counter("received", "Received", "Data messages accepted in this run"));
  install(k, kZmqSrcPropRejected,
          counter("rejected", "Rejected",
                  "Messages refused as malformed, of another version, oversized, with bad caps "
                  "or payloads, or with caps the graph downstream does not take (see 'stats' "
                  "per reason)"));
  install(k, kZmqSrcPropMissing,
          counter("missing", "Missing",
                  "Sequence numbers skipped by senders' messages (lost or dropped)"));
  install(k, kZmqSrcPropUnauthenticated,
          counter("unauthenticated", "Unauthenticated",
                  "CURVE handshakes refused because the key is not authorized"));
  install(k, kZmqSrcPropStats,
          g_param_spec_boxed("stats", "Statistics",
                             "received, missing, unauthenticated, rejected and rejected-<reason> "
                             "(malformed, version, oversized, caps, payload, refused), replies, "
                             "replies-lost",
                             GST_TYPE_STRUCTURE, kRO));
  install(k, kZmqSrcPropReplies,
          counter("replies", "Replies", "mode=router: replies sent back to the peers that asked"));
  install(k, kZmqSrcPropRepliesLost,
          counter("replies-lost", "Replies lost",
                  "mode=router: replies not sent because the peer was gone or its queue full"));
}

bool zmq_src_set_property(ZmqSrcSettings* s, guint id, const GValue* value) {
  switch (id) {
    case kSrcMode:
      s->mode = static_cast<GstEdgeZmqSrcMode>(g_value_get_enum(value));
      return true;
    case kSrcAuthorizedKeys:
      set_string(value, &s->authorized_keys);
      return true;
    case kSrcMaxMessageSize:
      s->max_message_size = g_value_get_uint64(value);
      return true;
    case kSrcLog:
      set_string(value, &s->log);
      return true;
    default:
      return set_socket("edgezmqsrc", s, src_name(id), value);
  }
}

bool zmq_src_get_property(const ZmqSrcSettings& s, guint id, GValue* value) {
  switch (id) {
    case kSrcMode:
      g_value_set_enum(value, s.mode);
      return true;
    case kSrcAuthorizedKeys:
      get_string(value, s.authorized_keys);
      return true;
    case kSrcMaxMessageSize:
      g_value_set_uint64(value, s.max_message_size);
      return true;
    case kSrcLog:
      get_string(value, s.log);
      return true;
    default:
      return get_socket(s, src_name(id), value);
  }
}

}  // namespace edge::gst
