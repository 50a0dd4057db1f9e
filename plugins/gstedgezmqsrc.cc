// edgezmqsrc: a GstPushSrc adapter over core/runtime/net (wire format, net::Receiver).
//
// create() waits on the socket (and, in router mode, the reply channel) in slices of
// kPollMs so that a state change is seen soon, reads a message whole and turns it into a
// buffer (plugins/common/zmq_buffer.h: payload frames become memories without a copy).
//
// A hub or server never stops because of what a peer sent. Every refused message is
// counted with its reason (`rejected`, `stats`), written to `log`, and reported on the bus
// (a warning and an "edgestream-zmq-rejected" element message, at most one per reason per
// 10 s, saying how many since the last one). Besides the wire format's reasons, a
// well-formed message is "refused" when the graph downstream would not take its caps: the
// source asks first (plugins/common/caps_fit.h) and keeps the caps it has, where sending
// them would have ended the stream with not-negotiated.
//
// Accounting: per sender and session the next expected sequence number is tracked
// (net::SequenceTracker); a jump counts the skipped numbers as `missing`. A sender first
// seen in the middle of a session starts the count at its first message, and the log
// says so ("first": true), so a restarted hub's log shows where it came in.
#include "plugins/gstedgezmqsrc.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/error.h"
#include "net/receiver.h"
#include "net/wire.h"
#include "net/zmq_params.h"
#include "plugins/common/caps_fit.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/common/zmq_buffer.h"
#include "plugins/common/zmq_route.h"

GST_DEBUG_CATEGORY_STATIC(edge_zmq_src_debug);
#define GST_CAT_DEFAULT edge_zmq_src_debug

namespace {

constexpr auto kPollMs = std::chrono::milliseconds(50);
constexpr auto kReportInterval = std::chrono::seconds(10);
// The wire format's reasons, then the source's own: the graph refused the caps.
constexpr size_t kRefused = edge::net::kRejectReasonCount;
constexpr size_t kReasons = kRefused + 1;

const char* reason_name(size_t reason) {
  return reason == kRefused
             ? "refused"
             : edge::net::reject_reason_name(static_cast<edge::net::RejectReason>(reason));
}

using edge::net::ZmqSourceSettings;
using edge::net::ZmqSourceStatistics;

// Runtime state, built in start() and dropped in stop(); used from the streaming thread.
struct State {
  std::unique_ptr<edge::net::Receiver> receiver;
  // mode=router: the channel sinks push replies into, and this thread's end of it
  // (declared channel first, so the socket closes before the channel's context ends).
  std::shared_ptr<edge::gst::ZmqReplyChannel> channel;
  zmq::socket_t replies;
  std::vector<zmq::message_t> reply_parts;
  std::string caps_string;  // of the caps set on the pad
  edge::net::SequenceTracker tracker;
  std::vector<edge::net::ReportLimiter> reports =
      std::vector<edge::net::ReportLimiter>(kReasons, edge::net::ReportLimiter(kReportInterval));
  std::string last_clip;
  bool pushed_any = false;
  FILE* log = nullptr;

  ~State() {
    if (log) std::fclose(log);
    replies.close();
    receiver.reset();
  }
};

}  // namespace

struct _GstEdgeZmqSrc {
  GstPushSrc parent;
  ZmqSourceSettings* settings;      // object lock
  ZmqSourceStatistics* statistics;  // published by the streaming thread
  State* state;
  std::atomic<bool> flushing;
  std::atomic<guint64> rejected[kReasons];  // per reason, this run
};

G_DEFINE_TYPE(GstEdgeZmqSrc, gst_edge_zmq_src, GST_TYPE_PUSH_SRC)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS(EDGE_TENSORS_TEMPLATE_CAPS "; audio/x-raw"));

// One more in a statistic only the streaming thread writes.
static void count(guint64* field, guint64 n = 1) { edge::params::publish(field, *field + n); }

// The hand-made property beside the table's: every counter and the rejections per reason.
enum { PROP_STATS = 1 };  // offset from the table's last id

static void get_other(GObject* object, guint, GValue* value, GParamSpec*) {
  auto* self = GST_EDGE_ZMQ_SRC(object);
  const ZmqSourceStatistics& c = *self->statistics;
  auto load = [](const guint64& v) { return __atomic_load_n(&v, __ATOMIC_RELAXED); };
  GstStructure* st = gst_structure_new(
      "edgestream-zmq-src", "received", G_TYPE_UINT64, load(c.received), "missing", G_TYPE_UINT64,
      load(c.missing), "unauthenticated", G_TYPE_UINT64, load(c.unauthenticated), "rejected",
      G_TYPE_UINT64, load(c.rejected), "replies", G_TYPE_UINT64, load(c.replies), "replies-lost",
      G_TYPE_UINT64, load(c.replies_lost), nullptr);
  for (size_t i = 0; i < kReasons; ++i) {
    const std::string name = std::string("rejected-") + reason_name(i);
    gst_structure_set(st, name.c_str(), G_TYPE_UINT64, self->rejected[i].load(), nullptr);
  }
  g_value_take_boxed(value, st);
}

static void write_log(State& st, const nlohmann::json& line) {
  if (!st.log) return;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(st.log, "%s\n", text.c_str());
  std::fflush(st.log);
}

static gboolean gst_edge_zmq_src_start(GstBaseSrc* base) {
  auto* self = GST_EDGE_ZMQ_SRC(base);
  GST_OBJECT_LOCK(self);
  const ZmqSourceSettings s = *self->settings;
  GST_OBJECT_UNLOCK(self);

  auto state = std::make_unique<State>();
  try {
    state->receiver = std::make_unique<edge::net::Receiver>(edge::net::receiver_options(s));
    if (s.mode == edge::net::SourceMode::kRouter) {
      state->channel = std::make_shared<edge::gst::ZmqReplyChannel>();
      state->replies = zmq::socket_t(state->channel->context, zmq::socket_type::pull);
      state->replies.set(zmq::sockopt::linger, 0);
      state->replies.bind(state->channel->endpoint);
    }
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("edgezmqsrc: %s", e.what()), (nullptr));
    return FALSE;
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("edgezmqsrc: %s", e.what()), (nullptr));
    return FALSE;
  }
  if (state->receiver->admits_any_key())
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("edgezmqsrc: CURVE without 'authorized-keys': traffic is encrypted, but "
                         "any client that knows this hub's public key may connect"),
                        (nullptr));
  if (!s.log.empty()) {
    // Appended: a restarted hub adds to the same file, so both runs' books are in it.
    state->log = std::fopen(s.log.c_str(), "a");
    if (!state->log) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                        ("edgezmqsrc: could not open property 'log' \"%s\" to write: %s",
                         s.log.c_str(), g_strerror(errno)),
                        (nullptr));
      return FALSE;
    }
    write_log(*state, {{"start", s.address}, {"time", g_get_real_time() / 1000}});
  }
  GST_OBJECT_LOCK(self);
  *self->statistics = ZmqSourceStatistics();
  GST_OBJECT_UNLOCK(self);
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

// Counts one refused message, logs it, and reports it on the bus at a bounded rate.
static void reject(GstEdgeZmqSrc* self, size_t reason, const std::string& why,
                   const std::string& sender) {
  State& st = *self->state;
  self->rejected[reason]++;
  count(&self->statistics->rejected);
  GST_INFO_OBJECT(self, "rejected a message (%s): %s", reason_name(reason), why.c_str());
  nlohmann::json line = {{"rejected", reason_name(reason)}, {"why", why}};
  if (!sender.empty()) line["sender"] = sender;
  write_log(st, line);
  guint64 since = 0;
  if (!st.reports[reason].should_report(std::chrono::steady_clock::now(), &since)) return;
  const std::string from = sender.empty() ? std::string() : " from sender \"" + sender + "\"";
  GST_ELEMENT_WARNING(
      self, STREAM, DECODE,
      ("edgezmqsrc: rejected %" G_GUINT64_FORMAT " message%s (%s)%s, and goes on: %s", since,
       since == 1 ? "" : "s", reason_name(reason), from.c_str(), why.c_str()),
      ("further rejections of this kind are reported at most every %d s",
       static_cast<int>(kReportInterval.count())));
  GstStructure* s = gst_structure_new(
      "edgestream-zmq-rejected", "reason", G_TYPE_STRING, reason_name(reason), "why", G_TYPE_STRING,
      why.c_str(), "sender", G_TYPE_STRING, sender.c_str(), "count", G_TYPE_UINT64, since,
      "rejected", G_TYPE_UINT64, self->rejected[reason].load(), nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static void track(GstEdgeZmqSrc* self, const edge::net::WireMessage& m, bool logged) {
  State& st = *self->state;
  const bool data = m.kind != edge::net::MessageKind::kHeartbeat;
  const auto seen = st.tracker.observe(m.sender, m.session, m.seq, data);
  if (seen.missing) count(&self->statistics->missing, seen.missing);
  if (!logged || !st.log) return;
  nlohmann::json line = {{"sender", m.sender},
                         {"session", m.session},
                         {"seq", m.seq},
                         {"kind", edge::net::message_kind_name(m.kind)}};
  if (seen.first) line["first"] = true;
  if (seen.missing) line["missing"] = seen.missing;
  if (!data) {
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

// Sets the pad caps when the message's differ from the current ones, if the graph takes
// them. False: rejected (counted and reported); the pad keeps the caps it had.
static bool update_caps(GstEdgeZmqSrc* self, const edge::net::WireMessage& m) {
  State& st = *self->state;
  if (m.caps == st.caps_string) return true;
  // A peer of another GStreamer version may write caps this one's parser refuses.
  GstCaps* caps = gst_caps_from_string(edge::net::portable_caps(m.caps).c_str());
  std::string why;
  size_t reason = static_cast<size_t>(edge::net::RejectReason::kCaps);
  if (!caps || !gst_caps_is_fixed(caps)) {
    why = "caps \"" + m.caps + "\" do not parse as fixed GStreamer caps";
  } else if (gst_structure_has_name(gst_caps_get_structure(caps, 0), EDGE_TENSORS_MIME)) {
    edge::gst::TensorsInfo info;
    if (!edge::gst::tensors_caps_parse(caps, &info, &why)) why = "tensor caps: " + why;
  }
  if (why.empty() && !edge::gst::caps_fit_downstream(GST_BASE_SRC_PAD(self), caps, &why)) {
    reason = kRefused;
    why = "the graph does not take caps \"" + m.caps + "\": " + why;
  }
  if (why.empty() && !gst_base_src_set_caps(GST_BASE_SRC(self), caps)) {
    reason = kRefused;
    why = "the graph refused caps \"" + m.caps + "\"";
    // Give the pad back the caps downstream has, for the next messages.
    GstCaps* previous =
        st.caps_string.empty()
            ? nullptr
            : gst_caps_from_string(edge::net::portable_caps(st.caps_string).c_str());
    if (previous) {
      gst_base_src_set_caps(GST_BASE_SRC(self), previous);
      gst_caps_unref(previous);
    }
  }
  if (caps) gst_caps_unref(caps);
  if (!why.empty()) {
    reject(self, reason, why, m.sender);
    return false;
  }
  GST_INFO_OBJECT(self, "caps from the wire: %s", m.caps.c_str());
  st.caps_string = m.caps;
  return true;
}

// mode=router: sends every reply waiting in the channel ([identity, header, payload...])
// out of the ROUTER socket. A reply whose peer is gone or whose queue is full is counted
// lost; the requester's own timeout has it answered locally.
static void forward_replies(GstEdgeZmqSrc* self) {
  State& st = *self->state;
  while (true) {
    st.reply_parts.clear();
    zmq::message_t part;
    if (!st.replies.recv(part, zmq::recv_flags::dontwait)) return;
    st.reply_parts.push_back(std::move(part));
    while (st.reply_parts.back().more() && st.replies.recv(part, zmq::recv_flags::dontwait))
      st.reply_parts.push_back(std::move(part));
    if (st.receiver->route(st.reply_parts.data(), st.reply_parts.size())) {
      count(&self->statistics->replies);
    } else {
      count(&self->statistics->replies_lost);
      GST_LOG_OBJECT(self, "reply lost: its peer is gone or its queue is full");
    }
  }
}

static GstFlowReturn gst_edge_zmq_src_create(GstPushSrc* push, GstBuffer** out) {
  auto* self = GST_EDGE_ZMQ_SRC(push);
  State& st = *self->state;
  edge::net::WireMessage m;
  while (true) {
    if (self->flushing) return GST_FLOW_FLUSHING;
    edge::net::DecodeError error;
    edge::net::Receiver::Read read;
    try {
      const int ready = st.receiver->wait(kPollMs, st.channel ? &st.replies : nullptr);
      // The ZAP handler counts on its own thread; published here, at most kPollMs late.
      edge::params::publish(&self->statistics->unauthenticated, st.receiver->unauthenticated());
      if (ready & 2) forward_replies(self);
      if (!(ready & 1)) continue;
      read = st.receiver->read(&m, &error);
    } catch (const zmq::error_t& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgezmqsrc: could not receive: %s", e.what()),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    if (read == edge::net::Receiver::Read::kNone) continue;
    if (read == edge::net::Receiver::Read::kRejected) {
      reject(self, static_cast<size_t>(error.reason), error.detail, std::string());
      continue;
    }
    if (m.kind == edge::net::MessageKind::kHeartbeat) {
      track(self, m, true);
      continue;
    }
    if (!update_caps(self, m)) {
      track(self, m, false);  // it arrived: not missing, but refused (counted there)
      continue;
    }
    track(self, m, true);
    count(&self->statistics->received);
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
    *out = edge::gst::buffer_from_wire(m, &st.receiver->payload());
    if (st.channel)
      edge::gst::zmq_route_meta_add(*out, {st.channel, st.receiver->peer(), m.request});
    return GST_FLOW_OK;
  }
}

static void gst_edge_zmq_src_finalize(GObject* object) {
  auto* self = GST_EDGE_ZMQ_SRC(object);
  delete self->state;
  delete self->settings;
  delete self->statistics;
  G_OBJECT_CLASS(gst_edge_zmq_src_parent_class)->finalize(object);
}

static void* settings_of(GObject* object) { return GST_EDGE_ZMQ_SRC(object)->settings; }
static const void* statistics_of(GObject* object) { return GST_EDGE_ZMQ_SRC(object)->statistics; }
static const edge::gst::ParamBinding kParams = {
    edge::net::zmq_source_params, settings_of, statistics_of, nullptr, nullptr, get_other};

static void gst_edge_zmq_src_class_init(GstEdgeZmqSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* base_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass* push_class = GST_PUSH_SRC_CLASS(klass);
  gobject_class->finalize = gst_edge_zmq_src_finalize;
  edge::gst::install_params(gobject_class, kParams);
  edge::gst::install_structure_property(
      gobject_class, edge::net::zmq_source_params().params.size() + PROP_STATS, "stats",
      "Statistics",
      "received, missing, unauthenticated, rejected and rejected-<reason> (malformed, version, "
      "oversized, caps, payload, refused), replies, replies-lost");

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
  self->settings = new ZmqSourceSettings();
  self->statistics = new ZmqSourceStatistics();
  self->state = nullptr;
  new (&self->flushing) std::atomic<bool>(false);
  for (auto& r : self->rejected) new (&r) std::atomic<guint64>(0);
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}
