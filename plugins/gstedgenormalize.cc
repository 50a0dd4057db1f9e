// edgenormalize: the element over core/runtime/signal/normalize.h and core/runtime/signal/stats.h.
//
// Channels are the audio caps' channel count, or a tensor's innermost dimension. The
// normalizer (or the accumulator) is built in set_caps from the settings; transform_ip then
// maps the buffer and calls the core. Buffers keep their metas and timestamps (in place).
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
#include "plugins/common/tensorcaps.h"
#include "signal/normalize.h"
#include "signal/stats.h"

GST_DEBUG_CATEGORY_STATIC(edge_normalize_debug);
#define GST_CAT_DEFAULT edge_normalize_debug

namespace {

enum EdgeNormalizeMode { MODE_ZSCORE, MODE_MINMAX, MODE_STATS };

constexpr const char* kDefaultMean = "0";
constexpr const char* kDefaultStd = "1";
constexpr const char* kDefaultRanges = "0:1";

enum {
  PROP_0,
  PROP_MODE,
  PROP_MEAN,
  PROP_STD,
  PROP_RANGES,
  PROP_CLAMP,
  PROP_STATS_FILE,
  PROP_PER_CHANNEL,
  PROP_NONFINITE,
};

GType mode_get_type() {
  static GType type = 0;
  static gsize once = 0;
  static const GEnumValue values[] = {
      {MODE_ZSCORE, "(x - mean) / std", "zscore"},
      {MODE_MINMAX, "(x - min) / (max - min)", "minmax"},
      {MODE_STATS, "Pass-through that measures mean, std, min and max", "stats"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&once)) {
    type = g_enum_register_static("GstEdgeNormalizeMode", values);
    g_once_init_leave(&once, 1);
  }
  return type;
}

// Property values, guarded by the object lock.
struct Settings {
  EdgeNormalizeMode mode = MODE_ZSCORE;
  std::string mean = kDefaultMean;
  std::string std = kDefaultStd;
  std::string ranges = kDefaultRanges;
  bool clamp = false;
  std::string stats_file;
  bool per_channel = false;
};

// Runtime state, built in set_caps; used from the streaming thread.
struct State {
  EdgeNormalizeMode mode = MODE_ZSCORE;
  int channels = 0;
  std::optional<edge::signal::Normalizer> normalizer;
  std::unique_ptr<edge::signal::StatsAccumulator> stats;
  std::string stats_file;
  bool warned_nonfinite = false;
};

}  // namespace

struct _GstEdgeNormalize {
  GstBaseTransform parent;
  Settings* settings;
  State* state;
  guint64 nonfinite;  // atomic: read by the property getter from any thread
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
  if (s.mode == MODE_STATS) {
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
    if (s.mode == MODE_ZSCORE) {
      st->normalizer =
          file ? edge::signal::Normalizer::zscore_from_stats(*file, channels, s.per_channel)
               : edge::signal::Normalizer::zscore(edge::signal::parse_number_list(s.mean, "mean"),
                                                  edge::signal::parse_number_list(s.std, "std"),
                                                  channels);
    } else {
      st->normalizer =
          file
              ? edge::signal::Normalizer::minmax_from_stats(*file, channels, s.per_channel, s.clamp)
              : edge::signal::Normalizer::minmax(edge::signal::parse_range_list(s.ranges, "ranges"),
                                                 channels, s.clamp);
    }
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

static GstFlowReturn gst_edge_normalize_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(trans);
  State* st = self->state;
  if (st->channels == 0) return GST_FLOW_NOT_NEGOTIATED;
  const bool measuring = st->mode == MODE_STATS;
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, measuring ? GST_MAP_READ : GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("edgenormalize: cannot map a buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  const gsize frame_bytes = static_cast<gsize>(st->channels) * sizeof(float);
  if (map.size % frame_bytes != 0) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgenormalize: a buffer of %" G_GSIZE_FORMAT
                       " bytes is not a whole number of frames (%d channels x 4 bytes)",
                       map.size, st->channels),
                      (nullptr));
    gst_buffer_unmap(buffer, &map);
    return GST_FLOW_ERROR;
  }
  const size_t frames = map.size / frame_bytes;
  if (measuring) {
    const uint64_t before = st->stats->nonfinite();
    st->stats->add(reinterpret_cast<const float*>(map.data), frames);
    const uint64_t added = st->stats->nonfinite() - before;
    if (added > 0) {
      __atomic_store_n(&self->nonfinite, st->stats->nonfinite(), __ATOMIC_RELAXED);
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
  } else {
    st->normalizer->apply(reinterpret_cast<float*>(map.data), frames);
  }
  gst_buffer_unmap(buffer, &map);
  return GST_FLOW_OK;
}

// mode=stats at EOS: writes the file and posts the statistics. False after posting an error.
static bool finish_stats(GstEdgeNormalize* self) {
  State* st = self->state;
  if (st->mode != MODE_STATS || !st->stats) return true;
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
  __atomic_store_n(&self->nonfinite, 0, __ATOMIC_RELAXED);
  return TRUE;
}

static gboolean gst_edge_normalize_stop(GstBaseTransform* trans) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(trans);
  delete self->state;
  self->state = new State();
  return TRUE;
}

// Checks a property string now, so a wrong value is refused where it is set.
static bool valid_setting(guint id, const char* text, std::string* error) {
  try {
    if (id == PROP_MEAN) edge::signal::parse_number_list(text, "mean");
    if (id == PROP_STD) {
      for (double v : edge::signal::parse_number_list(text, "std"))
        if (!(v > 0)) throw edge::Error(edge::msg("std: ", v, " is not > 0"));
    }
    if (id == PROP_RANGES) edge::signal::parse_range_list(text, "ranges");
  } catch (const edge::Error& e) {
    *error = e.what();
    return false;
  }
  return true;
}

static void gst_edge_normalize_set_property(GObject* object, guint id, const GValue* value,
                                            GParamSpec* pspec) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(object);
  Settings* s = self->settings;
  switch (id) {
    case PROP_MEAN:
    case PROP_STD:
    case PROP_RANGES: {
      const gchar* text = g_value_get_string(value);
      std::string error;
      if (!text || !valid_setting(id, text, &error)) {
        g_warning("edgenormalize: refusing %s=\"%s\": %s", g_param_spec_get_name(pspec),
                  text ? text : "(null)", text ? error.c_str() : "a value is required");
        return;
      }
      GST_OBJECT_LOCK(self);
      (id == PROP_MEAN ? s->mean : id == PROP_STD ? s->std : s->ranges) = text;
      GST_OBJECT_UNLOCK(self);
      return;
    }
    default:
      break;
  }
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MODE:
      s->mode = static_cast<EdgeNormalizeMode>(g_value_get_enum(value));
      break;
    case PROP_CLAMP:
      s->clamp = g_value_get_boolean(value);
      break;
    case PROP_STATS_FILE: {
      const gchar* text = g_value_get_string(value);
      s->stats_file = text ? text : "";
      break;
    }
    case PROP_PER_CHANNEL:
      s->per_channel = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_normalize_get_property(GObject* object, guint id, GValue* value,
                                            GParamSpec* pspec) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(object);
  const Settings* s = self->settings;
  if (id == PROP_NONFINITE) {
    g_value_set_uint64(value, __atomic_load_n(&self->nonfinite, __ATOMIC_RELAXED));
    return;
  }
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MODE:
      g_value_set_enum(value, s->mode);
      break;
    case PROP_MEAN:
      g_value_set_string(value, s->mean.c_str());
      break;
    case PROP_STD:
      g_value_set_string(value, s->std.c_str());
      break;
    case PROP_RANGES:
      g_value_set_string(value, s->ranges.c_str());
      break;
    case PROP_CLAMP:
      g_value_set_boolean(value, s->clamp);
      break;
    case PROP_STATS_FILE:
      g_value_set_string(value, s->stats_file.c_str());
      break;
    case PROP_PER_CHANNEL:
      g_value_set_boolean(value, s->per_channel);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_normalize_finalize(GObject* object) {
  GstEdgeNormalize* self = GST_EDGE_NORMALIZE(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_normalize_parent_class)->finalize(object);
}

static void gst_edge_normalize_class_init(GstEdgeNormalizeClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->set_property = gst_edge_normalize_set_property;
  gobject_class->get_property = gst_edge_normalize_get_property;
  gobject_class->finalize = gst_edge_normalize_finalize;

  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode",
                        "zscore: (x-mean)/std; minmax: (x-min)/(max-min) to [0,1]; stats: "
                        "pass-through measuring the statistics file written at EOS",
                        mode_get_type(), MODE_ZSCORE, flags));
  g_object_class_install_property(
      gobject_class, PROP_MEAN,
      g_param_spec_string("mean", "Mean",
                          "zscore mean, in the input's units: one number for all channels or "
                          "one per channel, \"a,b,c\" (ignored when stats-file is set)",
                          kDefaultMean, flags));
  g_object_class_install_property(
      gobject_class, PROP_STD,
      g_param_spec_string("std", "Standard deviation",
                          "zscore standard deviation (> 0): one number or one per channel "
                          "(ignored when stats-file is set)",
                          kDefaultStd, flags));
  g_object_class_install_property(
      gobject_class, PROP_RANGES,
      g_param_spec_string("ranges", "Ranges",
                          "minmax input ranges min:max, one for all channels or one per "
                          "channel, e.g. \"-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000\" "
                          "(g, deg/s); ignored when stats-file is set",
                          kDefaultRanges, flags));
  g_object_class_install_property(
      gobject_class, PROP_CLAMP,
      g_param_spec_boolean("clamp", "Clamp",
                           "minmax: clamp results to [0,1] (else values outside the ranges map "
                           "linearly outside [0,1])",
                           FALSE, flags));
  g_object_class_install_property(
      gobject_class, PROP_STATS_FILE,
      g_param_spec_string("stats-file", "Statistics file",
                          "Statistics JSON file: read in zscore/minmax modes (mean/std or "
                          "min/max, global or per-channel), written at EOS in stats mode",
                          "", flags));
  g_object_class_install_property(
      gobject_class, PROP_PER_CHANNEL,
      g_param_spec_boolean("per-channel", "Per channel",
                           "With stats-file: use each channel's statistics (else the global, "
                           "pooled ones)",
                           FALSE, flags));
  g_object_class_install_property(
      gobject_class, PROP_NONFINITE,
      g_param_spec_uint64("nonfinite", "Non-finite values",
                          "mode=stats: NaN/Inf values refused (left out of the statistics) "
                          "since start",
                          0, G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Edge normalize", "Filter/Effect/Audio",
      "Z-score or min-max normalization of float32 audio or tensors, or a statistics pass",
      "edgestream developers");

  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_edge_normalize_set_caps);
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
  self->nonfinite = 0;
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
