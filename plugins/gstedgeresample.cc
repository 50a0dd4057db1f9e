// edgeresample: see gstedgeresample.h. A GstBaseTransform: caps (rate free on both sides,
// the nearest rate preferred), sizes, then transform() maps the buffers and calls the core;
// the run's tail is pushed from the event handler, before the event that ends the run.
#include "plugins/gstedgeresample.h"

#include <gst/audio/audio.h>

#include <memory>
#include <string>

#include "common/error.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "signal/resample.h"
#include "signal/resample_params.h"

GST_DEBUG_CATEGORY_STATIC(edge_resample_debug);
#define GST_CAT_DEFAULT edge_resample_debug

namespace {

// Property values (declared in core/runtime/signal/resample_params.h), under the object lock.
using Settings = edge::signal::ResampleSettings;

// Streaming state: built in set_caps, used from the streaming thread.
struct State {
  std::unique_ptr<edge::signal::Resampler> resampler;  // null: equal rates (passthrough)
  int in_rate = 0, out_rate = 0, channels = 0;
  // The run (clip) being resampled.
  bool have_base = false;
  GstClockTime base = 0;   // time of the run's first input frame
  guint64 in_frames = 0;   // input frames of the run
  guint64 out_frames = 0;  // output frames of the run
  guint64 offset = 0;      // output frames since start (buffer offsets)
  bool discont = true;     // mark the next output buffer DISCONT
  edge::gst::ClipInfo clip;
  bool have_clip = false;
  GstSegment segment;
};

}  // namespace

struct _GstEdgeResample {
  GstBaseTransform parent;
  State* state;
  Settings* settings;  // object lock
};

G_DEFINE_TYPE(GstEdgeResample, gst_edge_resample, GST_TYPE_BASE_TRANSFORM)

#define EDGE_RESAMPLE_CAPS                                          \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, " \
  "rate=(int)[1,10000000], channels=(int)[1,256]"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_RESAMPLE_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_RESAMPLE_CAPS));

namespace {

void new_run(State* st) {
  if (st->resampler) st->resampler->reset();
  st->have_base = false;
  st->in_frames = 0;
  st->out_frames = 0;
  st->discont = true;
}

GstClockTime run_time(const State* st, guint64 frames, int rate) {
  return st->base + gst_util_uint64_scale_int(frames, GST_SECOND, rate);
}

// Timestamps, offsets, flags and clip meta of `frames` output frames of the run.
void stamp(State* st, GstBuffer* buf, guint64 frames) {
  GST_BUFFER_PTS(buf) = run_time(st, st->out_frames, st->out_rate);
  GST_BUFFER_DURATION(buf) =
      run_time(st, st->out_frames + frames, st->out_rate) - GST_BUFFER_PTS(buf);
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET(buf) = st->offset;
  GST_BUFFER_OFFSET_END(buf) = st->offset + frames;
  if (st->discont)
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET(buf, GST_BUFFER_FLAG_DISCONT);
  st->discont = false;
  st->out_frames += frames;
  st->offset += frames;
}

// Pushes the run's tail (its input followed by zeros) and starts a new run.
GstFlowReturn drain(GstEdgeResample* self) {
  State* st = self->state;
  GstFlowReturn ret = GST_FLOW_OK;
  if (st->resampler && st->in_frames > 0) {
    const gsize frame_bytes = static_cast<gsize>(st->channels) * sizeof(float);
    GstBuffer* buf =
        gst_buffer_new_allocate(nullptr, st->resampler->max_output(0) * frame_bytes, nullptr);
    GstMapInfo map;
    size_t frames = 0;
    if (gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
      frames = st->resampler->finish(reinterpret_cast<float*>(map.data));
      gst_buffer_unmap(buf, &map);
    }
    if (frames > 0) {
      gst_buffer_set_size(buf, static_cast<gssize>(frames * frame_bytes));
      stamp(st, buf, frames);
      if (st->have_clip) edge::gst::clip_meta_set(buf, st->clip);
      GST_LOG_OBJECT(self, "pushing the run's last %zu frames", frames);
      ret = gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(self), buf);
    } else {
      gst_buffer_unref(buf);
    }
  }
  new_run(st);
  return ret;
}

GstCaps* transform_caps(GstBaseTransform*, GstPadDirection, GstCaps* caps, GstCaps* filter) {
  // The same caps first (so the same rate is preferred), then any rate.
  GstCaps* any_rate = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(any_rate); ++i)
    gst_structure_set(gst_caps_get_structure(any_rate, i), "rate", GST_TYPE_INT_RANGE, 1,
                      edge::signal::Resampler::kMaxRate, nullptr);
  GstCaps* result = gst_caps_merge(gst_caps_ref(caps), any_rate);
  if (filter) {
    GstCaps* both = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(result);
    result = both;
  }
  return result;
}

GstCaps* fixate_caps(GstBaseTransform*, GstPadDirection, GstCaps* caps, GstCaps* othercaps) {
  othercaps = gst_caps_truncate(othercaps);
  othercaps = gst_caps_make_writable(othercaps);
  int rate = 0;
  if (gst_structure_get_int(gst_caps_get_structure(caps, 0), "rate", &rate))
    gst_structure_fixate_field_nearest_int(gst_caps_get_structure(othercaps, 0), "rate", rate);
  return gst_caps_fixate(othercaps);
}

gboolean set_caps(GstBaseTransform* trans, GstCaps* incaps, GstCaps* outcaps) {
  GstEdgeResample* self = GST_EDGE_RESAMPLE(trans);
  State* st = self->state;
  GstAudioInfo in, out;
  if (!gst_audio_info_from_caps(&in, incaps) || !gst_audio_info_from_caps(&out, outcaps)) {
    GST_ERROR_OBJECT(self, "cannot parse caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, incaps,
                     outcaps);
    return FALSE;
  }
  if (GST_AUDIO_INFO_CHANNELS(&in) != GST_AUDIO_INFO_CHANNELS(&out)) {
    GST_ERROR_OBJECT(self, "channels differ: %d in, %d out (add audioconvert)",
                     GST_AUDIO_INFO_CHANNELS(&in), GST_AUDIO_INFO_CHANNELS(&out));
    return FALSE;
  }
  st->in_rate = GST_AUDIO_INFO_RATE(&in);
  st->out_rate = GST_AUDIO_INFO_RATE(&out);
  st->channels = GST_AUDIO_INFO_CHANNELS(&in);
  st->resampler.reset();
  std::string kernel = "none";
  if (st->in_rate != st->out_rate) {
    try {
      st->resampler.reset(new edge::signal::Resampler(st->in_rate, st->out_rate, st->channels));
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("edgeresample: %s", e.what()),
                        ("caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, incaps, outcaps));
      return FALSE;
    }
    kernel = edge::signal::resample_kernel_name(st->resampler->kernel());
    GST_INFO_OBJECT(self, "%d -> %d Hz (%d/%d), %d taps, %s kernel", st->in_rate, st->out_rate,
                    st->resampler->up(), st->resampler->down(), st->resampler->taps(),
                    kernel.c_str());
  }
  gst_base_transform_set_passthrough(trans, st->resampler == nullptr);
  new_run(st);
  GST_OBJECT_LOCK(self);
  self->settings->kernel = kernel;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

gboolean transform_size(GstBaseTransform* trans, GstPadDirection direction, GstCaps*, gsize size,
                        GstCaps*, gsize* othersize) {
  State* st = GST_EDGE_RESAMPLE(trans)->state;
  const gsize frame_bytes = static_cast<gsize>(st->channels > 0 ? st->channels : 1) * 4;
  const gsize frames = size / frame_bytes;
  if (!st->resampler) {
    *othersize = size;
  } else if (direction == GST_PAD_SINK) {
    *othersize = st->resampler->max_output(frames) * frame_bytes;
  } else {
    *othersize =
        static_cast<gsize>(gst_util_uint64_scale_int_ceil(frames, st->in_rate, st->out_rate)) *
        frame_bytes;
  }
  return TRUE;
}

GstFlowReturn transform(GstBaseTransform* trans, GstBuffer* inbuf, GstBuffer* outbuf) {
  GstEdgeResample* self = GST_EDGE_RESAMPLE(trans);
  State* st = self->state;
  const GstClockTime pts = GST_BUFFER_PTS(inbuf);
  // A discontinuity that really moves time ends the run; one at the expected time does not.
  if (GST_BUFFER_IS_DISCONT(inbuf) && st->in_frames > 0 && GST_CLOCK_TIME_IS_VALID(pts)) {
    const GstClockTime expected = run_time(st, st->in_frames, st->in_rate);
    const GstClockTime frame = gst_util_uint64_scale_int(1, GST_SECOND, st->in_rate);
    if (pts + frame < expected || pts > expected + frame) {
      GST_DEBUG_OBJECT(self, "discontinuity: expected %" GST_TIME_FORMAT ", got %" GST_TIME_FORMAT,
                       GST_TIME_ARGS(expected), GST_TIME_ARGS(pts));
      const GstFlowReturn ret = drain(self);
      if (ret != GST_FLOW_OK) return ret;
    }
  }
  if (!st->have_base) {
    if (GST_CLOCK_TIME_IS_VALID(pts))
      st->base = pts;
    else if (st->segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(st->segment.start))
      st->base = st->segment.start;
    else
      st->base = 0;
    st->have_base = true;
  }
  EdgeClipMeta* meta = edge_buffer_get_clip_meta(inbuf);
  if (meta && (!st->have_clip || g_strcmp0(meta->clip_id, st->clip.clip_id.c_str()) != 0))
    st->have_clip = edge::gst::clip_meta_get(inbuf, &st->clip);

  GstMapInfo in, out;
  if (!gst_buffer_map(inbuf, &in, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgeresample: cannot map an input buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  const gsize frame_bytes = static_cast<gsize>(st->channels) * sizeof(float);
  if (in.size % frame_bytes != 0) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgeresample: a buffer of %" G_GSIZE_FORMAT
                       " bytes is not a whole number of frames (%d channels x 4 bytes)",
                       in.size, st->channels),
                      (nullptr));
    gst_buffer_unmap(inbuf, &in);
    return GST_FLOW_ERROR;
  }
  if (!gst_buffer_map(outbuf, &out, GST_MAP_WRITE)) {
    gst_buffer_unmap(inbuf, &in);
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("edgeresample: cannot map an output buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  const size_t in_frames = in.size / frame_bytes;
  const size_t frames = st->resampler->process(reinterpret_cast<const float*>(in.data), in_frames,
                                               reinterpret_cast<float*>(out.data));
  gst_buffer_unmap(outbuf, &out);
  gst_buffer_unmap(inbuf, &in);
  st->in_frames += in_frames;
  if (frames == 0) return GST_BASE_TRANSFORM_FLOW_DROPPED;
  gst_buffer_set_size(outbuf, static_cast<gssize>(frames * frame_bytes));
  stamp(st, outbuf, frames);
  return GST_FLOW_OK;
}

gboolean sink_event(GstBaseTransform* trans, GstEvent* event) {
  GstEdgeResample* self = GST_EDGE_RESAMPLE(trans);
  State* st = self->state;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS:
    case GST_EVENT_EOS:
    case GST_EVENT_STREAM_START:
      drain(self);
      break;
    case GST_EVENT_SEGMENT:
      drain(self);
      gst_event_copy_segment(event, &st->segment);
      break;
    case GST_EVENT_FLUSH_STOP:
      new_run(st);
      gst_segment_init(&st->segment, GST_FORMAT_TIME);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      edge::gst::ClipInfo clip;
      if (edge::gst::clip_event_parse(event, &clip)) {
        drain(self);
        st->clip = clip;
        st->have_clip = true;
      }
      break;
    }
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_edge_resample_parent_class)->sink_event(trans, event);
}

gboolean query(GstBaseTransform* trans, GstPadDirection direction, GstQuery* query) {
  gboolean ok =
      GST_BASE_TRANSFORM_CLASS(gst_edge_resample_parent_class)->query(trans, direction, query);
  State* st = GST_EDGE_RESAMPLE(trans)->state;
  if (ok && direction == GST_PAD_SRC && GST_QUERY_TYPE(query) == GST_QUERY_LATENCY &&
      st->resampler) {
    gboolean live = FALSE;
    GstClockTime min = 0, max = 0;
    gst_query_parse_latency(query, &live, &min, &max);
    const GstClockTime ours = gst_util_uint64_scale_int(
        static_cast<guint64>(st->resampler->latency_frames()), GST_SECOND, st->in_rate);
    gst_query_set_latency(query, live, min + ours, GST_CLOCK_TIME_IS_VALID(max) ? max + ours : max);
  }
  return ok;
}

gboolean start(GstBaseTransform* trans) {
  State* st = GST_EDGE_RESAMPLE(trans)->state;
  *st = State();
  gst_segment_init(&st->segment, GST_FORMAT_TIME);
  return TRUE;
}

gboolean stop(GstBaseTransform* trans) {
  State* st = GST_EDGE_RESAMPLE(trans)->state;
  st->resampler.reset();
  return TRUE;
}

void* settings_of(GObject* object) { return GST_EDGE_RESAMPLE(object)->settings; }
const edge::gst::ParamBinding kParams = {edge::signal::resample_params, settings_of};

void finalize(GObject* object) {
  GstEdgeResample* self = GST_EDGE_RESAMPLE(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_resample_parent_class)->finalize(object);
}

}  // namespace

static void gst_edge_resample_init(GstEdgeResample* self) {
  self->state = new State();
  self->settings = new Settings();
  gst_segment_init(&self->state->segment, GST_FORMAT_TIME);
}

static void gst_edge_resample_class_init(GstEdgeResampleClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(edge_resample_debug, "edgeresample", 0, "edgestream resampler");

  gobject_class->finalize = finalize;
  edge::gst::install_params(gobject_class, kParams);

  trans_class->transform_caps = transform_caps;
  trans_class->fixate_caps = fixate_caps;
  trans_class->set_caps = set_caps;
  trans_class->transform_size = transform_size;
  trans_class->transform = transform;
  trans_class->sink_event = sink_event;
  trans_class->query = query;
  trans_class->start = start;
  trans_class->stop = stop;
  trans_class->passthrough_on_same_caps = TRUE;

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream resampler", "Filter/Converter/Audio",
      edge::signal::resample_params().summary.c_str(), "edgestream");
}
