// edgeinfer: a thin element over nn::Classifier (core/runtime/nn/classifier.h), which reads the
// model, labels and metadata, checks preprocess parity, converts, invokes and picks the top k.
// Its properties are declared in core/runtime/nn/classifier_params.h. Here (docs/inference.md):
// start()     builds the Classifier (with `remote`, a RemoteClassifier over it answers first:
//             plugins/edgeinfer_remote.h) and checks parity: a difference is an element error
//             (a warning with check-preprocess=false), a check that cannot be made a warning.
// caps        the sink takes one static tensor that fits the model input, the src gives the
//             model's outputs; caps that do not fit fail set_caps stating both sides.
// transform() classifies the window, copies the outputs into one GstMemory each and attaches an
//             EdgeClassMeta; timestamps, the clip meta and serialized events pass through.
// events      a clip boundary, a flush and a new stream reset the state a model keeps across
//             invokes (TFLM's front-end noise estimate), so each clip is classified as if
//             alone, as TFLM's micro_speech test runs its clips.
#include "plugins/gstedgeinfer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/classifier.h"
#include "nn/classifier_params.h"
#include "plugins/common/caps_fit.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/edgeinfer_remote.h"

GST_DEBUG_CATEGORY_STATIC(edge_infer_debug);
#define GST_CAT_DEFAULT edge_infer_debug

namespace {

// Property values (declared in core/runtime/nn/classifier_params.h), under the object lock.
using Settings = edge::nn::InferSettings;

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
  edge::nn::InferStatistics* statistics;  // published: readable from any thread
  edge::nn::InvokeLatencies* latencies;   // object lock
  State* state;
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
  const edge::nn::ParityCheck parity = classifier.check_preprocess(s.preprocess, s.statistics);
  const std::string text = parity.message(s.model, s.check_preprocess);
  if (text.empty()) {
    GST_INFO_OBJECT(
        self, "preprocess parity: %s",
        parity.outcome == edge::nn::ParityCheck::Outcome::kMatch ? "matches" : "nothing stated");
  } else if (parity.refused(s.check_preprocess)) {
    GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE, ("edgeinfer: %s", text.c_str()), (nullptr));
    return false;
  } else {
    GST_ELEMENT_WARNING(self, STREAM, WRONG_TYPE, ("edgeinfer: %s", text.c_str()), (nullptr));
  }
  return true;
}

static gboolean gst_edge_infer_start(GstBaseTransform* trans) {
  GstEdgeInfer* self = GST_EDGE_INFER(trans);
  GST_OBJECT_LOCK(self);
  const Settings s = *self->settings;
  self->latencies->reset();
  *self->statistics = edge::nn::InferStatistics();
  GST_OBJECT_UNLOCK(self);

  if (s.model.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("edgeinfer: property model is not set; give the path of a .tflite file"),
                      (nullptr));
    return FALSE;
  }
  auto st = std::make_unique<State>();
  try {
    st->local = std::make_unique<edge::nn::Classifier>(
        edge::nn::Classifier::from_file(s.model, edge::nn::classifier_options(s)));
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
  edge::params::publish(&self->statistics->arena_bytes,
                        static_cast<uint64_t>(local.interpreter().arena_bytes()));
  edge::params::publish(&self->statistics->macs, static_cast<uint64_t>(local.interpreter().macs()));
  if (!edge::gst::remote_classifier_start(s, GST_ELEMENT(self), *st->local, self->statistics,
                                          &st->remote))
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

// What the sink takes, most wanted first (then any one tensor, so that a stream that does not
// fit reaches set_caps and is told why). NNStreamer's tensor_converter asks its source for
// media caps made from the first structure alone, so the first one is chosen for it:
//   type   float32 first for a per-tensor quantized int8/int16 input: the element quantizes
//          with the model's own scale and zero point, where a converter asked for int8 audio
//          would scale the samples its own way; then the input's own type, which a stream of
//          fixed caps in that type (already quantized) picks;
//   shape  the input's, or for a flat input ([N], [1, N]) "1:N": one channel of N frames,
//          NNStreamer's mono audio tensor (any shape of N values fits a flat input).
static GstCaps* preferred_sink_caps(const edge::nn::Classifier& classifier) {
  const edge::nn::Tensor& in = classifier.input();
  edge::gst::TensorDesc desc;
  desc.type = in.type;
  desc.shape = in.shape.empty() ? edge::Shape{1} : in.shape;
  if (edge::nn::takes_any_shape(in)) desc.shape = {static_cast<int32_t>(in.elements()), 1};
  edge::gst::TensorsInfo want;
  want.tensors.push_back(desc);
  GstCaps* caps = gst_caps_new_empty();
  if ((in.type == edge::DType::kInt8 || in.type == edge::DType::kInt16) && !in.quant.empty() &&
      !in.quant.per_channel()) {
    want.tensors[0].type = edge::DType::kFloat32;
    gst_caps_append(caps, edge::gst::tensors_caps_new(want));
    want.tensors[0].type = in.type;
  }
  gst_caps_append(caps, edge::gst::tensors_caps_new(want));
  return caps;
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
        one = preferred_sink_caps(*st->local);
        one = edge::gst::caps_with_framerate_of(one, s);
        gst_caps_append(one, gst_static_pad_template_get_caps(&sink_template));
      }
      if (direction == GST_PAD_SINK) one = edge::gst::caps_with_framerate_of(one, s);
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
  fits = fits && st->local->fits(info.tensors[0].type, info.tensors[0].shape, &why);
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
      st->classifier->classify(in_map.data, edge::gst::window_context(inbuf, &clip));
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
  self->latencies->add(result.latency_ns);
  GST_OBJECT_UNLOCK(self);
  GST_LOG_OBJECT(self, "invoke %" G_GUINT64_FORMAT " ns, best %d (%f)", result.latency_ns,
                 result.top.empty() ? -1 : result.top[0].index,
                 result.top.empty() ? 0.0 : result.top[0].score);
  return GST_FLOW_OK;
}

// ---------------------------------------------------------------------------
// Properties (declared in core/runtime/nn/classifier_params.h) and registration

static void* settings_of(GObject* object) { return GST_EDGE_INFER(object)->settings; }

// Called with the object lock held: the latency figures are made when they are read.
static const void* statistics_of(GObject* object) {
  GstEdgeInfer* self = GST_EDGE_INFER(object);
  self->latencies->publish(self->statistics);
  return self->statistics;
}

static const edge::gst::ParamBinding kParams = {edge::nn::infer_params, settings_of, statistics_of};

static void gst_edge_infer_finalize(GObject* object) {
  GstEdgeInfer* self = GST_EDGE_INFER(object);
  delete self->state;
  delete self->latencies;
  delete self->statistics;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_infer_parent_class)->finalize(object);
}

static void gst_edge_infer_class_init(GstEdgeInferClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->finalize = gst_edge_infer_finalize;
  edge::gst::install_params(gobject_class, kParams);

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
  self->statistics = new edge::nn::InferStatistics();
  self->latencies = new edge::nn::InvokeLatencies();
  self->state = new State();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), FALSE);
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), FALSE);
}
