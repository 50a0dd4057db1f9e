// edgezmqsrc: a GstPushSrc adapter over core/net's wire format and cppzmq.
//
// create() polls the socket with a short timeout so that a state change (unlock) is
// seen within kPollMs; a message is read whole, validated by edge::net::decode_message
// and the element's own caps check, then its payload frames become the buffer's
// memories without a copy.
//
// Accounting: per sender and session the next expected sequence number is tracked;
// a jump counts the skipped numbers as `missing` (what PUB discarded while this hub
// was down or slow, or what the sender dropped at its queue). A sender first seen in
// the middle of a session starts the count at its first message.
#include "plugins/gstedgezmqsrc.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "common/error.h"
#include "net/curve.h"
#include "net/wire.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/common/zmq_route.h"
#include "plugins/common/zmq_socket.h"

GST_DEBUG_CATEGORY_STATIC(edge_zmq_src_debug);
#define GST_CAT_DEFAULT edge_zmq_src_debug

namespace {

constexpr char kDefaultAddress[] = "tcp://127.0.0.1:5555";
constexpr guint kDefaultQueue = 1000;
constexpr guint64 kDefaultMaxMessage = 16 * 1024 * 1024;
constexpr int kPollMs = 50;
constexpr size_t kMaxTrackedSenders = 4096;
// Buffer flags that describe the data and may cross the wire; the rest are local.
constexpr guint32 kWireBufferFlags =
    GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_RESYNC | GST_BUFFER_FLAG_CORRUPTED |
    GST_BUFFER_FLAG_MARKER | GST_BUFFER_FLAG_HEADER | GST_BUFFER_FLAG_GAP |
    GST_BUFFER_FLAG_DROPPABLE | GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_NON_DROPPABLE;

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_MODE,
  PROP_BIND,
  PROP_QUEUE,
  PROP_KEY,
  PROP_AUTHORIZED_KEYS,
  PROP_MAX_MESSAGE_SIZE,
  PROP_LOG,
  PROP_HEARTBEAT_MS,
  PROP_RECEIVED,
  PROP_REJECTED,
  PROP_MISSING,
  PROP_UNAUTHENTICATED,
  PROP_STATS,
  PROP_REPLIES,
  PROP_REPLIES_LOST,
};

// Property values, guarded by the object lock.
struct Settings {
  std::string address = kDefaultAddress;
  GstEdgeZmqSrcMode mode = GST_EDGE_ZMQ_SRC_MODE_SUB;
  bool bind = true;
  guint queue = kDefaultQueue;
  std::string key;
  std::string authorized_keys;
  guint64 max_message_size = kDefaultMaxMessage;
  std::string log;
  guint heartbeat_ms = edge::gst::kDefaultHeartbeatMs;
};

struct Track {
  guint64 session = 0;
  guint64 next = 0;
};

// Runtime state, built in start() and dropped in stop(); used from the streaming thread
// (the ZAP handler has its own thread).
struct State {
  zmq::context_t context{1};
  std::unique_ptr<edge::net::ZapHandler> zap;  // destroyed before the context
  zmq::socket_t socket;
  // mode=router: the channel sinks push replies into, and this thread's end of it
  // (declared channel first, so the socket closes before the channel's context ends).
  std::shared_ptr<edge::gst::ZmqReplyChannel> channel;
  zmq::socket_t replies;
  std::string peer;  // identity frame of the message being read
  size_t max_message_size = kDefaultMaxMessage;
  std::vector<zmq::message_t> frames;
  std::vector<edge::net::Frame> views;
  std::string caps_string;  // of the caps set on the pad
  bool tensors = false;
  std::unordered_map<std::string, Track> tracks;
  std::string last_clip;
  bool pushed_any = false;
  FILE* log = nullptr;

  ~State() {
    if (log) std::fclose(log);
    replies.close();
    socket.close();
    zap.reset();
  }
};

}  // namespace

struct _GstEdgeZmqSrc {
  GstPushSrc parent;
  Settings* settings;
  State* state;
  std::atomic<bool> flushing;
  // Counters of this run, readable from any thread.
  std::atomic<guint64> received;
  std::atomic<guint64> missing;
  std::atomic<guint64> rejected[edge::net::kRejectReasonCount];
  std::atomic<guint64> replies;       // mode=router: replies forwarded to their peer
  std::atomic<guint64> replies_lost;  // mode=router: peer gone or its queue full
  guint64 unauthenticated_last;       // ZAP denials of the last run (object lock)
};

G_DEFINE_TYPE(GstEdgeZmqSrc, gst_edge_zmq_src, GST_TYPE_PUSH_SRC)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS(EDGE_TENSORS_TEMPLATE_CAPS "; audio/x-raw"));

GType gst_edge_zmq_src_mode_get_type(void);
GType gst_edge_zmq_src_mode_get_type(void) {
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

static guint64 total_rejected(GstEdgeZmqSrc* self) {
  guint64 total = 0;
  for (auto& r : self->rejected) total += r.load();
  return total;
}

static guint64 unauthenticated(GstEdgeZmqSrc* self) {  // object lock held
  return self->state && self->state->zap ? self->state->zap->denied() : self->unauthenticated_last;
}

static void gst_edge_zmq_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                          GParamSpec* pspec) {
  auto* self = GST_EDGE_ZMQ_SRC(object);
  GST_OBJECT_LOCK(self);
  Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_ADDRESS:
      edge::gst::zmq_set_endpoint_property("edgezmqsrc", "address", value, &s.address, false);
      break;
    case PROP_MODE:
      s.mode = static_cast<GstEdgeZmqSrcMode>(g_value_get_enum(value));
      break;
    case PROP_BIND:
      s.bind = g_value_get_boolean(value);
      break;
    case PROP_QUEUE:
      s.queue = g_value_get_uint(value);
      break;
    case PROP_KEY: {
      const gchar* v = g_value_get_string(value);
      s.key = v ? v : "";
      break;
    }
    case PROP_AUTHORIZED_KEYS: {
      const gchar* v = g_value_get_string(value);
      s.authorized_keys = v ? v : "";
      break;
    }
    case PROP_MAX_MESSAGE_SIZE:
      s.max_message_size = g_value_get_uint64(value);
      break;
    case PROP_LOG: {
      const gchar* v = g_value_get_string(value);
      s.log = v ? v : "";
      break;
    }
    case PROP_HEARTBEAT_MS:
      s.heartbeat_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_zmq_src_get_property(GObject* object, guint prop_id, GValue* value,
                                          GParamSpec* pspec) {
  auto* self = GST_EDGE_ZMQ_SRC(object);
  GST_OBJECT_LOCK(self);
  const Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_ADDRESS:
      g_value_set_string(value, s.address.c_str());
      break;
    case PROP_MODE:
      g_value_set_enum(value, s.mode);
      break;
    case PROP_BIND:
      g_value_set_boolean(value, s.bind);
      break;
    case PROP_QUEUE:
      g_value_set_uint(value, s.queue);
      break;
    case PROP_KEY:
      g_value_set_string(value, s.key.empty() ? nullptr : s.key.c_str());
      break;
    case PROP_AUTHORIZED_KEYS:
      g_value_set_string(value, s.authorized_keys.empty() ? nullptr : s.authorized_keys.c_str());
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64(value, s.max_message_size);
      break;
    case PROP_LOG:
      g_value_set_string(value, s.log.empty() ? nullptr : s.log.c_str());
      break;
    case PROP_HEARTBEAT_MS:
      g_value_set_uint(value, s.heartbeat_ms);
      break;
    case PROP_RECEIVED:
      g_value_set_uint64(value, self->received.load());
      break;
    case PROP_REJECTED:
      g_value_set_uint64(value, total_rejected(self));
      break;
    case PROP_MISSING:
      g_value_set_uint64(value, self->missing.load());
      break;
    case PROP_UNAUTHENTICATED:
      g_value_set_uint64(value, unauthenticated(self));
      break;
    case PROP_REPLIES:
      g_value_set_uint64(value, self->replies.load());
      break;
    case PROP_REPLIES_LOST:
      g_value_set_uint64(value, self->replies_lost.load());
      break;
    case PROP_STATS: {
      GstStructure* st =
          gst_structure_new("edgestream-zmq-src", "received", G_TYPE_UINT64, self->received.load(),
                            "missing", G_TYPE_UINT64, self->missing.load(), "unauthenticated",
                            G_TYPE_UINT64, unauthenticated(self), "rejected", G_TYPE_UINT64,
                            total_rejected(self), "replies", G_TYPE_UINT64, self->replies.load(),
                            "replies-lost", G_TYPE_UINT64, self->replies_lost.load(), nullptr);
      for (size_t i = 0; i < edge::net::kRejectReasonCount; ++i) {
        std::string name = std::string("rejected-") +
                           edge::net::reject_reason_name(static_cast<edge::net::RejectReason>(i));
        gst_structure_set(st, name.c_str(), G_TYPE_UINT64, self->rejected[i].load(), nullptr);
      }
      g_value_take_boxed(value, st);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static gboolean gst_edge_zmq_src_start(GstBaseSrc* base) {
  auto* self = GST_EDGE_ZMQ_SRC(base);
  GST_OBJECT_LOCK(self);
  Settings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);

  if (!settings.authorized_keys.empty() && settings.key.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("'authorized-keys' needs 'key' (this hub's secret certificate): without "
                       "CURVE there are no keys to check"),
                      (nullptr));
    return FALSE;
  }
  auto state = std::make_unique<State>();
  state->max_message_size = settings.max_message_size;
  try {
    if (!settings.authorized_keys.empty())
      state->zap = std::make_unique<edge::net::ZapHandler>(
          state->context, edge::net::AuthorizedKeys::load_directory(settings.authorized_keys));
    const zmq::socket_type type = settings.mode == GST_EDGE_ZMQ_SRC_MODE_SUB ? zmq::socket_type::sub
                                  : settings.mode == GST_EDGE_ZMQ_SRC_MODE_PULL
                                      ? zmq::socket_type::pull
                                      : zmq::socket_type::router;
    state->socket = zmq::socket_t(state->context, type);
    zmq::socket_t& sock = state->socket;
    if (settings.mode == GST_EDGE_ZMQ_SRC_MODE_ROUTER) {
      // A reply to a peer that is gone fails (and is counted) instead of vanishing.
      sock.set(zmq::sockopt::router_mandatory, 1);
      sock.set(zmq::sockopt::sndhwm, static_cast<int>(settings.queue));
      state->channel = std::make_shared<edge::gst::ZmqReplyChannel>();
      state->replies = zmq::socket_t(state->channel->context, zmq::socket_type::pull);
      state->replies.set(zmq::sockopt::linger, 0);
      state->replies.bind(state->channel->endpoint);
    }
    sock.set(zmq::sockopt::linger, 0);
    edge::gst::zmq_set_heartbeat(sock, settings.heartbeat_ms);
    sock.set(zmq::sockopt::rcvhwm, static_cast<int>(settings.queue));
    // ZeroMQ itself closes a peer's connection on a frame over the limit, before reading it.
    sock.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(settings.max_message_size));
    if (!settings.key.empty()) {
      edge::net::CurveKeyPair own = edge::net::load_secret_certificate(settings.key);
      sock.set(zmq::sockopt::curve_server, 1);
      sock.set(zmq::sockopt::curve_secretkey, own.secret_key);
      if (!state->zap)
        GST_WARNING_OBJECT(self,
                           "CURVE without 'authorized-keys': traffic is encrypted but "
                           "any client that knows this hub's public key may connect");
    }
    if (settings.mode == GST_EDGE_ZMQ_SRC_MODE_SUB) sock.set(zmq::sockopt::subscribe, "");
    if (settings.bind)
      sock.bind(settings.address);
    else
      sock.connect(settings.address);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                      ("Could not %s property 'address' \"%s\": %s",
                       settings.bind ? "bind" : "connect to", settings.address.c_str(), e.what()),
                      (nullptr));
    return FALSE;
  }
  if (!settings.log.empty()) {
    state->log = std::fopen(settings.log.c_str(), "w");
    if (!state->log) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                        ("Could not open property 'log' \"%s\" to write: %s", settings.log.c_str(),
                         g_strerror(errno)),
                        (nullptr));
      return FALSE;
    }
  }
  self->received = 0;
  self->missing = 0;
  self->replies = 0;
  self->replies_lost = 0;
  for (auto& r : self->rejected) r = 0;
  self->flushing = false;
  GST_OBJECT_LOCK(self);
  self->state = state.release();
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_edge_zmq_src_stop(GstBaseSrc* base) {
  auto* self = GST_EDGE_ZMQ_SRC(base);
  GST_OBJECT_LOCK(self);
  State* state = self->state;
  self->state = nullptr;
  if (state && state->zap) self->unauthenticated_last = state->zap->denied();
  GST_OBJECT_UNLOCK(self);
  delete state;
  return TRUE;
}

static gboolean gst_edge_zmq_src_unlock(GstBaseSrc* base) {
  GST_EDGE_ZMQ_SRC(base)->flushing = true;
  return TRUE;
}

static gboolean gst_edge_zmq_src_unlock_stop(GstBaseSrc* base) {
  GST_EDGE_ZMQ_SRC(base)->flushing = false;
  return TRUE;
}

// Caps come from the messages, not from negotiation with downstream.
static gboolean gst_edge_zmq_src_negotiate(GstBaseSrc*) { return TRUE; }

static void write_log(State& st, const nlohmann::json& line) {
  if (!st.log) return;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(st.log, "%s\n", text.c_str());
  std::fflush(st.log);
}

static void reject(GstEdgeZmqSrc* self, edge::net::RejectReason reason, const std::string& why) {
  self->rejected[static_cast<size_t>(reason)]++;
  GST_WARNING_OBJECT(self, "rejected a message (%s): %s", edge::net::reject_reason_name(reason),
                     why.c_str());
  write_log(*self->state, {{"rejected", edge::net::reject_reason_name(reason)}, {"why", why}});
}

// Counts sequence gaps; `data` messages use one number, heartbeats announce the next.
static void track(GstEdgeZmqSrc* self, const edge::net::WireMessage& m) {
  State& st = *self->state;
  if (st.tracks.size() >= kMaxTrackedSenders && !st.tracks.count(m.sender)) st.tracks.clear();
  const bool data = m.kind != edge::net::MessageKind::kHeartbeat;
  auto it = st.tracks.find(m.sender);
  if (it == st.tracks.end() || it->second.session != m.session) {
    st.tracks[m.sender] = Track{m.session, data ? m.seq + 1 : m.seq};
    return;
  }
  Track& t = it->second;
  if (m.seq > t.next) self->missing += m.seq - t.next;
  if (m.seq >= t.next) t.next = data ? m.seq + 1 : m.seq;
}

// Sets the pad caps when the message's differ from the current ones. False: rejected.
static bool update_caps(GstEdgeZmqSrc* self, const std::string& caps_string, GstFlowReturn* ret) {
  State& st = *self->state;
  if (caps_string == st.caps_string) return true;
  GstCaps* caps = gst_caps_from_string(caps_string.c_str());
  std::string why;
  if (!caps || !gst_caps_is_fixed(caps)) {
    why = "caps \"" + caps_string + "\" do not parse as fixed GStreamer caps";
  } else if (gst_structure_has_name(gst_caps_get_structure(caps, 0), EDGE_TENSORS_MIME)) {
    edge::gst::TensorsInfo info;
    if (!edge::gst::tensors_caps_parse(caps, &info, &why)) why = "tensor caps: " + why;
  }
  if (!why.empty()) {
    if (caps) gst_caps_unref(caps);
    reject(self, edge::net::RejectReason::kCaps, why);
    return false;
  }
  GST_INFO_OBJECT(self, "caps from the wire: %" GST_PTR_FORMAT, caps);
  const gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
  gst_caps_unref(caps);
  if (!ok) {
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION,
        ("Downstream refused the caps received from the network: %s", caps_string.c_str()),
        (nullptr));
    *ret = GST_FLOW_NOT_NEGOTIATED;
    return false;
  }
  st.caps_string = caps_string;
  return true;
}

static void free_frame(gpointer data) { delete static_cast<zmq::message_t*>(data); }

// Tensor consumers read payloads as float/int16/int32 arrays, so a frame is wrapped without a
// copy only when ZeroMQ's buffer is 16-byte aligned (large messages usually are); a frame
// sharing ZeroMQ's receive buffer at an odd offset is copied into aligned memory.
static GstMemory* frame_memory(zmq::message_t&& received) {
  const gsize size = received.size();
  if (reinterpret_cast<uintptr_t>(received.data()) % 16 == 0) {
    auto* frame = new zmq::message_t(std::move(received));
    return gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, frame->data(), size, 0, size, frame,
                                  free_frame);
  }
  GstAllocationParams params;
  gst_allocation_params_init(&params);
  params.align = 15;
  GstMemory* memory = gst_allocator_alloc(nullptr, size, &params);
  GstMapInfo map;
  if (memory && gst_memory_map(memory, &map, GST_MAP_WRITE)) {
    std::memcpy(map.data, received.data(), size);
    gst_memory_unmap(memory, &map);
  }
  return memory;
}

static GstBuffer* make_buffer(State& st, const edge::net::WireMessage& m) {
  GstBuffer* buffer = gst_buffer_new();
  for (size_t i = 1; i < st.frames.size(); ++i)
    gst_buffer_append_memory(buffer, frame_memory(std::move(st.frames[i])));
  GST_BUFFER_PTS(buffer) = m.pts;
  GST_BUFFER_DTS(buffer) = m.dts;
  GST_BUFFER_DURATION(buffer) = m.duration;
  GST_BUFFER_OFFSET(buffer) = m.offset;
  GST_BUFFER_OFFSET_END(buffer) = m.offset_end;
  GST_BUFFER_FLAG_SET(buffer, m.buffer_flags & kWireBufferFlags);
  if (m.has_clip) {
    edge::gst::ClipInfo info{m.clip.clip_id, m.clip.label, m.clip.label_index, m.clip.fold,
                             m.clip.source};
    edge::gst::clip_meta_set(buffer, info, m.clip.window_index);
  }
  if (m.kind == edge::net::MessageKind::kResult) {
    std::vector<edge::gst::ClassEntry> entries;
    entries.reserve(m.classes.size());
    for (const auto& c : m.classes) entries.push_back({c.label, c.index, c.score});
    EdgeClassMeta* meta = edge::gst::class_meta_set(buffer, entries, m.latency_ns);
    if (!m.model.empty()) edge::gst::class_meta_set_model(meta, m.model.c_str());
  }
  return buffer;
}

static void log_message(State& st, const edge::net::WireMessage& m) {
  if (!st.log) return;
  nlohmann::json line = {{"sender", m.sender},
                         {"session", m.session},
                         {"seq", m.seq},
                         {"kind", edge::net::message_kind_name(m.kind)}};
  if (m.kind == edge::net::MessageKind::kHeartbeat) {
    line["sent"] = m.sent;
    line["dropped"] = m.dropped;
    line["final"] = (m.flags & edge::net::kFlagFinal) != 0;
  } else {
    if (m.pts != edge::net::kNone) line["pts"] = m.pts;
    if (m.has_clip) {
      line["clip"] = m.clip.clip_id;
      line["window"] = m.clip.window_index;
    }
    if (!m.classes.empty()) {
      line["label"] = m.classes[0].label;
      line["score"] = m.classes[0].score;
    }
    if (m.request != 0) line["request"] = m.request;
    if (!m.model.empty()) line["model"] = m.model;
  }
  write_log(st, line);
}

// mode=router: sends every reply waiting in the channel ([identity, header, payload...])
// out of the ROUTER socket. A reply whose peer is gone or whose queue is full is counted
// lost; the requester's own timeout has it answered locally.
static void forward_replies(GstEdgeZmqSrc* self) {
  State& st = *self->state;
  while (true) {
    zmq::message_t part;
    if (!st.replies.recv(part, zmq::recv_flags::dontwait)) return;
    bool more = part.more();
    bool routed = true;
    try {
      routed = more && st.socket.send(part, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {  // EHOSTUNREACH: no such peer (ROUTER_MANDATORY)
      routed = false;
    }
    // Once the identity frame is taken the rest of the message is; otherwise drain it.
    while (more) {
      zmq::message_t rest;
      if (!st.replies.recv(rest, zmq::recv_flags::dontwait)) break;
      more = rest.more();
      if (routed) st.socket.send(rest, more ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    if (routed) {
      self->replies++;
    } else {
      self->replies_lost++;
      GST_LOG_OBJECT(self, "reply lost: its peer is gone or its queue is full");
    }
  }
}

static GstFlowReturn gst_edge_zmq_src_create(GstPushSrc* push, GstBuffer** out) {
  auto* self = GST_EDGE_ZMQ_SRC(push);
  State& st = *self->state;
  while (true) {
    if (self->flushing) return GST_FLOW_FLUSHING;
    edge::net::WireMessage m;
    try {
      zmq::pollitem_t items[2] = {{static_cast<void*>(st.socket), 0, ZMQ_POLLIN, 0},
                                  {static_cast<void*>(st.replies), 0, ZMQ_POLLIN, 0}};
      const int n_items = st.channel ? 2 : 1;
      if (zmq::poll(items, n_items, std::chrono::milliseconds(kPollMs)) <= 0) continue;
      if (n_items == 2 && (items[1].revents & ZMQ_POLLIN)) forward_replies(self);
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      // A message arrives whole: read all its parts, keeping no more than the format allows.
      st.frames.clear();
      size_t parts = 0;
      if (st.channel) {  // ROUTER: the peer's identity comes first
        zmq::message_t identity;
        if (!st.socket.recv(identity, zmq::recv_flags::dontwait)) continue;
        st.peer.assign(static_cast<const char*>(identity.data()), identity.size());
        if (!identity.more()) continue;
      }
      while (true) {
        zmq::message_t part;
        if (!st.socket.recv(part, zmq::recv_flags::dontwait)) break;
        const bool more = part.more();
        if (++parts <= edge::net::kMaxPayloadFrames + 1) st.frames.push_back(std::move(part));
        if (!more) break;
      }
      if (st.frames.empty()) continue;
      if (parts > st.frames.size()) {
        reject(self, edge::net::RejectReason::kPayload,
               edge::msg("message has ", parts, " frames, at most ",
                         edge::net::kMaxPayloadFrames + 1, " allowed"));
        continue;
      }
    } catch (const zmq::error_t& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not receive from ZeroMQ: %s", e.what()),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    st.views.clear();
    for (const auto& f : st.frames) st.views.push_back({f.data(), f.size()});
    edge::net::DecodeError error;
    if (!edge::net::decode_message(st.views.data(), st.views.size(), st.max_message_size, &m,
                                   &error)) {
      reject(self, error.reason, error.detail);
      continue;
    }
    if (st.channel && (m.kind != edge::net::MessageKind::kTensors || m.request == 0)) {
      reject(
          self, edge::net::RejectReason::kMalformed,
          edge::msg("a router source takes remote-inference requests (tensors with a "
                    "request id), this is a ",
                    edge::net::message_kind_name(m.kind), " message with request id ", m.request));
      continue;
    }
    if (m.kind == edge::net::MessageKind::kHeartbeat) {
      track(self, m);
      log_message(st, m);
      continue;
    }
    GstFlowReturn ret = GST_FLOW_OK;
    if (!update_caps(self, m.caps, &ret)) {
      if (ret != GST_FLOW_OK) return ret;
      continue;
    }
    track(self, m);
    log_message(st, m);
    self->received++;
    // A new clip id is a clip boundary downstream (the first buffer needs none).
    if (m.has_clip && m.clip.clip_id != st.last_clip) {
      if (st.pushed_any) {
        edge::gst::ClipInfo info{m.clip.clip_id, m.clip.label, m.clip.label_index, m.clip.fold,
                                 m.clip.source};
        gst_pad_push_event(GST_BASE_SRC_PAD(self), edge::gst::clip_event_new(info));
      }
      st.last_clip = m.clip.clip_id;
    }
    st.pushed_any = true;
    *out = make_buffer(st, m);
    if (st.channel) edge::gst::zmq_route_meta_add(*out, {st.channel, st.peer, m.request});
    return GST_FLOW_OK;
  }
}

static void gst_edge_zmq_src_finalize(GObject* object) {
  auto* self = GST_EDGE_ZMQ_SRC(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_zmq_src_parent_class)->finalize(object);
}

static void gst_edge_zmq_src_class_init(GstEdgeZmqSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* base_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass* push_class = GST_PUSH_SRC_CLASS(klass);
  gobject_class->set_property = gst_edge_zmq_src_set_property;
  gobject_class->get_property = gst_edge_zmq_src_get_property;
  gobject_class->finalize = gst_edge_zmq_src_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_ADDRESS,
      g_param_spec_string("address", "Address",
                          "ZeroMQ endpoint: tcp://HOST:PORT, ipc:///path or inproc://name",
                          kDefaultAddress, rw));
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode",
                        "Socket pattern: sub (a hub of results), pull (work) or router "
                        "(remote-inference requests)",
                        gst_edge_zmq_src_mode_get_type(), GST_EDGE_ZMQ_SRC_MODE_SUB, rw));
  g_object_class_install_property(
      gobject_class, PROP_BIND,
      g_param_spec_boolean("bind", "Bind", "Bind the address (a hub) instead of connecting to it",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_QUEUE,
      g_param_spec_uint("queue", "Queue (messages)",
                        "Messages ZeroMQ may hold per peer before the peer's own policy applies "
                        "(ZMQ_RCVHWM)",
                        1, 1000000, kDefaultQueue, rw));
  g_object_class_install_property(
      gobject_class, PROP_KEY,
      g_param_spec_string("key", "Key",
                          "CURVE: this hub's secret certificate file (NAME.key_secret); makes "
                          "the socket a CURVE server",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_AUTHORIZED_KEYS,
      g_param_spec_string("authorized-keys", "Authorized keys",
                          "CURVE: directory of device public certificates (*.key); only these "
                          "may connect (needs 'key')",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_MESSAGE_SIZE,
      g_param_spec_uint64("max-message-size", "Largest message (bytes)",
                          "Messages larger than this (all frames) are rejected; a single frame "
                          "over it closes the sender's connection",
                          1024, G_GUINT64_CONSTANT(1) << 32, kDefaultMaxMessage, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOG,
      g_param_spec_string("log", "Log file",
                          "Write one JSON line per message received or rejected (sender, "
                          "session, seq, kind, pts, clip, label)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_HEARTBEAT_MS,
      g_param_spec_uint("heartbeat-ms", "Heartbeat interval (ms)",
                        "ZMTP PING interval to every peer; a peer silent for 3 intervals is "
                        "dropped, so a vanished device is noticed within 3x this. 0: no "
                        "heartbeats",
                        0, edge::gst::kMaxHeartbeatMs, edge::gst::kDefaultHeartbeatMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECEIVED,
      g_param_spec_uint64("received", "Received", "Data messages accepted in this run", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_REJECTED,
      g_param_spec_uint64("rejected", "Rejected",
                          "Messages refused as malformed, of another version, oversized, with "
                          "bad caps or payloads (see 'stats' per reason)",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_MISSING,
      g_param_spec_uint64("missing", "Missing",
                          "Sequence numbers skipped by senders' messages (lost or dropped)", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_UNAUTHENTICATED,
      g_param_spec_uint64("unauthenticated", "Unauthenticated",
                          "CURVE handshakes refused because the key is not authorized", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_REPLIES,
      g_param_spec_uint64("replies", "Replies",
                          "mode=router: replies sent back to the peers that asked", 0, G_MAXUINT64,
                          0, ro));
  g_object_class_install_property(
      gobject_class, PROP_REPLIES_LOST,
      g_param_spec_uint64("replies-lost", "Replies lost",
                          "mode=router: replies not sent because the peer was gone or its "
                          "queue full",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "received, missing, unauthenticated, rejected and rejected-<reason> "
                         "(malformed, version, oversized, caps, payload), replies, replies-lost",
                         GST_TYPE_STRUCTURE, ro));

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream ZeroMQ source", "Source/Network",
      "Receives tensors or results with their caps and metadata over ZeroMQ SUB or PULL",
      "edgestream developers");
  base_class->start = gst_edge_zmq_src_start;
  base_class->stop = gst_edge_zmq_src_stop;
  base_class->unlock = gst_edge_zmq_src_unlock;
  base_class->unlock_stop = gst_edge_zmq_src_unlock_stop;
  base_class->negotiate = gst_edge_zmq_src_negotiate;
  push_class->create = gst_edge_zmq_src_create;
  GST_DEBUG_CATEGORY_INIT(edge_zmq_src_debug, "edgezmqsrc", 0, "edgestream ZeroMQ source");
}

static void gst_edge_zmq_src_init(GstEdgeZmqSrc* self) {
  self->settings = new Settings();
  self->state = nullptr;
  new (&self->flushing) std::atomic<bool>(false);
  new (&self->received) std::atomic<guint64>(0);
  new (&self->missing) std::atomic<guint64>(0);
  new (&self->replies) std::atomic<guint64>(0);
  new (&self->replies_lost) std::atomic<guint64>(0);
  for (auto& r : self->rejected) new (&r) std::atomic<guint64>(0);
  self->unauthenticated_last = 0;
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}
