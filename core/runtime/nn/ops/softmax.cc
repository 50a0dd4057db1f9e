// SOFTMAX over the innermost dimension: float32; int8 -> int8 (output scale 1/256,
// zero point -128); int8 -> int16 (scale 1/65536 within 0.1 %, zero point -32768);
// int16 -> int16 (zero points 0, output scale 1/32768), as TFLite requires.
#include "nn/kernels/ref/softmax.h"

#include <cmath>

#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

class SoftmaxOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const auto* o = ctx.op().options_as<SoftmaxOptions>();
    const float beta = o ? o->beta : 1.0f;
    if (in.shape.empty()) ctx.fail("input '", in.name, "' must have at least one dimension");
    ctx.require_same_shape(in, "input", out, "output");
    depth_ = in.shape.back();
    rows_ = depth_ > 0 ? static_cast<int>(in.elements() / depth_) : 0;
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
    in_type_ = in.type;
    out_type_ = out.type;
    beta_ = beta;
    auto check_output = [&](float scale, int32_t zp) {
      const float out_scale = ctx.require_per_tensor_quant(out, "output");
      if (ctx.zero_point(out) != zp || std::fabs(out_scale - scale) > 0.001f * scale) {
        ctx.fail("output '", out.name, "' must have scale ", scale, " and zero point ", zp,
                 ", found ", out_scale, " and ", ctx.zero_point(out));
      }
    };
    if (in.type == DType::kFloat32) {
      ctx.require_type(out, "output", DType::kFloat32);
    } else if (in.type == DType::kInt8) {
      const float in_scale = ctx.require_per_tensor_quant(in, "input");
      if (out.type == DType::kInt8) {
        check_output(1.0f / 256, -128);
      } else if (out.type == DType::kInt16) {
        check_output(1.0f / 65536, -32768);
      } else {
        ctx.fail("int8 input needs an int8 or int16 output, found ", dtype_name(out.type));
      }
      s8_ = ref::softmax_prepare_s8(beta, in_scale);
    } else if (in.type == DType::kInt16) {
      ctx.require_type(out, "output", DType::kInt16);
      const float in_scale = ctx.require_per_tensor_quant(in, "input");
      if (ctx.zero_point(in) != 0) ctx.fail("int16 input zero point must be 0");
      check_output(1.0f / 32768, 0);
      if (depth_ >= 65536) ctx.fail("int16 softmax depth ", depth_, " is too large");
      s16_ = std::make_unique<ref::SoftmaxS16Params>();
      ref::softmax_prepare_s16(beta, in_scale, s16_.get());
    } else {
      ctx.fail("unsupported input type ", dtype_name(in.type));
    }
  }

  void eval(const EvalContext& ctx) override {
    if (in_type_ == DType::kFloat32) {
      ref::softmax_f32(beta_, rows_, depth_, ctx.data<const float>(in_index_),
                       ctx.data<float>(out_index_));
    } else if (in_type_ == DType::kInt8 && out_type_ == DType::kInt8) {
      ref::softmax_s8(s8_, rows_, depth_, ctx.data<const int8_t>(in_index_),
                      ctx.data<int8_t>(out_index_));
    } else if (in_type_ == DType::kInt8) {
      ref::softmax_s8_s16(s8_, rows_, depth_, ctx.data<const int8_t>(in_index_),
                          ctx.data<int16_t>(out_index_));
    } else {
      ref::softmax_s16(*s16_, rows_, depth_, ctx.data<const int16_t>(in_index_),
                       ctx.data<int16_t>(out_index_));
    }
  }

  size_t persistent_bytes() const override { return s16_ ? sizeof(ref::SoftmaxS16Params) : 0; }

 private:
  DType in_type_ = DType::kFloat32, out_type_ = DType::kFloat32;
  float beta_ = 1.f;
  int rows_ = 0, depth_ = 0;
  int32_t in_index_ = -1, out_index_ = -1;
  ref::SoftmaxS8Params s8_;
  std::unique_ptr<ref::SoftmaxS16Params> s16_;
};

}  // namespace

std::unique_ptr<OpKernel> make_softmax_op() { return std::make_unique<SoftmaxOp>(); }

}  // namespace nn
}  // namespace edge
