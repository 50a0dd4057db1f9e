// edgeimusrc: the element over core/runtime/io/imu_source.h, which reads the lines, keeps time,
// reconnects and cuts clips. Here: caps, buffers, clip events, element messages.
#include "plugins/gstedgeimusrc.h"

#include <gst/audio/audio.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include "common/error.h"
#include "io/imu_source.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/element_util.h"
#include "plugins/common/gparams.h"

GST_DEBUG_CATEGORY_STATIC(edge_imu_src_debug);
#define GST_CAT_DEFAULT edge_imu_src_debug

namespace {

using edge::io::ImuSource;
// Property values (declared in core/runtime/io/imu_source_params.h), under the object lock.
using Settings = edge::io::ImuSourceSettings;

// The element's side of the source's events; touched by the streaming thread only (start and
// stop run with the stream lock or before streaming).
class Events : public ImuSource::Listener {
 public:
  explicit Events(GstEdgeImuSrc* self) : self_(self) {}
  uint64_t now_ns() override;
  bool channels_known(int channels) override;
  void clip_started(const edge::io::ImuClip& clip) override;
  void bad_line(const edge::io::ParsedLine& line, bool report, uint64_t held_back) override;
  void header(const edge::io::ParsedLine& line, int channels) override;
  void disconnected(bool ending) override;
  void reopening(int64_t delay_ms, int attempt) override;
  void still_closed(const std::string& why) override;
  void reopened(bool first_open, int attempts) override;
  void no_frames() override;

  std::unique_ptr<ImuSource> source;  // built in start(), dropped in stop()
  edge::gst::ClipInfo clip;           // of the frames being handed out
  gint negotiated_channels = 0;

 private:
  GstEdgeImuSrc* self_;
};

}  // namespace

struct EdgeImuSrcPrivate {
  Settings settings;  // GST_OBJECT_LOCK
  std::unique_ptr<Events> events;
  std::unique_ptr<edge::io::Canceller> cancel;
  edge::io::ImuSourceStatistics statistics;  // published by the source, read from any thread
  std::atomic<gint> caps_channels{0};        // channels of the caps set, 0 before; for get_caps
};

#define gst_edge_imu_src_parent_class parent_class
G_DEFINE_TYPE(GstEdgeImuSrc, gst_edge_imu_src, GST_TYPE_PUSH_SRC)

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                    "rate=(int)[1,100000], channels=(int)[1,64], channel-mask=(bitmask)0"));

namespace {

EdgeImuSrcPrivate* priv_of(GstEdgeImuSrc* self) { return self->priv; }

GstCaps* make_caps(guint rate, gint channels) {
  return gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout",
                             G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, (gint)rate,
                             "channels", G_TYPE_INT, channels, "channel-mask", GST_TYPE_BITMASK,
                             (guint64)0, nullptr);
}

// Running time now, from the element's clock; monotonic time when it has none (a harness
// without a pipeline clock).
uint64_t Events::now_ns() {
  GstClockTime now = 0;
  if (!edge::gst::running_time_now(GST_ELEMENT(self_), &now))
    return static_cast<uint64_t>(edge::io::monotonic_ns());
  return now;
}

bool Events::channels_known(int channels) {
  GstCaps* caps = make_caps(source->settings().rate, channels);
  const gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self_), caps);
  if (!ok) {
    gchar* text = gst_caps_to_string(caps);
    GST_ELEMENT_ERROR(
        self_, CORE, NEGOTIATION,
        ("Downstream refused the IMU stream caps %s (from %s)", text, source->name().c_str()),
        ("check the caps filter after edgeimusrc: channels and rate come from "
         "the data and the rate property"));
    g_free(text);
  } else {
    negotiated_channels = channels;
    priv_of(self_)->caps_channels.store(channels);
  }
  gst_caps_unref(caps);
  return ok;
}

// A new SEGMENT (not for the first clip: basesrc sends that one itself), then the
// clip-boundary event queued into basesrc so it follows the segment and precedes the buffer.
void Events::clip_started(const edge::io::ImuClip& c) {
  clip.clip_id = c.id;
  clip.label = c.label;
  clip.label_index = -1;
  clip.fold = -1;
  clip.source = c.source;
  if (!c.first) {
    GstBaseSrc* base = GST_BASE_SRC(self_);
    gst_pad_push_event(GST_BASE_SRC_PAD(base), gst_event_new_segment(&base->segment));
  }
  // basesrc's send_event queues serialized custom events and pushes them after its pending
  // segment, before our buffer. Called directly, not through gst_element_send_event, which
  // takes the state lock (a deadlock against a state change waiting for this thread).
  GST_ELEMENT_CLASS(parent_class)->send_event(GST_ELEMENT(self_), edge::gst::clip_event_new(clip));
}

void Events::bad_line(const edge::io::ParsedLine& line, bool report, uint64_t held_back) {
  if (!report) {
    GST_DEBUG_OBJECT(self_, "bad line %" G_GUINT64_FORMAT " (%s), warning suppressed",
                     (guint64)line.line_number, line.detail.c_str());
    return;
  }
  const std::string text = edge::io::escape_for_message(line.text, 80);
  GST_ELEMENT_WARNING(self_, STREAM, DECODE,
                      ("Skipped bad line %" G_GUINT64_FORMAT " from %s (%s: %s): \"%s\"",
                       (guint64)line.line_number, source->name().c_str(),
                       edge::io::bad_reason_name(line.reason), line.detail.c_str(), text.c_str()),
                      ("%" G_GUINT64_FORMAT " bad lines so far; %" G_GUINT64_FORMAT
                       " more were skipped since the last warning (at most one warning per "
                       "second)",
                       (guint64)source->counters().bad_lines, (guint64)held_back));
}

void Events::header(const edge::io::ParsedLine& line, int channels) {
  GST_INFO_OBJECT(self_, "header at line %" G_GUINT64_FORMAT ": %d channels",
                  (guint64)line.line_number, channels);
}

void Events::disconnected(bool ending) {
  GST_ELEMENT_WARNING(self_, RESOURCE, READ,
                      ("Serial device %s disconnected; %s", source->name().c_str(),
                       ending ? "ending the stream (on-disconnect=eos)"
                              : "reconnecting with backoff (on-disconnect=reconnect)"),
                      ("after %" G_GUINT64_FORMAT " lines", (guint64)source->counters().lines));
}

void Events::reopening(int64_t delay_ms, int attempt) {
  GST_DEBUG_OBJECT(self_, "reopening %s in %" G_GINT64_FORMAT " ms (attempt %d)",
                   source->name().c_str(), (gint64)delay_ms, attempt);
}

void Events::still_closed(const std::string& why) {
  GST_INFO_OBJECT(self_, "still cannot open %s: %s", source->name().c_str(), why.c_str());
}

void Events::reopened(bool first_open, int attempts) {
  GST_ELEMENT_INFO(self_, RESOURCE, OPEN_READ,
                   ("%s %s after %d attempt(s)", first_open ? "Opened" : "Reconnected to",
                    source->name().c_str(), attempts),
                   (nullptr));
}

void Events::no_frames() {
  const edge::io::ImuLineCounters& c = source->counters();
  GST_ELEMENT_WARNING(
      self_, STREAM, DECODE,
      ("No sample lines in %s (%" G_GUINT64_FORMAT " lines, %" G_GUINT64_FORMAT " bad)",
       source->name().c_str(), (guint64)c.lines, (guint64)c.bad_lines),
      (nullptr));
}

GstBuffer* make_buffer(const edge::io::ImuChunk& chunk, const edge::gst::ClipInfo& clip) {
  const gsize bytes = static_cast<gsize>(chunk.frames) * chunk.channels * sizeof(float);
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, bytes, nullptr);
  gst_buffer_fill(buf, 0, chunk.data, bytes);
  GST_BUFFER_PTS(buf) = chunk.pts_ns;  // kNoTime is GST_CLOCK_TIME_NONE
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buf) = chunk.duration_ns;
  GST_BUFFER_OFFSET(buf) = chunk.offset;
  GST_BUFFER_OFFSET_END(buf) = chunk.offset + chunk.frames;
  if (chunk.discont) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  edge::gst::clip_meta_set(buf, clip);
  return buf;
}

// --- GstBaseSrc vfuncs ---

gboolean edge_imu_src_start(GstBaseSrc* base) {
  auto* self = GST_EDGE_IMU_SRC(base);
  EdgeImuSrcPrivate* priv = priv_of(self);
  if (!priv->cancel) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not create a wake-up pipe"), (nullptr));
    return FALSE;
  }
  GST_OBJECT_LOCK(self);
  const Settings s = priv->settings;
  GST_OBJECT_UNLOCK(self);
  auto events = std::make_unique<Events>(self);
  try {
    events->source =
        std::make_unique<ImuSource>(s, priv->cancel.get(), events.get(), &priv->statistics);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  priv->caps_channels = 0;
  std::string why;
  if (!events->source->open(&why)) {
    if (!events->source->live()) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", why.c_str()),
                        ("location=%s", s.location.c_str()));
      return FALSE;
    }
    if (s.on_disconnect == edge::io::OnDisconnect::kEos) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", why.c_str()),
                        ("device=%s, on-disconnect=eos: no retry", s.device.c_str()));
      return FALSE;
    }
    GST_ELEMENT_WARNING(
        self, RESOURCE, OPEN_READ,
        ("%s; retrying with backoff until it appears (on-disconnect=reconnect)", why.c_str()),
        ("reconnect-initial-ms=%u reconnect-max-ms=%u", s.reconnect_initial_ms,
         s.reconnect_max_ms));
  }
  priv->events = std::move(events);
  return TRUE;
}

gboolean edge_imu_src_stop(GstBaseSrc* base) {
  priv_of(GST_EDGE_IMU_SRC(base))->events.reset();  // closes the port or file
  return TRUE;
}

gboolean edge_imu_src_unlock(GstBaseSrc* base) {
  auto* self = GST_EDGE_IMU_SRC(base);
  if (priv_of(self)->cancel) priv_of(self)->cancel->wake();
  return TRUE;
}

gboolean edge_imu_src_unlock_stop(GstBaseSrc* base) {
  auto* self = GST_EDGE_IMU_SRC(base);
  if (priv_of(self)->cancel) priv_of(self)->cancel->clear();
  return TRUE;
}

// Caps are set from create() once the channel count is known (from the channels property,
// the header or the first good line); nothing to do before.
gboolean edge_imu_src_negotiate(GstBaseSrc* base) {
  Events* events = priv_of(GST_EDGE_IMU_SRC(base))->events.get();
  if (!events || events->negotiated_channels == 0) return TRUE;
  GstCaps* caps = make_caps(events->source->settings().rate, events->negotiated_channels);
  const gboolean ok = gst_base_src_set_caps(base, caps);
  gst_caps_unref(caps);
  return ok;
}

GstCaps* edge_imu_src_get_caps(GstBaseSrc* base, GstCaps* filter) {
  auto* self = GST_EDGE_IMU_SRC(base);
  guint rate;
  gint channels;
  GST_OBJECT_LOCK(self);
  rate = priv_of(self)->settings.rate;
  channels = priv_of(self)->settings.channels;
  GST_OBJECT_UNLOCK(self);
  // Not the source: get_caps runs in any thread, also while stop() drops it.
  const gint negotiated = priv_of(self)->caps_channels.load();
  if (negotiated > 0) channels = negotiated;
  GstCaps* caps;
  if (channels > 0) {
    caps = make_caps(rate, channels);
  } else {
    caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(base));
    caps = gst_caps_make_writable(caps);
    gst_caps_set_simple(caps, "rate", G_TYPE_INT, (gint)rate, nullptr);
  }
  if (filter) {
    GstCaps* tmp = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = tmp;
  }
  return caps;
}

gboolean edge_imu_src_query(GstBaseSrc* base, GstQuery* query) {
  auto* self = GST_EDGE_IMU_SRC(base);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && gst_base_src_is_live(base)) {
    guint rate, fpb;
    GST_OBJECT_LOCK(self);
    rate = priv_of(self)->settings.rate;
    fpb = priv_of(self)->settings.frames_per_buffer;
    GST_OBJECT_UNLOCK(self);
    // A buffer is complete when its last frame arrives: one buffer of frames.
    const GstClockTime latency = gst_util_uint64_scale(fpb, GST_SECOND, rate);
    gst_query_set_latency(query, TRUE, latency, latency);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(parent_class)->query(base, query);
}

GstFlowReturn edge_imu_src_create(GstPushSrc* push, GstBuffer** out) {
  auto* self = GST_EDGE_IMU_SRC(push);
  Events* events = priv_of(self)->events.get();
  if (!events) return GST_FLOW_FLUSHING;
  edge::io::ImuChunk chunk;
  try {
    switch (events->source->next(&chunk)) {
      case ImuSource::Status::kChunk:
        *out = make_buffer(chunk, events->clip);
        return GST_FLOW_OK;
      case ImuSource::Status::kEnd:
        return GST_FLOW_EOS;
      case ImuSource::Status::kCancelled:
        return GST_FLOW_FLUSHING;
      case ImuSource::Status::kRefused:
        return GST_FLOW_NOT_NEGOTIATED;
    }
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ,
                      ("Reading %s failed: %s", events->source->name().c_str(), e.what()),
                      (nullptr));
  }
  return GST_FLOW_ERROR;
}

// Posts the counters when EOS leaves the element, whoever made it (end of a recording,
// on-disconnect=eos, num-buffers).
GstPadProbeReturn eos_probe(GstPad*, GstPadProbeInfo* info, gpointer user_data) {
  auto* self = GST_EDGE_IMU_SRC(user_data);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event && GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    using edge::params::published;
    const edge::io::ImuSourceStatistics& c = priv_of(self)->statistics;
    GstStructure* st = gst_structure_new(
        "edgeimusrc-stats", "lines", G_TYPE_UINT64, (guint64)published(&c.lines), "bad-lines",
        G_TYPE_UINT64, (guint64)published(&c.bad_lines), "frames", G_TYPE_UINT64,
        (guint64)published(&c.frames), "headers", G_TYPE_UINT64, (guint64)published(&c.headers),
        "separators", G_TYPE_UINT64, (guint64)published(&c.separators), "reconnects", G_TYPE_UINT,
        (guint)published(&c.reconnects), "measured-rate", G_TYPE_DOUBLE,
        published(&c.measured_rate), nullptr);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), st));
  }
  return GST_PAD_PROBE_OK;
}

// --- GObject ---

void* settings_of(GObject* object) { return &priv_of(GST_EDGE_IMU_SRC(object))->settings; }
const void* statistics_of(GObject* object) {
  return &priv_of(GST_EDGE_IMU_SRC(object))->statistics;
}

// A serial port is live; a recording is not. Decided before READY->PAUSED.
void input_changed(GObject* object, const edge::params::Param& param) {
  if (std::strcmp(param.name, "device") != 0 && std::strcmp(param.name, "location") != 0) return;
  auto* self = GST_EDGE_IMU_SRC(object);
  GST_OBJECT_LOCK(self);
  const Settings& s = priv_of(self)->settings;
  const bool live = !s.device.empty() && s.location.empty();
  GST_OBJECT_UNLOCK(self);
  gst_base_src_set_live(GST_BASE_SRC(self), live);
}

const edge::gst::ParamBinding kParams = {edge::io::imu_source_params, settings_of, statistics_of,
                                         input_changed};

void edge_imu_src_finalize(GObject* object) {
  auto* self = GST_EDGE_IMU_SRC(object);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

}  // namespace

static void gst_edge_imu_src_class_init(GstEdgeImuSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* basesrc_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass* pushsrc_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(edge_imu_src_debug, "edgeimusrc", 0, "edgestream IMU CSV source");

  gobject_class->finalize = edge_imu_src_finalize;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream IMU source", "Source/Sensor",
      "Reads IMU samples printed as CSV lines from a serial port (termios, reconnecting) or a "
      "recorded CSV file, as F32LE interleaved frames",
      "edgestream <edgestream@users.noreply.github.com>");

  basesrc_class->start = edge_imu_src_start;
  basesrc_class->stop = edge_imu_src_stop;
  basesrc_class->unlock = edge_imu_src_unlock;
  basesrc_class->unlock_stop = edge_imu_src_unlock_stop;
  basesrc_class->negotiate = edge_imu_src_negotiate;
  basesrc_class->get_caps = edge_imu_src_get_caps;
  basesrc_class->query = edge_imu_src_query;
  pushsrc_class->create = edge_imu_src_create;
}

static void gst_edge_imu_src_init(GstEdgeImuSrc* self) {
  self->priv = new EdgeImuSrcPrivate();
  try {
    self->priv->cancel = std::make_unique<edge::io::Canceller>();
  } catch (const edge::Error& e) {
    GST_ERROR_OBJECT(self, "%s", e.what());  // start() refuses to run without it
  }
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);
  gst_pad_add_probe(GST_BASE_SRC_PAD(self), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, eos_probe, self,
                    nullptr);
}
