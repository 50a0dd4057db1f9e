// edgezmqsink: a GstBaseSink adapter over core/runtime/net (wire format, net::Sender).
//
// render() turns a buffer into a wire message (plugins/common/zmq_buffer.h: fields, metas,
// payload frames without a copy; net::DataEncoder: frame 0 after checking the frames
// against the caps) and hands it to net::Sender, which applies the queue policy and keeps
// the delivery accounting (docs/network.md, "Delivery"): every buffer takes the next
// sequence number of this run's session and is counted sent or dropped with a reason, so
//   attempted = sent + dropped
// at all times. At EOS the sender settles what it still holds for an absent hub, a final
// heartbeat carries the counters to the receiver, and an "edgestream-zmq-sink" message
// posts them on the bus. Drops are reported on the bus too (a warning per reason, at most
// one per 10 s). A handshake that fails (a refused CURVE key, a wrong server key) is an
// element error.
//
// mode=router replies go through the reply channel of the edgezmqsrc mode=router that
// received the request (plugins/common/zmq_route.h), never through a socket of its own.
#include "plugins/gstedgezmqsink.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/error.h"
#include "net/receiver.h"
#include "net/sender.h"
#include "net/wire.h"
#include "net/zmq_params.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/common/zmq_buffer.h"
#include "plugins/common/zmq_route.h"

GST_DEBUG_CATEGORY_STATIC(edge_zmq_sink_debug);
#define GST_CAT_DEFAULT edge_zmq_sink_debug

namespace {

constexpr auto kReportInterval = std::chrono::seconds(10);
constexpr int kPollMs = 50;  // how often a blocked reply looks at the flushing flag

using edge::net::ZmqSinkSettings;
using edge::net::ZmqSinkStatistics;

// Runtime state, built in start() and dropped in stop(); used from the streaming thread.
struct State {
  std::unique_ptr<edge::net::Sender> sender;  // pub, push
  // mode=router: the reply channel of the source that received the requests, and this
  // thread's PUSH into it (channel declared first: the socket closes before it ends).
  std::shared_ptr<edge::gst::ZmqReplyChannel> channel;
  zmq::socket_t replies;
  bool router = false;
  bool block = false;
  guint queue = 0;
  bool warned_unroutable = false;
  edge::net::DataEncoder encoder;
  std::string header;  // reused
  std::vector<zmq::message_t> frames;
  std::vector<edge::net::Frame> views;
  edge::net::ReportLimiter drop_reports[edge::net::kDropReasonCount] = {
      edge::net::ReportLimiter(kReportInterval), edge::net::ReportLimiter(kReportInterval),
      edge::net::ReportLimiter(kReportInterval)};
  bool settled = false;
};

}  // namespace

struct _GstEdgeZmqSink {
  GstBaseSink parent;
  ZmqSinkSettings* settings;      // object lock
  ZmqSinkStatistics* statistics;  // sent, dropped: published by the streaming thread
  State* state;
  std::atomic<bool> flushing;
  // Counters of this run (reset at start), readable from any thread.
  std::atomic<guint64> seq;
  std::atomic<guint64> dropped_by[edge::net::kDropReasonCount];
};

G_DEFINE_TYPE(GstEdgeZmqSink, gst_edge_zmq_sink, GST_TYPE_BASE_SINK)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS(EDGE_TENSORS_TEMPLATE_CAPS "; audio/x-raw"));

static guint64 sent_of(GstEdgeZmqSink* self) { return self->statistics->sent; }
static guint64 dropped_of(GstEdgeZmqSink* self) { return self->statistics->dropped; }
// One more in a statistic only this (the streaming) thread writes.
static void count(guint64* field) { edge::params::publish(field, *field + 1); }

// Copies the sender's counters into the element's, readable after stop as well.
static void publish_counters(GstEdgeZmqSink* self) {
  const State& st = *self->state;
  if (!st.sender) return;
  edge::params::publish(&self->statistics->sent, st.sender->sent());
  guint64 total = 0;
  for (size_t i = 0; i < edge::net::kDropReasonCount; ++i) {
    self->dropped_by[i] = st.sender->dropped(static_cast<edge::net::DropReason>(i));
    total += self->dropped_by[i];
  }
  edge::params::publish(&self->statistics->dropped, total);
}

static gboolean gst_edge_zmq_sink_start(GstBaseSink* sink) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  GST_OBJECT_LOCK(self);
  const ZmqSinkSettings s = *self->settings;
  GST_OBJECT_UNLOCK(self);

  auto state = std::make_unique<State>();
  state->router = s.mode == edge::net::SinkMode::kRouter;
  state->block = s.policy == edge::net::QueuePolicy::kBlock;
  state->queue = s.queue;
  if (!state->router) {  // router: replies leave through the source's socket
    try {
      state->sender = std::make_unique<edge::net::Sender>(edge::net::sender_options(s));
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("edgezmqsink: %s", e.what()), (nullptr));
      return FALSE;
    }
  }
  edge::net::WireMessage& m = state->encoder.message();
  if (s.sender_id.empty()) {
    gchar* name = gst_object_get_name(GST_OBJECT(self));
    m.sender = std::string(g_get_host_name()) + "/" + name;
    g_free(name);
  } else {
    m.sender = s.sender_id;
  }
  m.session = (static_cast<guint64>(g_random_int()) << 32) | g_random_int();
  state->header.reserve(1024);
  self->seq = 0;
  edge::params::publish(&self->statistics->sent, guint64{0});
  edge::params::publish(&self->statistics->dropped, guint64{0});
  for (auto& d : self->dropped_by) d = 0;
  self->flushing = false;
  GST_OBJECT_LOCK(self);
  self->state = state.release();
  GST_OBJECT_UNLOCK(self);
  GST_INFO_OBJECT(self, "%s %s as \"%s\"", s.bind ? "bound" : "connecting to", s.address.c_str(),
                  self->state->encoder.message().sender.c_str());
  return TRUE;
}

// Settles the sender's accounting (bounded by linger-ms) once per run; false and an
// element error when handshakes failed.
static bool settle(GstEdgeZmqSink* self) {
  State& st = *self->state;
  if (st.settled || !st.sender) return true;
  st.settled = true;
  try {
    st.sender->finish(self->flushing);
  } catch (const edge::net::SendError& e) {
    publish_counters(self);
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_AUTHORIZED, ("edgezmqsink: %s", e.what()), (nullptr));
    return false;
  }
  publish_counters(self);
  const guint64 unsent = self->dropped_by[static_cast<size_t>(edge::net::DropReason::kUnsent)];
  if (unsent > 0)
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                        ("edgezmqsink: %" G_GUINT64_FORMAT
                         " messages queued for %s were never delivered: it did not come back "
                         "before the stream ended (counted as dropped, unsent)",
                         unsent, "the hub"),
                        (nullptr));
  return true;
}

static gboolean gst_edge_zmq_sink_stop(GstBaseSink* sink) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  if (self->state) settle(self);  // a stop without EOS counts what an absent hub never got
  GST_OBJECT_LOCK(self);
  State* state = self->state;
  self->state = nullptr;
  GST_OBJECT_UNLOCK(self);
  delete state;  // closing waits at most linger-ms for queued messages
  return TRUE;
}

static gboolean gst_edge_zmq_sink_set_caps(GstBaseSink* sink, GstCaps* caps) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  gchar* text = gst_caps_to_string(caps);
  std::string error;
  const bool ok = self->state->encoder.set_caps(text, &error);
  g_free(text);
  if (!ok) GST_ERROR_OBJECT(self, "cannot send these caps: %s", error.c_str());
  return ok;
}

static void report_drop(GstEdgeZmqSink* self, edge::net::DropReason reason) {
  guint64 since = 0;
  State& st = *self->state;
  if (!st.drop_reports[static_cast<size_t>(reason)].should_report(std::chrono::steady_clock::now(),
                                                                  &since))
    return;
  const char* why = reason == edge::net::DropReason::kNoReceiver
                        ? "no receiver yet (a PUB sink delivers only to subscribed hubs)"
                        : "the receiver's queue is full";
  GST_ELEMENT_WARNING(
      self, RESOURCE, WRITE,
      ("edgezmqsink: dropped %" G_GUINT64_FORMAT " message%s: %s", since, since == 1 ? "" : "s",
       why),
      ("policy=block waits instead; dropped so far: %" G_GUINT64_FORMAT, dropped_of(self)));
}

// mode=router: queues [peer, header, payload...] into the reply channel of the source that
// received the request. GST_FLOW_CUSTOM_SUCCESS: dropped (no route, or full with drop).
static GstFlowReturn send_reply(GstEdgeZmqSink* self, GstBuffer* buffer) {
  State& st = *self->state;
  EdgeZmqRouteMeta* route = edge_buffer_get_zmq_route_meta(buffer);
  if (!route || !route->route || !route->route->channel) {
    if (!st.warned_unroutable)
      GST_WARNING_OBJECT(self,
                         "mode=router: a buffer without a request route (no edgezmqsrc "
                         "mode=router upstream?) is dropped and counted");
    st.warned_unroutable = true;
    return GST_FLOW_CUSTOM_SUCCESS;
  }
  try {
    if (route->route->channel != st.channel) {  // first reply, or the source restarted
      st.replies.close();
      st.channel = route->route->channel;
      st.replies = zmq::socket_t(st.channel->context, zmq::socket_type::push);
      st.replies.set(zmq::sockopt::linger, 0);
      st.replies.set(zmq::sockopt::sndhwm, static_cast<int>(st.queue));
      st.replies.connect(st.channel->endpoint);
    }
    const std::string& peer = route->route->peer;
    const auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
    while (!st.replies.send(zmq::buffer(peer), more)) {
      if (!st.block) return GST_FLOW_CUSTOM_SUCCESS;
      zmq::pollitem_t item{st.replies.handle(), 0, ZMQ_POLLOUT, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(kPollMs));
      if (self->flushing) return GST_FLOW_FLUSHING;
    }
    // Once the identity is queued the rest of the message is.
    st.replies.send(zmq::buffer(st.header), zmq::send_flags::sndmore);
    for (size_t i = 0; i < st.frames.size(); ++i)
      st.replies.send(st.frames[i],
                      i + 1 < st.frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE,
                      ("edgezmqsink: could not pass a reply to the router source: %s", e.what()),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn gst_edge_zmq_sink_render(GstBaseSink* sink, GstBuffer* buffer) {
  auto* self = GST_EDGE_ZMQ_SINK(sink);
  State& st = *self->state;
  if (!st.encoder.has_caps()) return GST_FLOW_NOT_NEGOTIATED;
  edge::net::WireMessage& m = st.encoder.message();
  edge::gst::wire_fields_from_buffer(buffer, &m);
  std::string error;
  if (!edge::gst::payload_frames_from_buffer(buffer, st.encoder.layout(), &st.frames, &st.views,
                                             &error)) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("edgezmqsink: %s", error.c_str()), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (st.router) {
    EdgeZmqRouteMeta* route = edge_buffer_get_zmq_route_meta(buffer);
    m.request = route && route->route ? route->route->request : 0;
  }
  m.seq = self->seq;
  if (!st.encoder.encode(st.views.data(), st.views.size(), &st.header, &error)) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("edgezmqsink: %s", error.c_str()), (nullptr));
    return GST_FLOW_ERROR;
  }

  if (st.router) {
    const GstFlowReturn ret = send_reply(self, buffer);
    st.frames.clear();
    if (ret == GST_FLOW_FLUSHING || ret == GST_FLOW_ERROR) return ret;
    self->seq++;
    count(ret == GST_FLOW_OK ? &self->statistics->sent : &self->statistics->dropped);
    return GST_FLOW_OK;
  }
  edge::net::DropReason why = edge::net::DropReason::kQueueFull;
  edge::net::Sender::Result result;
  try {
    result = st.sender->send(st.header, st.frames.data(), st.frames.size(), self->flushing, &why);
  } catch (const edge::net::SendError& e) {
    st.frames.clear();
    if (e.handshake())
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_AUTHORIZED, ("edgezmqsink: %s", e.what()), (nullptr));
    else
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("edgezmqsink: %s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  st.frames.clear();  // what ZeroMQ did not take is released here
  if (result == edge::net::Sender::Result::kCancelled) return GST_FLOW_FLUSHING;  // not counted
  self->seq++;
  publish_counters(self);
  if (result == edge::net::Sender::Result::kDropped) {
    GST_LOG_OBJECT(self, "dropped message %" G_GUINT64_FORMAT " (%s)", m.seq,
                   edge::net::drop_reason_name(why));
    report_drop(self, why);
  }
  return GST_FLOW_OK;
}

// At EOS: settles the accounting, sends the final heartbeat and posts the counters.
static void send_final(GstEdgeZmqSink* self) {
  State& st = *self->state;
  if (!settle(self)) return;
  edge::net::WireMessage hb;
  hb.kind = edge::net::MessageKind::kHeartbeat;
  hb.flags = edge::net::kFlagFinal;
  hb.sender = st.encoder.message().sender;
  hb.session = st.encoder.message().session;
  hb.seq = self->seq;
  hb.sent = sent_of(self);
  hb.dropped = dropped_of(self);
  edge::net::encode_header(hb, &st.header);
  // Replies go to many peers, each with its own accounting: no heartbeat there.
  if (st.sender) st.sender->send_last(st.header);
  auto dropped = [&](edge::net::DropReason r) {
    return self->dropped_by[static_cast<size_t>(r)].load();
  };
  GstStructure* s = gst_structure_new(
      "edgestream-zmq-sink", "sender", G_TYPE_STRING, hb.sender.c_str(), "session", G_TYPE_UINT64,
      hb.session, "attempted", G_TYPE_UINT64, hb.seq, "sent", G_TYPE_UINT64, hb.sent, "dropped",
      G_TYPE_UINT64, hb.dropped, "dropped-no-receiver", G_TYPE_UINT64,
      dropped(edge::net::DropReason::kNoReceiver), "dropped-queue-full", G_TYPE_UINT64,
      dropped(edge::net::DropReason::kQueueFull), "dropped-unsent", G_TYPE_UINT64,
      dropped(edge::net::DropReason::kUnsent), nullptr);
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
  delete self->statistics;
  G_OBJECT_CLASS(gst_edge_zmq_sink_parent_class)->finalize(object);
}

static void* settings_of(GObject* object) { return GST_EDGE_ZMQ_SINK(object)->settings; }
static const void* statistics_of(GObject* object) { return GST_EDGE_ZMQ_SINK(object)->statistics; }
static const edge::gst::ParamBinding kParams = {edge::net::zmq_sink_params, settings_of,
                                                statistics_of};

static void gst_edge_zmq_sink_class_init(GstEdgeZmqSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass* sink_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->finalize = gst_edge_zmq_sink_finalize;
  edge::gst::install_params(gobject_class, kParams);

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
  self->settings = new ZmqSinkSettings();
  self->statistics = new ZmqSinkStatistics();
  self->state = nullptr;
  new (&self->flushing) std::atomic<bool>(false);
  new (&self->seq) std::atomic<guint64>(0);
  for (auto& d : self->dropped_by) new (&d) std::atomic<guint64>(0);
  // Results leave as soon as they exist; waiting for the clock only adds latency.
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}
