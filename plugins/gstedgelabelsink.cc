// edgelabelsink: the end of a real-time classification graph.
//
// Reads the EdgeClassMeta that edgeinfer attaches (or, from other producers such as
// NNStreamer's tensor_filter, the scores in a float32 tensor with labels from a file),
// smooths scores over the last `smoothing` windows, applies the confidence threshold and the
// background classes (`background`: a leading background class is no detection), and writes
// JSON lines. A window the silence gate (edgegate) took out arrives as a GAP event and gets
// its line too: no label, "gate": "silence", its level. Latency from the capture of the
// window's last sample to its line is measured on the pipeline clock when the stream is live
// (the live source stamps capture times, e.g. edgemicsrc), and is never null then.
#include "plugins/gstedgelabelsink.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/stream_adapter.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "post/label_record.h"
#include "post/label_sink_params.h"
#include "post/label_smoother.h"

GST_DEBUG_CATEGORY_STATIC(edge_label_sink_debug);
#define GST_CAT_DEFAULT edge_label_sink_debug

namespace {

// Property values (declared in core/runtime/post/label_sink_params.h), under the object lock.
using Settings = edge::post::LabelSinkSettings;

// Runtime state, built in start() and dropped in stop(); used from the streaming thread.
struct State {
  FILE* out = nullptr;
  bool owns_out = false;
  std::unique_ptr<edge::post::LabelSmoother> smoother;
  std::vector<std::string> file_labels;  // for buffers without EdgeClassMeta
  bool scores_from_tensor = false;       // set_caps: a float32 tensor we can read
  // set_caps: elements of the first tensor (edgeinfer's score output), so a meta holding only
  // the top-k entries still gives the smoother one score per class, the same count every time.
  size_t class_count = 0;
  std::vector<std::string> meta_labels;  // names seen in metas so far, by class index
  std::vector<float> scores;
  std::vector<std::string> labels;
  bool post_messages = true;
  bool only_accepted = false;
  int upstream_live = -1;                    // -1: not asked yet (asked once, on the first buffer)
  bool warned_ahead = false;                 // latency: timestamps ahead of the clock, said once
  edge::post::LabelSinkStatistics counters;  // under the object lock (read as properties)
};

}  // namespace

struct _GstEdgeLabelSink {
  GstBaseSink parent;
  Settings* settings;
  State* state;
};

G_DEFINE_TYPE(GstEdgeLabelSink, gst_edge_label_sink, GST_TYPE_BASE_SINK)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_TENSORS_TEMPLATE_CAPS));

static void* settings_of(GObject* object) { return GST_EDGE_LABEL_SINK(object)->settings; }
static const void* statistics_of(GObject* object) {
  const State* state = GST_EDGE_LABEL_SINK(object)->state;
  return state ? &state->counters : nullptr;
}
static const edge::gst::ParamBinding kParams = {edge::post::label_sink_params, settings_of,
                                                statistics_of};

static gboolean gst_edge_label_sink_start(GstBaseSink* sink) {
  auto* self = GST_EDGE_LABEL_SINK(sink);
  GST_OBJECT_LOCK(self);
  Settings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);

  auto state = std::make_unique<State>();
  try {
    state->smoother = std::make_unique<edge::post::LabelSmoother>(
        settings.smoothing, settings.threshold, settings.top_k);
    if (!settings.labels.empty()) state->file_labels = edge::nn::read_labels_file(settings.labels);
    std::vector<std::string> background;
    std::string label;
    for (size_t at = 0; at <= settings.background.size(); ++at) {
      if (at == settings.background.size() || settings.background[at] == ',') {
        if (!label.empty()) background.push_back(label);
        label.clear();
      } else {
        label += settings.background[at];
      }
    }
    state->smoother->set_background(background);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  if (settings.location.empty()) {
    state->out = stdout;
  } else {
    state->out = std::fopen(settings.location.c_str(), "w");
    if (!state->out) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                        ("Could not open \"%s\" to write labels: %s", settings.location.c_str(),
                         g_strerror(errno)),
                        (nullptr));
      return FALSE;
    }
    state->owns_out = true;
  }
  state->post_messages = settings.post_messages;
  state->only_accepted = settings.only_accepted;
  GST_OBJECT_LOCK(self);
  self->state = state.release();
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_edge_label_sink_stop(GstBaseSink* sink) {
  auto* self = GST_EDGE_LABEL_SINK(sink);
  GST_OBJECT_LOCK(self);
  State* state = self->state;
  self->state = nullptr;
  GST_OBJECT_UNLOCK(self);
  if (!state) return TRUE;
  gboolean ok = TRUE;
  if (state->owns_out && std::fclose(state->out) != 0) {
    GST_ELEMENT_ERROR(self, RESOURCE, CLOSE,
                      ("Could not finish writing labels: %s", g_strerror(errno)), (nullptr));
    ok = FALSE;
  }
  delete state;
  return ok;
}

static gboolean gst_edge_label_sink_set_caps(GstBaseSink* sink, GstCaps* caps) {
  auto* self = GST_EDGE_LABEL_SINK(sink);
  edge::gst::TensorsInfo info;
  std::string error;
  if (!edge::gst::tensors_caps_parse(caps, &info, &error)) {
    GST_ERROR_OBJECT(self, "cannot take these caps: %s", error.c_str());
    return FALSE;
  }
  // Scores can also come straight from a float32 tensor when no edgeinfer put them in a meta.
  self->state->scores_from_tensor = info.tensors[0].type == edge::DType::kFloat32;
  self->state->class_count = static_cast<size_t>(edge::shape_elements(info.tensors[0].shape));
  return TRUE;
}

// Scores and labels of one buffer, from its EdgeClassMeta or from its first tensor.
static bool read_scores(GstEdgeLabelSink* self, GstBuffer* buffer, guint64* invoke_ns,
                        std::string* model) {
  State& st = *self->state;
  EdgeClassMeta* meta = edge_buffer_get_class_meta(buffer);
  if (meta && meta->n_entries > 0) {
    // The meta holds the top entries; rebuild a dense score vector over their indices.
    // Classes outside the top k score 0 for this buffer.
    gint max_index = 0;
    for (guint i = 0; i < meta->n_entries; ++i) max_index = MAX(max_index, meta->entries[i].index);
    const size_t count = std::max(st.class_count, static_cast<size_t>(max_index) + 1);
    st.scores.assign(count, 0.0f);
    if (st.meta_labels.size() < count) st.meta_labels.resize(count);
    for (guint i = 0; i < meta->n_entries; ++i) {
      const EdgeClassEntry& e = meta->entries[i];
      if (e.index < 0) continue;
      st.scores[e.index] = e.score;
      if (e.label) st.meta_labels[e.index] = e.label;
    }
    st.labels.resize(count);
    for (size_t i = 0; i < count; ++i) {
      if (!st.meta_labels[i].empty())
        st.labels[i] = st.meta_labels[i];
      else
        st.labels[i] = i < st.file_labels.size() ? st.file_labels[i] : std::to_string(i);
    }
    *invoke_ns = meta->latency_ns;
    if (meta->model) *model = meta->model;
    return true;
  }
  if (!st.scores_from_tensor || gst_buffer_n_memory(buffer) < 1) return false;
  GstMapInfo map;
  GstMemory* mem = gst_buffer_peek_memory(buffer, 0);
  if (!gst_memory_map(mem, &map, GST_MAP_READ)) return false;
  const auto* values = reinterpret_cast<const float*>(map.data);
  st.scores.assign(values, values + map.size / sizeof(float));
  gst_memory_unmap(mem, &map);
  st.labels = st.file_labels;
  *invoke_ns = 0;
  return true;
}

// Capture of a window's last sample (the running time of pts + duration) to now, on the
// pipeline clock, when the stream is live. A live source that stamps capture times (such as
// edgemicsrc) never stamps a sample after its arrival, so the difference is >= 0 up to the
// resampler's rounding: a window end up to kAheadToleranceNs in the future reads 0. Further
// ahead, the source stamps something else than capture times (a nominal rate that runs
// fast): null, and a warning once.
constexpr GstClockTimeDiff kAheadToleranceNs = 20 * GST_MSECOND;

static void measure_latency(GstEdgeLabelSink* self, GstClockTime pts, GstClockTime duration,
                            edge::post::LabelRecord* record) {
  GstBaseSink* sink = GST_BASE_SINK(self);
  State& st = *self->state;
  if (st.upstream_live < 0) {
    gboolean live = FALSE, upstream_live = FALSE;
    st.upstream_live =
        gst_base_sink_query_latency(sink, &live, &upstream_live, nullptr, nullptr) && upstream_live;
  }
  if (!st.upstream_live || !GST_CLOCK_TIME_IS_VALID(pts) || !GST_CLOCK_TIME_IS_VALID(duration))
    return;
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return;
  const GstClockTime end_running =
      gst_segment_to_running_time(&sink->segment, GST_FORMAT_TIME, pts + duration);
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  if (!GST_CLOCK_TIME_IS_VALID(end_running) || now < base) return;
  const GstClockTimeDiff late = GST_CLOCK_DIFF(end_running, GST_CLOCK_DIFF(base, now));
  if (late >= 0) {
    record->pipeline_ms = static_cast<double>(late) / 1e6;
  } else if (late >= -kAheadToleranceNs) {
    record->pipeline_ms = 0.0;
  } else if (!st.warned_ahead) {
    st.warned_ahead = true;
    GST_ELEMENT_WARNING(self, STREAM, FAILED,
                        ("edgelabelsink: window timestamps run %.1f ms ahead of the clock: the "
                         "live source does not stamp capture times, so latency_ms.pipeline is "
                         "null",
                         -late / 1e6),
                        (nullptr));
  }
}

// Writes a record's line and posts its message. The best class (if any) is in *best.
static GstFlowReturn write_record(GstEdgeLabelSink* self, const edge::post::LabelRecord& record,
                                  GstClockTime pts) {
  State& st = *self->state;
  const bool accepted = record.decision && record.decision->accepted && record.gate != "silence";
  GST_OBJECT_LOCK(self);  // the counters are read from other threads as properties
  ++st.counters.results;
  if (accepted) ++st.counters.accepted;
  GST_OBJECT_UNLOCK(self);
  if (st.only_accepted && !accepted) return GST_FLOW_OK;

  std::string line;
  try {
    line = edge::post::format_label_record(record);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), st.out) != line.size() || std::fflush(st.out) != 0) {
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE,
                      ("Could not write a label line: %s", g_strerror(errno)), (nullptr));
    return GST_FLOW_ERROR;
  }

  if (st.post_messages) {
    const bool has_class = record.decision && !record.decision->top.empty();
    const edge::post::RankedClass none;
    const edge::post::RankedClass& best = has_class ? record.decision->top[0] : none;
    GstStructure* s = gst_structure_new(
        "edgestream-label", "label", G_TYPE_STRING, accepted ? best.label.c_str() : nullptr, "best",
        G_TYPE_STRING, has_class ? best.label.c_str() : nullptr, "index", G_TYPE_INT, best.index,
        "score", G_TYPE_FLOAT, best.score, "accepted", G_TYPE_BOOLEAN, accepted, "gate",
        G_TYPE_STRING, record.gate.empty() ? nullptr : record.gate.c_str(), "pts", G_TYPE_UINT64,
        pts, "clip-id", G_TYPE_STRING, record.clip_id.c_str(), "json", G_TYPE_STRING,
        line.substr(0, line.size() - 1).c_str(), nullptr);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  }
  return GST_FLOW_OK;
}

static GstFlowReturn gst_edge_label_sink_render(GstBaseSink* sink, GstBuffer* buffer) {
  auto* self = GST_EDGE_LABEL_SINK(sink);
  State& st = *self->state;
  guint64 invoke_ns = 0;
  std::string model;
  if (!read_scores(self, buffer, &invoke_ns, &model)) {
    GST_ELEMENT_ERROR(
        self, STREAM, FORMAT,
        ("edgelabelsink got a buffer with no classification: put edgeinfer before it, "
         "or feed it a float32 score tensor"),
        (nullptr));
    return GST_FLOW_ERROR;
  }

  edge::post::LabelRecord record;
  record.model = model;
  try {
    record.decision = &st.smoother->push(st.scores, st.labels);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("%s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (record.decision->background) record.gate = "background";
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  const GstClockTime duration = GST_BUFFER_DURATION(buffer);
  if (GST_CLOCK_TIME_IS_VALID(pts)) record.pts_s = gst_guint64_to_gdouble(pts) / GST_SECOND;
  if (GST_CLOCK_TIME_IS_VALID(duration))
    record.duration_s = gst_guint64_to_gdouble(duration) / GST_SECOND;
  edge::gst::ClipInfo clip;
  gint64 window_index = -1;
  if (edge::gst::clip_meta_get(buffer, &clip, &window_index)) {
    record.clip_id = clip.clip_id;
    record.truth = clip.label;
    record.window_index = window_index;
  }
  if (invoke_ns) record.invoke_ms = gst_guint64_to_gdouble(invoke_ns) / 1e6;
  measure_latency(self, pts, duration, &record);
  return write_record(self, record, pts);
}

// A window the silence gate took out: its line, and the end of any event being smoothed.
static GstFlowReturn render_gated(GstEdgeLabelSink* self, const edge::gst::GateInfo& gate) {
  State& st = *self->state;
  st.smoother->reset();
  edge::post::LabelRecord record;
  record.gate = gate.reason;
  record.level_db = gate.level_db;
  if (GST_CLOCK_TIME_IS_VALID(gate.pts))
    record.pts_s = gst_guint64_to_gdouble(gate.pts) / GST_SECOND;
  if (GST_CLOCK_TIME_IS_VALID(gate.duration))
    record.duration_s = gst_guint64_to_gdouble(gate.duration) / GST_SECOND;
  if (gate.has_clip) {
    record.clip_id = gate.clip.clip_id;
    record.truth = gate.clip.label;
    record.window_index = gate.window_index;
  }
  measure_latency(self, gate.pts, gate.duration, &record);
  return write_record(self, record, gate.pts);
}

static gboolean gst_edge_label_sink_event(GstBaseSink* sink, GstEvent* event) {
  auto* self = GST_EDGE_LABEL_SINK(sink);
  // Smoothing never mixes two clips or two streams.
  if (edge::gst::clip_event_parse(event, nullptr) ||
      GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP ||
      GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START) {
    if (self->state && self->state->smoother) self->state->smoother->reset();
  }
  edge::gst::GateInfo gate;
  if (self->state && self->state->smoother && edge::gst::gate_event_parse(event, &gate) &&
      gate.reason == "silence" && render_gated(self, gate) != GST_FLOW_OK) {
    gst_event_unref(event);
    return FALSE;
  }
  return GST_BASE_SINK_CLASS(gst_edge_label_sink_parent_class)->event(sink, event);
}

static void gst_edge_label_sink_finalize(GObject* object) {
  auto* self = GST_EDGE_LABEL_SINK(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_label_sink_parent_class)->finalize(object);
}

static void gst_edge_label_sink_class_init(GstEdgeLabelSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass* sink_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->finalize = gst_edge_label_sink_finalize;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream label sink", "Sink/Tensor",
      "Writes smoothed, thresholded classification results as JSON lines and bus messages",
      "edgestream developers");
  sink_class->start = gst_edge_label_sink_start;
  sink_class->stop = gst_edge_label_sink_stop;
  sink_class->set_caps = gst_edge_label_sink_set_caps;
  sink_class->render = gst_edge_label_sink_render;
  sink_class->event = gst_edge_label_sink_event;
  GST_DEBUG_CATEGORY_INIT(edge_label_sink_debug, "edgelabelsink", 0, "edgestream label sink");
}

static void gst_edge_label_sink_init(GstEdgeLabelSink* self) {
  self->settings = new Settings();
  self->state = nullptr;
  // Results go out as soon as they exist; waiting for the clock only adds latency.
  gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}
