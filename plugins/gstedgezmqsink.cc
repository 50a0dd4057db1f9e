// edgezmqsink: a GstBaseSink adapter over core/net's wire format and cppzmq.
//
// Accounting (docs/network.md): every buffer takes the next sequence number of this
// run's session, whether ZeroMQ takes it or not, so at any time
//   seq (attempted) = sent + dropped
// and a receiver counts the rest (PUB silently discards what no subscriber is
// connected for) as gaps in the sequence. At EOS a final heartbeat carries these
// counters to the receiver and an "edgestream-zmq-sink" message posts them on the bus.
#include "plugins/gstedgezmqsink.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "common/error.h"
#include "net/wire.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/common/zmq_route.h"
#include "plugins/common/zmq_socket.h"

GST_DEBUG_CATEGORY_STATIC(edge_zmq_sink_debug);
#define GST_CAT_DEFAULT edge_zmq_sink_debug

namespace {

constexpr char kDefaultAddress[] = "tcp://127.0.0.1:5555";
constexpr guint kDefaultQueue = 1000;
constexpr guint kDefaultLingerMs = 500;
constexpr guint kDefaultReconnectMs = 100;
constexpr guint kDefaultReconnectMaxMs = 2000;
constexpr int kPollMs = 50;  // how often a blocked send looks at the flushing flag

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_MODE,
  PROP_BIND,
  PROP_SENDER_ID,
  PROP_QUEUE,
  PROP_POLICY,
  PROP_SERVER_KEY,
  PROP_KEY,
  PROP_LINGER_MS,
  PROP_RECONNECT_MS,
  PROP_RECONNECT_MAX_MS,
  PROP_HEARTBEAT_MS,
  PROP_SENT,
  PROP_DROPPED,
};

// Property values, guarded by the object lock.
struct Settings {
  std::string address = kDefaultAddress;
  GstEdgeZmqSinkMode mode = GST_EDGE_ZMQ_SINK_MODE_PUB;
  bool bind = false;
  std::string sender_id;  // empty: "<host>/<element name>"
  guint queue = kDefaultQueue;
  GstEdgeZmqPolicy policy = GST_EDGE_ZMQ_POLICY_DROP;
  std::string server_key;
  std::string key;
  guint linger_ms = kDefaultLingerMs;
  guint reconnect_ms = kDefaultReconnectMs;
  guint reconnect_max_ms = kDefaultReconnectMaxMs;
  guint heartbeat_ms = edge::gst::kDefaultHeartbeatMs;
};

// Runtime state, built in start() and dropped in stop(); used from the streaming thread.
struct State {
  zmq::context_t context{1};
  zmq::socket_t socket;
  // mode=router: the reply channel of the source that received the requests, and this
  // thread's PUSH into it (channel declared first: the socket closes before it ends).
  std::shared_ptr<edge::gst::ZmqReplyChannel> channel;
  zmq::socket_t replies;
  bool router = false;
  bool warned_unroutable = false;
  guint queue = kDefaultQueue;
  edge::net::WireMessage message;  // reused: fields are overwritten per buffer
  std::string header;              // reused encode buffer
  bool have_caps = false;
  edge::net::PayloadLayout layout;
  bool block = false;
  bool final_sent = false;
};

}  // namespace

struct _GstEdgeZmqSink {
  GstBaseSink parent;
  Settings* settings;
  State* state;
  std::atomic<bool> flushing;
  // Counters of this run (reset at start), readable from any thread.
  std::atomic<guint64> seq;
  std::atomic<guint64> sent;
  std::atomic<guint64> dropped;
};

G_DEFINE_TYPE(GstEdgeZmqSink, gst_edge_zmq_sink, GST_TYPE_BASE_SINK)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS(EDGE_TENSORS_TEMPLATE_CAPS "; audio/x-raw"));

GType gst_edge_zmq_sink_mode_get_type(void);
GType gst_edge_zmq_sink_mode_get_type(void) {
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

GType gst_edge_zmq_policy_get_type(void);
GType gst_edge_zmq_policy_get_type(void) {
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

static void gst_edge_zmq_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                           GParamSpec* pspec) {
  auto* self = GST_EDGE_ZMQ_SINK(object);
  GST_OBJECT_LOCK(self);
  Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_ADDRESS:
      edge::gst::zmq_set_endpoint_property("edgezmqsink", "address", value, &s.address, false);
      break;
    case PROP_MODE:
      s.mode = static_cast<GstEdgeZmqSinkMode>(g_value_get_enum(value));
      break;
    case PROP_BIND:
      s.bind = g_value_get_boolean(value);
      break;
    case PROP_SENDER_ID: {
      const gchar* v = g_value_get_string(value);
      const size_t len = v ? std::strlen(v) : 0;
      if (len > edge::net::kMaxString || (v && !g_utf8_validate(v, -1, nullptr)))
        g_warning("edgezmqsink: property 'sender-id' must be UTF-8 of at most %zu bytes",
                  edge::net::kMaxString);
      else
        s.sender_id = v ? v : "";
      break;
    }
    case PROP_QUEUE:
      s.queue = g_value_get_uint(value);
      break;
    case PROP_POLICY:
      s.policy = static_cast<GstEdgeZmqPolicy>(g_value_get_enum(value));
      break;
    case PROP_SERVER_KEY: {
      const gchar* v = g_value_get_string(value);
      s.server_key = v ? v : "";
      break;
    }
    case PROP_KEY: {
      const gchar* v = g_value_get_string(value);
      s.key = v ? v : "";
      break;
    }
    case PROP_LINGER_MS:
      s.linger_ms = g_value_get_uint(value);
      break;
    case PROP_RECONNECT_MS:
      s.reconnect_ms = g_value_get_uint(value);
      break;
    case PROP_RECONNECT_MAX_MS:
      s.reconnect_max_ms = g_value_get_uint(value);
      break;
    case PROP_HEARTBEAT_MS:
      s.heartbeat_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_zmq_sink_get_property(GObject* object, guint prop_id, GValue* value,
                                           GParamSpec* pspec) {
  auto* self = GST_EDGE_ZMQ_SINK(object);
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
    case PROP_SENDER_ID:
      g_value_set_string(value, s.sender_id.empty() ? nullptr : s.sender_id.c_str());
      break;
    case PROP_QUEUE:
      g_value_set_uint(value, s.queue);
      break;
    case PROP_POLICY:
      g_value_set_enum(value, s.policy);
      break;
    case PROP_SERVER_KEY:
      g_value_set_string(value, s.server_key.empty() ? nullptr : s.server_key.c_str());
      break;
    case PROP_KEY:
      g_value_set_string(value, s.key.empty() ? nullptr : s.key.c_str());
      break;
    case PROP_LINGER_MS:
      g_value_set_uint(value, s.linger_ms);
      break;
    case PROP_RECONNECT_MS:
      g_value_set_uint(value, s.reconnect_ms);
      break;
    case PROP_RECONNECT_MAX_MS:
      g_value_set_uint(value, s.reconnect_max_ms);
      break;
    case PROP_HEARTBEAT_MS:
      g_value_set_uint(value, s.heartbeat_ms);
      break;
    case PROP_SENT:
      g_value_set_uint64(value, self->sent.load());
      break;
    case PROP_DROPPED:
      g_value_set_uint64(value, self->dropped.load());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static gboolean gst_edge_zmq_sink_start(GstBaseSink* sink) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  GST_OBJECT_LOCK(self);
  Settings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);

  if (settings.key.empty() != settings.server_key.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("CURVE needs both 'key' (this device's secret certificate) and "
                       "'server-key' (the hub's public certificate); only '%s' is set",
                       settings.key.empty() ? "server-key" : "key"),
                      (nullptr));
    return FALSE;
  }
  auto state = std::make_unique<State>();
  state->router = settings.mode == GST_EDGE_ZMQ_SINK_MODE_ROUTER;
  state->queue = settings.queue;
  try {
    if (!state->router) {  // router: replies leave through the source's socket
      state->socket = zmq::socket_t(state->context, settings.mode == GST_EDGE_ZMQ_SINK_MODE_PUB
                                                        ? zmq::socket_type::pub
                                                        : zmq::socket_type::push);
      zmq::socket_t& sock = state->socket;
      sock.set(zmq::sockopt::sndhwm, static_cast<int>(settings.queue));
      sock.set(zmq::sockopt::linger, static_cast<int>(settings.linger_ms));
      sock.set(zmq::sockopt::reconnect_ivl, static_cast<int>(settings.reconnect_ms));
      sock.set(zmq::sockopt::reconnect_ivl_max, static_cast<int>(settings.reconnect_max_ms));
      // PUB normally discards silently at the high-water mark; make it say so, so it is counted.
      if (settings.mode == GST_EDGE_ZMQ_SINK_MODE_PUB) sock.set(zmq::sockopt::xpub_nodrop, 1);
      edge::gst::zmq_set_heartbeat(sock, settings.heartbeat_ms);
      if (!settings.key.empty())
        edge::gst::zmq_set_curve_client(sock, settings.key, settings.server_key);
      if (settings.bind)
        sock.bind(settings.address);
      else
        sock.connect(settings.address);
    }
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                      ("Could not %s property 'address' \"%s\": %s",
                       settings.bind ? "bind" : "connect to", settings.address.c_str(), e.what()),
                      (nullptr));
    return FALSE;
  }

  edge::net::WireMessage& m = state->message;
  if (settings.sender_id.empty()) {
    gchar* name = gst_object_get_name(GST_OBJECT(self));
    m.sender = std::string(g_get_host_name()) + "/" + name;
    g_free(name);
  } else {
    m.sender = settings.sender_id;
  }
  m.session = (static_cast<guint64>(g_random_int()) << 32) | g_random_int();
  state->block = settings.policy == GST_EDGE_ZMQ_POLICY_BLOCK;
  state->header.reserve(1024);
  self->seq = 0;
  self->sent = 0;
  self->dropped = 0;
  self->flushing = false;
  GST_OBJECT_LOCK(self);
  self->state = state.release();
  GST_OBJECT_UNLOCK(self);
  GST_INFO_OBJECT(self, "%s %s as \"%s\"", settings.bind ? "bound" : "connecting to",
                  settings.address.c_str(), self->state->message.sender.c_str());
  return TRUE;
}

static gboolean gst_edge_zmq_sink_stop(GstBaseSink* sink) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  GST_OBJECT_LOCK(self);
  State* state = self->state;
  self->state = nullptr;
  GST_OBJECT_UNLOCK(self);
  // Closing the socket and the context waits at most linger-ms for queued messages.
  delete state;
  return TRUE;
}

static gboolean gst_edge_zmq_sink_set_caps(GstBaseSink* sink, GstCaps* caps) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  State& st = *self->state;
  gchar* text = gst_caps_to_string(caps);
  std::string caps_string = text;
  g_free(text);
  std::string error;
  if (caps_string.size() > edge::net::kMaxCapsString) {
    GST_ERROR_OBJECT(self, "caps string is %zu bytes, the wire format carries at most %zu",
                     caps_string.size(), edge::net::kMaxCapsString);
    return FALSE;
  }
  if (!edge::net::payload_layout_from_caps(caps_string, &st.layout, &error)) {
    GST_ERROR_OBJECT(self, "cannot send these caps: %s", error.c_str());
    return FALSE;
  }
  st.message.caps = caps_string;
  st.have_caps = true;
  return TRUE;
}

namespace {

// Keeps a GstMemory mapped, and its buffer alive, while ZeroMQ still sends from it.
struct MappedPayload {
  GstBuffer* buffer;
  GstMemory* memory;
  GstMapInfo map;
};

void release_payload(void*, void* hint) {
  auto* p = static_cast<MappedPayload*>(hint);
  gst_memory_unmap(p->memory, &p->map);
  gst_buffer_unref(p->buffer);
  delete p;
}

}  // namespace

// Sends frame 0 per the policy. Returns GST_FLOW_OK when sent, GST_FLOW_CUSTOM_SUCCESS
// when dropped, GST_FLOW_FLUSHING when interrupted, GST_FLOW_ERROR on a socket error.
// mode=router: the peer's identity goes first, and once it is queued the rest follows.
static GstFlowReturn send_header(GstEdgeZmqSink* self, bool more, const std::string* peer) {
  State& st = *self->state;
  zmq::socket_t& sock = st.router ? st.replies : st.socket;
  const auto flags =
      more ? zmq::send_flags::sndmore | zmq::send_flags::dontwait : zmq::send_flags::dontwait;
  try {
    while (true) {
      const bool queued =
          peer ? sock.send(zmq::buffer(*peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)
                     .has_value()
               : sock.send(zmq::buffer(st.header), flags).has_value();
      if (queued) {
        if (peer)
          sock.send(zmq::buffer(st.header),
                    more ? zmq::send_flags::sndmore : zmq::send_flags::none);
        return GST_FLOW_OK;
      }
      if (!st.block) return GST_FLOW_CUSTOM_SUCCESS;
      zmq::pollitem_t item{static_cast<void*>(sock), 0, ZMQ_POLLOUT, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(kPollMs));
      if (self->flushing) return GST_FLOW_FLUSHING;
    }
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not send to ZeroMQ: %s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
}

static GstFlowReturn gst_edge_zmq_sink_render(GstBaseSink* sink, GstBuffer* buffer) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  State& st = *self->state;
  if (!st.have_caps) return GST_FLOW_NOT_NEGOTIATED;
  edge::net::WireMessage& m = st.message;

  // Payload frames: one per tensor memory, or the whole buffer for audio.
  const guint n_memory = gst_buffer_n_memory(buffer);
  m.payload_sizes.clear();
  if (st.layout.audio) {
    const gsize size = gst_buffer_get_size(buffer);
    if (size == 0 || size % st.layout.frame_bytes != 0) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                        ("Audio buffer of %" G_GSIZE_FORMAT " bytes is not whole %" G_GUINT64_FORMAT
                         "-byte frames",
                         size, st.layout.frame_bytes),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    m.payload_sizes.push_back(size);
  } else {
    if (n_memory != st.layout.sizes.size()) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                        ("Buffer has %u memories, its caps describe %zu tensors (one GstMemory "
                         "per tensor expected)",
                         n_memory, st.layout.sizes.size()),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    for (guint i = 0; i < n_memory; ++i) {
      const gsize size = gst_memory_get_sizes(gst_buffer_peek_memory(buffer, i), nullptr, nullptr);
      if (size != st.layout.sizes[i]) {
        GST_ELEMENT_ERROR(
            self, STREAM, FORMAT,
            ("Tensor %u is %" G_GSIZE_FORMAT " bytes, its caps say %" G_GUINT64_FORMAT, i, size,
             st.layout.sizes[i]),
            (nullptr));
        return GST_FLOW_ERROR;
      }
      m.payload_sizes.push_back(size);
    }
  }

  m.seq = self->seq.fetch_add(1);
  m.pts = GST_BUFFER_PTS(buffer);
  m.dts = GST_BUFFER_DTS(buffer);
  m.duration = GST_BUFFER_DURATION(buffer);
  m.offset = GST_BUFFER_OFFSET(buffer);
  m.offset_end = GST_BUFFER_OFFSET_END(buffer);
  m.buffer_flags = GST_BUFFER_FLAGS(buffer);
  EdgeClipMeta* clip = edge_buffer_get_clip_meta(buffer);
  m.has_clip = clip != nullptr;
  if (clip) {
    m.clip.clip_id = clip->clip_id ? clip->clip_id : "";
    m.clip.label = clip->label ? clip->label : "";
    m.clip.label_index = clip->label_index;
    m.clip.fold = clip->fold;
    m.clip.source = clip->source ? clip->source : "";
    m.clip.window_index = clip->window_index;
  }
  EdgeClassMeta* classes = edge_buffer_get_class_meta(buffer);
  m.kind = classes ? edge::net::MessageKind::kResult : edge::net::MessageKind::kTensors;
  m.classes.resize(classes ? classes->n_entries : 0);
  for (size_t i = 0; i < m.classes.size(); ++i) {
    const EdgeClassEntry& e = classes->entries[i];
    m.classes[i].label = e.label ? e.label : "";
    m.classes[i].index = e.index;
    m.classes[i].score = e.score;
  }
  m.latency_ns = classes ? classes->latency_ns : 0;
  m.model = classes && classes->model ? classes->model : "";
  const std::string* peer = nullptr;
  if (st.router) {
    EdgeZmqRouteMeta* route = edge_buffer_get_zmq_route_meta(buffer);
    if (!route || !route->route || !route->route->channel) {
      if (!st.warned_unroutable)
        GST_WARNING_OBJECT(self,
                           "mode=router: a buffer without a request route (no "
                           "edgezmqsrc mode=router upstream?) is dropped and counted");
      st.warned_unroutable = true;
      self->dropped++;
      return GST_FLOW_OK;
    }
    if (route->route->channel != st.channel) {  // first reply, or the source restarted
      try {
        st.replies.close();
        st.channel = route->route->channel;
        st.replies = zmq::socket_t(st.channel->context, zmq::socket_type::push);
        st.replies.set(zmq::sockopt::linger, 0);
        st.replies.set(zmq::sockopt::sndhwm, static_cast<int>(st.queue));
        st.replies.connect(st.channel->endpoint);
      } catch (const zmq::error_t& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                          ("Could not open the reply channel of the router source: %s", e.what()),
                          (nullptr));
        return GST_FLOW_ERROR;
      }
    }
    m.request = route->route->request;
    peer = &route->route->peer;
  }
  edge::net::encode_header(m, &st.header);

  GstFlowReturn ret = send_header(self, true, peer);
  if (ret == GST_FLOW_CUSTOM_SUCCESS) {
    self->dropped++;
    GST_LOG_OBJECT(self, "queue full: dropped message %" G_GUINT64_FORMAT, m.seq);
    return GST_FLOW_OK;
  }
  if (ret != GST_FLOW_OK) return ret;

  // Once the first part is queued, ZeroMQ takes the rest of the message whole.
  try {
    const guint n_frames = st.layout.audio ? 1 : n_memory;
    for (guint i = 0; i < n_frames; ++i) {
      auto* payload = new MappedPayload{gst_buffer_ref(buffer), nullptr, GstMapInfo()};
      payload->memory = st.layout.audio ? gst_buffer_get_all_memory(buffer)
                                        : gst_memory_ref(gst_buffer_peek_memory(buffer, i));
      if (!gst_memory_map(payload->memory, &payload->map, GST_MAP_READ)) {
        gst_memory_unref(payload->memory);
        gst_buffer_unref(payload->buffer);
        delete payload;
        GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not map payload memory %u", i), (nullptr));
        return GST_FLOW_ERROR;
      }
      zmq::message_t frame(payload->map.data, payload->map.size, release_payload, payload);
      (st.router ? st.replies : st.socket)
          .send(frame, i + 1 < n_frames ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not send a payload to ZeroMQ: %s", e.what()),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  self->sent++;
  return GST_FLOW_OK;
}

// The final heartbeat and the bus summary, once per run.
static void send_final(GstEdgeZmqSink* self) {
  State& st = *self->state;
  if (st.final_sent) return;
  st.final_sent = true;
  edge::net::WireMessage hb;
  hb.kind = edge::net::MessageKind::kHeartbeat;
  hb.flags = edge::net::kFlagFinal;
  hb.sender = st.message.sender;
  hb.session = st.message.session;
  hb.seq = self->seq;
  hb.sent = self->sent;
  hb.dropped = self->dropped;
  edge::net::encode_header(hb, &st.header);
  try {
    // Replies go to many peers, each with its own accounting: no heartbeat there.
    if (!st.router) st.socket.send(zmq::buffer(st.header), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    GST_WARNING_OBJECT(self, "final heartbeat not sent: %s", e.what());
  }
  GstStructure* s = gst_structure_new("edgestream-zmq-sink", "sender", G_TYPE_STRING,
                                      hb.sender.c_str(), "session", G_TYPE_UINT64, hb.session,
                                      "attempted", G_TYPE_UINT64, hb.seq, "sent", G_TYPE_UINT64,
                                      hb.sent, "dropped", G_TYPE_UINT64, hb.dropped, nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static gboolean gst_edge_zmq_sink_event(GstBaseSink* sink, GstEvent* event) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && self->state) send_final(self);
  return GST_BASE_SINK_CLASS(gst_edge_zmq_sink_parent_class)->event(sink, event);
}

static gboolean gst_edge_zmq_sink_unlock(GstBaseSink* sink) {
  GST_EDGE_ZMQ_SINK(sink)->flushing = true;
  return TRUE;
}

static gboolean gst_edge_zmq_sink_unlock_stop(GstBaseSink* sink) {
  GST_EDGE_ZMQ_SINK(sink)->flushing = false;
  return TRUE;
}

static void gst_edge_zmq_sink_finalize(GObject* object) {
  auto* self = GST_EDGE_ZMQ_SINK(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_zmq_sink_parent_class)->finalize(object);
}

static void gst_edge_zmq_sink_class_init(GstEdgeZmqSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass* sink_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->set_property = gst_edge_zmq_sink_set_property;
  gobject_class->get_property = gst_edge_zmq_sink_get_property;
  gobject_class->finalize = gst_edge_zmq_sink_finalize;

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
                        "Socket pattern: pub (results), push (work) or router (replies to "
                        "remote-inference requests)",
                        gst_edge_zmq_sink_mode_get_type(), GST_EDGE_ZMQ_SINK_MODE_PUB, rw));
  g_object_class_install_property(
      gobject_class, PROP_BIND,
      g_param_spec_boolean("bind", "Bind",
                           "Bind the address instead of connecting to it (a fleet's edges "
                           "connect; the hub binds)",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_SENDER_ID,
      g_param_spec_string("sender-id", "Sender id",
                          "Name of this sender in every message (unset: HOST/element-name)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_QUEUE,
      g_param_spec_uint("queue", "Queue (messages)",
                        "Messages ZeroMQ may hold per peer before the policy applies "
                        "(ZMQ_SNDHWM)",
                        1, 1000000, kDefaultQueue, rw));
  g_object_class_install_property(
      gobject_class, PROP_POLICY,
      g_param_spec_enum("policy", "Policy",
                        "When the queue is full: drop the buffer and count it, or block",
                        gst_edge_zmq_policy_get_type(), GST_EDGE_ZMQ_POLICY_DROP, rw));
  g_object_class_install_property(
      gobject_class, PROP_SERVER_KEY,
      g_param_spec_string("server-key", "Server key",
                          "CURVE: the hub's public certificate file (NAME.key); needs 'key'",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_KEY,
      g_param_spec_string("key", "Key",
                          "CURVE: this device's secret certificate file (NAME.key_secret); "
                          "needs 'server-key'",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_LINGER_MS,
      g_param_spec_uint("linger-ms", "Linger (ms)",
                        "At stop, how long queued messages may still leave before they are "
                        "discarded (bounded: stopping never hangs)",
                        0, 60000, kDefaultLingerMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_MS,
      g_param_spec_uint("reconnect-ms", "Reconnect interval (ms)",
                        "First wait before reconnecting to a lost peer (ZMQ_RECONNECT_IVL)", 1,
                        60000, kDefaultReconnectMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_MAX_MS,
      g_param_spec_uint("reconnect-max-ms", "Longest reconnect interval (ms)",
                        "Reconnect waits double up to this (ZMQ_RECONNECT_IVL_MAX; 0: no backoff)",
                        0, 600000, kDefaultReconnectMaxMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_HEARTBEAT_MS,
      g_param_spec_uint("heartbeat-ms", "Heartbeat interval (ms)",
                        "ZMTP PING interval; a connection silent for 3 intervals is dropped "
                        "(and reconnected when this side connects), so a vanished peer is "
                        "noticed within 3x this. 0: no heartbeats",
                        0, edge::gst::kMaxHeartbeatMs, edge::gst::kDefaultHeartbeatMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_SENT,
      g_param_spec_uint64("sent", "Sent", "Messages handed to ZeroMQ in this run", 0, G_MAXUINT64,
                          0, ro));
  g_object_class_install_property(
      gobject_class, PROP_DROPPED,
      g_param_spec_uint64("dropped", "Dropped",
                          "Buffers dropped in this run because the queue was full", 0, G_MAXUINT64,
                          0, ro));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream ZeroMQ sink", "Sink/Network",
      "Sends tensors or results with their caps and metadata over ZeroMQ PUB or PUSH",
      "edgestream developers");
  sink_class->start = gst_edge_zmq_sink_start;
  sink_class->stop = gst_edge_zmq_sink_stop;
  sink_class->set_caps = gst_edge_zmq_sink_set_caps;
  sink_class->render = gst_edge_zmq_sink_render;
  sink_class->event = gst_edge_zmq_sink_event;
  sink_class->unlock = gst_edge_zmq_sink_unlock;
  sink_class->unlock_stop = gst_edge_zmq_sink_unlock_stop;
  GST_DEBUG_CATEGORY_INIT(edge_zmq_sink_debug, "edgezmqsink", 0, "edgestream ZeroMQ sink");
}

static void gst_edge_zmq_sink_init(GstEdgeZmqSink* self) {
  self->settings = new Settings();
  self->state = nullptr;
  new (&self->flushing) std::atomic<bool>(false);
  new (&self->seq) std::atomic<guint64>(0);
  new (&self->sent) std::atomic<guint64>(0);
  new (&self->dropped) std::atomic<guint64>(0);
  // Results leave as soon as they exist; waiting for the clock only adds latency.
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}
