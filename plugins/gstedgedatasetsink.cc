// edgedatasetsink: the end of a dataset-creation graph.
//
// Every window (a one-tensor other/tensors buffer) becomes a row of the current NumPy
// shard, with its label index, fold, clip id and window index from EdgeClipMeta. Each clip
// boundary records the clip's source file and its SHA-256. The manifest carries the
// preprocess segment, its parameters and the normalization statistics given as properties,
// so a model trained on the data can be checked against the graph it will run in.
// Shards are written atomically and an interrupted run resumes without duplicates.
#include "plugins/gstedgedatasetsink.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "io/regular_file.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "store/shard_store.h"

GST_DEBUG_CATEGORY_STATIC(edge_dataset_sink_debug);
#define GST_CAT_DEFAULT edge_dataset_sink_debug

#define GST_TYPE_EDGE_DATASET_DTYPE (edge_dataset_dtype_get_type())
static GType edge_dataset_dtype_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {0, "32-bit float", "float32"},
      {1, "8-bit integer, quantized with scale and zero-point", "int8"},
      {0, nullptr, nullptr},
  };
  if (!type) type = g_enum_register_static("GstEdgeDatasetDType", values);
  return type;
}

namespace {

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_DTYPE,
  PROP_SCALE,
  PROP_ZERO_POINT,
  PROP_SHARD_WINDOWS,
  PROP_SHARD_BYTES,
  PROP_DATASET_ROOT,
  PROP_PREPROCESS,
  PROP_PARAMETERS,
  PROP_STATISTICS,
  PROP_WINDOWS,
  PROP_SKIPPED,
  PROP_SHARDS,
};

struct Settings {
  std::string location;
  gint dtype = 0;
  gfloat scale = 1.0f;
  gint zero_point = 0;
  guint shard_windows = 0;
  guint64 shard_bytes = 64u << 20;
  std::string dataset_root;
  std::string preprocess;
  std::string parameters;
  std::string statistics;
};

struct State {
  edge::store::ShardStoreOptions options;
  std::unique_ptr<edge::store::ShardStore> store;  // built in set_caps, once the shape is known
  std::vector<int64_t> window_shape;
  std::string dataset_root;
  bool finished = false;
  guint64 windows = 0, skipped = 0, shards = 0;  // mirrors for the properties
};

}  // namespace

struct _GstEdgeDatasetSink {
  GstBaseSink parent;
  Settings* settings;
  State* state;
};

G_DEFINE_TYPE(GstEdgeDatasetSink, gst_edge_dataset_sink, GST_TYPE_BASE_SINK)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("other/tensors, format=(string)static, "
                                            "num_tensors=(int)1, types=(string)float32, "
                                            "framerate=(fraction)[0/1,2147483647/1]"));

static void set_string(std::string* field, const GValue* value) {
  const gchar* v = g_value_get_string(value);
  *field = v ? v : "";
}

static void gst_edge_dataset_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                               GParamSpec* pspec) {
  auto* self = GST_EDGE_DATASET_SINK(object);
  GST_OBJECT_LOCK(self);
  Settings& s = *self->settings;
  switch (prop_id) {
    case PROP_LOCATION:
      set_string(&s.location, value);
      break;
    case PROP_DTYPE:
      s.dtype = g_value_get_enum(value);
      break;
    case PROP_SCALE:
      s.scale = g_value_get_float(value);
      break;
    case PROP_ZERO_POINT:
      s.zero_point = g_value_get_int(value);
      break;
    case PROP_SHARD_WINDOWS:
      s.shard_windows = g_value_get_uint(value);
      break;
    case PROP_SHARD_BYTES:
      s.shard_bytes = g_value_get_uint64(value);
      break;
    case PROP_DATASET_ROOT:
      set_string(&s.dataset_root, value);
      break;
    case PROP_PREPROCESS:
      set_string(&s.preprocess, value);
      break;
    case PROP_PARAMETERS:
      set_string(&s.parameters, value);
      break;
    case PROP_STATISTICS:
      set_string(&s.statistics, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void get_string(GValue* value, const std::string& field) {
  g_value_set_string(value, field.empty() ? nullptr : field.c_str());
}

static void gst_edge_dataset_sink_get_property(GObject* object, guint prop_id, GValue* value,
                                               GParamSpec* pspec) {
  auto* self = GST_EDGE_DATASET_SINK(object);
  GST_OBJECT_LOCK(self);
  const Settings& s = *self->settings;
  const State* st = self->state;
  switch (prop_id) {
    case PROP_LOCATION:
      get_string(value, s.location);
      break;
    case PROP_DTYPE:
      g_value_set_enum(value, s.dtype);
      break;
    case PROP_SCALE:
      g_value_set_float(value, s.scale);
      break;
    case PROP_ZERO_POINT:
      g_value_set_int(value, s.zero_point);
      break;
    case PROP_SHARD_WINDOWS:
      g_value_set_uint(value, s.shard_windows);
      break;
    case PROP_SHARD_BYTES:
      g_value_set_uint64(value, s.shard_bytes);
      break;
    case PROP_DATASET_ROOT:
      get_string(value, s.dataset_root);
      break;
    case PROP_PREPROCESS:
      get_string(value, s.preprocess);
      break;
    case PROP_PARAMETERS:
      get_string(value, s.parameters);
      break;
    case PROP_STATISTICS:
      get_string(value, s.statistics);
      break;
    case PROP_WINDOWS:
      g_value_set_uint64(value, st ? st->windows : 0);
      break;
    case PROP_SKIPPED:
      g_value_set_uint64(value, st ? st->skipped : 0);
      break;
    case PROP_SHARDS:
      g_value_set_uint64(value, st ? st->shards : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

// Checks the settings and reads the files they name, before any data flows.
static edge::store::ShardStoreOptions build_options(const Settings& s) {
  if (s.location.empty())
    throw edge::Error("edgedatasetsink needs location=DIRECTORY to write the dataset into");
  edge::store::ShardStoreOptions o;
  o.directory = s.location;
  o.int8 = s.dtype == 1;
  o.int8_scale = s.scale;
  o.int8_zero_point = s.zero_point;
  o.windows_per_shard = s.shard_windows;
  o.shard_bytes = s.shard_bytes;
  if (!s.preprocess.empty()) o.provenance["preprocess"] = s.preprocess;
  if (!s.parameters.empty()) {
    try {
      o.provenance["parameters"] = nlohmann::json::parse(s.parameters);
    } catch (const nlohmann::json::exception& e) {
      throw edge::Error(edge::msg("property parameters is not valid JSON: ", e.what()));
    }
  }
  if (!s.statistics.empty()) {
    // A regular file of bounded size: a FIFO or /dev/zero here must not stall the start.
    const std::string text = edge::io::read_regular_file(s.statistics, size_t(64) << 20,
                                                         "statistics file " + s.statistics);
    try {
      o.provenance["statistics"] = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw edge::Error(
          edge::msg("statistics file ", s.statistics, ": not valid JSON: ", e.what()));
    }
    o.provenance["statistics_file"] = s.statistics;
  }
  return o;
}

static gboolean gst_edge_dataset_sink_start(GstBaseSink* sink) {
  auto* self = GST_EDGE_DATASET_SINK(sink);
  GST_OBJECT_LOCK(self);
  Settings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);
  auto state = std::make_unique<State>();
  try {
    state->options = build_options(settings);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  state->dataset_root = settings.dataset_root;
  GST_OBJECT_LOCK(self);
  self->state = state.release();
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static void update_counters(GstEdgeDatasetSink* self) {
  State& st = *self->state;
  GST_OBJECT_LOCK(self);
  st.windows = guint64(st.store->windows_written());
  st.skipped = guint64(st.store->windows_skipped());
  st.shards = st.store->shards();
  GST_OBJECT_UNLOCK(self);
}

static gboolean gst_edge_dataset_sink_stop(GstBaseSink* sink) {
  auto* self = GST_EDGE_DATASET_SINK(sink);
  State* st = self->state;
  gboolean ok = TRUE;
  // Stopped before EOS (an interrupt, an error elsewhere): keep what was windowed so far.
  if (st && st->store && !st->finished) {
    try {
      st->store->flush();
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("%s", e.what()), (nullptr));
      ok = FALSE;
    }
  }
  GST_OBJECT_LOCK(self);
  self->state = nullptr;
  GST_OBJECT_UNLOCK(self);
  delete st;
  return ok;
}

static gboolean gst_edge_dataset_sink_set_caps(GstBaseSink* sink, GstCaps* caps) {
  auto* self = GST_EDGE_DATASET_SINK(sink);
  State& st = *self->state;
  edge::gst::TensorsInfo info;
  std::string error;
  if (!edge::gst::tensors_caps_parse(caps, &info, &error)) {
    GST_ERROR_OBJECT(self, "cannot take these caps: %s", error.c_str());
    return FALSE;
  }
  std::vector<int64_t> shape(info.tensors[0].shape.begin(), info.tensors[0].shape.end());
  if (st.store) {
    if (shape == st.window_shape) return TRUE;
    GST_ELEMENT_ERROR(
        self, STREAM, FORMAT,
        ("The window shape changed mid-stream from %s to %s; one dataset holds one "
         "shape",
         nlohmann::json(st.window_shape).dump().c_str(), nlohmann::json(shape).dump().c_str()),
        (nullptr));
    return FALSE;
  }
  try {
    st.store = std::make_unique<edge::store::ShardStore>(st.options, shape);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  st.window_shape = shape;
  update_counters(self);
  return TRUE;
}

static edge::store::WindowInfo window_info(const edge::gst::ClipInfo& clip, gint64 index) {
  edge::store::WindowInfo w;
  w.clip_id = clip.clip_id;
  w.label = clip.label;
  w.label_index = clip.label_index;
  w.fold = clip.fold;
  w.window_index = index;
  return w;
}

static GstFlowReturn gst_edge_dataset_sink_render(GstBaseSink* sink, GstBuffer* buffer) {
  auto* self = GST_EDGE_DATASET_SINK(sink);
  State& st = *self->state;
  if (!st.store) return GST_FLOW_NOT_NEGOTIATED;
  edge::gst::ClipInfo clip;
  gint64 window_index = -1;
  const bool has_clip = edge::gst::clip_meta_get(buffer, &clip, &window_index);
  if (has_clip && window_index < 0) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("Clip %s reached edgedatasetsink without a window index: put edgewindow "
                       "before it",
                       clip.clip_id.c_str()),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Could not read a window buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  size_t expected = sizeof(float);
  for (int64_t d : st.window_shape) expected *= size_t(d);
  GstFlowReturn ret = GST_FLOW_OK;
  if (map.size != expected) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("A window of %" G_GSIZE_FORMAT
                       " bytes does not match the caps (%" G_GSIZE_FORMAT " bytes)",
                       map.size, expected),
                      (nullptr));
    ret = GST_FLOW_ERROR;
  } else {
    try {
      st.store->add(reinterpret_cast<const float*>(map.data),
                    has_clip ? window_info(clip, window_index) : edge::store::WindowInfo{});
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(
          self, RESOURCE, WRITE, ("%s", e.what()),
          ("the dataset in %s is incomplete; run again to resume", st.options.directory.c_str()));
      ret = GST_FLOW_ERROR;
    }
  }
  gst_buffer_unmap(buffer, &map);
  update_counters(self);
  return ret;
}

static gboolean gst_edge_dataset_sink_event(GstBaseSink* sink, GstEvent* event) {
  auto* self = GST_EDGE_DATASET_SINK(sink);
  State* st = self->state;
  edge::gst::ClipInfo clip;
  if (st && edge::gst::clip_event_parse(event, &clip) && !clip.clip_id.empty() && st->store) {
    // Record where the clip came from, hashed, as it starts.
    std::string absolute;
    if (!clip.source.empty())
      absolute = clip.source[0] == '/' || st->dataset_root.empty()
                     ? clip.source
                     : st->dataset_root + "/" + clip.source;
    try {
      st->store->add_source(window_info(clip, -1), clip.source, absolute);
    } catch (const edge::store::SourceUnreadable& e) {
      GST_ELEMENT_WARNING(self, RESOURCE, READ, ("%s", e.what()),
                          ("set dataset-root to the directory the clip paths are relative to"));
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("%s", e.what()), (nullptr));
      gst_event_unref(event);
      return FALSE;
    }
  } else if (st && GST_EVENT_TYPE(event) == GST_EVENT_EOS && st->store) {
    try {
      st->store->finish();
      st->finished = true;
      update_counters(self);
      GST_INFO_OBJECT(self,
                      "dataset complete: %" G_GUINT64_FORMAT " windows in %" G_GUINT64_FORMAT
                      " shards, %" G_GUINT64_FORMAT " already present",
                      st->windows, st->shards, st->skipped);
    } catch (const edge::Error& e) {
      // Not complete: an error instead of EOS, so nothing downstream of the bus (gst-launch,
      // edgestream) takes the run for a finished dataset.
      update_counters(self);
      GST_ELEMENT_ERROR(
          self, RESOURCE, WRITE, ("%s", e.what()),
          ("the dataset in %s is incomplete; run again to resume", st->options.directory.c_str()));
      gst_event_unref(event);
      return FALSE;
    }
  }
  return GST_BASE_SINK_CLASS(gst_edge_dataset_sink_parent_class)->event(sink, event);
}

static void gst_edge_dataset_sink_finalize(GObject* object) {
  auto* self = GST_EDGE_DATASET_SINK(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_dataset_sink_parent_class)->finalize(object);
}

static void gst_edge_dataset_sink_class_init(GstEdgeDatasetSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass* sink_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->set_property = gst_edge_dataset_sink_set_property;
  gobject_class->get_property = gst_edge_dataset_sink_get_property;
  gobject_class->finalize = gst_edge_dataset_sink_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "Directory to write the dataset into (created if missing; an existing "
                          "dataset there is resumed)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_DTYPE,
      g_param_spec_enum("dtype", "Data type", "Element type of the stored windows",
                        GST_TYPE_EDGE_DATASET_DTYPE, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_SCALE,
      g_param_spec_float("scale", "Scale",
                         "int8 quantization scale: real = scale * (q - zero-point)", 1e-12f,
                         G_MAXFLOAT, 1.0f, rw));
  g_object_class_install_property(
      gobject_class, PROP_ZERO_POINT,
      g_param_spec_int("zero-point", "Zero point", "int8 quantization zero point", -128, 127, 0,
                       rw));
  g_object_class_install_property(
      gobject_class, PROP_SHARD_WINDOWS,
      g_param_spec_uint("shard-windows", "Windows per shard",
                        "Windows in each shard (0: as many as fit in shard-bytes)", 0, G_MAXUINT, 0,
                        rw));
  g_object_class_install_property(
      gobject_class, PROP_SHARD_BYTES,
      g_param_spec_uint64("shard-bytes", "Shard size", "Target bytes of window data per shard", 1,
                          G_MAXUINT64, 64u << 20, rw));
  g_object_class_install_property(
      gobject_class, PROP_DATASET_ROOT,
      g_param_spec_string("dataset-root", "Dataset root",
                          "Directory the clips' source paths are relative to, to hash each source "
                          "file into the manifest",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_PREPROCESS,
      g_param_spec_string("preprocess", "Preprocess segment",
                          "The preprocess graph segment that made these windows, kept in the "
                          "manifest",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_PARAMETERS,
      g_param_spec_string("parameters", "Parameters",
                          "JSON object of the segment's parameters, kept in the manifest", nullptr,
                          rw));
  g_object_class_install_property(
      gobject_class, PROP_STATISTICS,
      g_param_spec_string("statistics", "Statistics file",
                          "Normalization statistics JSON file (edgenormalize) to keep in the "
                          "manifest",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_WINDOWS,
      g_param_spec_uint64("windows", "Windows", "Windows stored in the dataset so far", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_SKIPPED,
      g_param_spec_uint64("skipped", "Skipped",
                          "Windows skipped because an earlier run already stored them", 0,
                          G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_SHARDS,
      g_param_spec_uint64("shards", "Shards", "Shards written", 0, G_MAXUINT64, 0, ro));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream dataset sink", "Sink/Tensor",
      "Writes windows as NumPy shards with labels, folds, clip ids and a manifest",
      "edgestream developers");
  sink_class->start = gst_edge_dataset_sink_start;
  sink_class->stop = gst_edge_dataset_sink_stop;
  sink_class->set_caps = gst_edge_dataset_sink_set_caps;
  sink_class->render = gst_edge_dataset_sink_render;
  sink_class->event = gst_edge_dataset_sink_event;
  GST_DEBUG_CATEGORY_INIT(edge_dataset_sink_debug, "edgedatasetsink", 0, "edgestream dataset sink");
}

static void gst_edge_dataset_sink_init(GstEdgeDatasetSink* self) {
  self->settings = new Settings();
  self->state = nullptr;
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}
