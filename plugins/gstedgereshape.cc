// edgereshape: the element over core/runtime/signal/reshape.h.
//
// Input: one float32 tensor; its innermost dimension is the channel count C and the rest
// are frames N (an edgewindow output "C:N"). Output (innermost first):
//   shape=square      "C:side:side", side = floor(sqrt(N)); the last N - side^2 frames are
//                     dropped (30,000 -> "1:173:173")
//   shape=square-pad  "C:side:side", side = ceil(sqrt(N)); zero frames appended
//   shape=D0:D1:...   explicit NNStreamer dims, innermost first, exactly C*N elements
// Prefix reshapes (square, explicit) share the input's memory; square-pad copies.
// Framerate, timestamps and metas pass through.
// Caps: static other/tensors or the legacy other/tensor in; flexible tensors in are refused
// naming NNStreamer's tensor_converter (the shape must be known at negotiation). Out: static
// other/tensors, or, when downstream takes nothing else (NNStreamer's tensor_converter does
// so), flexible tensors: each buffer then copies its data behind NNStreamer's header.
#include "plugins/gstedgereshape.h"

#include <string>

#include "common/error.h"
#include "plugins/common/gparams.h"
#include "plugins/common/tensorcaps.h"
#include "signal/reshape.h"
#include "signal/reshape_params.h"
#include "tensor/nns_header.h"

GST_DEBUG_CATEGORY_STATIC(edge_reshape_debug);
#define GST_CAT_DEFAULT edge_reshape_debug

using edge::signal::ReshapeMode;

namespace {

// Property values (declared in core/runtime/signal/reshape_params.h), under the object lock.
using Settings = edge::signal::ReshapeSettings;

// Runtime state from set_caps; used from the streaming thread.
struct State {
  bool configured = false;
  edge::signal::ReshapePlan plan;
  gsize in_bytes = 0;
  gsize out_bytes = 0;
  bool shared = false;        // the current output buffer shares the input's memory
  bool flexible_out = false;  // each output tensor starts with NNStreamer's header
};

// Input frames and channels of a single float32 tensor.
bool input_layout(const edge::gst::TensorsInfo& info, int64_t* frames, int* channels,
                  std::string* error) {
  if (info.tensors.size() != 1 || info.tensors[0].type != edge::DType::kFloat32) {
    *error = "expected one float32 tensor";
    return false;
  }
  const edge::Shape& s = info.tensors[0].shape;
  *channels = s.back();
  *frames = edge::shape_elements(s) / s.back();
  return true;
}

edge::signal::ReshapePlan make_plan(const edge::signal::ReshapeTarget& t, int64_t frames,
                                    int channels) {
  return t.mode == ReshapeMode::kExplicit
             ? edge::signal::plan_explicit(frames, channels, t.explicit_shape)
             : edge::signal::plan_square(frames, channels, t.mode);
}

}  // namespace

struct _GstEdgeReshape {
  GstBaseTransform parent;
  Settings* settings;
  State* state;
};

G_DEFINE_TYPE(GstEdgeReshape, gst_edge_reshape, GST_TYPE_BASE_TRANSFORM)

// The shape asked for (the property check has refused text that does not parse).
static edge::signal::ReshapeTarget shape_of(GstEdgeReshape* self, std::string* text) {
  GST_OBJECT_LOCK(self);
  *text = self->settings->shape;
  GST_OBJECT_UNLOCK(self);
  return edge::signal::parse_reshape_target(*text);
}

#define EDGE_RESHAPE_CAPS                                                             \
  "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, " \
  "framerate=(fraction)[0/1,2147483647/1]"

// In: flexible tensors are in the template so that set_caps can say what to insert.
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS(EDGE_RESHAPE_CAPS
                    "; other/tensor, type=(string)float32, "
                    "framerate=(fraction)[0/1,2147483647/1]; " EDGE_TENSORS_FLEXIBLE_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS(EDGE_RESHAPE_CAPS "; " EDGE_TENSORS_FLEXIBLE_CAPS));

// Flexible tensors at the framerate of `like` (fixed or a range), appended to caps.
static GstCaps* with_flexible(GstCaps* caps, const GstStructure* like) {
  gst_caps_append(caps, edge::gst::caps_with_framerate_of(
                            gst_caps_from_string(EDGE_TENSORS_FLEXIBLE_CAPS), like));
  return caps;
}

static GstCaps* gst_edge_reshape_transform_caps(GstBaseTransform* trans, GstPadDirection direction,
                                                GstCaps* caps, GstCaps* filter) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(trans);
  std::string shape_text;
  const edge::signal::ReshapeTarget target = shape_of(self, &shape_text);
  GstCaps* result = nullptr;
  if (direction == GST_PAD_SINK && gst_caps_is_fixed(caps)) {
    edge::gst::TensorsInfo info;
    std::string error;
    int64_t frames = 0;
    int channels = 0;
    if (edge::gst::tensors_caps_parse(caps, &info, &error) &&
        input_layout(info, &frames, &channels, &error)) {
      edge::gst::TensorsInfo out = info;
      if (target.mode == ReshapeMode::kExplicit) {
        // Proposed as asked; set_caps refuses it, naming both shapes, if it does not fit.
        out.tensors[0].shape = target.explicit_shape;
        result = with_flexible(edge::gst::tensors_caps_new(out), gst_caps_get_structure(caps, 0));
      } else {
        try {
          out.tensors[0].shape = make_plan(target, frames, channels).output_shape;
          result = with_flexible(edge::gst::tensors_caps_new(out), gst_caps_get_structure(caps, 0));
        } catch (const edge::Error& e) {
          GST_DEBUG_OBJECT(self, "no output for %" GST_PTR_FORMAT ": %s", caps, e.what());
          result = gst_caps_new_empty();
        }
      }
    }
  }
  if (!result) {
    // Unfixed caps, or the reverse direction: any float32 tensor (keeping the framerate).
    result = gst_static_pad_template_get_caps(direction == GST_PAD_SINK ? &src_template
                                                                        : &sink_template);
    const GstStructure* in = gst_caps_get_size(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
    result = edge::gst::caps_with_framerate_of(result, in);
  }
  if (filter) {
    GstCaps* tmp = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(result);
    result = tmp;
  }
  return result;
}

static gboolean gst_edge_reshape_set_caps(GstBaseTransform* trans, GstCaps* incaps,
                                          GstCaps* outcaps) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(trans);
  std::string shape_text;
  const edge::signal::ReshapeTarget target = shape_of(self, &shape_text);
  edge::gst::TensorsInfo in, out;
  std::string error;
  int64_t frames = 0;
  int channels = 0;
  if (!edge::gst::tensors_caps_parse(incaps, &in, &error) ||
      !input_layout(in, &frames, &channels, &error) ||
      !edge::gst::tensors_caps_parse_any(outcaps, &out, &error)) {
    GST_ELEMENT_ERROR(
        self, CORE, NEGOTIATION, ("edgereshape cannot take this stream: %s", error.c_str()),
        ("input caps %" GST_PTR_FORMAT ", output caps %" GST_PTR_FORMAT, incaps, outcaps));
    return FALSE;
  }
  self->state->flexible_out = out.flexible;
  if (out.flexible) out.tensors.push_back({edge::DType::kFloat32, {}});  // any shape fits
  try {
    State* st = self->state;
    st->plan = make_plan(target, frames, channels);
    if (!out.flexible && !edge::gst::shapes_match(st->plan.output_shape, out.tensors[0].shape))
      throw edge::Error(edge::msg("downstream wants dimensions ",
                                  edge::gst::dims_to_string(out.tensors[0].shape)));
    st->in_bytes = static_cast<gsize>(st->plan.input_elements) * sizeof(float);
    st->out_bytes = static_cast<gsize>(st->plan.output_elements) * sizeof(float);
    st->configured = true;
  } catch (const edge::Error& e) {
    const std::string in_dims = edge::gst::dims_to_string(in.tensors[0].shape);
    GST_ERROR_OBJECT(self, "shape=%s does not fit the input %s: %s", shape_text.c_str(),
                     in_dims.c_str(), e.what());
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                      ("edgereshape: shape=%s does not fit the input tensor %s (%" G_GINT64_FORMAT
                       " elements): %s",
                       shape_text.c_str(), in_dims.c_str(), frames * channels, e.what()),
                      ("input caps %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  GST_INFO_OBJECT(self, "%s -> %s", edge::gst::dims_to_string(in.tensors[0].shape).c_str(),
                  edge::gst::dims_to_string(self->state->plan.output_shape).c_str());
  return TRUE;
}

static gboolean gst_edge_reshape_transform_size(GstBaseTransform* trans, GstPadDirection direction,
                                                GstCaps*, gsize size, GstCaps*, gsize* othersize) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(trans);
  const State* st = self->state;
  if (!st->configured) return FALSE;
  const gsize header = st->flexible_out ? edge::kNnsHeaderSize : 0;
  *othersize = direction == GST_PAD_SINK ? st->out_bytes + header : st->in_bytes;
  (void)size;
  return TRUE;
}

static GstFlowReturn gst_edge_reshape_prepare_output_buffer(GstBaseTransform* trans,
                                                            GstBuffer* input, GstBuffer** outbuf) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(trans);
  State* st = self->state;
  if (!st->configured) return GST_FLOW_NOT_NEGOTIATED;
  const gsize size = gst_buffer_get_size(input);
  if (size != st->in_bytes) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                      ("edgereshape: a buffer of %" G_GSIZE_FORMAT
                       " bytes does not hold the negotiated tensor of %" G_GSIZE_FORMAT " bytes",
                       size, st->in_bytes),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  st->shared = st->plan.is_prefix() && !st->flexible_out;
  if (!st->shared)
    return GST_BASE_TRANSFORM_CLASS(gst_edge_reshape_parent_class)
        ->prepare_output_buffer(trans, input, outbuf);
  // The output is the input's first out_bytes: share the memory, copy flags and metas.
  *outbuf = gst_buffer_copy_region(input, GST_BUFFER_COPY_ALL, 0, st->out_bytes);
  if (!*outbuf) {
    GST_ELEMENT_ERROR(self, CORE, FAILED, ("edgereshape: cannot share the input buffer"),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  GST_BUFFER_PTS(*outbuf) = GST_BUFFER_PTS(input);
  GST_BUFFER_DTS(*outbuf) = GST_BUFFER_DTS(input);
  GST_BUFFER_DURATION(*outbuf) = GST_BUFFER_DURATION(input);
  GST_BUFFER_OFFSET(*outbuf) = GST_BUFFER_OFFSET(input);
  GST_BUFFER_OFFSET_END(*outbuf) = GST_BUFFER_OFFSET_END(input);
  return GST_FLOW_OK;
}

static GstFlowReturn gst_edge_reshape_transform(GstBaseTransform* trans, GstBuffer* inbuf,
                                                GstBuffer* outbuf) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(trans);
  State* st = self->state;
  if (st->shared) return GST_FLOW_OK;  // prepare_output_buffer already shared the data
  GstMapInfo in, out;
  if (!gst_buffer_map(inbuf, &in, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgereshape: cannot map the input"), (nullptr));
    return GST_FLOW_ERROR;
  }
  const gsize header = st->flexible_out ? edge::kNnsHeaderSize : 0;
  if (!gst_buffer_map(outbuf, &out, GST_MAP_WRITE) || out.size < st->out_bytes + header) {
    gst_buffer_unmap(inbuf, &in);
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("edgereshape: cannot map the output"), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (st->flexible_out)
    edge::write_nns_header(edge::DType::kFloat32, st->plan.output_shape, out.data);
  edge::signal::reshape_apply(st->plan, reinterpret_cast<const float*>(in.data),
                              reinterpret_cast<float*>(out.data + header));
  gst_buffer_unmap(outbuf, &out);
  gst_buffer_unmap(inbuf, &in);
  return GST_FLOW_OK;
}

static gboolean gst_edge_reshape_stop(GstBaseTransform* trans) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(trans);
  *self->state = State();
  return TRUE;
}

static void* settings_of(GObject* object) { return GST_EDGE_RESHAPE(object)->settings; }

// A new shape renegotiates.
static void shape_changed(GObject* object, const edge::params::Param&) {
  gst_base_transform_reconfigure_src(GST_BASE_TRANSFORM(object));
}

static const edge::gst::ParamBinding kParams = {edge::signal::reshape_params, settings_of, nullptr,
                                                shape_changed};

static void gst_edge_reshape_finalize(GObject* object) {
  GstEdgeReshape* self = GST_EDGE_RESHAPE(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_edge_reshape_parent_class)->finalize(object);
}

static void gst_edge_reshape_class_init(GstEdgeReshapeClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->finalize = gst_edge_reshape_finalize;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Edge reshape", "Filter/Converter",
      "Reshapes a float32 window tensor into a square (truncated or zero padded) or explicit "
      "shape",
      "edgestream developers");

  trans_class->transform_caps = GST_DEBUG_FUNCPTR(gst_edge_reshape_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_edge_reshape_set_caps);
  trans_class->transform_size = GST_DEBUG_FUNCPTR(gst_edge_reshape_transform_size);
  trans_class->prepare_output_buffer = GST_DEBUG_FUNCPTR(gst_edge_reshape_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR(gst_edge_reshape_transform);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_edge_reshape_stop);
  trans_class->passthrough_on_same_caps = FALSE;
  GST_DEBUG_CATEGORY_INIT(edge_reshape_debug, "edgereshape", 0, "edgestream reshape");
}

static void gst_edge_reshape_init(GstEdgeReshape* self) {
  self->settings = new Settings();
  self->state = new State();
}
