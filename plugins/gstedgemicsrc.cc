#include "plugins/gstedgemicsrc.h"

#include <gst/audio/audio.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/error.h"
#include "io/capture_supervisor.h"
#include "io/imu_line.h"
#include "plugins/common/element_util.h"
#include "plugins/common/gparams.h"
#include "signal/capture_backends.h"
#include "signal/capture_params.h"
#include "signal/capture_timeline.h"

GST_DEBUG_CATEGORY_STATIC(edge_mic_src_debug);
#define GST_CAT_DEFAULT edge_mic_src_debug

namespace {

constexpr guint64 kWarningIntervalNs = GST_SECOND;

using edge::io::CaptureEvent;
using edge::signal::OnDisconnect;
// Property values (declared in core/runtime/signal/capture_params.h), under the object lock.
using Settings = edge::signal::CaptureSettings;
using Backend = edge::signal::CaptureBackend;

}  // namespace

// The supervisor's view of the capture element (defined below).
class ChildCapture : public edge::io::CaptureSupervisor::Capture {
 public:
  explicit ChildCapture(GstEdgeMicSrc* self) : self_(self) {}
  void close() override;
  std::string reopen() override;
  void report(const CaptureEvent& event) override;

 private:
  GstEdgeMicSrc* self_;
};

struct EdgeMicSrcPrivate {
  explicit EdgeMicSrcPrivate(GstEdgeMicSrc* self) : capture(self), supervisor(&capture) {}

  Settings settings;  // GST_OBJECT_LOCK

  // Set while opening (NULL to READY) and cleared when closing (READY to NULL): constant
  // while the supervisor runs (READY to PAUSED until PAUSED to READY).
  Settings active;  // snapshot taken when the capture was opened
  const Backend* backend = nullptr;
  GstElement* child = nullptr;  // owned by the bin

  // When the capture failed, went silent or went away, and reopening it
  // (core/runtime/io/capture_supervisor.h).
  ChildCapture capture;
  edge::io::CaptureSupervisor supervisor;

  // Streaming thread (the probe) only.
  std::unique_ptr<edge::signal::CaptureTimeline> timeline;
  std::atomic<bool> restart_timeline{false};
  int rate = 0;
  int bytes_per_frame = 0;
  bool trust_offsets = false;  // GstAudioBaseSrc: OFFSET counts samples
  edge::io::RateLimiter gap_warnings{kWarningIntervalNs};

  // Counters: written by one thread at a time (the probe, or a report from the supervisor),
  // published for get_property on any thread.
  edge::signal::CaptureStatistics counters;
};

#define gst_edge_mic_src_parent_class parent_class
G_DEFINE_TYPE(GstEdgeMicSrc, gst_edge_mic_src, GST_TYPE_BIN)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("audio/x-raw"));

namespace {

EdgeMicSrcPrivate* priv_of(GstEdgeMicSrc* self) { return self->priv; }

std::string describe(const Backend& b, const std::string& device) {
  return edge::signal::describe_capture(b, device, std::getenv("PULSE_SERVER"));
}

// An element message for applications: kind, frames, seconds, pts, reason.
void post_event(GstEdgeMicSrc* self, const char* kind, guint64 frames, double seconds,
                GstClockTime pts, const std::string& reason) {
  GstStructure* s =
      gst_structure_new("edgemicsrc-event", "kind", G_TYPE_STRING, kind, "frames", G_TYPE_UINT64,
                        frames, "seconds", G_TYPE_DOUBLE, seconds, "pts", G_TYPE_UINT64, pts,
                        "reason", G_TYPE_STRING, reason.c_str(), nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

// Brings the child to `state` with the bin's clock and base time, collecting its errors
// instead of posting them. Returns the child's error text ("" on success).
std::string child_to_state(GstEdgeMicSrc* self, GstState state) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  GstElement* child = priv->child;
  priv->supervisor.begin_open();
  if (state == GST_STATE_PLAYING) {
    if (GstClock* clock = gst_element_get_clock(GST_ELEMENT(self))) {
      gst_element_set_clock(child, clock);
      gst_object_unref(clock);
    }
    gst_element_set_base_time(child, gst_element_get_base_time(GST_ELEMENT(self)));
  }
  const GstStateChangeReturn ret = gst_element_set_state(child, state);
  const std::string error = priv->supervisor.end_open();
  if (ret != GST_STATE_CHANGE_FAILURE) return "";
  return error.empty() ? std::string("it refused to start") : error;
}

// Opens the capture: the configured backend, or the first that answers. False with every
// reason in *why when none does.
bool open_capture(GstEdgeMicSrc* self, std::string* why) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  GST_OBJECT_LOCK(self);
  const Settings s = priv->settings;
  GST_OBJECT_UNLOCK(self);
  std::string reasons;
  for (const Backend* backend : edge::signal::capture_backends(s.api)) {
    const Backend& b = *backend;
    const std::string name = describe(b, s.device);
    GstElement* child = gst_element_factory_make(b.factory, nullptr);
    if (!child) {
      reasons += "\n  " + name + ": " + b.factory + " is not installed (Debian: " + b.package + ")";
      continue;
    }
    if (!s.device.empty())
      g_object_set(
          child, edge::signal::device_property(b, edge::gst::has_property(child, "target-object")),
          s.device.c_str(), nullptr);
    // The pipeline runs on the system clock, not on a server's sample counter.
    if (edge::gst::has_property(child, "provide-clock"))
      g_object_set(child, "provide-clock", FALSE, nullptr);
    if (edge::gst::has_property(child, "client-name"))
      g_object_set(child, "client-name", "edgestream", nullptr);
    gst_bin_add(GST_BIN(self), child);
    priv->child = child;
    const std::string error = child_to_state(self, GST_STATE_READY);
    if (error.empty()) {
      GstPad* pad = gst_element_get_static_pad(child, "src");
      gst_ghost_pad_set_target(GST_GHOST_PAD(self->srcpad), pad);
      gst_object_unref(pad);
      priv->backend = &b;
      priv->active = s;
      priv->trust_offsets = GST_IS_AUDIO_BASE_SRC(child);
      GST_INFO_OBJECT(self, "capturing from %s (%s)", name.c_str(), b.factory);
      return true;
    }
    reasons += "\n  " + name + ": " + error + " (" + b.hint + ")";
    gst_element_set_state(child, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(self), child);
    priv->child = nullptr;
  }
  *why = reasons;
  return false;
}

void close_capture(GstEdgeMicSrc* self) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  if (!priv->child) return;
  gst_ghost_pad_set_target(GST_GHOST_PAD(self->srcpad), nullptr);
  gst_element_set_state(priv->child, GST_STATE_NULL);
  gst_bin_remove(GST_BIN(self), priv->child);
  priv->child = nullptr;
  priv->backend = nullptr;
}

}  // namespace

void ChildCapture::close() { gst_element_set_state(priv_of(self_)->child, GST_STATE_NULL); }

std::string ChildCapture::reopen() {
  priv_of(self_)->restart_timeline = true;
  const std::string error = child_to_state(self_, GST_STATE_PLAYING);
  if (!error.empty()) GST_DEBUG_OBJECT(self_, "reopen attempt failed: %s", error.c_str());
  return error;
}

// What the supervisor saw, as a person and an application read it.
void ChildCapture::report(const CaptureEvent& event) {
  GstEdgeMicSrc* self = self_;
  EdgeMicSrcPrivate* priv = priv_of(self);
  const std::string name =
      priv->backend ? describe(*priv->backend, priv->active.device) : std::string("capture");
  const char* reason = event.reason.c_str();
  switch (event.kind) {
    case CaptureEvent::Kind::kFailedToStart:
    case CaptureEvent::Kind::kFailed: {
      const bool at_start = event.kind == CaptureEvent::Kind::kFailedToStart;
      GST_ELEMENT_ERROR(
          self, RESOURCE, READ,
          ("%s %s: %s", at_start ? "Could not start capturing from" : "Lost", name.c_str(), reason),
          ("%s%s", event.details.c_str(),
           at_start ? "" : " (on-disconnect=error; reconnect would reopen it)"));
      break;
    }
    case CaptureEvent::Kind::kSilentAtStart:
      GST_ELEMENT_ERROR(self, RESOURCE, READ,
                        ("%s opened but delivered no audio in %.1f s", name.c_str(), event.seconds),
                        ("%s (silence-timeout-ms=%" G_GINT64_FORMAT ")", priv->backend->hint,
                         static_cast<gint64>(priv->active.silence_timeout_ms)));
      break;
    case CaptureEvent::Kind::kLost:
      if (event.silence) {
        GST_ELEMENT_WARNING(self, RESOURCE, READ,
                            ("Lost %s: no audio for %.1f s; reconnecting with backoff",
                             name.c_str(), event.seconds),
                            (nullptr));
        post_event(self, "lost", 0, 0.0, GST_CLOCK_TIME_NONE, "no audio");
      } else {
        GST_ELEMENT_WARNING(self, RESOURCE, READ,
                            ("Lost %s: %s; reconnecting with backoff", name.c_str(), reason),
                            ("%s", event.details.c_str()));
        post_event(self, "lost", 0, 0.0, GST_CLOCK_TIME_NONE, event.reason);
      }
      break;
    case CaptureEvent::Kind::kReconnected: {
      const guint count = edge::params::published(&priv->counters.reconnects) + 1;
      edge::params::publish(&priv->counters.reconnects, count);
      GST_ELEMENT_WARNING(self, RESOURCE, READ,
                          ("Reconnected to %s after %.1f s (%d attempt(s), reconnect %u); the "
                           "audio in between was not captured",
                           name.c_str(), event.seconds, event.attempts, count),
                          ("lost because: %s", reason));
      post_event(self, "reconnected", 0, event.seconds, static_cast<GstClockTime>(event.pts_ns),
                 event.reason);
      break;
    }
  }
}

namespace {

void note_gap(GstEdgeMicSrc* self, const edge::signal::CaptureStamp& stamp) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  edge::signal::CaptureStatistics& c = priv->counters;
  const double seconds = edge::signal::count_gap(&c, stamp.gap_frames, priv->rate);
  const uint64_t gaps = edge::params::published(&c.gaps);
  const double total = edge::params::published(&c.dropped_seconds);
  uint64_t suppressed = 0;
  if (priv->gap_warnings.allow(static_cast<uint64_t>(g_get_monotonic_time()) * 1000, &suppressed)) {
    std::string more;
    if (suppressed) more = edge::msg("; ", suppressed, " more gap(s) since the last warning");
    GST_ELEMENT_WARNING(
        self, STREAM, FAILED,
        ("Dropped %.3f s of audio before %" GST_TIME_FORMAT
         ": the capture fell behind (a stopped or starved process, or an "
         "overrun); timestamps jump over the gap (%" G_GUINT64_FORMAT " gap(s), %.3f s in all%s)",
         seconds, GST_TIME_ARGS(static_cast<GstClockTime>(stamp.pts_ns)), gaps, total,
         more.c_str()),
        (nullptr));
  }
  post_event(self, "gap", static_cast<guint64>(stamp.gap_frames), seconds,
             static_cast<GstClockTime>(stamp.pts_ns), "");
}

GstPadProbeReturn on_event(GstEdgeMicSrc* self, GstPadProbeInfo* info) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS: {
      // A failing capture element pushes EOS after its error; only an asked-for EOS ends.
      return priv->supervisor.eos_requested() ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
    }
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      GstAudioInfo audio;
      if (!gst_audio_info_from_caps(&audio, caps) || GST_AUDIO_INFO_BPF(&audio) <= 0) {
        GST_WARNING_OBJECT(self, "cannot stamp caps %" GST_PTR_FORMAT, caps);
        priv->timeline.reset();
        return GST_PAD_PROBE_OK;
      }
      if (!priv->timeline || GST_AUDIO_INFO_RATE(&audio) != priv->rate) {
        edge::signal::CaptureTimelineConfig config;
        config.rate = GST_AUDIO_INFO_RATE(&audio);
        GST_OBJECT_LOCK(self);
        config.gap_tolerance_ns = static_cast<int64_t>(priv->settings.gap_tolerance_ms) * 1000000;
        GST_OBJECT_UNLOCK(self);
        priv->timeline = std::make_unique<edge::signal::CaptureTimeline>(config);
      }
      priv->rate = GST_AUDIO_INFO_RATE(&audio);
      priv->bytes_per_frame = GST_AUDIO_INFO_BPF(&audio);
      return GST_PAD_PROBE_OK;
    }
    case GST_EVENT_SEGMENT: {
      // Our pts are running time: a plain TIME segment from 0, whatever the capture sent.
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      GstEvent* ours = gst_event_new_segment(&segment);
      gst_event_set_seqnum(ours, gst_event_get_seqnum(event));
      gst_event_unref(event);
      GST_PAD_PROBE_INFO_DATA(info) = ours;
      return GST_PAD_PROBE_OK;
    }
    default:
      return GST_PAD_PROBE_OK;
  }
}

GstPadProbeReturn on_buffer(GstEdgeMicSrc* self, GstPadProbeInfo* info) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  priv->supervisor.note_arrival();
  GstClockTime arrival = 0;
  if (!priv->timeline || priv->bytes_per_frame <= 0 ||
      !edge::gst::running_time_now(GST_ELEMENT(self), &arrival))
    return GST_PAD_PROBE_OK;
  const gsize frames = gst_buffer_get_size(buffer) / static_cast<gsize>(priv->bytes_per_frame);
  if (frames == 0) return GST_PAD_PROBE_OK;
  if (priv->restart_timeline.exchange(false)) priv->timeline->restart();
  const int64_t offset = priv->trust_offsets && GST_BUFFER_OFFSET_IS_VALID(buffer)
                             ? static_cast<int64_t>(GST_BUFFER_OFFSET(buffer))
                             : -1;
  edge::signal::CaptureStamp stamp;
  try {
    stamp =
        priv->timeline->stamp(static_cast<int64_t>(arrival), static_cast<int64_t>(frames), offset);
  } catch (const edge::Error& e) {
    GST_WARNING_OBJECT(self, "not stamped: %s", e.what());
    return GST_PAD_PROBE_OK;
  }
  buffer = gst_buffer_make_writable(buffer);
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GST_BUFFER_PTS(buffer) = static_cast<GstClockTime>(stamp.pts_ns);
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buffer) = static_cast<GstClockTime>(stamp.duration_ns);
  if (stamp.discont) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  if (stamp.gap_frames > 0) note_gap(self, stamp);
  if (stamp.resync)
    GST_INFO_OBJECT(self, "resynced the timeline at %" GST_TIME_FORMAT,
                    GST_TIME_ARGS(GST_BUFFER_PTS(buffer)));
  priv->supervisor.note_delivered(static_cast<int64_t>(GST_BUFFER_PTS(buffer)));
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer user) {
  auto* self = static_cast<GstEdgeMicSrc*>(user);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) return on_buffer(self, info);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    return on_event(self, info);
  return GST_PAD_PROBE_OK;
}

}  // namespace

static void gst_edge_mic_src_handle_message(GstBin* bin, GstMessage* message) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(bin);
  EdgeMicSrcPrivate* priv = priv_of(self);
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR ||
      !edge::gst::message_from(message, priv->child)) {
    GST_BIN_CLASS(parent_class)->handle_message(bin, message);
    return;
  }
  std::string details;
  const std::string text = edge::gst::error_message_text(message, &details);
  gst_message_unref(message);
  priv->supervisor.report_error(text, details);
}

static gboolean gst_edge_mic_src_send_event(GstElement* element, GstEvent* event) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(element);
  EdgeMicSrcPrivate* priv = priv_of(self);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    // While the capture is away nobody else can push it.
    if (!priv->supervisor.request_eos()) return gst_pad_push_event(self->srcpad, event);
  }
  return GST_ELEMENT_CLASS(parent_class)->send_event(element, event);
}

static GstClock* gst_edge_mic_src_provide_clock(GstElement*) {
  // The system clock (or an audio sink's) paces the pipeline: a sound server's sample
  // counter stops and skips with the audio it loses, and would hide the gaps.
  return nullptr;
}

static GstStateChangeReturn gst_edge_mic_src_change_state(GstElement* element,
                                                          GstStateChange transition) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(element);
  EdgeMicSrcPrivate* priv = priv_of(self);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      GST_OBJECT_LOCK(self);
      const std::string invalid = edge::signal::why_invalid(priv->settings);
      GST_OBJECT_UNLOCK(self);
      if (!invalid.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("edgemicsrc: %s", invalid.c_str()), (nullptr));
        return GST_STATE_CHANGE_FAILURE;
      }
      std::string why;
      if (!open_capture(self, &why)) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                          ("No capture device or sound server answers:%s", why.c_str()),
                          ("edgemicsrc never falls back to a silent source"));
        return GST_STATE_CHANGE_FAILURE;
      }
      GST_OBJECT_FLAG_UNSET(self, GST_ELEMENT_FLAG_PROVIDE_CLOCK);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED: {
      priv->timeline.reset();
      priv->rate = 0;
      priv->bytes_per_frame = 0;
      priv->restart_timeline = false;
      edge::io::CaptureSupervisorConfig config;
      config.reconnect = priv->active.on_disconnect == OnDisconnect::kReconnect;
      config.silence_timeout_ms = priv->active.silence_timeout_ms;
      config.reconnect_initial_ms = priv->active.reconnect_initial_ms;
      config.reconnect_max_ms = priv->active.reconnect_max_ms;
      priv->supervisor.start(config);  // the delays were checked when opening
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      priv->supervisor.pause();
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      priv->supervisor.stop();
      break;
    default:
      break;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY) close_capture(self);
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) priv->supervisor.stop();
    return ret;
  }
  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      priv->supervisor.set_running();
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      close_capture(self);
      break;
    default:
      break;
  }
  // A live source does not preroll.
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED ||
      transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    ret = GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

static void* settings_of(GObject* object) { return &GST_EDGE_MIC_SRC(object)->priv->settings; }
static const void* statistics_of(GObject* object) {
  return &GST_EDGE_MIC_SRC(object)->priv->counters;
}
static const edge::gst::ParamBinding kParams = {edge::signal::capture_params, settings_of,
                                                statistics_of};

static void gst_edge_mic_src_finalize(GObject* object) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(object);
  self->priv->supervisor.stop();
  delete self->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_edge_mic_src_class_init(GstEdgeMicSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBinClass* bin_class = GST_BIN_CLASS(klass);
  gobject_class->finalize = gst_edge_mic_src_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_edge_mic_src_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR(gst_edge_mic_src_send_event);
  element_class->provide_clock = GST_DEBUG_FUNCPTR(gst_edge_mic_src_provide_clock);
  bin_class->handle_message = GST_DEBUG_FUNCPTR(gst_edge_mic_src_handle_message);

  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Edge microphone source", "Source/Audio",
      "Live audio from PulseAudio, PipeWire or ALSA (chosen or probed, never a silent "
      "fallback), stamped from sample counts and arrivals so dropped audio shows as counted "
      "pts gaps, reconnecting with backoff when the server or device goes away",
      "edgestream developers");
  GST_DEBUG_CATEGORY_INIT(edge_mic_src_debug, "edgemicsrc", 0, "edgestream live audio capture");
}

static void gst_edge_mic_src_init(GstEdgeMicSrc* self) {
  self->priv = new EdgeMicSrcPrivate(self);
  self->srcpad = gst_ghost_pad_new_no_target_from_template(
      "src", gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), "src"));
  gst_pad_add_probe(
      self->srcpad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_data, self, nullptr);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}
