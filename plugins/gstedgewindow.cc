// edgewindow: the element over core/runtime/signal/window.h.
//
// Sink: audio/x-raw F32LE or S16LE interleaved (any rate and channel count), or a tensor stream
// of one tensor "C:N..." of any type whose innermost dimension is the channel count C and the rest
// N frames (static other/tensors, the legacy other/tensor, or flexible other/tensors: the shape is
// then read from each buffer's header and must not change). The frame rate of a tensor stream is
// its framerate, NNStreamer's rule (plugins/common/tensorcaps.h): frames per second whatever N is;
// the first buffer's duration must agree (N / framerate), or the stream is refused saying so. Src:
// other/tensors "C:size" of the input's type (float32 for F32LE, int16 for S16LE), framerate
// rate/hop (sliding: windows per second) or 0/1 (triggered). Sliding windows move samples of any
// type (int16 audio, int8 feature frames); the triggered mode compares magnitudes and takes float32
// only. One output buffer per window: a sliding window is a read-only view of the windower's
// storage (no copy; an element that writes in place gets a copy from GStreamer, edgenormalize
// reads it into its own buffer), a triggered one a buffer from an own pool, with:
//   PTS       anchor + start_frame / rate, computed (not accumulated) from the run's anchor:
//             the PTS of the run's first buffer (else the segment start);
//   DURATION  window length / rate, as the difference of two such computed times;
//   OFFSET    the window's index in its clip;
//   meta      the input's EdgeClipMeta (or the clip event's info) with window_index set.
// A run ends (tail window padded or dropped per `tail`) at a clip-boundary event, a
// SEGMENT, EOS and a DISCONT buffer whose PTS is more than one frame away from the expected
// one; FLUSH_STOP drops it. Settings are read when caps are set.
#include "plugins/gstedgewindow.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/element_util.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "signal/window.h"
#include "signal/window_params.h"

GST_DEBUG_CATEGORY_STATIC(edge_window_debug);
#define GST_CAT_DEFAULT edge_window_debug

namespace {

// Property values (declared in core/runtime/signal/window_params.h), under the object lock.
using Settings = edge::signal::WindowSettings;

// Runtime state of the streaming thread, built from caps and settings in set_caps.
struct State {
  std::unique_ptr<edge::signal::Windower> windower;
  edge::signal::SlidingWindower* sliding = nullptr;  // windower, when it is one: views
  int channels = 0;
  int rate = 0;                              // frames per second
  edge::DType type = edge::DType::kFloat32;  // of one sample
  bool tensors = false;                      // the input is a tensor stream
  bool flexible = false;                     // ... whose buffers carry NNStreamer's header
  bool check_duration = false;  // the next buffer's duration is checked against the rate
  GstBufferPool* pool = nullptr;
  gsize window_bytes = 0;
  GstSegment segment;
  // Timing of the current run (reset at clip boundaries, segments and discontinuities).
  bool have_anchor = false;
  GstClockTime anchor = 0;
  bool discont = true;  // mark the next output buffer DISCONT
  // Clip of the current data.
  bool have_clip = false;
  edge::gst::ClipInfo clip;
  gint64 clip_windows = 0;  // windows pushed in this clip

  State() { gst_segment_init(&segment, GST_FORMAT_TIME); }
  ~State() { drop_pool(); }
  void drop_pool() {
    if (pool) {
      gst_buffer_pool_set_active(pool, FALSE);
      gst_object_unref(pool);
      pool = nullptr;
    }
  }
};

}  // namespace

struct _GstEdgeWindow {
  GstElement parent;
  GstPad* sinkpad;
  GstPad* srcpad;
  Settings* settings;
  State* state;
};

G_DEFINE_TYPE(GstEdgeWindow, gst_edge_window, GST_TYPE_ELEMENT)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                    "rate=(int)[1,2147483647], channels=(int)[1,65535]; "
                    "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, "
                    "rate=(int)[1,2147483647], channels=(int)[1,65535]; "
                    "other/tensors, format=(string)static, num_tensors=(int)1, "
                    "framerate=(fraction)[1/2147483647,2147483647/1]; "
                    "other/tensor, "
                    "framerate=(fraction)[1/2147483647,2147483647/1]; "
                    "other/tensors, format=(string)flexible, "
                    "framerate=(fraction)[1/2147483647,2147483647/1]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("other/tensors, format=(string)static, num_tensors=(int)1, "
                    "framerate=(fraction)[0/1,2147483647/1]"));

// Builds the windower for `channels` at `rate` and announces the output caps.
static gboolean configure_windows(GstEdgeWindow* self, int channels, int rate, edge::DType type) {
  State* st = self->state;
  GST_OBJECT_LOCK(self);
  Settings s = *self->settings;
  GST_OBJECT_UNLOCK(self);

  std::unique_ptr<edge::signal::Windower> windower;
  edge::gst::TensorsInfo out;
  try {
    windower = edge::signal::make_windower(s, channels, rate);
    if (type != edge::DType::kFloat32) {  // a sliding window moves samples of any type
      auto* sliding = dynamic_cast<const edge::signal::SlidingWindower*>(windower.get());
      if (!sliding)
        throw edge::Error(
            edge::msg("mode=triggered needs float32 frames (it compares their "
                      "magnitude with the threshold), the input is ",
                      edge::dtype_name(type)));
      edge::signal::SlidingWindowConfig c = sliding->config();
      c.element_bytes = edge::dtype_size(type);
      windower = std::make_unique<edge::signal::SlidingWindower>(c);
    }
    // Sliding: one window per hop (rate / hop tensors per second); triggered: irregular.
    out.rate_n = 0;
    out.rate_d = 1;
    auto* sliding = dynamic_cast<const edge::signal::SlidingWindower*>(windower.get());
    if (sliding && !edge::gst::set_tensor_every(&out, sliding->config().hop, rate))
      throw edge::Error("the hop is too long for a framerate");
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("Invalid edgewindow settings: %s", e.what()),
                      ("input %d channels at %d Hz", channels, rate));
    return FALSE;
  }
  if (windower->window_frames() > G_MAXINT32) {
    GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("edgewindow: window too long"), (nullptr));
    return FALSE;
  }
  out.tensors.push_back({type, {static_cast<int32_t>(windower->window_frames()), channels}});
  GstCaps* out_caps = edge::gst::tensors_caps_new(out);

  st->drop_pool();
  st->window_bytes = out.tensors[0].byte_size();
  st->sliding = dynamic_cast<edge::signal::SlidingWindower*>(windower.get());
  if (!st->sliding) {  // sliding windows are views: no pool
    st->pool = gst_buffer_pool_new();
    GstStructure* config = gst_buffer_pool_get_config(st->pool);
    gst_buffer_pool_config_set_params(config, out_caps, static_cast<guint>(st->window_bytes), 2, 0);
    if (!gst_buffer_pool_set_config(st->pool, config) ||
        !gst_buffer_pool_set_active(st->pool, TRUE)) {
      GST_ERROR_OBJECT(self, "cannot set up a buffer pool of %" G_GSIZE_FORMAT " bytes",
                       st->window_bytes);
      gst_caps_unref(out_caps);
      st->drop_pool();
      return FALSE;
    }
  }
  st->windower = std::move(windower);
  st->channels = channels;
  st->rate = rate;
  st->type = type;
  st->have_anchor = false;
  st->discont = true;
  GST_INFO_OBJECT(self, "%d channels at %d Hz -> %s", channels, rate,
                  edge::gst::tensors_info_to_string(out).c_str());
  gboolean ok = gst_pad_push_event(self->srcpad, gst_event_new_caps(out_caps));
  gst_caps_unref(out_caps);
  return ok;
}

static gboolean configure(GstEdgeWindow* self, GstCaps* caps) {
  State* st = self->state;
  edge::gst::FrameFormat in;
  std::string error;
  if (!edge::gst::frame_format_from_caps(caps, &in, &error)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                      ("edgewindow cannot window this stream: %s", error.c_str()),
                      ("caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  st->tensors = in.tensors;
  st->flexible = in.flexible;
  st->check_duration = in.tensors;
  if (in.flexible) {  // the channels come with the first buffer's header
    st->windower.reset();
    st->sliding = nullptr;
    st->drop_pool();
    st->channels = 0;
    st->rate = in.rate;
    return TRUE;
  }
  return configure_windows(self, in.channels, in.rate, in.type);
}

// A tensor buffer's duration against the frame rate: N frames last N / rate. A stream that
// means tensors per second by framerate (not NNStreamer's rule) is refused, saying so.
static bool duration_fits(GstEdgeWindow* self, GstBuffer* buffer, gsize frames) {
  State* st = self->state;
  st->check_duration = false;
  const GstClockTime duration = GST_BUFFER_DURATION(buffer);
  GstClockTime expected = 0;
  if (edge::gst::frames_duration_fits(duration, frames, st->rate, &expected)) return true;
  GST_ELEMENT_ERROR(
      self, STREAM, FORMAT,
      ("edgewindow: a tensor of %" G_GSIZE_FORMAT " frames lasts %" GST_TIME_FORMAT
       ", but its framerate (%d frames per second) says %" GST_TIME_FORMAT
       ": edgewindow reads a tensor stream's framerate as frames per second, "
       "NNStreamer's rule for audio tensors, whatever the frames per tensor",
       frames, GST_TIME_ARGS(duration), st->rate, GST_TIME_ARGS(expected)),
      ("a framerate of tensors per second would be %d/%" G_GSIZE_FORMAT " here", st->rate, frames));
  return false;
}

// Pushes the ready window. Returns the downstream flow.
static GstFlowReturn push_window(GstEdgeWindow* self) {
  State* st = self->state;
  GstBuffer* out = nullptr;
  edge::signal::WindowInfo info;
  if (st->sliding) {
    edge::signal::WindowView view;
    info = st->sliding->pop_view(&view);
    out = edge::gst::buffer_wrapping(view.data, view.bytes, std::move(view.owner));
  } else {
    GstFlowReturn ret = gst_buffer_pool_acquire_buffer(st->pool, &out, nullptr);
    if (ret != GST_FLOW_OK) return ret;
    GstMapInfo map;
    if (!gst_buffer_map(out, &map, GST_MAP_WRITE)) {
      gst_buffer_unref(out);
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("edgewindow: cannot map an output buffer"),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    info = st->windower->pop_raw(map.data);
    gst_buffer_unmap(out, &map);
  }
  const GstClockTime start =
      st->anchor +
      gst_util_uint64_scale_int(static_cast<guint64>(info.start_frame), GST_SECOND, st->rate);
  const GstClockTime end =
      st->anchor + gst_util_uint64_scale_int(
                       static_cast<guint64>(info.start_frame + st->windower->window_frames()),
                       GST_SECOND, st->rate);
  GST_BUFFER_PTS(out) = start;
  GST_BUFFER_DTS(out) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(out) = end - start;
  GST_BUFFER_OFFSET(out) = static_cast<guint64>(st->clip_windows);
  GST_BUFFER_OFFSET_END(out) = GST_BUFFER_OFFSET_NONE;
  if (st->discont) {
    GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
    st->discont = false;
  }
  if (st->have_clip) edge::gst::clip_meta_set(out, st->clip, st->clip_windows);
  ++st->clip_windows;
  GST_LOG_OBJECT(self,
                 "window %" G_GINT64_FORMAT " at frame %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
                 " real frames) pts %" GST_TIME_FORMAT,
                 st->clip_windows - 1, info.start_frame, info.valid_frames, GST_TIME_ARGS(start));
  return gst_pad_push(self->srcpad, out);
}

// Ends the current run: pushes any ready and tail window, then restarts the windower.
static GstFlowReturn drain(GstEdgeWindow* self) {
  State* st = self->state;
  GstFlowReturn ret = GST_FLOW_OK;
  if (!st->windower) return ret;
  try {
    while (ret == GST_FLOW_OK && st->windower->finish()) ret = push_window(self);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("edgewindow: %s", e.what()), (nullptr));
    ret = GST_FLOW_ERROR;
  }
  st->windower->reset();
  st->have_anchor = false;
  st->discont = true;
  return ret;
}

static void new_clip(State* st) {
  st->clip_windows = 0;
  st->have_clip = false;
  st->clip = edge::gst::ClipInfo();
}

static GstFlowReturn gst_edge_window_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  GstEdgeWindow* self = GST_EDGE_WINDOW(parent);
  State* st = self->state;
  gsize header = 0;  // bytes of NNStreamer's header in front of a flexible tensor's data
  if (st->flexible) {
    std::string error;
    int channels = 0;
    edge::DType type = edge::DType::kFloat32;
    if (!edge::gst::flexible_frames(buffer, &channels, &type, &header, &error)) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("edgewindow: %s", error.c_str()), (nullptr));
      gst_buffer_unref(buffer);
      return GST_FLOW_ERROR;
    }
    if (st->windower && channels != st->channels) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                        ("edgewindow: a flexible tensor of %d channels after %d: the channel "
                         "count cannot change within a stream",
                         channels, st->channels),
                        (nullptr));
      gst_buffer_unref(buffer);
      return GST_FLOW_ERROR;
    }
    if (!st->windower && !configure_windows(self, channels, st->rate, type)) {
      gst_buffer_unref(buffer);
      return GST_FLOW_NOT_NEGOTIATED;
    }
  }
  if (!st->windower) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("edgewindow received data before caps"), (nullptr));
    gst_buffer_unref(buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  GstFlowReturn ret = GST_FLOW_OK;
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  // A discontinuity that really moves time ends the run; one at the expected time does not.
  if (GST_BUFFER_IS_DISCONT(buffer) && st->windower->frames_seen() > 0) {
    const GstClockTime expected =
        st->anchor + gst_util_uint64_scale_int(static_cast<guint64>(st->windower->frames_seen()),
                                               GST_SECOND, st->rate);
    const GstClockTime frame = gst_util_uint64_scale_int(1, GST_SECOND, st->rate);
    if (GST_CLOCK_TIME_IS_VALID(pts) && (pts + frame < expected || pts > expected + frame)) {
      GST_DEBUG_OBJECT(self, "discontinuity: expected %" GST_TIME_FORMAT ", got %" GST_TIME_FORMAT,
                       GST_TIME_ARGS(expected), GST_TIME_ARGS(pts));
      ret = drain(self);
      if (ret != GST_FLOW_OK) {
        gst_buffer_unref(buffer);
        return ret;
      }
    }
  }
  if (!st->have_anchor) {
    if (GST_CLOCK_TIME_IS_VALID(pts))
      st->anchor = pts;
    else if (st->segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(st->segment.start))
      st->anchor = st->segment.start;
    else
      st->anchor = 0;
    st->have_anchor = true;
  }
  // The input's clip meta; compared by id so the per-buffer cost is a string compare.
  EdgeClipMeta* meta = edge_buffer_get_clip_meta(buffer);
  if (meta && (!st->have_clip || g_strcmp0(meta->clip_id, st->clip.clip_id.c_str()) != 0)) {
    edge::gst::clip_meta_get(buffer, &st->clip);
    st->have_clip = true;
  }

  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgewindow: cannot map an input buffer"), (nullptr));
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const gsize frame_bytes = static_cast<gsize>(st->channels) * edge::dtype_size(st->type);
  const gsize bytes = map.size - header;
  if (bytes % frame_bytes != 0) {
    GST_ELEMENT_ERROR(
        self, STREAM, FORMAT,
        ("edgewindow: a buffer of %" G_GSIZE_FORMAT
         " bytes is not a whole number of frames (%d channels x %" G_GSIZE_FORMAT " bytes)",
         bytes, st->channels, edge::dtype_size(st->type)),
        ("caps promise %s frames of %d channels", edge::dtype_name(st->type), st->channels));
    gst_buffer_unmap(buffer, &map);
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  const guint8* data = map.data + header;
  size_t frames = bytes / frame_bytes;
  if (st->check_duration && !duration_fits(self, buffer, frames)) {
    gst_buffer_unmap(buffer, &map);
    gst_buffer_unref(buffer);
    return GST_FLOW_ERROR;
  }
  try {
    while (ret == GST_FLOW_OK) {
      if (st->windower->window_ready()) {
        ret = push_window(self);
        continue;
      }
      if (frames == 0) break;
      const size_t used = st->windower->push_raw(data, frames);
      data += used * frame_bytes;
      frames -= used;
    }
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("edgewindow: %s", e.what()), (nullptr));
    ret = GST_FLOW_ERROR;
  }
  gst_buffer_unmap(buffer, &map);
  gst_buffer_unref(buffer);
  return ret;
}

static gboolean gst_edge_window_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  GstEdgeWindow* self = GST_EDGE_WINDOW(parent);
  State* st = self->state;
  edge::gst::ClipInfo clip;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      drain(self);  // caps change mid-stream: finish windows of the old format first
      gboolean ok = configure(self, caps);
      gst_event_unref(event);
      return ok;
    }
    case GST_EVENT_SEGMENT: {
      drain(self);
      new_clip(st);
      gst_event_copy_segment(event, &st->segment);
      break;
    }
    case GST_EVENT_EOS:
      drain(self);
      break;
    case GST_EVENT_FLUSH_STOP:
      if (st->windower) st->windower->reset();
      st->have_anchor = false;
      st->discont = true;
      gst_segment_init(&st->segment, GST_FORMAT_TIME);
      break;
    case GST_EVENT_STREAM_START:
      drain(self);
      new_clip(st);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (edge::gst::clip_event_parse(event, &clip)) {
        drain(self);
        new_clip(st);
        st->clip = clip;
        st->have_clip = true;
      }
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static void* settings_of(GObject* object) { return GST_EDGE_WINDOW(object)->settings; }
static const edge::gst::ParamBinding kParams = {edge::signal::window_params, settings_of};

static GstStateChangeReturn gst_edge_window_change_state(GstElement* element,
                                                         GstStateChange transition) {
  GstEdgeWindow* self = GST_EDGE_WINDOW(element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_edge_window_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // Streaming has stopped (pads deactivated): drop the runtime state.
    delete self->state;
    self->state = new State();
  }
  return ret;
}

static void gst_edge_window_finalize(GObject* object) {
  GstEdgeWindow* self = GST_EDGE_WINDOW(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_window_parent_class)->finalize(object);
}

static void gst_edge_window_class_init(GstEdgeWindowClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->finalize = gst_edge_window_finalize;
  element_class->change_state = gst_edge_window_change_state;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Edge window", "Filter/Converter/Audio",
      "Cuts interleaved audio or sensor frames into sliding or triggered tensor windows",
      "edgestream developers");
  GST_DEBUG_CATEGORY_INIT(edge_window_debug, "edgewindow", 0, "edgestream windowing");
}

static void gst_edge_window_init(GstEdgeWindow* self) {
  self->settings = new Settings();
  self->state = new State();
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_edge_window_chain));
  gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_edge_window_sink_event));
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
