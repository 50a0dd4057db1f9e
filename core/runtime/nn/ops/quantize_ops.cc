// QUANTIZE (float32 -> int8/int16; int8/int16 -> int8/int16/int32 requantize) and
// DEQUANTIZE (int8/int16 per tensor, int8 per channel, float16 -> float32). The fast
// kernel set quantizes float32 with fast/quantize.h (bit-exact with the reference).
#include "nn/kernels/fast/quantize.h"
#include "nn/kernels/ref/quantize.h"
#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

enum class Kind {
  kF32ToS8,
  kF32ToS16,
  kS8ToS8,
  kS8ToS16,
  kS8ToS32,
  kS16ToS8,
  kS16ToS16,
  kS16ToS32,
  kS8ToF32,
  kS8PerChannelToF32,
  kS16ToF32,
  kF16ToF32,
};

class QuantizeOp : public OpKernel {
 public:
  explicit QuantizeOp(Op op) : quantize_(op == Op::kQuantize) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    ctx.require_same_shape(in, "input", out, "output");
    size_ = in.elements();
    fast_ = ctx.kernels() == KernelSet::kFast;
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
    if (quantize_) {
      prepare_quantize(ctx, in, out);
    } else {
      prepare_dequantize(ctx, in, out);
    }
  }

  void eval(const EvalContext& ctx) override {
    const void* in = ctx.data<const void>(in_index_);
    void* out = ctx.data<void>(out_index_);
    switch (kind_) {
      case Kind::kF32ToS8:
        (fast_ ? fast::quantize_f32_to_s8 : ref::quantize_f32_to_s8)(
            scale_, zero_point_, size_, static_cast<const float*>(in), static_cast<int8_t*>(out));
        break;
      case Kind::kF32ToS16:
        (fast_ ? fast::quantize_f32_to_s16 : ref::quantize_f32_to_s16)(
            scale_, zero_point_, size_, static_cast<const float*>(in), static_cast<int16_t*>(out));
        break;
      case Kind::kS8ToS8:
        ref::requantize_s8_to_s8(requant_, size_, static_cast<const int8_t*>(in),
                                 static_cast<int8_t*>(out));
        break;
      case Kind::kS8ToS16:
        ref::requantize_s8_to_s16(requant_, size_, static_cast<const int8_t*>(in),
                                  static_cast<int16_t*>(out));
        break;
      case Kind::kS8ToS32:
        ref::requantize_s8_to_s32(requant_, size_, static_cast<const int8_t*>(in),
                                  static_cast<int32_t*>(out));
        break;
      case Kind::kS16ToS8:
        ref::requantize_s16_to_s8(requant_, size_, static_cast<const int16_t*>(in),
                                  static_cast<int8_t*>(out));
        break;
      case Kind::kS16ToS16:
        ref::requantize_s16_to_s16(requant_, size_, static_cast<const int16_t*>(in),
                                   static_cast<int16_t*>(out));
        break;
      case Kind::kS16ToS32:
        ref::requantize_s16_to_s32(requant_, size_, static_cast<const int16_t*>(in),
                                   static_cast<int32_t*>(out));
        break;
      case Kind::kS8ToF32:
        ref::dequantize_s8(scale_, zero_point_, size_, static_cast<const int8_t*>(in),
                           static_cast<float*>(out));
        break;
      case Kind::kS8PerChannelToF32:
        ref::dequantize_s8_per_channel(scales_.data(), zero_points_.data(), outer_, channels_,
                                       inner_, static_cast<const int8_t*>(in),
                                       static_cast<float*>(out));
        break;
      case Kind::kS16ToF32:
        ref::dequantize_s16(scale_, zero_point_, size_, static_cast<const int16_t*>(in),
                            static_cast<float*>(out));
        break;
      case Kind::kF16ToF32:
        ref::dequantize_f16(size_, static_cast<const uint16_t*>(in), static_cast<float*>(out));
        break;
    }
  }

 private:
  void prepare_quantize(const OpContext& ctx, const Tensor& in, const Tensor& out) {
    const float out_scale = ctx.require_per_tensor_quant(out, "output");
    const int32_t out_zp = ctx.zero_point(out);
    if (in.type == DType::kFloat32) {
      scale_ = out_scale;
      zero_point_ = out_zp;
      if (out.type == DType::kInt8) {
        kind_ = Kind::kF32ToS8;
      } else if (out.type == DType::kInt16) {
        kind_ = Kind::kF32ToS16;
      } else {
        ctx.fail("float32 can be quantized to int8 or int16, not ", dtype_name(out.type));
      }
      return;
    }
    if (in.type != DType::kInt8 && in.type != DType::kInt16) {
      ctx.fail("unsupported input type ", dtype_name(in.type));
    }
    const float in_scale = ctx.require_per_tensor_quant(in, "input");
    try {
      requant_ = ref::requantize_prepare(in_scale, ctx.zero_point(in), out_scale, out_zp);
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
    const bool s8 = in.type == DType::kInt8;
    switch (out.type) {
      case DType::kInt8:
        kind_ = s8 ? Kind::kS8ToS8 : Kind::kS16ToS8;
        break;
      case DType::kInt16:
        kind_ = s8 ? Kind::kS8ToS16 : Kind::kS16ToS16;
        break;
      case DType::kInt32:
        kind_ = s8 ? Kind::kS8ToS32 : Kind::kS16ToS32;
        break;
      default:
        ctx.fail("cannot requantize ", dtype_name(in.type), " to ", dtype_name(out.type));
    }
  }

  void prepare_dequantize(const OpContext& ctx, const Tensor& in, const Tensor& out) {
    ctx.require_type(out, "output", DType::kFloat32);
    if (in.type == DType::kFloat16) {
      kind_ = Kind::kF16ToF32;
      return;
    }
    if (in.type != DType::kInt8 && in.type != DType::kInt16) {
      ctx.fail("unsupported input type ", dtype_name(in.type));
    }
    if (in.type == DType::kInt8 && in.quant.per_channel()) {
      const int32_t dim = in.quant.quantized_dimension;
      if (dim < 0 || static_cast<size_t>(dim) >= in.shape.size() ||
          in.quant.scale.size() != static_cast<size_t>(in.shape[static_cast<size_t>(dim)]) ||
          in.quant.zero_point.size() != in.quant.scale.size()) {
        ctx.fail("per-channel parameters of '", in.name, "' do not match its shape ",
                 shape_to_string(in.shape));
      }
      kind_ = Kind::kS8PerChannelToF32;
      scales_ = in.quant.scale;
      zero_points_ = in.quant.zero_point;
      channels_ = in.shape[static_cast<size_t>(dim)];
      outer_ = 1;
      inner_ = 1;
      for (int32_t d = 0; d < dim; ++d) outer_ *= in.shape[static_cast<size_t>(d)];
      for (size_t d = static_cast<size_t>(dim) + 1; d < in.shape.size(); ++d) inner_ *= in.shape[d];
      return;
    }
    scale_ = ctx.require_per_tensor_quant(in, "input");
    zero_point_ = ctx.zero_point(in);
    kind_ = in.type == DType::kInt8 ? Kind::kS8ToF32 : Kind::kS16ToF32;
  }

  bool quantize_;
  bool fast_ = false;
  Kind kind_ = Kind::kF32ToS8;
  int64_t size_ = 0;
  int32_t in_index_ = -1, out_index_ = -1;
  float scale_ = 1.f;
  int32_t zero_point_ = 0;
  ref::RequantizeParams requant_;
  std::vector<float> scales_;
  std::vector<int64_t> zero_points_;
  int64_t outer_ = 1, inner_ = 1;
  int32_t channels_ = 1;
};

}  // namespace

std::unique_ptr<OpKernel> make_quantize_op(Op op) { return std::make_unique<QuantizeOp>(op); }

}  // namespace nn
}  // namespace edge
