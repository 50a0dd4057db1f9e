// edgefuse: the element over core/runtime/post/fuse.h.
//
// Request sink pads sink_%u (two or more), one src pad. Each sink pad takes one float32
// tensor per buffer, a classifier's scores for one window (edgeinfer output-type=float32); all
// pads carry the same number of elements (refused at caps time, naming both pads). The src
// caps are the first pad's tensor.
//
// When every pad has a buffer, one is taken from each and the output is their weighted mean
// (`weights`, in pad order sink_0, sink_1, ...; default equal), with the first pad's
// timestamps, flags and metas (the clip meta: edgelabelsink names the clip). Windows must
// match: pads whose running times differ by half the first buffer's duration or more are
// out of step (at 50% overlap the next window is exactly half a window later), an error naming the
// pads and both timestamps, never a fusion of different windows. A pad that ended while another
// still has a window lost windows: an error too. When all have ended, EOS. When the first pad's
// buffers carry an EdgeClassMeta (edgeinfer's), the output gets one with as many entries as it has:
// the best of the fused scores, named by the inputs' metas (the first pad's names first); two
// inputs naming one class differently is an error naming both. Its latency is the sum of the
// inputs' invoke latencies. Clip-boundary events are forwarded from the first pad only (once the
// stream has started). A window that some branch's silence gate took out (edgegate's GAP event,
// which GstAggregator turns into an empty GAP buffer) is dropped on all pads and its gate event
// goes on in its place, the first gated pad's, so edgelabelsink writes the window's silence line
// as it does for one model. Live or not: GstAggregator waits for a buffer on every pad and answers
// the latency query.
#include "plugins/gstedgefuse.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "post/fuse.h"
#include "post/fuse_params.h"
#include "post/ranking.h"

GST_DEBUG_CATEGORY_STATIC(edge_fuse_debug);
#define GST_CAT_DEFAULT edge_fuse_debug

namespace {

// Property values (declared in core/runtime/post/fuse_params.h), under the object lock.
using Settings = edge::post::FuseSettings;

struct PadCaps {
  std::string pad;  // its name
  int64_t elements = 0;
};

// Runtime state, reset in start() and stop(). Used from the aggregator's streaming thread
// (sink events and aggregate run there); the counters are read as properties under the
// object lock.
struct State {
  std::string weights_text;     // the property, read at start
  std::vector<double> weights;  // one per pad, for `weights.size()` pads
  std::vector<PadCaps> caps;    // element counts of the pads that have caps
  size_t count = 0;             // elements per tensor (the first pad's)
  std::unique_ptr<edge::post::FuseLabels> labels;
  bool started = false;  // a buffer went out: the src pad has its stream-start and caps
  // Per window, kept to not allocate each time.
  std::vector<GstAggregatorPad*> pads;  // sorted by number, referenced while in use
  std::vector<GstBuffer*> buffers;      // peeked, referenced while in use
  std::vector<GstMapInfo> maps;
  std::vector<const float*> inputs;
  std::vector<float> fused;
  std::vector<int> top;
  std::vector<edge::gst::ClassEntry> entries;
  edge::post::FuseStatistics counters;
};

// The gate events of windows a branch's edgegate took out, per pad name, in stream order:
// noted by the pads' streaming threads (sink_event), taken by aggregate.
class GateEvents {
 public:
  void note(const std::string& pad, const edge::gst::GateInfo& info) {
    std::lock_guard<std::mutex> hold(lock_);
    events_[pad].push_back(info);
  }
  // The pad's gate event for the window at `pts`, dropping older ones (windows the aggregator
  // clipped away); false if it has none (a GAP from elsewhere).
  bool take(const std::string& pad, GstClockTime pts, edge::gst::GateInfo* info) {
    std::lock_guard<std::mutex> hold(lock_);
    std::deque<edge::gst::GateInfo>& queue = events_[pad];
    while (!queue.empty() && queue.front().pts < pts) queue.pop_front();
    if (queue.empty() || queue.front().pts != pts) return false;
    *info = queue.front();
    queue.pop_front();
    return true;
  }
  void clear() {
    std::lock_guard<std::mutex> hold(lock_);
    events_.clear();
  }
  void clear(const std::string& pad) {
    std::lock_guard<std::mutex> hold(lock_);
    events_.erase(pad);
  }

 private:
  std::mutex lock_;
  std::map<std::string, std::deque<edge::gst::GateInfo>> events_;
};

// The number of a pad named sink_N.
guint64 pad_number(GstPad* pad) {
  const char* name = GST_PAD_NAME(pad);
  return g_str_has_prefix(name, "sink_") ? g_ascii_strtoull(name + 5, nullptr, 10) : 0;
}

// The buffers peeked and the pads referenced by one aggregate call, released when it returns.
struct WindowGuard {
  State* st;
  ~WindowGuard() {
    for (GstBuffer* b : st->buffers)
      if (b) gst_buffer_unref(b);
    for (GstAggregatorPad* p : st->pads) gst_object_unref(p);
    st->buffers.clear();
    st->pads.clear();
  }
};

}  // namespace

struct _GstEdgeFuse {
  GstAggregator parent;
  Settings* settings;
  State* state;
  GateEvents* gates;
};

G_DEFINE_TYPE(GstEdgeFuse, gst_edge_fuse, GST_TYPE_AGGREGATOR)

#define EDGE_FUSE_CAPS                                                                \
  "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, " \
  "framerate=(fraction)[0/1,2147483647/1]"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS(EDGE_FUSE_CAPS "; other/tensor, type=(string)float32, "
                                   "framerate=(fraction)[0/1,2147483647/1]"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_FUSE_CAPS));

static void* settings_of(GObject* object) { return GST_EDGE_FUSE(object)->settings; }
static const void* statistics_of(GObject* object) {
  return &GST_EDGE_FUSE(object)->state->counters;
}
static const edge::gst::ParamBinding kParams = {edge::post::fuse_params, settings_of,
                                                statistics_of};

// The sink pads, referenced, in the order of their numbers (the weights' order).
static void sorted_pads(GstEdgeFuse* self, std::vector<GstAggregatorPad*>* pads) {
  GST_OBJECT_LOCK(self);
  for (GList* l = GST_ELEMENT(self)->sinkpads; l; l = l->next)
    pads->push_back(GST_AGGREGATOR_PAD(gst_object_ref(l->data)));
  GST_OBJECT_UNLOCK(self);
  std::sort(pads->begin(), pads->end(), [](GstAggregatorPad* a, GstAggregatorPad* b) {
    return pad_number(GST_PAD(a)) < pad_number(GST_PAD(b));
  });
}

static gboolean gst_edge_fuse_start(GstAggregator* agg) {
  GstEdgeFuse* self = GST_EDGE_FUSE(agg);
  GST_OBJECT_LOCK(self);
  const Settings settings = *self->settings;
  *self->state = State();
  const guint pads = GST_ELEMENT(self)->numsinkpads;
  self->gates->clear();
  GST_OBJECT_UNLOCK(self);
  if (pads < 2) {
    GST_ELEMENT_ERROR(self, CORE, PAD,
                      ("edgefuse needs 2 or more sink pads to fuse, it has %u: link each "
                       "classifier to its own pad (fuse.sink_0, fuse.sink_1, ...)",
                       pads),
                      (nullptr));
    return FALSE;
  }
  try {
    self->state->weights = edge::post::fuse_weights(settings.weights, pads);
  } catch (const edge::Error& e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("edgefuse: %s", e.what()), (nullptr));
    return FALSE;
  }
  self->state->weights_text = settings.weights;
  return TRUE;
}

static gboolean gst_edge_fuse_stop(GstAggregator* agg) {
  GstEdgeFuse* self = GST_EDGE_FUSE(agg);
  GST_OBJECT_LOCK(self);
  const edge::post::FuseStatistics counters = self->state->counters;
  *self->state = State();
  self->state->counters = counters;  // still readable after the run
  GST_OBJECT_UNLOCK(self);
  self->gates->clear();
  return TRUE;
}

// A pad's new caps: one float32 tensor with as many elements as every other pad's.
static gboolean take_caps(GstEdgeFuse* self, GstPad* pad, GstCaps* caps) {
  State& st = *self->state;
  edge::gst::TensorsInfo info;
  std::string error;
  if (edge::gst::tensors_caps_parse(caps, &info, &error) &&
      (info.tensors.size() != 1 || info.tensors[0].type != edge::DType::kFloat32))
    error = "expected one float32 tensor (edgeinfer output-type=float32): got " +
            edge::gst::tensors_info_to_string(info);
  if (!error.empty()) {
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION,
        ("edgefuse cannot take the stream on %s: %s", GST_PAD_NAME(pad), error.c_str()),
        ("caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  const int64_t elements = edge::shape_elements(info.tensors[0].shape);
  const std::string name = GST_PAD_NAME(pad);
  for (const PadCaps& other : st.caps) {
    if (other.pad == name || other.elements == elements) continue;
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION,
        ("edgefuse: %s carries %" G_GINT64_FORMAT " scores but %s carries %" G_GINT64_FORMAT
         ": the fused classifiers must have the same classes",
         other.pad.c_str(), other.elements, name.c_str(), elements),
        ("caps on %s: %" GST_PTR_FORMAT, name.c_str(), caps));
    return FALSE;
  }
  auto it =
      std::find_if(st.caps.begin(), st.caps.end(), [&](const PadCaps& c) { return c.pad == name; });
  if (it == st.caps.end())
    st.caps.push_back({name, elements});
  else
    it->elements = elements;
  gst_pad_mark_reconfigure(GST_AGGREGATOR_SRC_PAD(self));
  return TRUE;
}

// True when `pad` is the lowest-numbered sink pad.
static bool is_first_pad(GstEdgeFuse* self, GstPad* pad) {
  bool first = true;
  const guint64 number = pad_number(pad);
  GST_OBJECT_LOCK(self);
  for (GList* l = GST_ELEMENT(self)->sinkpads; l; l = l->next)
    if (pad_number(GST_PAD(l->data)) < number) first = false;
  GST_OBJECT_UNLOCK(self);
  return first;
}

static gboolean gst_edge_fuse_sink_event(GstAggregator* agg, GstAggregatorPad* aggpad,
                                         GstEvent* event) {
  GstEdgeFuse* self = GST_EDGE_FUSE(agg);
  GstPad* pad = GST_PAD(aggpad);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    if (!take_caps(self, pad, caps)) {
      gst_event_unref(event);
      return FALSE;
    }
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_GAP) {
    // Noted before the aggregator queues the GAP buffer it makes of it (parent's sink_event).
    edge::gst::GateInfo gate;
    if (edge::gst::gate_event_parse(event, &gate)) self->gates->note(GST_PAD_NAME(pad), gate);
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    self->gates->clear(GST_PAD_NAME(pad));  // the pad's queued windows are gone with them
  } else if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM) {
    // Every branch carries the same clip boundaries: one copy goes on, from the first pad,
    // and only after the stream started (it may not precede stream-start downstream; before
    // the first window there is nothing to separate).
    if (!is_first_pad(self, pad) || !self->state->started) {
      gst_event_unref(event);
      return TRUE;
    }
  }
  return GST_AGGREGATOR_CLASS(gst_edge_fuse_parent_class)->sink_event(agg, aggpad, event);
}

static GstFlowReturn gst_edge_fuse_update_src_caps(GstAggregator* agg, GstCaps* downstream,
                                                   GstCaps** ret) {
  GstEdgeFuse* self = GST_EDGE_FUSE(agg);
  std::vector<GstAggregatorPad*> pads;
  sorted_pads(self, &pads);
  GstCaps* first = pads.empty() ? nullptr : gst_pad_get_current_caps(GST_PAD(pads[0]));
  for (GstAggregatorPad* p : pads) gst_object_unref(p);
  if (!first) return GST_AGGREGATOR_FLOW_NEED_DATA;
  edge::gst::TensorsInfo info;
  std::string error;
  const bool ok = edge::gst::tensors_caps_parse(first, &info, &error);
  gst_caps_unref(first);
  if (!ok) return GST_AGGREGATOR_FLOW_NEED_DATA;  // take_caps has said why
  GstCaps* ours = edge::gst::tensors_caps_new(info);
  *ret = downstream ? gst_caps_intersect(ours, downstream) : gst_caps_ref(ours);
  if (gst_caps_is_empty(*ret)) {
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION,
        ("edgefuse: downstream does not take the fused scores %s",
         edge::gst::tensors_info_to_string(info).c_str()),
        ("ours %" GST_PTR_FORMAT ", downstream's %" GST_PTR_FORMAT, ours, downstream));
    gst_caps_unref(ours);
    gst_caps_unref(*ret);
    *ret = nullptr;
    return GST_FLOW_NOT_NEGOTIATED;
  }
  gst_caps_unref(ours);
  self->state->count = static_cast<size_t>(edge::shape_elements(info.tensors[0].shape));
  return GST_FLOW_OK;
}

// The running time of `pts` in the pad's segment (pts itself outside a time segment).
static GstClockTime running_time(GstAggregatorPad* pad, GstClockTime pts) {
  GST_OBJECT_LOCK(pad);
  GstClockTime t = pad->segment.format == GST_FORMAT_TIME
                       ? gst_segment_to_running_time(&pad->segment, GST_FORMAT_TIME, pts)
                       : pts;
  GST_OBJECT_UNLOCK(pad);
  return GST_CLOCK_TIME_IS_VALID(t) ? t : pts;
}

// Reads the inputs' class metas into the labels; false (an error posted) on a conflict.
static bool note_labels(GstEdgeFuse* self, guint64* latency_ns) {
  State& st = *self->state;
  if (!st.labels) st.labels = std::make_unique<edge::post::FuseLabels>(st.pads.size(), st.count);
  *latency_ns = 0;
  for (size_t k = 0; k < st.buffers.size(); ++k) {
    const EdgeClassMeta* meta = edge_buffer_get_class_meta(st.buffers[k]);
    if (!meta) continue;
    *latency_ns += meta->latency_ns;
    for (guint i = 0; i < meta->n_entries; ++i) {
      const EdgeClassEntry& e = meta->entries[i];
      edge::post::LabelConflict c;
      if (!e.label || st.labels->note(k, e.index, e.label, &c)) continue;
      GST_ELEMENT_ERROR(self, STREAM, FAILED,
                        ("edgefuse: %s calls class %d \"%s\" but %s calls it \"%s\": the fused "
                         "classifiers must list the same classes in the same order",
                         GST_PAD_NAME(st.pads[c.input_a]), c.index, c.label_a.c_str(),
                         GST_PAD_NAME(st.pads[c.input_b]), c.label_b.c_str()),
                        (nullptr));
      return false;
    }
  }
  return true;
}

// Output for the peeked buffers (all data): the weighted mean with the first's metadata.
static GstFlowReturn fuse_window(GstEdgeFuse* self) {
  State& st = *self->state;
  const size_t n = st.buffers.size();
  const gsize bytes = st.count * sizeof(float);
  st.maps.resize(n);
  st.inputs.clear();
  size_t mapped = 0;
  GstFlowReturn ret = GST_FLOW_OK;
  for (; mapped < n; ++mapped) {
    GstMapInfo& map = st.maps[mapped];
    if (!gst_buffer_map(st.buffers[mapped], &map, GST_MAP_READ)) {
      GST_ELEMENT_ERROR(self, RESOURCE, READ,
                        ("edgefuse: cannot map the buffer on %s", GST_PAD_NAME(st.pads[mapped])),
                        (nullptr));
      ret = GST_FLOW_ERROR;
      break;
    }
    if (map.size != bytes) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                        ("edgefuse: a buffer of %" G_GSIZE_FORMAT " bytes on %s does not hold "
                         "the negotiated %zu float32 scores",
                         map.size, GST_PAD_NAME(st.pads[mapped]), st.count),
                        (nullptr));
      gst_buffer_unmap(st.buffers[mapped], &map);
      ret = GST_FLOW_ERROR;
      break;
    }
    st.inputs.push_back(reinterpret_cast<const float*>(map.data));
  }
  GstBuffer* out = nullptr;
  if (ret == GST_FLOW_OK) {
    st.fused.resize(st.count);
    edge::post::fuse_scores(st.inputs, st.weights, st.count, st.fused.data());
    out = gst_buffer_new_allocate(nullptr, bytes, nullptr);
    gst_buffer_fill(out, 0, st.fused.data(), bytes);
  }
  for (size_t k = 0; k < mapped; ++k) gst_buffer_unmap(st.buffers[k], &st.maps[k]);
  if (ret != GST_FLOW_OK) return ret;

  // The first input's timestamps, flags and metas (its clip meta), then the fused class meta.
  gst_buffer_copy_into(out, st.buffers[0], GST_BUFFER_COPY_METADATA, 0, -1);
  guint64 latency_ns = 0;
  if (!note_labels(self, &latency_ns)) {
    gst_buffer_unref(out);
    return GST_FLOW_ERROR;
  }
  const EdgeClassMeta* first = edge_buffer_get_class_meta(st.buffers[0]);
  if (first && first->n_entries > 0) {
    edge::post::top_indices(st.fused.data(), st.count, first->n_entries, &st.top);
    st.entries.resize(st.top.size());
    for (size_t i = 0; i < st.top.size(); ++i) {
      st.entries[i].index = st.top[i];
      st.entries[i].label = st.labels->name(st.top[i]);
      st.entries[i].score = st.fused[st.top[i]];
    }
    EdgeClassMeta* meta = edge::gst::class_meta_set(out, st.entries, latency_ns);
    edge::gst::class_meta_set_model(meta, nullptr);
  }
  return gst_aggregator_finish_buffer(GST_AGGREGATOR(self), out);
}

// The window every pad holds is one a branch's gate took out: the gate event of the first pad
// that gated it goes downstream in the window's place (every gated pad's is consumed).
static void forward_gate_event(GstEdgeFuse* self) {
  State& st = *self->state;
  bool forwarded = false;
  for (size_t k = 0; k < st.pads.size(); ++k) {
    GstBuffer* b = st.buffers[k];
    edge::gst::GateInfo gate;
    if (!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_GAP) ||
        !self->gates->take(GST_PAD_NAME(st.pads[k]), GST_BUFFER_PTS(b), &gate) || forwarded)
      continue;
    // The aggregator pushed stream-start, caps and segment when it negotiated, before the
    // first aggregate; a gate event before them (no caps yet) would be misordered.
    GstPad* src = GST_AGGREGATOR_SRC_PAD(self);
    if (!gst_pad_has_current_caps(src)) continue;
    if (!gst_pad_push_event(src, edge::gst::gate_event_new(gate)))
      GST_DEBUG_OBJECT(self, "downstream did not take the gate event");
    forwarded = true;
  }
}

static GstFlowReturn gst_edge_fuse_aggregate(GstAggregator* agg, gboolean timeout) {
  GstEdgeFuse* self = GST_EDGE_FUSE(agg);
  State& st = *self->state;
  WindowGuard guard{&st};
  sorted_pads(self, &st.pads);
  const size_t n = st.pads.size();
  if (n < 2) {
    GST_ELEMENT_ERROR(self, CORE, PAD,
                      ("edgefuse needs 2 or more sink pads to fuse, it has %zu", n), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (st.weights.size() != n) {  // a pad was added or released since start
    try {
      st.weights = edge::post::fuse_weights(st.weights_text, n);
    } catch (const edge::Error& e) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("edgefuse: %s", e.what()), (nullptr));
      return GST_FLOW_ERROR;
    }
    st.labels.reset();
  }
  size_t have = 0, ended = 0;
  for (GstAggregatorPad* pad : st.pads) {
    st.buffers.push_back(gst_aggregator_pad_peek_buffer(pad));
    if (st.buffers.back())
      ++have;
    else if (gst_aggregator_pad_is_eos(pad))
      ++ended;
  }
  if (have == 0 && ended == n) return GST_FLOW_EOS;
  if (have + ended < n) {
    GST_LOG_OBJECT(self, "not every pad has a window yet (timeout %d)", timeout);
    return GST_AGGREGATOR_FLOW_NEED_DATA;
  }
  if (ended > 0) {
    size_t gone = 0, left = 0;
    while (st.buffers[gone]) ++gone;
    while (!st.buffers[left]) ++left;
    GST_ELEMENT_ERROR(self, STREAM, FAILED,
                      ("edgefuse: %s ended while %s still has a window at %" GST_TIME_FORMAT
                       ": a branch lost windows",
                       GST_PAD_NAME(st.pads[gone]), GST_PAD_NAME(st.pads[left]),
                       GST_TIME_ARGS(GST_BUFFER_PTS(st.buffers[left]))),
                      (nullptr));
    return GST_FLOW_ERROR;
  }

  // The same window on every pad.
  GstBuffer* first = st.buffers[0];
  const GstClockTime pts0 = GST_BUFFER_PTS(first);
  const GstClockTime duration = GST_BUFFER_DURATION(first);
  const GstClockTime tolerance = GST_CLOCK_TIME_IS_VALID(duration) ? duration / 2 : 0;
  bool gap = false;
  for (size_t k = 0; k < n; ++k) {
    GstBuffer* b = st.buffers[k];
    gap = gap || (GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_GAP) && gst_buffer_get_size(b) == 0);
    const GstClockTime pts = GST_BUFFER_PTS(b);
    if (k == 0 || !GST_CLOCK_TIME_IS_VALID(pts0) || !GST_CLOCK_TIME_IS_VALID(pts)) continue;
    const GstClockTime t0 = running_time(st.pads[0], pts0);
    const GstClockTime t = running_time(st.pads[k], pts);
    if ((t > t0 ? t - t0 : t0 - t) < tolerance || t == t0) continue;
    GST_ELEMENT_ERROR(self, STREAM, FAILED,
                      ("edgefuse: branches out of step: %s has the window at %" GST_TIME_FORMAT
                       " and %s the window at %" GST_TIME_FORMAT
                       " (half a window or more apart): the branches must make the same "
                       "windows",
                       GST_PAD_NAME(st.pads[0]), GST_TIME_ARGS(pts0), GST_PAD_NAME(st.pads[k]),
                       GST_TIME_ARGS(pts)),
                      ("running times %" GST_TIME_FORMAT " and %" GST_TIME_FORMAT
                       ", window duration %" GST_TIME_FORMAT,
                       GST_TIME_ARGS(t0), GST_TIME_ARGS(t), GST_TIME_ARGS(duration)));
    return GST_FLOW_ERROR;
  }

  GstFlowReturn ret = GST_FLOW_OK;
  if (gap) {
    GST_DEBUG_OBJECT(self, "a branch's gate took out the window at %" GST_TIME_FORMAT ": dropped",
                     GST_TIME_ARGS(pts0));
    forward_gate_event(self);
  } else {
    if (st.count == 0) return GST_FLOW_NOT_NEGOTIATED;
    ret = fuse_window(self);
  }
  for (GstAggregatorPad* pad : st.pads) {
    GstBuffer* popped = gst_aggregator_pad_pop_buffer(pad);
    if (popped) gst_buffer_unref(popped);
  }
  if (ret == GST_FLOW_OK && !gap) {
    GST_OBJECT_LOCK(self);
    ++st.counters.windows;
    st.started = true;
    GST_OBJECT_UNLOCK(self);
  }
  return ret;
}

static void gst_edge_fuse_finalize(GObject* object) {
  GstEdgeFuse* self = GST_EDGE_FUSE(object);
  delete self->gates;
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_fuse_parent_class)->finalize(object);
}

static void gst_edge_fuse_class_init(GstEdgeFuseClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstAggregatorClass* agg_class = GST_AGGREGATOR_CLASS(klass);
  gobject_class->finalize = gst_edge_fuse_finalize;
  edge::gst::install_params(gobject_class, kParams);

  // GstAggregator pads on both sides: GStreamer 1.14's aggregator treats its src pad as a
  // GstAggregatorPad (its segment) and only later versions default the template's type.
  gst_element_class_add_static_pad_template_with_gtype(element_class, &sink_template,
                                                       GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype(element_class, &src_template,
                                                       GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata(
      element_class, "Edge fuse", "Filter/Tensor",
      "Late fusion: the weighted mean of several classifiers' scores for the same window",
      "edgestream developers");

  agg_class->start = GST_DEBUG_FUNCPTR(gst_edge_fuse_start);
  agg_class->stop = GST_DEBUG_FUNCPTR(gst_edge_fuse_stop);
  agg_class->sink_event = GST_DEBUG_FUNCPTR(gst_edge_fuse_sink_event);
  agg_class->update_src_caps = GST_DEBUG_FUNCPTR(gst_edge_fuse_update_src_caps);
  agg_class->aggregate = GST_DEBUG_FUNCPTR(gst_edge_fuse_aggregate);
  GST_DEBUG_CATEGORY_INIT(edge_fuse_debug, "edgefuse", 0, "edgestream late fusion");
}

static void gst_edge_fuse_init(GstEdgeFuse* self) {
  self->settings = new Settings();
  self->state = new State();
  self->gates = new GateEvents();
}
