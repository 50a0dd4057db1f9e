// edgeinfer: the element over nn::Classifier (core/runtime/nn/classifier.h), which does the
// work: reading the model, labels and metadata, the parity check, input conversion, invoke and
// top-k. This file maps properties, caps, buffers and errors.
//
// start()     builds the Classifier from the settings (model, labels, kernels, threads, top-k,
//             output type) and checks the graph's stated preprocessing (preprocess=,
//             statistics=) against the model's metadata: a difference is an element error
//             showing both sides (a warning with check-preprocess=false); a model trained with
//             stated preprocessing in a graph that states none is a warning (not checked).
//             With `remote` set, a RemoteClassifier (plugins/edgeinfer_remote.h) answers first.
// caps        the sink takes one static tensor that fits the model input (nn/stream_adapter.h);
//             the src gives the model's outputs, native or dequantized to float32. Upstream caps
//             that do not fit fail set_caps with an element error stating both shapes and types.
// transform() hands the window to the classifier, copies the outputs into one GstMemory each
//             and attaches an EdgeClassMeta (top-k of output 0, invoke latency). Timestamps
//             and the clip meta are kept; clip-boundary events pass through as every
//             serialized event does.
// events      a clip boundary, a flush and a new stream reset the state a model keeps across
//             invokes (TFLM's front-end noise estimate, SVDF memory), so each clip is
//             classified as if alone, as TFLM's micro_speech test runs its clips.
#include "plugins/gstedgeinfer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/classifier.h"
#include "plugins/common/caps_fit.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/edgeinfer_remote.h"

GST_DEBUG_CATEGORY_STATIC(edge_infer_debug);
#define GST_CAT_DEFAULT edge_infer_debug

namespace {

enum EdgeInferKernels { KERNELS_FAST, KERNELS_REFERENCE };
enum EdgeInferOutputType { OUTPUT_NATIVE, OUTPUT_FLOAT32 };

constexpr guint kDefaultTopK = 5;
constexpr guint kMaxTopK = 1000;
constexpr gint kDefaultThreads = 1;
constexpr gint kMaxThreads = 64;
// Latencies kept for the p99 statistic: the most recent invokes.
constexpr size_t kLatencyWindow = 1024;

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_TOP_K,
  PROP_KERNELS,
  PROP_THREADS,
  PROP_OUTPUT_TYPE,
  PROP_LATENCY_LAST,
  PROP_LATENCY_MEAN,
  PROP_LATENCY_P99,
  PROP_LATENCY_MAX,
  PROP_INVOKES,
  PROP_ARENA_BYTES,
  PROP_MACS,
  PROP_PREPROCESS,
  PROP_STATISTICS,
  PROP_CHECK_PREPROCESS,
};

GType kernels_get_type() {
  static gsize once = 0;
  static const GEnumValue values[] = {
      {KERNELS_FAST, "Fast kernels (Eigen GEMM for float, vectorized int8), bit-exact with ref",
       "fast"},
      {KERNELS_REFERENCE, "Reference kernels (plain loops, the truth)", "ref"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&once)) {
    g_once_init_leave(&once, g_enum_register_static("GstEdgeInferKernels", values));
  }
  return static_cast<GType>(once);
}

GType output_type_get_type() {
  static gsize once = 0;
  static const GEnumValue values[] = {
      {OUTPUT_NATIVE, "The model's output types as they are (e.g. int8)", "native"},
      {OUTPUT_FLOAT32, "Every output dequantized to float32", "float32"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&once)) {
    g_once_init_leave(&once, g_enum_register_static("GstEdgeInferOutputType", values));
  }
  return static_cast<GType>(once);
}

// Property values, guarded by the object lock.
struct Settings {
  std::string model;
  std::string labels;
  guint top_k = kDefaultTopK;
  EdgeInferKernels kernels = KERNELS_FAST;
  gint threads = kDefaultThreads;
  EdgeInferOutputType output_type = OUTPUT_NATIVE;
  std::string preprocess;  // canonical preprocess text the graph runs ("" = not stated)
  std::string statistics;  // path of the statistics JSON the graph normalizes with
  bool check_preprocess = true;
};

// Latency statistics, guarded by the object lock (written once per buffer,
// read by property getters from any thread).
struct Stats {
  guint64 invokes = 0;
  guint64 last_ns = 0;
  guint64 max_ns = 0;
  long double sum_ns = 0;
  std::vector<guint64> recent;  // ring of the last kLatencyWindow latencies
  size_t next = 0;

  void reset() {
    invokes = last_ns = max_ns = 0;
    sum_ns = 0;
    recent.assign(kLatencyWindow, 0);
    next = 0;
  }
  void add(guint64 ns) {
    ++invokes;
    last_ns = ns;
    max_ns = std::max(max_ns, ns);
    sum_ns += ns;
    recent[next] = ns;
    next = (next + 1) % recent.size();
  }
  double p99_us() const {
    const size_t n = static_cast<size_t>(std::min<guint64>(invokes, recent.size()));
    if (n == 0) return 0.0;
    std::vector<guint64> sorted(recent.begin(), recent.begin() + static_cast<long>(n));
    // Nearest-rank percentile: the smallest value with >= 99 % at or below it.
    const size_t rank = (99 * n + 99) / 100;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(rank - 1), sorted.end());
    return sorted[rank - 1] / 1000.0;
  }
};

// Runtime state, built in start()/set_caps(), used from the streaming thread.
struct State {
  std::unique_ptr<edge::nn::Classifier> local;
  std::unique_ptr<edge::gst::RemoteClassifier> remote;  // with `remote` set
  edge::nn::WindowClassifier* classifier = nullptr;     // remote, else local
  edge::gst::TensorsInfo out_info;                      // rate filled in set_caps
  bool negotiated = false;
  std::vector<edge::gst::ClassEntry> entries;  // preallocated for the hot path
};

}  // namespace

struct _GstEdgeInfer {
  GstBaseTransform parent;
  Settings* settings;
  State* state;
  Stats* stats;
  edge::gst::InferRemote* remote;  // remote properties and counters (plugins/edgeinfer_remote.h)
};

G_DEFINE_TYPE(GstEdgeInfer, gst_edge_infer, GST_TYPE_BASE_TRANSFORM)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("other/tensors, format=(string)static, num_tensors=(int)1, "
                    "framerate=(fraction)[0/1,2147483647/1]"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_TENSORS_TEMPLATE_CAPS));

// ---------------------------------------------------------------------------
// Setup

static edge::gst::TensorsInfo output_info(const edge::nn::Classifier& classifier) {
  edge::gst::TensorsInfo info;
  const edge::nn::Model& model = classifier.model();
  for (size_t i = 0; i < model.outputs().size(); ++i) {
    edge::gst::TensorDesc desc;
    desc.type = classifier.output_type(i);
    desc.shape = model.output(i).shape.empty() ? edge::Shape{1} : model.output(i).shape;
    info.tensors.push_back(desc);
  }
  return info;
}

// A classifier error as the element error a person reads.
static void post_error(GstEdgeInfer* self, const std::string& model,
                       const edge::nn::ClassifierError& e) {
  using Kind = edge::nn::ClassifierError::Kind;
  switch (e.kind()) {
    case Kind::kModelMissing:
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                        ("edgeinfer model=\"%s\": no such file", model.c_str()), (nullptr));
      break;
    case Kind::kModelFile:
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgeinfer model: %s", e.what()), (nullptr));
      break;
    case Kind::kLabelsFile:
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgeinfer labels: %s", e.what()), (nullptr));
      break;
    case Kind::kStatistics:
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("edgeinfer %s", e.what()), (nullptr));
      break;
    case Kind::kEngine:
      GST_ELEMENT_ERROR(self, LIBRARY, INIT,
                        ("edgeinfer: the engine cannot run the model: %s", e.what()), (nullptr));
      break;
    case Kind::kUnsupported:
    case Kind::kStream:
      GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("edgeinfer: %s", e.what()), (nullptr));
      break;
  }
}

// The graph's stated preprocessing against the model's metadata: FALSE (after an element
// error) on a difference while checking; every unchecked case is a warning on the bus.
static bool check_parity(GstEdgeInfer* self, const Settings& s,
                         const edge::nn::Classifier& classifier) {
  using Outcome = edge::nn::ParityCheck::Outcome;
  const edge::nn::ParityCheck parity = classifier.check_preprocess(s.preprocess, s.statistics);
  const char* model = s.model.c_str();
  switch (parity.outcome) {
    case Outcome::kMatch:
      GST_INFO_OBJECT(self, "preprocessing matches the model's");
      return true;
    case Outcome::kNeitherStates:
      GST_INFO_OBJECT(self, "neither the graph nor the model states its preprocessing");
      return true;
    case Outcome::kGraphStatesNone:
      GST_ELEMENT_WARNING(self, STREAM, WRONG_TYPE,
                          ("edgeinfer: model %s was trained with stated preprocessing, but this "
                           "graph states none (properties preprocess and statistics), so it is "
                           "not checked; the model expects:\n%s",
                           model, classifier.metadata().preprocess.c_str()),
                          (nullptr));
      return true;
    case Outcome::kModelStatesNone:
      GST_ELEMENT_WARNING(self, STREAM, WRONG_TYPE,
                          ("edgeinfer: model %s carries no edgestream preprocess metadata; the "
                           "graph's preprocessing cannot be checked against it",
                           model),
                          (nullptr));
      return true;
    case Outcome::kDiffers:
      break;
  }
  if (s.check_preprocess) {
    GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE,
                      ("edgeinfer: the graph's preprocessing is not the one model %s was trained "
                       "with (set check-preprocess=false to run anyway):\n%s",
                       model, parity.difference.c_str()),
                      (nullptr));
    return false;
  }
  GST_ELEMENT_WARNING(self, STREAM, WRONG_TYPE,
                      ("edgeinfer: running with check-preprocess=false although the graph's "
                       "preprocessing is not the one model %s was trained with:\n%s",
                       model, parity.difference.c_str()),
                      (nullptr));
  return true;
}

static gboolean gst_edge_infer_start(GstBaseTransform* trans) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  GST_OBJECT_LOCK(self);
  const Settings s = *self->settings;
  self->stats->reset();
  GST_OBJECT_UNLOCK(self);

  if (s.model.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("edgeinfer: property model is not set; give the path of a .tflite file"),
                      (nullptr));
    return FALSE;
  }
  auto st = std::make_unique<State>();
  edge::nn::ClassifierOptions options;
  options.kernels =
      s.kernels == KERNELS_FAST ? edge::nn::KernelSet::kFast : edge::nn::KernelSet::kReference;
  options.threads = s.threads;
  options.top_k = s.top_k;
  options.output_type = s.output_type == OUTPUT_FLOAT32 ? edge::nn::OutputType::kFloat32
                                                        : edge::nn::OutputType::kNative;
  options.labels_file = s.labels;
  try {
    st->local =
        std::make_unique<edge::nn::Classifier>(edge::nn::Classifier::from_file(s.model, options));
    if (!check_parity(self, s, *st->local)) return FALSE;
  } catch (const edge::nn::ClassifierError& e) {
    post_error(self, s.model, e);
    return FALSE;
  }
  const edge::nn::Classifier& local = *st->local;
  st->out_info = output_info(local);
  st->entries.reserve(std::min<size_t>(s.top_k, local.scores().size()));
  GST_INFO_OBJECT(self, "model %s: %zu operators, arena %zu bytes, %lld MACs per invoke",
                  s.model.c_str(), local.model().operators().size(),
                  local.interpreter().arena_bytes(),
                  static_cast<long long>(local.interpreter().macs()));
  if (!edge::gst::infer_remote_start(self->remote, GST_ELEMENT(self), *st->local, &st->remote))
    return FALSE;
  st->classifier =
      st->remote ? static_cast<edge::nn::WindowClassifier*>(st->remote.get()) : st->local.get();
  GST_OBJECT_LOCK(self);
  State* old = self->state;
  self->state = st.release();
  GST_OBJECT_UNLOCK(self);
  delete old;
  return TRUE;
}

static gboolean gst_edge_infer_stop(GstBaseTransform* trans) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  GST_OBJECT_LOCK(self);
  State* old = self->state;
  self->state = new State();
  GST_OBJECT_UNLOCK(self);
  delete old;  // a remote classifier writes its summary here
  return TRUE;
}

// ---------------------------------------------------------------------------
// Caps

// Copies the framerate of `from` (fixed or a range) onto every structure of caps.
static void copy_framerate(GstCaps* caps, const GstStructure* from) {
  const GValue* rate = from ? gst_structure_get_value(from, "framerate") : nullptr;
  if (!rate) return;
  for (guint i = 0; i < gst_caps_get_size(caps); ++i)
    gst_structure_set_value(gst_caps_get_structure(caps, i), "framerate", rate);
}

static GstCaps* gst_edge_infer_transform_caps(GstBaseTransform* trans, GstPadDirection direction,
                                              GstCaps* caps, GstCaps* filter) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  GstCaps* result = nullptr;
  GST_OBJECT_LOCK(self);
  const State* st = self->state;
  const bool loaded = st && st->local;
  if (loaded) {
    result = gst_caps_new_empty();
    for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
      const GstStructure* s = gst_caps_get_structure(caps, i);
      GstCaps* one = nullptr;
      if (direction == GST_PAD_SINK) {
        one = edge::gst::tensors_caps_new(st->out_info);
      } else {
        // Preferred: the model input's own type and shape (and float32 for a
        // quantized input); then any tensor, so that a stream that does not
        // fit reaches set_caps and gets a message stating both shapes.
        const edge::nn::Tensor& in = st->local->input();
        edge::gst::TensorsInfo want;
        edge::gst::TensorDesc desc;
        desc.type = in.type;
        desc.shape = in.shape.empty() ? edge::Shape{1} : in.shape;
        want.tensors.push_back(desc);
        one = edge::gst::tensors_caps_new(want);
        if ((in.type == edge::DType::kInt8 || in.type == edge::DType::kInt16) &&
            !in.quant.empty() && !in.quant.per_channel()) {
          want.tensors[0].type = edge::DType::kFloat32;
          gst_caps_append(one, edge::gst::tensors_caps_new(want));
        }
        copy_framerate(one, s);
        gst_caps_append(one, gst_static_pad_template_get_caps(&sink_template));
      }
      if (direction == GST_PAD_SINK) copy_framerate(one, s);
      result = gst_caps_merge(result, one);
    }
  }
  GST_OBJECT_UNLOCK(self);
  if (!loaded) {
    result = gst_static_pad_template_get_caps(direction == GST_PAD_SINK ? &src_template
                                                                        : &sink_template);
  }
  if (filter) {
    GstCaps* filtered = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(result);
    result = filtered;
  }
  GST_DEBUG_OBJECT(self, "transformed %" GST_PTR_FORMAT " into %" GST_PTR_FORMAT, caps, result);
  return result;
}

// Accept-caps takes any tensor so that a static pipeline's wrong shape reaches set_caps and
// fails naming both shapes; a source of network caps (edgezmqsrc) asks this query instead
// and is told the truth, quietly, so that it can refuse one message and go on.
static gboolean gst_edge_infer_query(GstBaseTransform* trans, GstPadDirection direction,
                                     GstQuery* query) {
  GstCaps* caps = nullptr;
  if (direction != GST_PAD_SINK || !edge::gst::caps_fit_query_parse(query, &caps))
    return GST_BASE_TRANSFORM_CLASS(gst_edge_infer_parent_class)->query(trans, direction, query);
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  const State* st = self->state;
  if (!st->local) return FALSE;  // not started: no model to judge by
  edge::gst::TensorsInfo info;
  std::string why;
  bool fits = edge::gst::tensors_caps_parse(caps, &info, &why);
  if (fits && info.tensors.size() != 1) {
    why = "the model takes one tensor per buffer";
    fits = false;
  }
  if (fits) {
    try {
      edge::nn::fit_input(info.tensors[0].type, info.tensors[0].shape, st->local->input(), 0,
                          st->local->model().source());
    } catch (const edge::Error& e) {
      why = e.what();
      fits = false;
    }
  }
  edge::gst::caps_fit_query_answer(query, fits, why);
  return TRUE;
}

static gboolean gst_edge_infer_set_caps(GstBaseTransform* trans, GstCaps* incaps,
                                        GstCaps* outcaps) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  State* st = self->state;
  st->negotiated = false;
  if (!st->local) {
    GST_ERROR_OBJECT(self, "caps before the model was loaded");
    return FALSE;
  }
  edge::gst::TensorsInfo in_info;
  std::string error;
  if (!edge::gst::tensors_caps_parse(incaps, &in_info, &error)) {
    GST_ERROR_OBJECT(self, "cannot use caps %" GST_PTR_FORMAT ": %s", incaps, error.c_str());
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                      ("edgeinfer: unusable input caps: %s", error.c_str()), (nullptr));
    return FALSE;
  }
  if (in_info.tensors.size() != 1) {
    GST_ERROR_OBJECT(self, "%zu tensors per buffer, expected 1", in_info.tensors.size());
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                      ("edgeinfer: the stream carries %zu tensors per buffer; the model takes one",
                       in_info.tensors.size()),
                      (nullptr));
    return FALSE;
  }
  const edge::gst::TensorDesc& desc = in_info.tensors[0];
  try {
    st->local->set_stream(desc.type, desc.shape);
  } catch (const edge::Error& e) {
    GST_ERROR_OBJECT(self, "%s", e.what());
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("edgeinfer: %s", e.what()),
                      ("input caps %s", edge::gst::tensors_info_to_string(in_info).c_str()));
    return FALSE;
  }
  edge::gst::TensorsInfo out_info;
  if (!edge::gst::tensors_caps_parse(outcaps, &out_info, &error) ||
      out_info.tensors.size() != st->out_info.tensors.size()) {
    GST_ERROR_OBJECT(self, "unexpected output caps %" GST_PTR_FORMAT ": %s", outcaps,
                     error.c_str());
    return FALSE;
  }
  st->out_info.rate_n = in_info.rate_n;
  st->out_info.rate_d = in_info.rate_d;
  if (st->remote && !st->remote->set_caps(incaps, outcaps))
    return FALSE;  // remote: output caps unusable
  st->negotiated = true;
  GST_INFO_OBJECT(
      self, "input %s (%s), output %s", edge::gst::tensors_info_to_string(in_info).c_str(),
      st->local->conversion() == edge::nn::InputConversion::kQuantize ? "quantized" : "copied",
      edge::gst::tensors_info_to_string(st->out_info).c_str());
  return TRUE;
}

// ---------------------------------------------------------------------------
// Streaming

static GstFlowReturn gst_edge_infer_prepare_output_buffer(GstBaseTransform* trans, GstBuffer* input,
                                                          GstBuffer** outbuf) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  State* st = self->state;
  if (!st->negotiated) return GST_FLOW_NOT_NEGOTIATED;
  *outbuf = edge::gst::tensors_buffer_new(st->out_info);
  if (!*outbuf) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("edgeinfer: cannot allocate an output buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  // Timestamps, flags and the untagged metas (EdgeClipMeta among them).
  GstBaseTransformClass* klass = GST_BASE_TRANSFORM_GET_CLASS(trans);
  if (klass->copy_metadata && !klass->copy_metadata(trans, input, *outbuf)) {
    GST_WARNING_OBJECT(self, "could not copy the metadata of the input buffer");
  }
  if (!edge_buffer_get_clip_meta(*outbuf)) edge::gst::clip_meta_copy(input, *outbuf);
  return GST_FLOW_OK;
}

// The window's place in the stream, for a remote server (the engine ignores it).
static edge::nn::WindowContext window_context(GstBuffer* inbuf, edge::nn::WindowClip* clip) {
  edge::nn::WindowContext context;
  context.pts = GST_BUFFER_PTS(inbuf);
  context.dts = GST_BUFFER_DTS(inbuf);
  context.duration = GST_BUFFER_DURATION(inbuf);
  context.offset = GST_BUFFER_OFFSET(inbuf);
  context.offset_end = GST_BUFFER_OFFSET_END(inbuf);
  context.buffer_flags = GST_BUFFER_FLAGS(inbuf);
  if (const EdgeClipMeta* meta = edge_buffer_get_clip_meta(inbuf)) {
    *clip = {meta->clip_id, meta->label,  meta->label_index,
             meta->fold,    meta->source, meta->window_index};
    context.clip = clip;
  }
  return context;
}

static gboolean gst_edge_infer_sink_event(GstBaseTransform* trans, GstEvent* event) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  if (edge::gst::clip_event_parse(event, nullptr) ||
      GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP ||
      GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START) {
    if (self->state && self->state->local) self->state->local->interpreter().reset_state();
  }
  return GST_BASE_TRANSFORM_CLASS(gst_edge_infer_parent_class)->sink_event(trans, event);
}

static GstFlowReturn gst_edge_infer_transform(GstBaseTransform* trans, GstBuffer* inbuf,
                                              GstBuffer* outbuf) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  State* st = self->state;
  if (!st->negotiated) return GST_FLOW_NOT_NEGOTIATED;
  const edge::nn::Classifier& local = *st->local;
  GstMapInfo in_map;
  if (!gst_buffer_map(inbuf, &in_map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgeinfer: cannot map an input buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (in_map.size != local.stream_bytes()) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgeinfer: an input buffer of %" G_GSIZE_FORMAT
                       " bytes does not hold one %s tensor of %lld elements (%zu bytes) for "
                       "model input \"%s\"",
                       in_map.size, edge::dtype_name(local.stream_type()),
                       static_cast<long long>(local.input().elements()), local.stream_bytes(),
                       local.input().name.c_str()),
                      ("buffer %" GST_TIME_FORMAT, GST_TIME_ARGS(GST_BUFFER_PTS(inbuf))));
    gst_buffer_unmap(inbuf, &in_map);
    return GST_FLOW_ERROR;
  }
  edge::nn::WindowClip clip;
  const edge::nn::Classification& result =
      st->classifier->classify(in_map.data, window_context(inbuf, &clip));
  gst_buffer_unmap(inbuf, &in_map);

  const guint n_out = gst_buffer_n_memory(outbuf);
  for (guint i = 0; i < n_out && i < st->out_info.tensors.size(); ++i) {
    GstMemory* memory = gst_buffer_peek_memory(outbuf, i);
    GstMapInfo out_map;
    if (!gst_memory_map(memory, &out_map, GST_MAP_WRITE)) {
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("edgeinfer: cannot map output tensor %u", i),
                        (nullptr));
      return GST_FLOW_ERROR;
    }
    st->classifier->read_output(i, out_map.data, out_map.size);
    gst_memory_unmap(memory, &out_map);
  }

  st->entries.resize(result.top.size());
  for (size_t k = 0; k < result.top.size(); ++k) {
    st->entries[k].index = result.top[k].index;
    st->entries[k].score = result.top[k].score;
    st->entries[k].label.assign(result.top[k].label.data(), result.top[k].label.size());
  }
  EdgeClassMeta* meta = edge::gst::class_meta_set(outbuf, st->entries, result.latency_ns);
  if (result.answer == edge::nn::Answer::kRemote) {
    edge::gst::class_meta_set_model(meta, "remote");
    return GST_FLOW_OK;  // the server's invoke: not this element's latency
  }
  if (result.answer == edge::nn::Answer::kFallback) edge::gst::class_meta_set_model(meta, "local");
  GST_OBJECT_LOCK(self);
  self->stats->add(result.latency_ns);
  GST_OBJECT_UNLOCK(self);
  GST_LOG_OBJECT(self, "invoke %" G_GUINT64_FORMAT " ns, best %d (%f)", result.latency_ns,
                 result.top.empty() ? -1 : result.top[0].index,
                 result.top.empty() ? 0.0 : result.top[0].score);
  return GST_FLOW_OK;
}

// ---------------------------------------------------------------------------
// Properties

static void gst_edge_infer_set_property(GObject* object, guint id, const GValue* value,
                                        GParamSpec* pspec) {
  GstEdgeInfer* self = GST_EDGE_INFER(object);
  Settings* s = self->settings;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MODEL: {
      const gchar* text = g_value_get_string(value);
      s->model = text ? text : "";
      break;
    }
    case PROP_LABELS: {
      const gchar* text = g_value_get_string(value);
      s->labels = text ? text : "";
      break;
    }
    case PROP_TOP_K:
      s->top_k = g_value_get_uint(value);
      break;
    case PROP_KERNELS:
      s->kernels = static_cast<EdgeInferKernels>(g_value_get_enum(value));
      break;
    case PROP_THREADS:
      s->threads = g_value_get_int(value);
      break;
    case PROP_OUTPUT_TYPE:
      s->output_type = static_cast<EdgeInferOutputType>(g_value_get_enum(value));
      break;
    case PROP_PREPROCESS: {
      const gchar* text = g_value_get_string(value);
      s->preprocess = text ? text : "";
      break;
    }
    case PROP_STATISTICS: {
      const gchar* text = g_value_get_string(value);
      s->statistics = text ? text : "";
      break;
    }
    case PROP_CHECK_PREPROCESS:
      s->check_preprocess = g_value_get_boolean(value);
      break;
    default:
      if (edge::gst::infer_remote_set_property(self->remote, id, value)) break;
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_infer_get_property(GObject* object, guint id, GValue* value,
                                        GParamSpec* pspec) {
  GstEdgeInfer* self = GST_EDGE_INFER(object);
  const Settings* s = self->settings;
  const Stats* stats = self->stats;
  GST_OBJECT_LOCK(self);
  switch (id) {
    case PROP_MODEL:
      g_value_set_string(value, s->model.c_str());
      break;
    case PROP_LABELS:
      g_value_set_string(value, s->labels.c_str());
      break;
    case PROP_TOP_K:
      g_value_set_uint(value, s->top_k);
      break;
    case PROP_KERNELS:
      g_value_set_enum(value, s->kernels);
      break;
    case PROP_THREADS:
      g_value_set_int(value, s->threads);
      break;
    case PROP_OUTPUT_TYPE:
      g_value_set_enum(value, s->output_type);
      break;
    case PROP_PREPROCESS:
      g_value_set_string(value, s->preprocess.c_str());
      break;
    case PROP_STATISTICS:
      g_value_set_string(value, s->statistics.c_str());
      break;
    case PROP_CHECK_PREPROCESS:
      g_value_set_boolean(value, s->check_preprocess);
      break;
    case PROP_LATENCY_LAST:
      g_value_set_double(value, stats->last_ns / 1000.0);
      break;
    case PROP_LATENCY_MEAN:
      g_value_set_double(value, stats->invokes
                                    ? static_cast<double>(stats->sum_ns / stats->invokes) / 1000.0
                                    : 0.0);
      break;
    case PROP_LATENCY_P99:
      g_value_set_double(value, stats->p99_us());
      break;
    case PROP_LATENCY_MAX:
      g_value_set_double(value, stats->max_ns / 1000.0);
      break;
    case PROP_INVOKES:
      g_value_set_uint64(value, stats->invokes);
      break;
    case PROP_ARENA_BYTES:
      g_value_set_uint64(value, self->state && self->state->local
                                    ? self->state->local->interpreter().arena_bytes()
                                    : 0);
      break;
    case PROP_MACS:
      g_value_set_uint64(value, self->state && self->state->local
                                    ? static_cast<guint64>(self->state->local->interpreter().macs())
                                    : 0);
      break;
    default:
      if (edge::gst::infer_remote_get_property(self->remote, id, value)) break;
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_infer_finalize(GObject* object) {
  GstEdgeInfer* self = GST_EDGE_INFER(object);
  delete self->state;
  delete self->stats;
  edge::gst::infer_remote_free(self->remote);
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_infer_parent_class)->finalize(object);
}

static void gst_edge_infer_class_init(GstEdgeInferClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->set_property = gst_edge_infer_set_property;
  gobject_class->get_property = gst_edge_infer_get_property;
  gobject_class->finalize = gst_edge_infer_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model",
                          "Path of the .tflite model (read and verified at start)", "", rw));
  g_object_class_install_property(
      gobject_class, PROP_LABELS,
      g_param_spec_string("labels", "Labels file",
                          "Labels, one per line, for the values of output 0; empty: the model's "
                          "edgestream.labels metadata (or no labels)",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_TOP_K,
      g_param_spec_uint("top-k", "Top k",
                        "Number of best classes of output 0 in the classification meta", 1,
                        kMaxTopK, kDefaultTopK, rw));
  g_object_class_install_property(
      gobject_class, PROP_KERNELS,
      g_param_spec_enum("kernels", "Kernels", "Kernel set of the engine", kernels_get_type(),
                        KERNELS_FAST, rw));
  g_object_class_install_property(
      gobject_class, PROP_THREADS,
      g_param_spec_int("threads", "Threads",
                       "Threads the convolution and fully connected kernels split their work "
                       "over, per invoke",
                       1, kMaxThreads, kDefaultThreads, rw));
  g_object_class_install_property(
      gobject_class, PROP_OUTPUT_TYPE,
      g_param_spec_enum("output-type", "Output type",
                        "Type of the output tensors: as the model gives them, or float32",
                        output_type_get_type(), OUTPUT_NATIVE, rw));
  g_object_class_install_property(
      gobject_class, PROP_PREPROCESS,
      g_param_spec_string("preprocess", "Preprocess",
                          "The canonical preprocess segment this graph runs (edgestream launch "
                          "fills it); compared at start with the model's edgestream.preprocess "
                          "metadata. Empty: not checked",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_STATISTICS,
      g_param_spec_string("statistics", "Statistics file",
                          "Normalization statistics JSON the graph's preprocessing uses; "
                          "compared at start with the model's edgestream.statistics metadata. "
                          "Empty: the graph uses none",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_CHECK_PREPROCESS,
      g_param_spec_boolean("check-preprocess", "Check preprocess",
                           "Refuse to start when preprocess/statistics differ from the model's "
                           "(false: only a warning)",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY_LAST,
      g_param_spec_double("latency-last", "Last latency",
                          "Duration of the last invoke, in microseconds", 0, G_MAXDOUBLE, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY_MEAN,
      g_param_spec_double("latency-mean", "Mean latency",
                          "Mean invoke duration since start, in microseconds", 0, G_MAXDOUBLE, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY_P99,
      g_param_spec_double("latency-p99", "99th percentile latency",
                          "99th percentile of the last 1024 invoke durations, in microseconds", 0,
                          G_MAXDOUBLE, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY_MAX,
      g_param_spec_double("latency-max", "Maximum latency",
                          "Longest invoke since start, in microseconds", 0, G_MAXDOUBLE, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_INVOKES,
      g_param_spec_uint64("invokes", "Invokes", "Invokes since start", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_ARENA_BYTES,
      g_param_spec_uint64("arena-bytes", "Arena bytes",
                          "Bytes of the planned tensor arena (0 before start)", 0, G_MAXUINT64, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_MACS,
      g_param_spec_uint64("macs", "MACs", "Multiply-accumulates per invoke (0 before start)", 0,
                          G_MAXUINT64, 0, ro));

  edge::gst::infer_remote_install_properties(gobject_class);  // remote, remote-timeout-ms...
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "edgestream TFLite inference", "Filter/Tensor",
      "Runs a .tflite model (float32, float16 weights, int8, 16x8) on a tensor stream with "
      "edgestream's own engine; outputs the model's tensors and a top-k classification meta",
      "edgestream");

  trans_class->start = GST_DEBUG_FUNCPTR(gst_edge_infer_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_edge_infer_stop);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR(gst_edge_infer_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_edge_infer_set_caps);
  trans_class->query = GST_DEBUG_FUNCPTR(gst_edge_infer_query);
  trans_class->prepare_output_buffer = GST_DEBUG_FUNCPTR(gst_edge_infer_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR(gst_edge_infer_transform);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_edge_infer_sink_event);
  trans_class->passthrough_on_same_caps = FALSE;

  GST_DEBUG_CATEGORY_INIT(edge_infer_debug, "edgeinfer", 0, "edgestream TFLite inference");
}

static void gst_edge_infer_init(GstEdgeInfer* self) {
  self->settings = new Settings();
  self->state = new State();
  self->stats = new Stats();
  self->remote = edge::gst::infer_remote_new();
  self->stats->reset();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), FALSE);
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), FALSE);
}
