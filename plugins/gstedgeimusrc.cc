#include "plugins/gstedgeimusrc.h"

#include <gst/audio/audio.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/imu_line.h"
#include "io/serial_port.h"
#include "plugins/common/edgemeta.h"

GST_DEBUG_CATEGORY_STATIC(edge_imu_src_debug);
#define GST_CAT_DEFAULT edge_imu_src_debug

namespace {

constexpr gint kDefaultBaud = 115200;
constexpr guint kDefaultRate = 100;
constexpr guint kDefaultReconnectInitialMs = 100;
constexpr guint kDefaultReconnectMaxMs = 5000;
constexpr guint kDefaultFramesPerBuffer = 1;
constexpr guint kDefaultMaxLineLength = 1024;
constexpr size_t kReadChunk = 4096;
constexpr guint64 kWarningIntervalNs = GST_SECOND;

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_LOCATION,
  PROP_BAUD,
  PROP_CHANNELS,
  PROP_TIMESTAMP_MODE,
  PROP_RATE,
  PROP_ON_DISCONNECT,
  PROP_RECONNECT_INITIAL_MS,
  PROP_RECONNECT_MAX_MS,
  PROP_FRAMES_PER_BUFFER,
  PROP_MAX_LINE_LENGTH,
  PROP_SEPARATORS_AS_CLIPS,
  PROP_REALTIME,
  PROP_LABEL,
  PROP_LINES,
  PROP_BAD_LINES,
  PROP_FRAMES,
  PROP_MEASURED_RATE,
  PROP_RECONNECTS,
};

struct Settings {
  std::string device;
  std::string location;
  gint baud = kDefaultBaud;
  gint channels = 0;
  GstEdgeImuSrcTimestampMode timestamp_mode = GST_EDGE_IMU_SRC_TIMESTAMP_NOMINAL;
  guint rate = kDefaultRate;
  GstEdgeImuSrcOnDisconnect on_disconnect = GST_EDGE_IMU_SRC_ON_DISCONNECT_RECONNECT;
  guint reconnect_initial_ms = kDefaultReconnectInitialMs;
  guint reconnect_max_ms = kDefaultReconnectMaxMs;
  guint frames_per_buffer = kDefaultFramesPerBuffer;
  guint max_line_length = kDefaultMaxLineLength;
  gboolean separators_as_clips = FALSE;
  gboolean realtime = FALSE;
  std::string label;
};

// Built in start(), dropped in stop(); touched by the streaming thread only
// (start/stop run with the stream lock or before streaming).
struct State {
  Settings settings;  // snapshot taken at start
  bool live = false;
  std::string name;  // device or file name, for messages and clip ids
  std::unique_ptr<edge::io::ImuLineParser> parser;
  edge::io::SerialPort port;
  edge::io::FileInput file;
  std::unique_ptr<edge::io::Backoff> backoff;
  std::unique_ptr<edge::io::Pacer> pacer;
  edge::io::RateLimiter warn_limiter{kWarningIntervalNs};
  edge::io::RateMeter meter;

  std::vector<char> read_buf;
  size_t read_pos = 0;
  size_t read_len = 0;
  GstClockTime chunk_arrival = GST_CLOCK_TIME_NONE;  // running time of the last read

  std::vector<float> staging;  // frames_per_buffer * channels
  guint staged = 0;
  GstClockTime staged_pts = GST_CLOCK_TIME_NONE;

  gint negotiated_channels = 0;
  bool connected = false;
  bool ever_connected = false;  // a late first open is not a reconnect
  bool disconnected = false;    // saw a hang-up, reconnect (or EOS) next
  bool end_of_input = false;
  bool discont = true;
  bool clip_pending = true;
  bool clip_has_frames = false;
  bool first_clip = true;
  guint64 clip_index = 0;
  edge::gst::ClipInfo clip;

  GstClockTime anchor = GST_CLOCK_TIME_NONE;  // nominal: running time of frame 0 of this run
  guint64 run_frames = 0;                     // frames since the anchor
  guint64 offset = 0;                         // frames since start

  bool warned_no_frames = false;
};

}  // namespace

struct EdgeImuSrcPrivate {
  Settings settings;  // GST_OBJECT_LOCK
  std::unique_ptr<State> state;
  std::unique_ptr<edge::io::Canceller> cancel;
  std::atomic<guint64> lines{0};
  std::atomic<guint64> bad_lines{0};
  std::atomic<guint64> frames{0};
  std::atomic<guint64> headers{0};
  std::atomic<guint64> separators{0};
  std::atomic<guint> reconnects{0};
  std::atomic<double> measured_rate{0.0};
  std::atomic<gint> caps_channels{0};  // channels of the caps set, 0 before; for get_caps
};

#define gst_edge_imu_src_parent_class parent_class
G_DEFINE_TYPE(GstEdgeImuSrc, gst_edge_imu_src, GST_TYPE_PUSH_SRC)

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                    "rate=(int)[1,100000], channels=(int)[1,64], channel-mask=(bitmask)0"));

GType gst_edge_imu_src_timestamp_mode_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_EDGE_IMU_SRC_TIMESTAMP_NOMINAL,
       "Nominal: first arrival after (re)connect + n / rate (recordings: n / rate)", "nominal"},
      {GST_EDGE_IMU_SRC_TIMESTAMP_ARRIVAL,
       "Arrival: pipeline running time when the line was read (live only)", "arrival"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstEdgeImuSrcTimestampMode", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

GType gst_edge_imu_src_on_disconnect_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_EDGE_IMU_SRC_ON_DISCONNECT_RECONNECT,
       "Reconnect: reopen with exponential backoff, resume with DISCONT and a new clip",
       "reconnect"},
      {GST_EDGE_IMU_SRC_ON_DISCONNECT_EOS, "EOS: end the stream (a missing device is an error)",
       "eos"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstEdgeImuSrcOnDisconnect", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

namespace {

EdgeImuSrcPrivate* priv_of(GstEdgeImuSrc* self) { return self->priv; }

GstCaps* make_caps(guint rate, gint channels) {
  return gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout",
                             G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, (gint)rate,
                             "channels", G_TYPE_INT, channels, "channel-mask", GST_TYPE_BITMASK,
                             (guint64)0, nullptr);
}

// Running time now, from the element's clock; monotonic time when it has none
// (a harness without a pipeline clock).
GstClockTime running_time_now(GstEdgeImuSrc* self) {
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return static_cast<GstClockTime>(edge::io::monotonic_ns());
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  return now > base ? now - base : 0;
}

void publish_counters(EdgeImuSrcPrivate* priv, const State& st) {
  const auto& c = st.parser->counters();
  priv->lines.store(c.lines, std::memory_order_relaxed);
  priv->bad_lines.store(c.bad_lines, std::memory_order_relaxed);
  priv->frames.store(c.frames, std::memory_order_relaxed);
  priv->headers.store(c.headers, std::memory_order_relaxed);
  priv->separators.store(c.separators, std::memory_order_relaxed);
  priv->measured_rate.store(st.meter.rate(), std::memory_order_relaxed);
}

void warn_bad_line(GstEdgeImuSrc* self, State& st, const edge::io::ParsedLine& line) {
  guint64 suppressed = 0;
  if (!st.warn_limiter.allow(static_cast<uint64_t>(edge::io::monotonic_ns()), &suppressed)) {
    GST_DEBUG_OBJECT(self, "bad line %" G_GUINT64_FORMAT " (%s), warning suppressed",
                     (guint64)line.line_number, line.detail.c_str());
    return;
  }
  const std::string text = edge::io::escape_for_message(line.text, 80);
  GST_ELEMENT_WARNING(
      self, STREAM, DECODE,
      ("Skipped bad line %" G_GUINT64_FORMAT " from %s (%s: %s): \"%s\"", (guint64)line.line_number,
       st.name.c_str(), edge::io::bad_reason_name(line.reason), line.detail.c_str(), text.c_str()),
      ("%" G_GUINT64_FORMAT " bad lines so far; %" G_GUINT64_FORMAT
       " more were skipped since the last warning (at most one warning per second)",
       (guint64)st.parser->counters().bad_lines, (guint64)suppressed));
}

// Opens the device or file; false with *why on failure.
bool open_input(State& st, std::string* why) {
  try {
    if (st.live)
      st.port.open(st.settings.device, st.settings.baud);
    else
      st.file.open(st.settings.location);
    st.connected = true;
    return true;
  } catch (const edge::Error& e) {
    *why = e.what();
    return false;
  }
}

// Waits with backoff until the device opens again. GST_FLOW_OK when
// connected, GST_FLOW_FLUSHING when unlocked meanwhile.
GstFlowReturn reconnect(GstEdgeImuSrc* self, State& st) {
  EdgeImuSrcPrivate* priv = priv_of(self);
  std::string why;
  bool warned = false;
  const bool first_open = !st.ever_connected;
  while (true) {
    const int64_t delay = st.backoff->next_ms();
    GST_DEBUG_OBJECT(self, "reopening %s in %" G_GINT64_FORMAT " ms (attempt %d)", st.name.c_str(),
                     (gint64)delay, st.backoff->attempts());
    if (!priv->cancel->sleep_ms(delay)) return GST_FLOW_FLUSHING;
    if (open_input(st, &why)) break;
    if (!warned && st.backoff->attempts() == 1) {
      GST_INFO_OBJECT(self, "still cannot open %s: %s", st.name.c_str(), why.c_str());
      warned = true;
    }
  }
  const int attempts = st.backoff->attempts();
  st.backoff->reset();
  st.ever_connected = true;
  if (!first_open) priv->reconnects.fetch_add(1, std::memory_order_relaxed);
  GST_ELEMENT_INFO(self, RESOURCE, OPEN_READ,
                   ("%s %s after %d attempt(s)", first_open ? "Opened" : "Reconnected to",
                    st.name.c_str(), attempts),
                   (nullptr));
  // Bytes before the hang-up are stale; time restarts; windows restart.
  st.parser->drop_partial();
  st.read_pos = st.read_len = 0;
  st.disconnected = false;
  st.discont = true;
  st.clip_pending = true;
  st.anchor = GST_CLOCK_TIME_NONE;
  st.run_frames = 0;
  st.meter.reset();
  return GST_FLOW_OK;
}

bool ensure_caps(GstEdgeImuSrc* self, State& st) {
  const gint channels = st.parser->channels();
  if (st.negotiated_channels == channels) return true;
  GstCaps* caps = make_caps(st.settings.rate, channels);
  const gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
  if (!ok) {
    gchar* text = gst_caps_to_string(caps);
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION,
        ("Downstream refused the IMU stream caps %s (from %s)", text, st.name.c_str()),
        ("check the caps filter after edgeimusrc: channels and rate come from "
         "the data and the rate property"));
    g_free(text);
  } else {
    st.negotiated_channels = channels;
    priv_of(self)->caps_channels.store(channels);
    st.staging.assign(static_cast<size_t>(st.settings.frames_per_buffer) * channels, 0.0f);
  }
  gst_caps_unref(caps);
  return ok;
}

// Starts a new clip: a new SEGMENT (not for the first clip: basesrc sends that
// one itself), then the clip-boundary event queued into basesrc so it follows
// the segment and precedes the buffer.
void begin_clip(GstEdgeImuSrc* self, State& st) {
  st.clip.clip_id = st.name + "#" + std::to_string(st.clip_index++);
  st.clip.label = st.settings.label;
  st.clip.label_index = -1;
  st.clip.fold = -1;
  st.clip.source = st.live ? st.settings.device : st.settings.location;
  if (!st.first_clip) {
    GstBaseSrc* base = GST_BASE_SRC(self);
    gst_pad_push_event(GST_BASE_SRC_PAD(base), gst_event_new_segment(&base->segment));
  }
  st.first_clip = false;
  // basesrc's send_event queues serialized custom events and pushes them after
  // its pending segment, before our buffer. Called directly, not through
  // gst_element_send_event, which takes the state lock (a deadlock against a
  // state change waiting for this streaming thread).
  GST_ELEMENT_CLASS(parent_class)
      ->send_event(GST_ELEMENT(self), edge::gst::clip_event_new(st.clip));
  st.clip_pending = false;
  st.clip_has_frames = false;
  st.discont = true;
}

GstClockTime frame_time(const State& st, guint64 run_frame) {
  return st.anchor + gst_util_uint64_scale(run_frame, GST_SECOND, st.settings.rate);
}

GstBuffer* take_staged(GstEdgeImuSrc* self, State& st) {
  const gint channels = st.negotiated_channels;
  const gsize bytes = static_cast<gsize>(st.staged) * channels * sizeof(float);
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, bytes, nullptr);
  gst_buffer_fill(buf, 0, st.staging.data(), bytes);
  GST_BUFFER_PTS(buf) = st.staged_pts;
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  if (st.settings.timestamp_mode == GST_EDGE_IMU_SRC_TIMESTAMP_NOMINAL || !st.live) {
    // Exact frame boundaries: end of this buffer is the next frame's start.
    GST_BUFFER_DURATION(buf) = frame_time(st, st.run_frames) - st.staged_pts;
  } else {
    GST_BUFFER_DURATION(buf) = gst_util_uint64_scale(st.staged, GST_SECOND, st.settings.rate);
  }
  GST_BUFFER_OFFSET(buf) = st.offset - st.staged;
  GST_BUFFER_OFFSET_END(buf) = st.offset;
  if (st.discont) {
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
    st.discont = false;
  }
  edge::gst::clip_meta_set(buf, st.clip);
  st.staged = 0;
  st.staged_pts = GST_CLOCK_TIME_NONE;
  (void)self;
  return buf;
}

// Adds one frame to the staging area; FALSE on a negotiation failure.
bool stage_frame(GstEdgeImuSrc* self, State& st, const float* values) {
  if (!ensure_caps(self, st)) return false;
  if (st.clip_pending) begin_clip(self, st);
  GstClockTime pts;
  if (!st.live) {
    if (st.anchor == GST_CLOCK_TIME_NONE) st.anchor = 0;
    pts = frame_time(st, st.run_frames);
  } else {
    if (st.anchor == GST_CLOCK_TIME_NONE) st.anchor = st.chunk_arrival;
    pts = st.settings.timestamp_mode == GST_EDGE_IMU_SRC_TIMESTAMP_ARRIVAL
              ? st.chunk_arrival
              : frame_time(st, st.run_frames);
    st.meter.add(static_cast<uint64_t>(st.chunk_arrival), 1);
  }
  if (st.staged == 0) st.staged_pts = pts;
  std::memcpy(st.staging.data() + static_cast<size_t>(st.staged) * st.negotiated_channels, values,
              sizeof(float) * st.negotiated_channels);
  ++st.staged;
  ++st.run_frames;
  ++st.offset;
  st.clip_has_frames = true;
  return true;
}

enum class LineOutcome { kContinue, kFlush, kError };

LineOutcome handle_line(GstEdgeImuSrc* self, State& st, const edge::io::ParsedLine& line) {
  switch (line.kind) {
    case edge::io::LineKind::kNone:
      return LineOutcome::kContinue;
    case edge::io::LineKind::kHeader:
      GST_INFO_OBJECT(self, "header at line %" G_GUINT64_FORMAT ": %d channels",
                      (guint64)line.line_number, st.parser->channels());
      return LineOutcome::kContinue;
    case edge::io::LineKind::kSeparator:
      if (st.settings.separators_as_clips && st.clip_has_frames) {
        st.clip_pending = true;
        st.clip_has_frames = false;
        return st.staged > 0 ? LineOutcome::kFlush : LineOutcome::kContinue;
      }
      return LineOutcome::kContinue;
    case edge::io::LineKind::kBad:
      warn_bad_line(self, st, line);
      return LineOutcome::kContinue;
    case edge::io::LineKind::kFrame:
      if (!stage_frame(self, st, line.values)) return LineOutcome::kError;
      return st.staged >= st.settings.frames_per_buffer ? LineOutcome::kFlush
                                                        : LineOutcome::kContinue;
  }
  return LineOutcome::kContinue;
}

// Hands out the staged frames; a paced recording waits until its last frame is due.
GstFlowReturn emit(GstEdgeImuSrc* self, State& st, GstBuffer** out) {
  if (st.pacer && !st.pacer->wait_for(st.run_frames - 1, priv_of(self)->cancel.get()))
    return GST_FLOW_FLUSHING;
  *out = take_staged(self, st);
  return GST_FLOW_OK;
}

GstFlowReturn finish_stream(GstEdgeImuSrc* self, State& st, GstBuffer** out) {
  if (st.staged > 0) return emit(self, st, out);
  if (st.parser->counters().frames == 0 && !st.warned_no_frames) {
    st.warned_no_frames = true;
    GST_ELEMENT_WARNING(
        self, STREAM, DECODE,
        ("No sample lines in %s (%" G_GUINT64_FORMAT " lines, %" G_GUINT64_FORMAT " bad)",
         st.name.c_str(), (guint64)st.parser->counters().lines,
         (guint64)st.parser->counters().bad_lines),
        (nullptr));
  }
  return GST_FLOW_EOS;
}

GstFlowReturn create_unlocked(GstEdgeImuSrc* self, State& st, GstBuffer** out) {
  EdgeImuSrcPrivate* priv = priv_of(self);
  edge::io::ParsedLine line;
  while (true) {
    // 1. Lines already read.
    while (st.read_pos < st.read_len) {
      st.read_pos +=
          st.parser->consume(st.read_buf.data() + st.read_pos, st.read_len - st.read_pos, &line);
      const LineOutcome outcome = handle_line(self, st, line);
      if (outcome == LineOutcome::kError) return GST_FLOW_NOT_NEGOTIATED;
      if (outcome == LineOutcome::kFlush) {
        publish_counters(priv, st);
        return emit(self, st, out);
      }
    }
    publish_counters(priv, st);

    // 2. End of a recording.
    if (st.end_of_input) {
      if (st.parser->finish(&line)) {
        if (handle_line(self, st, line) == LineOutcome::kError) return GST_FLOW_NOT_NEGOTIATED;
        publish_counters(priv, st);
      }
      return finish_stream(self, st, out);
    }

    // 3. Device gone (or never there): hand out what we have, then EOS or reconnect.
    if (st.disconnected || !st.connected) {
      if (st.staged > 0) return emit(self, st, out);
      if (st.settings.on_disconnect == GST_EDGE_IMU_SRC_ON_DISCONNECT_EOS) {
        st.parser->finish(&line);  // a partial last line is dropped, like a cut cable
        return GST_FLOW_EOS;
      }
      const GstFlowReturn ret = reconnect(self, st);
      if (ret != GST_FLOW_OK) return ret;
      continue;
    }

    // 4. Read more bytes.
    size_t n = 0;
    edge::io::ReadStatus status;
    const size_t want = st.read_buf.size();
    if (st.live)
      status = st.port.read(st.read_buf.data(), want, &n, -1, priv->cancel.get());
    else
      status = st.file.read(st.read_buf.data(), want, &n, priv->cancel.get());
    switch (status) {
      case edge::io::ReadStatus::kData:
        st.read_pos = 0;
        st.read_len = n;
        if (st.live) st.chunk_arrival = running_time_now(self);
        break;
      case edge::io::ReadStatus::kTimeout:
        break;
      case edge::io::ReadStatus::kCancelled:
        return GST_FLOW_FLUSHING;
      case edge::io::ReadStatus::kEnd:
        st.end_of_input = true;
        break;
      case edge::io::ReadStatus::kHangup: {
        st.port.close();
        st.connected = false;
        st.disconnected = true;
        const bool eos = st.settings.on_disconnect == GST_EDGE_IMU_SRC_ON_DISCONNECT_EOS;
        GST_ELEMENT_WARNING(
            self, RESOURCE, READ,
            ("Serial device %s disconnected; %s", st.name.c_str(),
             eos ? "ending the stream (on-disconnect=eos)"
                 : "reconnecting with backoff (on-disconnect=reconnect)"),
            ("after %" G_GUINT64_FORMAT " lines", (guint64)st.parser->counters().lines));
        break;
      }
    }
  }
}

// --- GstBaseSrc vfuncs ---

gboolean edge_imu_src_start(GstBaseSrc* base) {
  auto* self = GST_EDGE_IMU_SRC(base);
  EdgeImuSrcPrivate* priv = priv_of(self);
  if (!priv->cancel) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not create a wake-up pipe"), (nullptr));
    return FALSE;
  }
  auto st = std::make_unique<State>();
  GST_OBJECT_LOCK(self);
  st->settings = priv->settings;
  GST_OBJECT_UNLOCK(self);
  const Settings& s = st->settings;

  if (s.device.empty() == s.location.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Set exactly one of device (a serial port) or location (a recorded CSV "
                       "file); got %s",
                       s.device.empty() ? "neither" : "both"),
                      (nullptr));
    return FALSE;
  }
  st->live = !s.device.empty();
  if (st->live && !edge::io::is_supported_baud(s.baud)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("baud=%d is not a supported rate; use one of %s", s.baud,
                       edge::io::supported_bauds().c_str()),
                      (nullptr));
    return FALSE;
  }
  try {
    edge::io::ImuLineConfig cfg;
    cfg.channels = s.channels;
    cfg.max_line_length = s.max_line_length;
    st->parser = std::make_unique<edge::io::ImuLineParser>(cfg);
    st->backoff = std::make_unique<edge::io::Backoff>(s.reconnect_initial_ms, s.reconnect_max_ms);
    if (!st->live && s.realtime) st->pacer = std::make_unique<edge::io::Pacer>(s.rate);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  if (st->live) {
    st->name = s.device;
  } else {
    gchar* base_name = g_path_get_basename(s.location.c_str());
    st->name = base_name;
    g_free(base_name);
  }
  st->read_buf.resize(kReadChunk);
  st->staging.reserve(static_cast<size_t>(s.frames_per_buffer) *
                      edge::io::ImuLineConfig::kMaxChannels);

  priv->lines = 0;
  priv->bad_lines = 0;
  priv->frames = 0;
  priv->headers = 0;
  priv->separators = 0;
  priv->reconnects = 0;
  priv->measured_rate = 0.0;
  priv->caps_channels = 0;

  std::string why;
  st->ever_connected = open_input(*st, &why);
  if (!st->ever_connected) {
    if (!st->live) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", why.c_str()),
                        ("location=%s", s.location.c_str()));
      return FALSE;
    }
    if (s.on_disconnect == GST_EDGE_IMU_SRC_ON_DISCONNECT_EOS) {
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
  priv->state = std::move(st);
  return TRUE;
}

gboolean edge_imu_src_stop(GstBaseSrc* base) {
  auto* self = GST_EDGE_IMU_SRC(base);
  priv_of(self)->state.reset();  // closes the port or file
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

// Caps are set from create() once the channel count is known (from the
// channels property, the header or the first good line); nothing to do before.
gboolean edge_imu_src_negotiate(GstBaseSrc* base) {
  auto* self = GST_EDGE_IMU_SRC(base);
  State* st = priv_of(self)->state.get();
  if (!st || st->negotiated_channels == 0) return TRUE;
  GstCaps* caps = make_caps(st->settings.rate, st->negotiated_channels);
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
  // Not the State: get_caps runs in any thread, also while stop() drops it.
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
  State* st = priv_of(self)->state.get();
  if (!st) return GST_FLOW_FLUSHING;
  try {
    return create_unlocked(self, *st, out);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Reading %s failed: %s", st->name.c_str(), e.what()),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
}

// Posts the counters when EOS leaves the element, whoever made it (end of a
// recording, on-disconnect=eos, num-buffers).
GstPadProbeReturn eos_probe(GstPad*, GstPadProbeInfo* info, gpointer user_data) {
  auto* self = GST_EDGE_IMU_SRC(user_data);
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event && GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    EdgeImuSrcPrivate* priv = priv_of(self);
    GstStructure* s = gst_structure_new(
        "edgeimusrc-stats", "lines", G_TYPE_UINT64, (guint64)priv->lines.load(), "bad-lines",
        G_TYPE_UINT64, (guint64)priv->bad_lines.load(), "frames", G_TYPE_UINT64,
        (guint64)priv->frames.load(), "headers", G_TYPE_UINT64, (guint64)priv->headers.load(),
        "separators", G_TYPE_UINT64, (guint64)priv->separators.load(), "reconnects", G_TYPE_UINT,
        priv->reconnects.load(), "measured-rate", G_TYPE_DOUBLE, priv->measured_rate.load(),
        nullptr);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  }
  return GST_PAD_PROBE_OK;
}

// --- GObject ---

void set_string(std::string* field, const GValue* value) {
  const gchar* s = g_value_get_string(value);
  *field = s ? s : "";
}

void edge_imu_src_set_property(GObject* object, guint prop_id, const GValue* value,
                               GParamSpec* pspec) {
  auto* self = GST_EDGE_IMU_SRC(object);
  Settings& s = priv_of(self)->settings;
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_DEVICE:
      set_string(&s.device, value);
      break;
    case PROP_LOCATION:
      set_string(&s.location, value);
      break;
    case PROP_BAUD: {
      const gint baud = g_value_get_int(value);
      if (!edge::io::is_supported_baud(baud)) {
        // Kept, so that start() fails with the same message rather than
        // silently running at another rate.
        g_warning("edgeimusrc: baud=%d is not supported; use one of %s", baud,
                  edge::io::supported_bauds().c_str());
      }
      s.baud = baud;
      break;
    }
    case PROP_CHANNELS:
      s.channels = g_value_get_int(value);
      break;
    case PROP_TIMESTAMP_MODE:
      s.timestamp_mode = static_cast<GstEdgeImuSrcTimestampMode>(g_value_get_enum(value));
      break;
    case PROP_RATE:
      s.rate = g_value_get_uint(value);
      break;
    case PROP_ON_DISCONNECT:
      s.on_disconnect = static_cast<GstEdgeImuSrcOnDisconnect>(g_value_get_enum(value));
      break;
    case PROP_RECONNECT_INITIAL_MS:
      s.reconnect_initial_ms = g_value_get_uint(value);
      break;
    case PROP_RECONNECT_MAX_MS:
      s.reconnect_max_ms = g_value_get_uint(value);
      break;
    case PROP_FRAMES_PER_BUFFER:
      s.frames_per_buffer = g_value_get_uint(value);
      break;
    case PROP_MAX_LINE_LENGTH:
      s.max_line_length = g_value_get_uint(value);
      break;
    case PROP_SEPARATORS_AS_CLIPS:
      s.separators_as_clips = g_value_get_boolean(value);
      break;
    case PROP_REALTIME:
      s.realtime = g_value_get_boolean(value);
      break;
    case PROP_LABEL:
      set_string(&s.label, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  // A serial port is live; a recording is not. Decided before READY->PAUSED.
  const bool live = !s.device.empty() && s.location.empty();
  GST_OBJECT_UNLOCK(self);
  if (prop_id == PROP_DEVICE || prop_id == PROP_LOCATION)
    gst_base_src_set_live(GST_BASE_SRC(self), live);
}

void edge_imu_src_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_EDGE_IMU_SRC(object);
  EdgeImuSrcPrivate* priv = priv_of(self);
  const Settings& s = priv->settings;
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_DEVICE:
      g_value_set_string(value, s.device.empty() ? nullptr : s.device.c_str());
      break;
    case PROP_LOCATION:
      g_value_set_string(value, s.location.empty() ? nullptr : s.location.c_str());
      break;
    case PROP_BAUD:
      g_value_set_int(value, s.baud);
      break;
    case PROP_CHANNELS:
      g_value_set_int(value, s.channels);
      break;
    case PROP_TIMESTAMP_MODE:
      g_value_set_enum(value, s.timestamp_mode);
      break;
    case PROP_RATE:
      g_value_set_uint(value, s.rate);
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
    case PROP_FRAMES_PER_BUFFER:
      g_value_set_uint(value, s.frames_per_buffer);
      break;
    case PROP_MAX_LINE_LENGTH:
      g_value_set_uint(value, s.max_line_length);
      break;
    case PROP_SEPARATORS_AS_CLIPS:
      g_value_set_boolean(value, s.separators_as_clips);
      break;
    case PROP_REALTIME:
      g_value_set_boolean(value, s.realtime);
      break;
    case PROP_LABEL:
      g_value_set_string(value, s.label.empty() ? nullptr : s.label.c_str());
      break;
    case PROP_LINES:
      g_value_set_uint64(value, priv->lines.load());
      break;
    case PROP_BAD_LINES:
      g_value_set_uint64(value, priv->bad_lines.load());
      break;
    case PROP_FRAMES:
      g_value_set_uint64(value, priv->frames.load());
      break;
    case PROP_MEASURED_RATE:
      g_value_set_double(value, priv->measured_rate.load());
      break;
    case PROP_RECONNECTS:
      g_value_set_uint(value, priv->reconnects.load());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

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

  gobject_class->set_property = edge_imu_src_set_property;
  gobject_class->get_property = edge_imu_src_get_property;
  gobject_class->finalize = edge_imu_src_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_string("device", "Serial device",
                          "Serial port to read live lines from (e.g. /dev/ttyACM0 or a symlink); "
                          "exclusive with location",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Recorded CSV file",
                          "CSV recording to read instead of a device (non-live); exclusive with "
                          "device",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_BAUD,
      g_param_spec_int("baud", "Baud rate",
                       "Serial line rate in bit/s, one of the standard termios rates "
                       "(9600, 19200, 38400, 57600, 115200, 230400, ...); 8N1, raw",
                       50, 4000000, kDefaultBaud, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHANNELS,
      g_param_spec_int("channels", "Channels",
                       "Values per line (frame size); 0 = from the header or the first good line",
                       0, edge::io::ImuLineConfig::kMaxChannels, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP_MODE,
      g_param_spec_enum("timestamp-mode", "Timestamp mode",
                        "How live frames are timestamped (recordings always use n / rate)",
                        gst_edge_imu_src_timestamp_mode_get_type(),
                        GST_EDGE_IMU_SRC_TIMESTAMP_NOMINAL, rw));
  g_object_class_install_property(
      gobject_class, PROP_RATE,
      g_param_spec_uint("rate", "Nominal rate",
                        "Nominal sample rate of the sensor in Hz (frames per second): caps rate, "
                        "nominal timestamps and real-time pacing",
                        1, 100000, kDefaultRate, rw));
  g_object_class_install_property(
      gobject_class, PROP_ON_DISCONNECT,
      g_param_spec_enum("on-disconnect", "On disconnect",
                        "What to do when the serial device goes away or is missing",
                        gst_edge_imu_src_on_disconnect_get_type(),
                        GST_EDGE_IMU_SRC_ON_DISCONNECT_RECONNECT, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_INITIAL_MS,
      g_param_spec_uint("reconnect-initial-ms", "First reconnect delay",
                        "Milliseconds before the first reopen attempt; doubled after each "
                        "failure up to reconnect-max-ms",
                        1, 60000, kDefaultReconnectInitialMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_MAX_MS,
      g_param_spec_uint("reconnect-max-ms", "Longest reconnect delay",
                        "Upper bound of the reconnect backoff in milliseconds (>= "
                        "reconnect-initial-ms)",
                        1, 600000, kDefaultReconnectMaxMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_PER_BUFFER,
      g_param_spec_uint("frames-per-buffer", "Frames per buffer",
                        "Frames (lines) per output buffer; 1 gives the lowest latency. A buffer "
                        "is cut short at a clip boundary, a disconnect or the end",
                        1, 10000, kDefaultFramesPerBuffer, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_LINE_LENGTH,
      g_param_spec_uint("max-line-length", "Longest line",
                        "Bytes a line may have (without its line end); longer ones are one bad "
                        "line each and are dropped up to the next newline",
                        8, 65536, kDefaultMaxLineLength, rw));
  g_object_class_install_property(
      gobject_class, PROP_SEPARATORS_AS_CLIPS,
      g_param_spec_boolean("separators-as-clips", "Blank lines start clips",
                           "A blank line ends the current clip: the next frame starts a new clip "
                           "(SEGMENT, clip event, DISCONT, clip meta), as between recorded "
                           "gestures",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_REALTIME,
      g_param_spec_boolean("realtime", "Real-time replay",
                           "For location: deliver frames at the nominal rate in real time "
                           "instead of as fast as downstream takes them",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_LABEL,
      g_param_spec_string("label", "Label",
                          "Class label written into the clip meta of every buffer (e.g. the "
                          "gesture being recorded); empty = unknown",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_LINES,
      g_param_spec_uint64("lines", "Lines", "Lines read since start (good, bad, headers, blank)", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_BAD_LINES,
      g_param_spec_uint64("bad-lines", "Bad lines",
                          "Lines skipped since start: wrong field count, non-number, too long", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES,
      g_param_spec_uint64("frames", "Frames", "Good sample lines read since start", 0, G_MAXUINT64,
                          0, ro));
  g_object_class_install_property(
      gobject_class, PROP_MEASURED_RATE,
      g_param_spec_double("measured-rate", "Measured rate",
                          "Frames per second measured from arrival times over the last second "
                          "(live only; 0 until measured)",
                          0.0, G_MAXDOUBLE, 0.0, ro));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECTS,
      g_param_spec_uint("reconnects", "Reconnects", "Successful reopenings of the device", 0,
                        G_MAXUINT, 0, ro));

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
