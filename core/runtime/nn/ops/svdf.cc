// SVDF (TFLite builtin 27), integer form only: int8 input/output, int8 feature
// weights, int16 or int8 time weights and state (a variable tensor kept by the
// interpreter across invokes), int32 bias. rank = filters / units, derived from
// the shapes (the IR does not carry SVDFOptions; the integer kernel does not use
// the fused activation). float32 SVDF is refused.
#include "nn/kernels/ref/svdf.h"

#include <cmath>

#include "nn/ops/op.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace {

class SvdfOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(5, 5, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& wf = ctx.input(1);
    const Tensor& wt = ctx.input(2);
    const Tensor* bias = ctx.optional_input(3);
    const Tensor& state = ctx.input(4);
    const Tensor& out = ctx.output(0);
    if (in.type != DType::kInt8) {
      ctx.fail("only the integer SVDF is supported (int8 input), found ", dtype_name(in.type));
    }
    ctx.require_type(wf, "feature weights", DType::kInt8);
    ctx.require_type(out, "output", DType::kInt8);
    if (wt.type != DType::kInt16 && wt.type != DType::kInt8) {
      ctx.fail("time weights must be int16 or int8, found ", dtype_name(wt.type));
    }
    ctx.require_type(state, "state", wt.type);
    if (!state.is_variable) ctx.fail("state '", state.name, "' must be a variable tensor");
    ctx.require_constant(wf, "feature weights");
    ctx.require_constant(wt, "time weights");
    ctx.require_rank(in, "input", 2);
    ctx.require_rank(wf, "feature weights", 2);
    ctx.require_rank(wt, "time weights", 2);
    ctx.require_rank(out, "output", 2);
    p_.batches = in.shape[0];
    p_.input_size = in.shape[1];
    p_.filters = wf.shape[0];
    p_.memory = wt.shape[1];
    p_.units = out.shape[1];
    if (wf.shape[1] != p_.input_size) {
      ctx.fail("feature weights ", shape_to_string(wf.shape), " do not match input ",
               shape_to_string(in.shape));
    }
    ctx.require_shape(wt, "time weights", Shape{p_.filters, p_.memory});
    if (p_.units <= 0 || p_.filters % p_.units != 0) {
      ctx.fail("filters ", p_.filters, " are not a multiple of the output units ", p_.units);
    }
    p_.rank = p_.filters / p_.units;
    ctx.require_shape(out, "output", Shape{p_.batches, p_.units});
    ctx.require_shape(state, "state", Shape{p_.batches, p_.filters * p_.memory});
    if (bias) {
      ctx.require_type(*bias, "bias", DType::kInt32);
      ctx.require_constant(*bias, "bias");
      ctx.require_shape(*bias, "bias", Shape{p_.units});
    }
    const float in_scale = ctx.require_per_tensor_quant(in, "input");
    const float wf_scale = ctx.require_per_tensor_quant(wf, "feature weights");
    const float wt_scale = ctx.require_per_tensor_quant(wt, "time weights");
    const float state_scale = ctx.require_per_tensor_quant(state, "state");
    const float out_scale = ctx.require_per_tensor_quant(out, "output");
    // As TFLite: the products in float, then widened.
    const double scale_1 = static_cast<double>(in_scale * wf_scale / state_scale);
    const double scale_2 = static_cast<double>(state_scale * wt_scale / out_scale);
    int shift = 0;
    quantize_multiplier(scale_1, &p_.multiplier_1, &shift);
    p_.shift_1 = shift;
    quantize_multiplier(scale_2, &p_.multiplier_2, &shift);
    p_.shift_2 = shift;
    p_.input_zero_point = ctx.zero_point(in);
    p_.state_zero_point = ctx.zero_point(state);
    p_.output_zero_point = ctx.zero_point(out);
    if (wt.type == DType::kInt16 && p_.state_zero_point != 0) {
      ctx.fail("int16 state zero point must be 0, found ", p_.state_zero_point);
    }
    state16_ = wt.type == DType::kInt16;
    in_index_ = ctx.input_index(0);
    wf_ = reinterpret_cast<const int8_t*>(wf.data);
    wt_ = wt.data;
    bias_ = bias ? reinterpret_cast<const int32_t*>(bias->data) : nullptr;
    state_index_ = ctx.input_index(4);
    out_index_ = ctx.output_index(0);
    macs_ = int64_t{p_.batches} * p_.filters * (p_.input_size + p_.memory);
  }

  void eval(const EvalContext& ctx) override {
    int32_t* scratch = static_cast<int32_t*>(ctx.scratch);
    if (state16_) {
      ref::svdf_s8_state16(p_, ctx.data<const int8_t>(in_index_), wf_,
                           reinterpret_cast<const int16_t*>(wt_), bias_,
                           ctx.data<int16_t>(state_index_), scratch, ctx.data<int8_t>(out_index_));
    } else {
      ref::svdf_s8_state8(p_, ctx.data<const int8_t>(in_index_), wf_,
                          reinterpret_cast<const int8_t*>(wt_), bias_,
                          ctx.data<int8_t>(state_index_), scratch, ctx.data<int8_t>(out_index_));
    }
  }

  size_t scratch_bytes() const override {
    return static_cast<size_t>(ref::svdf_scratch_elements(p_)) * sizeof(int32_t);
  }
  int64_t macs() const override { return macs_; }

 private:
  ref::SvdfS8Params p_;
  bool state16_ = true;
  int32_t in_index_ = -1, state_index_ = -1, out_index_ = -1;
  const int8_t* wf_ = nullptr;
  const uint8_t* wt_ = nullptr;
  const int32_t* bias_ = nullptr;
  int64_t macs_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> make_svdf_op() { return std::make_unique<SvdfOp>(); }

}  // namespace nn
}  // namespace edge
