// edgenormalize: the element over core/runtime/signal/normalize.h and core/runtime/signal/stats.h.
//
// Channels are the audio caps' channel count, or a tensor's innermost dimension. The
// normalizer (or the accumulator) is built in set_caps from the settings; transform then
// maps the buffers and calls the core. A writable buffer is normalized in place; a read-only
// one (edgewindow's windows are views of its storage, a tee's branches share buffers) is read
// once and written to a new buffer from an own pool, instead of copied and then normalized.
// Buffers keep their metas and timestamps either way.
//
// mode=stats is a pass-through: buffers are not modified; every finite value is measured,
// NaN/Inf are refused and counted (property `nonfinite`, one element warning the first
// time). At EOS the statistics go to `stats-file` (when set) and to an element message
// "edgestream-stats" whose field "json" holds the file's text.
#include "plugins/gstedgenormalize.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "signal/normalize_params.h"

GST_DEBUG_CATEGORY_STATIC(edge_normalize_debug);
#define GST_CAT_DEFAULT edge_normalize_debug

namespace {

using edge::signal::NormalizeMode;
// Property values (declared in core/runtime/signal/normalize_params.h), under the object lock.
using Settings = edge::signal::NormalizeSettings;

// Runtime state, built in set_caps; used from the streaming thread.
struct State {
  NormalizeMode mode = NormalizeMode::kZscore;
  int channels = 0;
  std::optional<edge::signal::Normalizer> normalizer;
  std::unique_ptr<edge::signal::StatsAccumulator> stats;
  std::string stats_file;
  bool warned_nonfinite = false;
  // Output buffers for read-only input: a pool of the first such buffer's size (tensor
  // streams have one size); other sizes are allocated.
  GstBufferPool* pool = nullptr;
  gsize pool_size = 0;
  ~State() {
    if (pool) {
      gst_buffer_pool_set_active(pool, FALSE);
      gst_object_unref(pool);
    }
  }
};

}  // namespace

struct _GstEdgeNormalize {
  GstBaseTransform parent;
  Settings* settings;
  State* state;
  edge::signal::NormalizeStatistics* statistics;  // published by the streaming thread
};

G_DEFINE_TYPE(GstEdgeNormalize, gst_edge_normalize, GST_TYPE_BASE_TRANSFORM)

#define EDGE_NORMALIZE_CAPS                                                           \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "                   \
  "rate=(int)[1,2147483647], channels=(int)[1,65535]; "                               \
  "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, " \
  "framerate=(fraction)[0/1,2147483647/1]"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_NORMALIZE_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_NORMALIZE_CAPS));

static bool caps_channels(GstCaps* caps, int* channels, std::string* error) {
  GstStructure* s = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_name(s, "audio/x-raw")) {
    if (!gst_structure_get_int(s, "channels", channels)) {
      *error = "audio caps without channels";
      return false;
    }
    return true;
  }
  edge::gst::TensorsInfo info;
  if (!edge::gst::tensors_caps_parse(caps, &info, error)) return false;
  if (info.tensors.size() != 1 || info.tensors[0].type != edge::DType::kFloat32) {
    *error = "expected one float32 tensor";
    return false;
  }
  *channels = info.tensors[0].shape.back();  // innermost dimension
  return true;
}

static gboolean gst_edge_normalize_set_caps(GstBaseTransform* trans, GstCaps* incaps, GstCaps*) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(trans);
  int channels = 0;
  std::string error;
  if (!caps_channels(incaps, &channels, &error)) {
    GST_ERROR_OBJECT(self, "cannot normalize caps %" GST_PTR_FORMAT ": %s", incaps, error.c_str());
    return FALSE;
  }
  GST_OBJECT_LOCK(self);
  Settings s = *self->settings;
  GST_OBJECT_UNLOCK(self);

  State* st = self->state;
  st->mode = s.mode;
  st->channels = channels;
  st->stats_file = s.stats_file;
  st->normalizer.reset();
  if (s.mode == NormalizeMode::kStats) {
    if (!st->stats || st->stats->channels() != channels) {
      if (st->stats && st->stats->global().count > 0) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                          ("edgenormalize mode=stats: the channel count changed from %d to %d "
                           "mid-stream; statistics of different layouts cannot be pooled",
                           st->stats->channels(), channels),
                          (nullptr));
        return FALSE;
      }
      st->stats = std::make_unique<edge::signal::StatsAccumulator>(channels);
    }
    gst_base_transform_set_passthrough(trans, TRUE);
    return TRUE;
  }
  gst_base_transform_set_passthrough(trans, FALSE);

  std::optional<edge::signal::StatsAccumulator> file;
  if (!s.stats_file.empty()) {
    try {
      file = edge::signal::StatsAccumulator::load(s.stats_file);
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("edgenormalize stats-file: %s", e.what()),
                        (nullptr));
      return FALSE;
    }
  }
  try {
    st->normalizer = edge::signal::make_normalizer(s, channels, file ? &*file : nullptr);
  } catch (const edge::Error& e) {
    const std::string from =
        s.stats_file.empty() ? std::string() : " (from stats-file " + s.stats_file + ")";
    GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS,
                      ("Invalid edgenormalize settings for a %d-channel stream: %s%s", channels,
                       e.what(), from.c_str()),
                      (nullptr));
    return FALSE;
  }
  return TRUE;
}

// Whether `buffer` and every memory in it may be written: then it is normalized in place.
static bool writable_in_place(GstBuffer* buffer) {
  if (!gst_buffer_is_writable(buffer)) return false;
  for (guint i = 0, n = gst_buffer_n_memory(buffer); i < n; ++i) {
    GstMemory* memory = gst_buffer_peek_memory(buffer, i);
    // is_writable counts holders only; a read-only memory (a view) has a flag for it.
    if (!gst_memory_is_writable(memory) || GST_MEMORY_IS_READONLY(memory)) return false;
  }
  return true;
}

static GstFlowReturn gst_edge_normalize_prepare_output_buffer(GstBaseTransform* trans,
                                                              GstBuffer* in, GstBuffer** out) {
  State* st = GST_EDGE_NORMALIZE(trans)->state;
  if (gst_base_transform_is_passthrough(trans) || writable_in_place(in)) {
    *out = in;
    return GST_FLOW_OK;
  }
  const gsize size = gst_buffer_get_size(in);
  if (!st->pool) {
    st->pool = gst_buffer_pool_new();
    GstStructure* config = gst_buffer_pool_get_config(st->pool);
    gst_buffer_pool_config_set_params(config, nullptr, static_cast<guint>(size), 2, 0);
    if (!gst_buffer_pool_set_config(st->pool, config) ||
        !gst_buffer_pool_set_active(st->pool, TRUE)) {
      GST_ELEMENT_ERROR(
          trans, RESOURCE, FAILED,
          ("edgenormalize: cannot set up a pool of %" G_GSIZE_FORMAT " byte buffers", size),
          (nullptr));
      return GST_FLOW_ERROR;
    }
    st->pool_size = size;
  }
  if (size == st->pool_size) {
    const GstFlowReturn ret = gst_buffer_pool_acquire_buffer(st->pool, out, nullptr);
    if (ret != GST_FLOW_OK) return ret;
  } else {
    *out = gst_buffer_new_allocate(nullptr, size, nullptr);
  }
  gst_buffer_copy_into(*out, in, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  return GST_FLOW_OK;
}

// Normalizes `in` into `out` (the same buffer when in place), or measures it (stats mode).
static GstFlowReturn normalize_buffer(GstEdgeNormalize* self, GstBuffer* in, GstBuffer* out) {
  GstBuffer* buffer = in;
  State* st = self->state;
  if (st->channels == 0) return GST_FLOW_NOT_NEGOTIATED;
  const bool measuring = st->mode == NormalizeMode::kStats;
  const bool in_place = in == out;
  GstMapInfo map, out_map;
  if (!gst_buffer_map(buffer, &map, measuring || !in_place ? GST_MAP_READ : GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("edgenormalize: cannot map a buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (!in_place && !gst_buffer_map(out, &out_map, GST_MAP_WRITE)) {
    gst_buffer_unmap(buffer, &map);
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("edgenormalize: cannot map an output buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  const gsize frame_bytes = static_cast<gsize>(st->channels) * sizeof(float);
  if (map.size % frame_bytes != 0) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgenormalize: a buffer of %" G_GSIZE_FORMAT
                       " bytes is not a whole number of frames (%d channels x 4 bytes)",
                       map.size, st->channels),
                      (nullptr));
    if (!in_place) gst_buffer_unmap(out, &out_map);
    gst_buffer_unmap(buffer, &map);
    return GST_FLOW_ERROR;
  }
  const size_t frames = map.size / frame_bytes;
  if (measuring) {
    const uint64_t before = st->stats->nonfinite();
    st->stats->add(reinterpret_cast<const float*>(map.data), frames);
    const uint64_t added = st->stats->nonfinite() - before;
    if (added > 0) {
      edge::params::publish(&self->statistics->nonfinite, st->stats->nonfinite());
      GST_WARNING_OBJECT(self,
                         "%" G_GUINT64_FORMAT " NaN/Inf values refused in buffer %" GST_TIME_FORMAT,
                         added, GST_TIME_ARGS(GST_BUFFER_PTS(buffer)));
      if (!st->warned_nonfinite) {
        st->warned_nonfinite = true;
        GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                            ("edgenormalize mode=stats: NaN/Inf values in the input are left out "
                             "of the statistics (count in property nonfinite)"),
                            ("first at %" GST_TIME_FORMAT, GST_TIME_ARGS(GST_BUFFER_PTS(buffer))));
      }
    }
  } else if (in_place) {
    st->normalizer->apply(reinterpret_cast<float*>(map.data), frames);
  } else {
    st->normalizer->apply(reinterpret_cast<const float*>(map.data),
                          reinterpret_cast<float*>(out_map.data), frames);
    gst_buffer_unmap(out, &out_map);
  }
  gst_buffer_unmap(buffer, &map);
  return GST_FLOW_OK;
}

static GstFlowReturn gst_edge_normalize_transform(GstBaseTransform* trans, GstBuffer* in,
                                                  GstBuffer* out) {
  return normalize_buffer(GST_EDGE_NORMALIZE(trans), in, out);
}

// Pass-through (stats mode): measures the buffer.
static GstFlowReturn gst_edge_normalize_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  return normalize_buffer(GST_EDGE_NORMALIZE(trans), buffer, buffer);
}

// mode=stats at EOS: writes the file and posts the statistics. False after posting an error.
static bool finish_stats(GstEdgeNormalize* self) {
  State* st = self->state;
  if (st->mode != NormalizeMode::kStats || !st->stats) return true;
  const std::string json = st->stats->to_json();
  if (!st->stats_file.empty()) {
    try {
      st->stats->save(st->stats_file);
      GST_INFO_OBJECT(self, "statistics written to %s", st->stats_file.c_str());
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("edgenormalize stats-file: %s", e.what()),
                        (nullptr));
      return false;
    }
  }
  GstStructure* s = gst_structure_new("edgestream-stats", "json", G_TYPE_STRING, json.c_str(),
                                      "location", G_TYPE_STRING, st->stats_file.c_str(), nullptr);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  return true;
}

static gboolean gst_edge_normalize_sink_event(GstBaseTransform* trans, GstEvent* event) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(trans);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && !finish_stats(self)) {
    gst_event_unref(event);
    return FALSE;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_edge_normalize_parent_class)->sink_event(trans, event);
}

static gboolean gst_edge_normalize_start(GstBaseTransform* trans) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(trans);
  delete self->state;
  self->state = new State();
  edge::params::publish(&self->statistics->nonfinite, uint64_t{0});
  return TRUE;
}

static gboolean gst_edge_normalize_stop(GstBaseTransform* trans) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(trans);
  delete self->state;
  self->state = new State();
  return TRUE;
}

static void* settings_of(GObject* object) { return GST_EDGE_NORMALIZE(object)->settings; }
static const void* statistics_of(GObject* object) { return GST_EDGE_NORMALIZE(object)->statistics; }
static const edge::gst::ParamBinding kParams = {edge::signal::normalize_params, settings_of,
                                                statistics_of};

static void gst_edge_normalize_finalize(GObject* object) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(object);
  delete self->state;
  delete self->settings;
  delete self->statistics;
  G_OBJECT_CLASS(gst_edge_normalize_parent_class)->finalize(object);
}

static void gst_edge_normalize_class_init(GstEdgeNormalizeClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->finalize = gst_edge_normalize_finalize;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Edge normalize", "Filter/Effect/Audio",
      "Z-score or min-max normalization of float32 audio or tensors, or a statistics pass",
      "edgestream developers");

  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_edge_normalize_set_caps);
  trans_class->prepare_output_buffer = GST_DEBUG_FUNCPTR(gst_edge_normalize_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR(gst_edge_normalize_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_edge_normalize_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_edge_normalize_sink_event);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_edge_normalize_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_edge_normalize_stop);
  trans_class->transform_ip_on_passthrough = TRUE;  // stats mode measures passing buffers
  GST_DEBUG_CATEGORY_INIT(edge_normalize_debug, "edgenormalize", 0, "edgestream normalization");
}

static void gst_edge_normalize_init(GstEdgeNormalize* self) {
  self->settings = new Settings();
  self->state = new State();
  self->statistics = new edge::signal::NormalizeStatistics();
  // Not always in place: prepare_output_buffer picks in place or a new buffer per buffer.
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), FALSE);
}
