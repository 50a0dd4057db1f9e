// edgedatasetsink: the end of a dataset-creation graph.
//
// Every window (a one-tensor other/tensors buffer) becomes a row of the current NumPy
// shard, with its label index, fold, clip id and window index from EdgeClipMeta. Each clip
// boundary records the clip's source file and its SHA-256. The manifest carries the
// preprocess segment, its parameters and the normalization statistics given as properties,
// so a model trained on the data can be checked against the graph it will run in.
// Shards are written atomically and an interrupted run resumes without duplicates; a write
// error stops the element with an error, never with a dataset marked complete
// (docs/reliability.md). Properties are declared in core/data/store/dataset_sink_params.h.
#include "plugins/gstedgedatasetsink.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "io/regular_file.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "store/dataset_sink_params.h"
#include "store/shard_store.h"

GST_DEBUG_CATEGORY_STATIC(edge_dataset_sink_debug);
#define GST_CAT_DEFAULT edge_dataset_sink_debug

namespace {

// Property values (declared in core/data/store/dataset_sink_params.h), under the object lock.
using Settings = edge::store::DatasetSinkSettings;

struct State {
  edge::store::ShardStoreOptions options;
  std::unique_ptr<edge::store::ShardStore> store;  // built in set_caps, once the shape is known
  std::vector<int64_t> window_shape;
  std::string dataset_root;
  bool finished = false;
  edge::store::DatasetSinkStatistics counters;  // under the object lock (read as properties)
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

static void* settings_of(GObject* object) { return GST_EDGE_DATASET_SINK(object)->settings; }
static const void* statistics_of(GObject* object) {
  const State* state = GST_EDGE_DATASET_SINK(object)->state;
  return state ? &state->counters : nullptr;
}
static const edge::gst::ParamBinding kParams = {edge::store::dataset_sink_params, settings_of,
                                                statistics_of};

// Checks the settings and reads the files they name, before any data flows.
static edge::store::ShardStoreOptions build_options(const Settings& s) {
  if (s.location.empty())
    throw edge::Error("edgedatasetsink needs location=DIRECTORY to write the dataset into");
  edge::store::ShardStoreOptions o;
  o.directory = s.location;
  o.int8 = s.dtype == edge::store::DatasetDType::kInt8;
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
    if (!o.provenance["parameters"].is_object())
      throw edge::Error("property parameters is JSON but not an object");
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
  st.counters.windows = uint64_t(st.store->windows_written());
  st.counters.skipped = uint64_t(st.store->windows_skipped());
  st.counters.shards = st.store->shards();
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
                      st->counters.windows, st->counters.shards, st->counters.skipped);
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
  gobject_class->finalize = gst_edge_dataset_sink_finalize;
  edge::gst::install_params(gobject_class, kParams);

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
