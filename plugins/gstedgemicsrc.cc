#include "plugins/gstedgemicsrc.h"

#include <gst/audio/audio.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.h"
#include "io/imu_line.h"
#include "io/serial_port.h"
#include "signal/capture_timeline.h"

GST_DEBUG_CATEGORY_STATIC(edge_mic_src_debug);
#define GST_CAT_DEFAULT edge_mic_src_debug

namespace {

constexpr guint kDefaultReconnectInitialMs = 100;
constexpr guint kDefaultReconnectMaxMs = 5000;
constexpr guint kDefaultGapToleranceMs = 50;
constexpr guint kDefaultSilenceTimeoutMs = 5000;
constexpr guint64 kWarningIntervalNs = GST_SECOND;
constexpr auto kTick = std::chrono::milliseconds(250);
constexpr gint64 kTickLateUs = 1000000;  // a tick this late: the process was stopped

enum {
  PROP_0,
  PROP_API,
  PROP_DEVICE,
  PROP_ON_DISCONNECT,
  PROP_RECONNECT_INITIAL_MS,
  PROP_RECONNECT_MAX_MS,
  PROP_GAP_TOLERANCE_MS,
  PROP_SILENCE_TIMEOUT_MS,
  PROP_CURRENT_API,
  PROP_RECONNECTS,
  PROP_GAPS,
  PROP_DROPPED_FRAMES,
  PROP_DROPPED_SECONDS,
};

struct Backend {
  GstEdgeMicSrcApi api;
  const char* name;
  const char* what;  // for messages
  const char* factory;
  const char* package;  // Debian package with the factory
  const char* hint;     // what to do when it does not answer
};

const Backend kBackends[] = {
    {GST_EDGE_MIC_SRC_API_PULSE, "pulse", "PulseAudio", "pulsesrc", "gstreamer1.0-pulseaudio",
     "start PulseAudio (or PipeWire's pipewire-pulse), or check PULSE_SERVER"},
    {GST_EDGE_MIC_SRC_API_PIPEWIRE, "pipewire", "PipeWire", "pipewiresrc", "gstreamer1.0-pipewire",
     "start pipewire and a session manager (wireplumber)"},
    {GST_EDGE_MIC_SRC_API_ALSA, "alsa", "ALSA", "alsasrc", "gstreamer1.0-alsa",
     "check the card and device (arecord -l, arecord -L)"},
};

struct Settings {
  GstEdgeMicSrcApi api = GST_EDGE_MIC_SRC_API_AUTO;
  std::string device;
  GstEdgeMicSrcOnDisconnect on_disconnect = GST_EDGE_MIC_SRC_ON_DISCONNECT_RECONNECT;
  guint reconnect_initial_ms = kDefaultReconnectInitialMs;
  guint reconnect_max_ms = kDefaultReconnectMaxMs;
  guint gap_tolerance_ms = kDefaultGapToleranceMs;
  guint silence_timeout_ms = kDefaultSilenceTimeoutMs;
};

gint64 now_us() { return g_get_monotonic_time(); }

}  // namespace

struct EdgeMicSrcPrivate {
  Settings settings;  // GST_OBJECT_LOCK

  // Supervision, guarded by `mutex`. The supervisor thread reopens the capture; the
  // capture's threads report errors (handle_message) and audio (the probe).
  std::mutex mutex;
  std::condition_variable wake;
  std::thread supervisor;
  Settings active;  // snapshot taken when the capture was opened
  const Backend* backend = nullptr;
  GstElement* child = nullptr;  // owned by the bin
  bool stopping = false;        // supervisor: exit
  bool running = false;         // PLAYING: the supervisor may reopen
  bool busy = false;            // supervisor is changing the child's state
  bool opening = false;         // errors from the child are collected, not posted
  std::string child_error;      // the last one collected
  bool lost = false;            // the capture went away; reopen
  std::string lost_reason;
  gint64 lost_at_us = 0;
  int attempts = 0;             // reopen attempts in this loss
  bool awaiting_audio = false;  // (re)started, no buffer yet
  gint64 awaiting_since_us = 0;
  bool ever_delivered = false;                 // a buffer came since start: errors are losses now
  bool in_episode = false;                     // lost, until audio flows again
  std::unique_ptr<edge::io::Backoff> backoff;  // reopen delays of the current loss
  bool eos_requested = false;

  std::atomic<gint64> last_arrival_us{0};
  std::atomic<bool> check_first_buffer{false};  // probe: take `mutex` for the first buffer

  // Streaming thread (the probe) only.
  std::unique_ptr<edge::signal::CaptureTimeline> timeline;
  std::atomic<bool> restart_timeline{false};
  int rate = 0;
  int bytes_per_frame = 0;
  bool trust_offsets = false;  // GstAudioBaseSrc: OFFSET counts samples
  edge::io::RateLimiter gap_warnings{kWarningIntervalNs};

  // Counters, read from any thread.
  std::atomic<guint> reconnects{0};
  std::atomic<guint64> gaps{0};
  std::atomic<guint64> dropped_frames{0};
  std::atomic<double> dropped_seconds{0.0};
};

#define gst_edge_mic_src_parent_class parent_class
G_DEFINE_TYPE(GstEdgeMicSrc, gst_edge_mic_src, GST_TYPE_BIN)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("audio/x-raw"));

GType gst_edge_mic_src_api_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_EDGE_MIC_SRC_API_AUTO, "The first that opens: pulse, pipewire, alsa", "auto"},
      {GST_EDGE_MIC_SRC_API_PULSE, "PulseAudio (pulsesrc; PipeWire's pipewire-pulse too)", "pulse"},
      {GST_EDGE_MIC_SRC_API_PIPEWIRE, "PipeWire (pipewiresrc)", "pipewire"},
      {GST_EDGE_MIC_SRC_API_ALSA, "ALSA (alsasrc)", "alsa"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstEdgeMicSrcApi", values));
  return type;
}

GType gst_edge_mic_src_on_disconnect_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_EDGE_MIC_SRC_ON_DISCONNECT_RECONNECT,
       "Reconnect: reopen with exponential backoff, warn, go on", "reconnect"},
      {GST_EDGE_MIC_SRC_ON_DISCONNECT_ERROR, "Error: the loss ends the stream", "error"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstEdgeMicSrcOnDisconnect", values));
  return type;
}

namespace {

EdgeMicSrcPrivate* priv_of(GstEdgeMicSrc* self) { return self->priv; }

std::string describe(const Backend& b, const std::string& device) {
  std::string out = b.what;
  if (!device.empty()) out += " device " + device;
  if (b.api == GST_EDGE_MIC_SRC_API_PULSE) {
    const char* server = std::getenv("PULSE_SERVER");
    if (server && *server) out += std::string(" (PULSE_SERVER=") + server + ")";
  }
  return out;
}

bool has_property(GstElement* element, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(element), name) != nullptr;
}

// Message from the capture element or anything inside it.
bool from_child(GstMessage* message, GstElement* child) {
  GstObject* src = GST_MESSAGE_SRC(message);
  return child && src &&
         (src == GST_OBJECT(child) || gst_object_has_as_ancestor(src, GST_OBJECT(child)));
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
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    priv->opening = true;
    priv->child_error.clear();
  }
  if (state == GST_STATE_PLAYING) {
    if (GstClock* clock = gst_element_get_clock(GST_ELEMENT(self))) {
      gst_element_set_clock(child, clock);
      gst_object_unref(clock);
    }
    gst_element_set_base_time(child, gst_element_get_base_time(GST_ELEMENT(self)));
  }
  const GstStateChangeReturn ret = gst_element_set_state(child, state);
  std::lock_guard<std::mutex> lock(priv->mutex);
  priv->opening = false;
  if (ret != GST_STATE_CHANGE_FAILURE) return "";
  return priv->child_error.empty() ? std::string("it refused to start") : priv->child_error;
}

// Opens the capture: the configured backend, or the first that answers. False with every
// reason in *why when none does.
bool open_capture(GstEdgeMicSrc* self, std::string* why) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  GST_OBJECT_LOCK(self);
  const Settings s = priv->settings;
  GST_OBJECT_UNLOCK(self);
  std::string reasons;
  for (const Backend& b : kBackends) {
    if (s.api != GST_EDGE_MIC_SRC_API_AUTO && s.api != b.api) continue;
    const std::string name = describe(b, s.device);
    GstElement* child = gst_element_factory_make(b.factory, nullptr);
    if (!child) {
      reasons += "\n  " + name + ": " + b.factory + " is not installed (Debian: " + b.package + ")";
      continue;
    }
    if (!s.device.empty()) {
      const char* property = b.api != GST_EDGE_MIC_SRC_API_PIPEWIRE ? "device"
                             : has_property(child, "target-object") ? "target-object"
                                                                    : "path";
      g_object_set(child, property, s.device.c_str(), nullptr);
    }
    // The pipeline runs on the system clock, not on a server's sample counter.
    if (has_property(child, "provide-clock")) g_object_set(child, "provide-clock", FALSE, nullptr);
    if (has_property(child, "client-name"))
      g_object_set(child, "client-name", "edgestream", nullptr);
    gst_bin_add(GST_BIN(self), child);
    priv->child = child;
    const std::string error = child_to_state(self, GST_STATE_READY);
    if (error.empty()) {
      GstPad* pad = gst_element_get_static_pad(child, "src");
      gst_ghost_pad_set_target(GST_GHOST_PAD(self->srcpad), pad);
      gst_object_unref(pad);
      std::lock_guard<std::mutex> lock(priv->mutex);
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

// Supervisor: reopens a lost capture with backoff until audio flows again, and watches for
// a capture that has gone silent (opened but delivering nothing).
void supervise(GstEdgeMicSrc* self) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  std::unique_lock<std::mutex> lock(priv->mutex);
  const auto should_reopen = [&] {
    return priv->lost && priv->running && !priv->eos_requested &&
           priv->active.on_disconnect == GST_EDGE_MIC_SRC_ON_DISCONNECT_RECONNECT;
  };
  while (!priv->stopping) {
    if (!should_reopen()) {
      const gint64 before = now_us();
      priv->wake.wait_for(lock, kTick);
      if (priv->stopping) break;
      const gint64 now = now_us();
      if (now - before > kTickLateUs) {
        // SIGSTOP or a frozen machine: the audio is late, not necessarily gone.
        priv->awaiting_since_us = now;
        priv->last_arrival_us = now;
        continue;
      }
      const gint64 timeout_us = static_cast<gint64>(priv->active.silence_timeout_ms) * 1000;
      if (!priv->running || priv->eos_requested || priv->lost || timeout_us == 0) continue;
      const bool start_silent = priv->awaiting_audio && now - priv->awaiting_since_us > timeout_us;
      const bool went_silent = !priv->awaiting_audio && now - priv->last_arrival_us > timeout_us;
      if (!start_silent && !went_silent) continue;
      const std::string name = describe(*priv->backend, priv->active.device);
      if (!priv->ever_delivered) {
        priv->lost = true;
        lock.unlock();
        GST_ELEMENT_ERROR(
            self, RESOURCE, READ,
            ("%s opened but delivered no audio in %.1f s", name.c_str(), timeout_us / 1e6),
            ("%s (silence-timeout-ms=%" G_GINT64_FORMAT ")", priv->backend->hint,
             timeout_us / 1000));
        lock.lock();
        continue;
      }
      priv->lost = true;
      if (priv->in_episode) continue;  // this reopen attempt gave nothing: try again
      priv->in_episode = true;
      priv->lost_reason = edge::msg("no audio for ", timeout_us / 1e6, " s");
      priv->lost_at_us = now;
      priv->attempts = 0;
      lock.unlock();
      GST_ELEMENT_WARNING(self, RESOURCE, READ,
                          ("Lost %s: no audio for %.1f s; reconnecting with backoff", name.c_str(),
                           timeout_us / 1e6),
                          (nullptr));
      post_event(self, "lost", 0, 0.0, GST_CLOCK_TIME_NONE, "no audio");
      lock.lock();
      continue;
    }
    // One reopen attempt, after its backoff delay.
    const int64_t delay_ms = priv->backoff->next_ms();
    priv->busy = true;
    lock.unlock();
    gst_element_set_state(priv->child, GST_STATE_NULL);
    lock.lock();
    priv->wake.wait_for(lock, std::chrono::milliseconds(delay_ms),
                        [&] { return priv->stopping || !should_reopen(); });
    if (priv->stopping || !should_reopen()) {
      priv->busy = false;
      priv->wake.notify_all();
      continue;
    }
    ++priv->attempts;
    lock.unlock();
    priv->restart_timeline = true;
    const std::string error = child_to_state(self, GST_STATE_PLAYING);
    if (!error.empty()) gst_element_set_state(priv->child, GST_STATE_NULL);
    lock.lock();
    priv->busy = false;
    priv->wake.notify_all();
    if (!error.empty()) {
      GST_DEBUG_OBJECT(self, "reopen attempt %d failed: %s", priv->attempts, error.c_str());
      continue;
    }
    // Opened: back when audio comes (the probe); lost again after a silence or an error.
    priv->lost = false;
    priv->awaiting_audio = true;
    priv->awaiting_since_us = now_us();
    priv->check_first_buffer = true;
  }
}

// The first buffer after a (re)start: the capture is back.
void first_buffer(GstEdgeMicSrc* self, GstClockTime pts) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  std::unique_lock<std::mutex> lock(priv->mutex);
  priv->check_first_buffer = false;
  if (!priv->awaiting_audio) return;
  priv->awaiting_audio = false;
  priv->ever_delivered = true;
  if (!priv->in_episode) return;
  priv->in_episode = false;
  priv->backoff->reset();
  const double away = (now_us() - priv->lost_at_us) / 1e6;
  const int attempts = priv->attempts;
  const std::string name = describe(*priv->backend, priv->active.device);
  const std::string reason = priv->lost_reason;
  lock.unlock();
  const guint count = priv->reconnects.fetch_add(1) + 1;
  GST_ELEMENT_WARNING(self, RESOURCE, READ,
                      ("Reconnected to %s after %.1f s (%d attempt(s), reconnect %u); the audio "
                       "in between was not captured",
                       name.c_str(), away, attempts, count),
                      ("lost because: %s", reason.c_str()));
  post_event(self, "reconnected", 0, away, pts, reason);
}

void note_gap(GstEdgeMicSrc* self, const edge::signal::CaptureStamp& stamp) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  const double seconds = static_cast<double>(stamp.gap_frames) / priv->rate;
  const guint64 gaps = priv->gaps.fetch_add(1) + 1;
  priv->dropped_frames.fetch_add(static_cast<guint64>(stamp.gap_frames));
  const double total = priv->dropped_seconds.load() + seconds;
  priv->dropped_seconds = total;
  uint64_t suppressed = 0;
  if (priv->gap_warnings.allow(static_cast<uint64_t>(now_us()) * 1000, &suppressed)) {
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

// Running time on the pipeline clock now; false without a clock (not playing).
bool running_time_now(GstEdgeMicSrc* self, GstClockTime* now) {
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return false;
  const GstClockTime t = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  *now = t > base ? t - base : 0;
  return true;
}

GstPadProbeReturn on_event(GstEdgeMicSrc* self, GstPadProbeInfo* info) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS: {
      // A failing capture element pushes EOS after its error; only an asked-for EOS ends.
      std::lock_guard<std::mutex> lock(priv->mutex);
      return priv->eos_requested ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
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
  priv->last_arrival_us = now_us();
  GstClockTime arrival = 0;
  if (!priv->timeline || priv->bytes_per_frame <= 0 || !running_time_now(self, &arrival))
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
  if (priv->check_first_buffer) first_buffer(self, GST_BUFFER_PTS(buffer));
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer user) {
  auto* self = static_cast<GstEdgeMicSrc*>(user);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) return on_buffer(self, info);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    return on_event(self, info);
  return GST_PAD_PROBE_OK;
}

void start_supervisor(GstEdgeMicSrc* self) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  std::lock_guard<std::mutex> lock(priv->mutex);
  priv->stopping = false;
  priv->running = false;
  priv->lost = false;
  priv->awaiting_audio = false;
  priv->ever_delivered = false;
  priv->eos_requested = false;
  priv->in_episode = false;
  priv->backoff = std::make_unique<edge::io::Backoff>(priv->active.reconnect_initial_ms,
                                                      priv->active.reconnect_max_ms);
  priv->supervisor = std::thread(supervise, self);
}

void stop_supervisor(GstEdgeMicSrc* self) {
  EdgeMicSrcPrivate* priv = priv_of(self);
  {
    std::lock_guard<std::mutex> lock(priv->mutex);
    priv->stopping = true;
    priv->wake.notify_all();
  }
  if (priv->supervisor.joinable()) priv->supervisor.join();
}

}  // namespace

static void gst_edge_mic_src_handle_message(GstBin* bin, GstMessage* message) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(bin);
  EdgeMicSrcPrivate* priv = priv_of(self);
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR || !from_child(message, priv->child)) {
    GST_BIN_CLASS(parent_class)->handle_message(bin, message);
    return;
  }
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &err, &debug);
  std::string text = err ? err->message : "unknown error";
  const std::string details = debug ? debug : "";
  // alsasrc says what was wrong only in the debug text's last line.
  const size_t line = details.rfind('\n');
  if (line != std::string::npos && line + 1 < details.size())
    text += " (" + details.substr(line + 1) + ")";
  g_clear_error(&err);
  g_free(debug);
  gst_message_unref(message);

  std::unique_lock<std::mutex> lock(priv->mutex);
  if (priv->opening) {  // a (re)open attempt: child_to_state() reports it
    if (priv->child_error.empty()) priv->child_error = text;
    return;
  }
  if (priv->lost || priv->eos_requested || priv->stopping) return;  // follow-ups
  const std::string name =
      priv->backend ? describe(*priv->backend, priv->active.device) : std::string("capture");
  if (!priv->ever_delivered || priv->active.on_disconnect == GST_EDGE_MIC_SRC_ON_DISCONNECT_ERROR) {
    const bool at_start = !priv->ever_delivered;
    priv->lost = true;
    lock.unlock();
    GST_ELEMENT_ERROR(self, RESOURCE, READ,
                      ("%s %s: %s", at_start ? "Could not start capturing from" : "Lost",
                       name.c_str(), text.c_str()),
                      ("%s%s", details.c_str(),
                       at_start ? "" : " (on-disconnect=error; reconnect would reopen it)"));
    return;
  }
  priv->lost = true;
  priv->wake.notify_all();
  if (priv->in_episode) return;  // a reopen attempt that failed after opening
  priv->in_episode = true;
  priv->lost_reason = text;
  priv->lost_at_us = now_us();
  priv->attempts = 0;
  lock.unlock();
  GST_ELEMENT_WARNING(self, RESOURCE, READ,
                      ("Lost %s: %s; reconnecting with backoff", name.c_str(), text.c_str()),
                      ("%s", details.c_str()));
  post_event(self, "lost", 0, 0.0, GST_CLOCK_TIME_NONE, text);
}

static gboolean gst_edge_mic_src_send_event(GstElement* element, GstEvent* event) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(element);
  EdgeMicSrcPrivate* priv = priv_of(self);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    bool capture_streaming = false;
    {
      std::lock_guard<std::mutex> lock(priv->mutex);
      priv->eos_requested = true;
      capture_streaming = priv->running && !priv->lost && !priv->busy;
      priv->wake.notify_all();
    }
    // While the capture is away nobody else can push it.
    if (!capture_streaming) return gst_pad_push_event(self->srcpad, event);
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
      const bool device_without_api =
          priv->settings.api == GST_EDGE_MIC_SRC_API_AUTO && !priv->settings.device.empty();
      const std::string device = priv->settings.device;
      GST_OBJECT_UNLOCK(self);
      if (device_without_api) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                          ("edgemicsrc: device=%s needs api=pulse, pipewire or alsa (a device "
                           "name means something else to each)",
                           device.c_str()),
                          (nullptr));
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
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      priv->timeline.reset();
      priv->rate = 0;
      priv->bytes_per_frame = 0;
      priv->restart_timeline = false;
      start_supervisor(self);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED: {
      std::unique_lock<std::mutex> lock(priv->mutex);
      priv->running = false;
      priv->wake.notify_all();
      priv->wake.wait(lock, [&] { return !priv->busy; });
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop_supervisor(self);
      break;
    default:
      break;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY) close_capture(self);
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) stop_supervisor(self);
    return ret;
  }
  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
      std::lock_guard<std::mutex> lock(priv->mutex);
      priv->running = true;
      if (!priv->ever_delivered && !priv->lost) {
        priv->awaiting_audio = true;
        priv->awaiting_since_us = now_us();
        priv->check_first_buffer = true;
      }
      priv->wake.notify_all();
      break;
    }
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

static void gst_edge_mic_src_set_property(GObject* object, guint id, const GValue* value,
                                          GParamSpec* pspec) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(object);
  Settings& s = priv_of(self)->settings;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_API:
      s.api = static_cast<GstEdgeMicSrcApi>(g_value_get_enum(value));
      break;
    case PROP_DEVICE: {
      const gchar* text = g_value_get_string(value);
      s.device = text ? text : "";
      break;
    }
    case PROP_ON_DISCONNECT:
      s.on_disconnect = static_cast<GstEdgeMicSrcOnDisconnect>(g_value_get_enum(value));
      break;
    case PROP_RECONNECT_INITIAL_MS:
      s.reconnect_initial_ms = g_value_get_uint(value);
      break;
    case PROP_RECONNECT_MAX_MS:
      s.reconnect_max_ms = g_value_get_uint(value);
      break;
    case PROP_GAP_TOLERANCE_MS:
      s.gap_tolerance_ms = g_value_get_uint(value);
      break;
    case PROP_SILENCE_TIMEOUT_MS:
      s.silence_timeout_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  if (s.reconnect_max_ms < s.reconnect_initial_ms) s.reconnect_max_ms = s.reconnect_initial_ms;
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_mic_src_get_property(GObject* object, guint id, GValue* value,
                                          GParamSpec* pspec) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(object);
  EdgeMicSrcPrivate* priv = priv_of(self);
  const Settings& s = priv->settings;
  switch (id) {
    case PROP_CURRENT_API: {
      std::lock_guard<std::mutex> lock(priv->mutex);
      g_value_set_string(value, priv->backend ? priv->backend->name : nullptr);
      return;
    }
    case PROP_RECONNECTS:
      g_value_set_uint(value, priv->reconnects.load());
      return;
    case PROP_GAPS:
      g_value_set_uint64(value, priv->gaps.load());
      return;
    case PROP_DROPPED_FRAMES:
      g_value_set_uint64(value, priv->dropped_frames.load());
      return;
    case PROP_DROPPED_SECONDS:
      g_value_set_double(value, priv->dropped_seconds.load());
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_API:
      g_value_set_enum(value, s.api);
      break;
    case PROP_DEVICE:
      g_value_set_string(value, s.device.empty() ? nullptr : s.device.c_str());
      break;
    case PROP_ON_DISCONNECT:
      g_value_set_enum(value, s.on_disconnect);
      break;
    case PROP_RECONNECT_INITIAL_MS:
      g_value_set_uint(value, s.reconnect_initial_ms);
      break;
    case PROP_RECONNECT_MAX_MS:
      g_value_set_uint(value, s.reconnect_max_ms);
      break;
    case PROP_GAP_TOLERANCE_MS:
      g_value_set_uint(value, s.gap_tolerance_ms);
      break;
    case PROP_SILENCE_TIMEOUT_MS:
      g_value_set_uint(value, s.silence_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_mic_src_finalize(GObject* object) {
  GstEdgeMicSrc* self = GST_EDGE_MIC_SRC(object);
  stop_supervisor(self);
  delete self->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_edge_mic_src_class_init(GstEdgeMicSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBinClass* bin_class = GST_BIN_CLASS(klass);
  gobject_class->set_property = gst_edge_mic_src_set_property;
  gobject_class->get_property = gst_edge_mic_src_get_property;
  gobject_class->finalize = gst_edge_mic_src_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_edge_mic_src_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR(gst_edge_mic_src_send_event);
  element_class->provide_clock = GST_DEBUG_FUNCPTR(gst_edge_mic_src_provide_clock);
  bin_class->handle_message = GST_DEBUG_FUNCPTR(gst_edge_mic_src_handle_message);

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_API,
      g_param_spec_enum("api", "API",
                        "Capture through pulse (PulseAudio, pipewire-pulse), pipewire or alsa; "
                        "auto: the first of these that opens",
                        gst_edge_mic_src_api_get_type(), GST_EDGE_MIC_SRC_API_AUTO, rw));
  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_string("device", "Device",
                          "pulse: a source name (pactl list short sources); pipewire: a target "
                          "object (node name or serial); alsa: a device (plughw:1,0). Unset: "
                          "the default. Needs api other than auto",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_ON_DISCONNECT,
      g_param_spec_enum("on-disconnect", "On disconnect",
                        "When the server or device goes away: reconnect (with backoff, warning) "
                        "or error",
                        gst_edge_mic_src_on_disconnect_get_type(),
                        GST_EDGE_MIC_SRC_ON_DISCONNECT_RECONNECT, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_INITIAL_MS,
      g_param_spec_uint("reconnect-initial-ms", "Reconnect initial delay (ms)",
                        "First delay before reopening; doubled after each failed attempt", 1,
                        3600000, kDefaultReconnectInitialMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_MAX_MS,
      g_param_spec_uint("reconnect-max-ms", "Reconnect maximum delay (ms)",
                        "Longest delay between two reopen attempts", 1, 3600000,
                        kDefaultReconnectMaxMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_GAP_TOLERANCE_MS,
      g_param_spec_uint("gap-tolerance-ms", "Gap tolerance (ms)",
                        "Timing mismatch up to this is jitter or drift; beyond it (for 0.5 s, or "
                        "at once when the capture's own sample offsets jump) audio was dropped",
                        1, 10000, kDefaultGapToleranceMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_SILENCE_TIMEOUT_MS,
      g_param_spec_uint("silence-timeout-ms", "Silence timeout (ms)",
                        "A capture that delivers no buffer for this long is gone (an error "
                        "before the first buffer, a reconnect after); 0: never",
                        0, 3600000, kDefaultSilenceTimeoutMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_CURRENT_API,
      g_param_spec_string("current-api", "Current API",
                          "The API capturing now (pulse, pipewire, alsa); unset before start",
                          nullptr, ro));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECTS,
      g_param_spec_uint("reconnects", "Reconnects", "Times the capture came back after a loss", 0,
                        G_MAXUINT, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_GAPS,
      g_param_spec_uint64("gaps", "Gaps", "Times audio was dropped while capturing", 0, G_MAXUINT64,
                          0, ro));
  g_object_class_install_property(
      gobject_class, PROP_DROPPED_FRAMES,
      g_param_spec_uint64("dropped-frames", "Dropped frames",
                          "Frames of audio dropped in all gaps (time away while reconnecting "
                          "not included)",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_DROPPED_SECONDS,
      g_param_spec_double("dropped-seconds", "Dropped seconds",
                          "Seconds of audio dropped in all gaps", 0, G_MAXDOUBLE, 0, ro));

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
  self->priv = new EdgeMicSrcPrivate();
  self->srcpad = gst_ghost_pad_new_no_target_from_template(
      "src", gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), "src"));
  gst_pad_add_probe(
      self->srcpad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_data, self, nullptr);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}
