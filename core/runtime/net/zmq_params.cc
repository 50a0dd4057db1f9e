#include "net/zmq_params.h"

#include "net/wire.h"

namespace edge::net {
namespace {

using params::TableBuilder;

std::string check_endpoint(const params::Value& v) { return endpoint_problem(v.s); }

std::string check_sender_id(const params::Value& v) {
  if (v.s.size() > kMaxString) return "longer than " + std::to_string(kMaxString) + " bytes";
  if (!valid_utf8(v.s)) return "not valid UTF-8";
  return "";
}

// The shared settings, one helper each, so both elements declare them the same way and in
// the order gst-inspect-1.0 has always listed them. `doc` is the element's own wording.
template <class S, class C>
void address(TableBuilder<S, C>& b) {
  // An address that is not an endpoint is kept (with a warning) so that start fails with
  // the reason, rather than the element running on the previous address.
  b.text("address", "Address", "ZeroMQ endpoint: tcp://HOST:PORT, ipc:///path or inproc://name",
         &S::address)
      .check(check_endpoint, "tcp://HOST:PORT (PORT 1..65535), ipc:///path or inproc://name")
      .keep_invalid();
}
template <class S, class C>
void bind(TableBuilder<S, C>& b, const char* doc) {
  b.boolean("bind", "Bind", doc, &S::bind);
}
template <class S, class C>
void queue(TableBuilder<S, C>& b, const char* doc) {
  b.number("queue", "Queue (messages)", doc, static_cast<uint32_t S::*>(&S::queue), 1u, 1000000u);
}
template <class S, class C>
void key(TableBuilder<S, C>& b, const char* doc) {
  b.text("key", "Key", doc, &S::key).nullable();
}
template <class S, class C>
void heartbeat(TableBuilder<S, C>& b, const char* doc) {
  b.number("heartbeat-ms", "Heartbeat interval (ms)", doc,
           static_cast<uint32_t S::*>(&S::heartbeat_ms), 0u, kMaxHeartbeatMs);
}

}  // namespace

const params::Table& zmq_sink_params() {
  static const params::Table table = [] {
    using S = ZmqSinkSettings;
    using C = ZmqSinkStatistics;
    TableBuilder<S, C> b("edgezmqsink",
                         "Sends tensors or results with their caps and metadata over ZeroMQ PUB "
                         "or PUSH");
    address(b);
    b.choice(
        "mode", "Mode",
        "Socket pattern: pub (results), push (work) or router (replies to remote-inference "
        "requests)",
        &S::mode, "GstEdgeZmqSinkMode",
        {{int(SinkMode::kPub), "pub", "PUB: to every connected subscriber (results to a hub)"},
         {int(SinkMode::kPush), "push", "PUSH: each message to one puller, round robin (work)"},
         {int(SinkMode::kRouter), "router",
          "ROUTER: each buffer is the reply to the request it carries, sent back through the "
          "edgezmqsrc mode=router that received it"}});
    bind(b,
         "Bind the address instead of connecting to it (a fleet's edges connect; the hub binds)");
    b.text("sender-id", "Sender id",
           "Name of this sender in every message (unset: HOST/element-name)", &S::sender_id)
        .nullable()
        .check(check_sender_id, "UTF-8 of at most 4096 bytes");
    queue(b, "Messages ZeroMQ may hold per peer before the policy applies (ZMQ_SNDHWM)");
    b.choice("policy", "Policy",
             "When no receiver is there yet or its queue is full: drop the buffer and count it, "
             "or block until one can take it",
             &S::policy, "GstEdgeZmqPolicy",
             {{int(QueuePolicy::kDrop), "drop",
               "Drop the buffer and count it when no receiver can take it"},
              {int(QueuePolicy::kBlock), "block",
               "Wait for a receiver with room (back-pressure upstream)"}});
    b.text("server-key", "Server key",
           "CURVE: the hub's public certificate file (NAME.key); needs 'key'", &S::server_key)
        .nullable();
    key(b, "CURVE: this device's secret certificate file (NAME.key_secret); needs 'server-key'");
    b.number("linger-ms", "Linger (ms)",
             "At the end, how long a hub that is away may take to come back for the messages "
             "queued for it, and queued messages may still leave (bounded: stopping never hangs)",
             &S::linger_ms, 0u, 60000u);
    b.number("reconnect-ms", "Reconnect interval (ms)",
             "First wait before reconnecting to a lost peer (ZMQ_RECONNECT_IVL)", &S::reconnect_ms,
             1u, 60000u);
    b.number("reconnect-max-ms", "Longest reconnect interval (ms)",
             "Reconnect waits double up to this (ZMQ_RECONNECT_IVL_MAX; 0: no backoff)",
             &S::reconnect_max_ms, 0u, 600000u);
    heartbeat(b,
              "ZMTP PING interval; a connection silent for 3 intervals is dropped (and "
              "reconnected when this side connects), so a vanished peer is noticed within 3x "
              "this. 0: no heartbeats");
    b.statistic("sent", "Sent", "Messages handed to ZeroMQ in this run", &C::sent);
    b.statistic("dropped", "Dropped",
                "Buffers not delivered in this run: no receiver yet or its queue full "
                "(policy=drop), or still queued for an absent hub at the end",
                &C::dropped);
    return b.build();
  }();
  return table;
}

const params::Table& zmq_source_params() {
  static const params::Table table = [] {
    using S = ZmqSourceSettings;
    using C = ZmqSourceStatistics;
    TableBuilder<S, C> b("edgezmqsrc",
                         "Receives tensors or results with their caps and metadata over ZeroMQ "
                         "SUB or PULL");
    address(b);
    b.choice(
        "mode", "Mode",
        "Socket pattern: sub (a hub of results), pull (work) or router (remote-inference "
        "requests)",
        &S::mode, "GstEdgeZmqSrcMode",
        {{int(SourceMode::kSub), "sub", "SUB: everything every publisher sends (a hub)"},
         {int(SourceMode::kPull), "pull", "PULL: a fair share of what pushers send (a worker)"},
         {int(SourceMode::kRouter), "router",
          "ROUTER: remote-inference requests; edgezmqsink mode=router sends the replies"}});
    bind(b, "Bind the address (a hub) instead of connecting to it");
    queue(b, "Messages ZeroMQ may hold per peer before the peer's own policy applies (ZMQ_RCVHWM)");
    key(b,
        "CURVE: this hub's secret certificate file (NAME.key_secret); makes the socket a CURVE "
        "server");
    b.text("authorized-keys", "Authorized keys",
           "CURVE: directory of device public certificates (*.key); only these may connect "
           "(needs 'key')",
           &S::authorized_keys)
        .nullable();
    b.number("max-message-size", "Largest message (bytes)",
             "Messages larger than this (all frames) are rejected; a single frame over it closes "
             "the sender's connection",
             &S::max_message_size, uint64_t{1024}, uint64_t{1} << 32);
    b.text("log", "Log file",
           "Append one JSON line per message received or rejected (sender, session, seq, kind, "
           "pts, clip, label) and one per start",
           &S::log)
        .nullable();
    heartbeat(b,
              "ZMTP PING interval to every peer; a peer silent for 3 intervals is dropped, so a "
              "vanished device is noticed within 3x this. 0: no heartbeats");
    b.statistic("received", "Received", "Data messages accepted in this run", &C::received);
    b.statistic("rejected", "Rejected",
                "Messages refused as malformed, of another version, oversized, with bad caps or "
                "payloads, or with caps the graph downstream does not take (see 'stats' per "
                "reason)",
                &C::rejected);
    b.statistic("missing", "Missing",
                "Sequence numbers skipped by senders' messages (lost or dropped)", &C::missing);
    b.statistic("unauthenticated", "Unauthenticated",
                "CURVE handshakes refused because the key is not authorized", &C::unauthenticated);
    b.statistic("replies", "Replies", "mode=router: replies sent back to the peers that asked",
                &C::replies);
    b.statistic("replies-lost", "Replies lost",
                "mode=router: replies not sent because the peer was gone or its queue full",
                &C::replies_lost);
    return b.build();
  }();
  return table;
}

SenderOptions sender_options(const ZmqSinkSettings& s) {
  SenderOptions o;
  o.pattern = s.mode == SinkMode::kPush ? SendPattern::kPush : SendPattern::kPublish;
  o.address = s.address;
  o.bind = s.bind;
  o.queue = s.queue;
  o.policy = s.policy == QueuePolicy::kBlock ? SendPolicy::kBlock : SendPolicy::kDrop;
  o.key_file = s.key;
  o.server_key_file = s.server_key;
  o.linger_ms = s.linger_ms;
  o.reconnect_ms = s.reconnect_ms;
  o.reconnect_max_ms = s.reconnect_max_ms;
  o.heartbeat_ms = s.heartbeat_ms;
  return o;
}

ReceiverOptions receiver_options(const ZmqSourceSettings& s) {
  ReceiverOptions o;
  o.pattern = s.mode == SourceMode::kSub    ? ReceivePattern::kSubscribe
              : s.mode == SourceMode::kPull ? ReceivePattern::kPull
                                            : ReceivePattern::kRouter;
  o.address = s.address;
  o.bind = s.bind;
  o.queue = s.queue;
  o.key_file = s.key;
  o.authorized_keys = s.authorized_keys;
  o.max_message_size = s.max_message_size;
  o.heartbeat_ms = s.heartbeat_ms;
  return o;
}

}  // namespace edge::net
