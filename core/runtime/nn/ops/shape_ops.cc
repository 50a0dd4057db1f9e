// Data movement and reduction ops: RESHAPE, SQUEEZE (output may alias the input),
// CONCATENATION, PAD, MEAN.
#include <cstring>

#include "nn/kernels/ref/concatenation.h"
#include "nn/kernels/ref/mean.h"
#include "nn/kernels/ref/pad.h"
#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

// Reads a constant int32 or int64 tensor as int32 values.
std::vector<int32_t> read_int_constant(const OpContext& ctx, const Tensor& t, const char* role) {
  ctx.require_constant(t, role);
  std::vector<int32_t> values(static_cast<size_t>(t.elements()));
  if (t.type == DType::kInt32) {
    std::memcpy(values.data(), t.data, values.size() * sizeof(int32_t));
  } else if (t.type == DType::kInt64) {
    for (size_t i = 0; i < values.size(); ++i) {
      int64_t v;
      std::memcpy(&v, t.data + i * sizeof(int64_t), sizeof v);
      if (v < INT32_MIN || v > INT32_MAX) ctx.fail(role, " value ", v, " is out of range");
      values[i] = static_cast<int32_t>(v);
    }
  } else {
    ctx.fail(role, " '", t.name, "' must be int32 or int64, found ", dtype_name(t.type));
  }
  return values;
}

class ReshapeOp : public OpKernel {
 public:
  explicit ReshapeOp(Op op) : squeeze_(op == Op::kSqueeze) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, squeeze_ ? 1 : 2, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    ctx.require_type(out, "output", in.type);
    Shape expected;
    if (squeeze_) {
      const auto* o = ctx.op().options_as<SqueezeOptions>();
      std::vector<bool> drop(in.shape.size(), false);
      if (!o || o->squeeze_dims.empty()) {
        for (size_t d = 0; d < in.shape.size(); ++d) drop[d] = in.shape[d] == 1;
      } else {
        const int rank = static_cast<int>(in.shape.size());
        for (int32_t axis : o->squeeze_dims) {
          if (axis < -rank || axis >= rank) ctx.fail("squeeze axis ", axis, " is out of range");
          const size_t d = static_cast<size_t>(axis < 0 ? axis + rank : axis);
          if (in.shape[d] != 1) {
            ctx.fail("cannot squeeze dimension ", d, " of size ", in.shape[d]);
          }
          drop[d] = true;
        }
      }
      for (size_t d = 0; d < in.shape.size(); ++d) {
        if (!drop[d]) expected.push_back(in.shape[d]);
      }
    } else {
      std::vector<int32_t> target;
      const auto* o = ctx.op().options_as<ReshapeOptions>();
      const Tensor* shape_input = ctx.optional_input(1);
      if (shape_input && shape_input->is_constant) {
        target = read_int_constant(ctx, *shape_input, "shape input");
      } else if (o && o->has_new_shape) {
        target = o->new_shape;
      } else {
        target.assign(out.shape.begin(), out.shape.end());
      }
      int64_t known = 1;
      int unknown = -1;
      for (size_t d = 0; d < target.size(); ++d) {
        if (target[d] == -1) {
          if (unknown >= 0) ctx.fail("the new shape has more than one -1");
          unknown = static_cast<int>(d);
        } else if (target[d] < 0) {
          ctx.fail("the new shape has a negative dimension ", target[d]);
        } else {
          known *= target[d];
        }
      }
      if (unknown >= 0) {
        if (known == 0 || in.elements() % known != 0) {
          ctx.fail("cannot infer the -1 dimension of ", shape_to_string(Shape(target)),
                   " for input ", shape_to_string(in.shape));
        }
        target[static_cast<size_t>(unknown)] = static_cast<int32_t>(in.elements() / known);
      }
      expected.assign(target.begin(), target.end());
    }
    if (shape_elements(expected) != in.elements()) {
      ctx.fail("input shape ", shape_to_string(in.shape), " cannot become ",
               shape_to_string(expected));
    }
    ctx.require_shape(out, "output", expected);
    bytes_ = in.byte_size();
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    const uint8_t* in = ctx.data<const uint8_t>(in_index_);
    uint8_t* out = ctx.data<uint8_t>(out_index_);
    if (in != out) std::memcpy(out, in, bytes_);
  }

  bool output_aliases_input() const override { return true; }

 private:
  bool squeeze_;
  size_t bytes_ = 0;
  int32_t in_index_ = -1, out_index_ = -1;
};

class ConcatenationOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1) {
      ctx.fail("expected at least 1 input and 1 output, found ", ctx.num_inputs(), " and ",
               ctx.num_outputs());
    }
    const auto* o = ctx.op().options_as<ConcatenationOptions>();
    if (!o) ctx.fail("missing ConcatenationOptions");
    if (o->activation != Activation::kNone) {
      ctx.fail("fused activation ", activation_name(o->activation), " is not supported");
    }
    const Tensor& first = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const int rank = static_cast<int>(first.shape.size());
    if (o->axis < -rank || o->axis >= rank) {
      ctx.fail("axis ", o->axis, " is out of range for rank ", rank);
    }
    const size_t axis = static_cast<size_t>(o->axis < 0 ? o->axis + rank : o->axis);
    type_ = first.type;
    Shape expected = first.shape;
    expected[axis] = 0;
    int64_t inner = 1;
    for (size_t d = axis + 1; d < first.shape.size(); ++d) inner *= first.shape[d];
    outer_ = 1;
    for (size_t d = 0; d < axis; ++d) outer_ *= first.shape[d];
    const bool quantized = type_ == DType::kInt8 || type_ == DType::kInt16;
    float out_scale = 1.f;
    if (quantized) out_scale = ctx.require_per_tensor_quant(out, "output");
    for (size_t k = 0; k < ctx.num_inputs(); ++k) {
      const Tensor& t = ctx.input(k);
      ctx.require_type(t, "input", type_);
      if (t.shape.size() != first.shape.size()) {
        ctx.fail("input ", k, " shape ", shape_to_string(t.shape), " has another rank than ",
                 shape_to_string(first.shape));
      }
      for (size_t d = 0; d < t.shape.size(); ++d) {
        if (d != axis && t.shape[d] != first.shape[d]) {
          ctx.fail("input ", k, " shape ", shape_to_string(t.shape), " differs from ",
                   shape_to_string(first.shape), " outside axis ", axis);
        }
      }
      expected[axis] += t.shape[axis];
      inputs_.push_back(ctx.input_index(k));
      copy_elems_.push_back(int64_t{t.shape[axis]} * inner);
      ref::ConcatQuantInput q;
      if (quantized) {
        const float scale = ctx.require_per_tensor_quant(t, "input");
        q.same_as_output = scale == out_scale && ctx.zero_point(t) == ctx.zero_point(out);
        q.scale = scale * (1.f / out_scale);
        q.bias = -static_cast<float>(ctx.zero_point(t)) * q.scale;
      }
      quant_.push_back(q);
    }
    ctx.require_type(out, "output", type_);
    ctx.require_shape(out, "output", expected);
    out_zero_point_ = quantized ? ctx.zero_point(out) : 0;
    elem_bytes_ = dtype_size(type_);
    pointers_.resize(inputs_.size());
    out_index_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    for (size_t k = 0; k < inputs_.size(); ++k) pointers_[k] = ctx.data<const void>(inputs_[k]);
    const int n = static_cast<int>(inputs_.size());
    if (type_ == DType::kInt8) {
      ref::concatenation_s8(n, reinterpret_cast<const int8_t* const*>(pointers_.data()),
                            copy_elems_.data(), quant_.data(), out_zero_point_, outer_,
                            ctx.data<int8_t>(out_index_));
    } else if (type_ == DType::kInt16) {
      ref::concatenation_s16(n, reinterpret_cast<const int16_t* const*>(pointers_.data()),
                             copy_elems_.data(), quant_.data(), out_zero_point_, outer_,
                             ctx.data<int16_t>(out_index_));
    } else {
      ref::concatenation_bytes(n, pointers_.data(), copy_elems_.data(), outer_, elem_bytes_,
                               ctx.data<void>(out_index_));
    }
  }

 private:
  DType type_ = DType::kFloat32;
  std::vector<int32_t> inputs_;
  std::vector<int64_t> copy_elems_;
  std::vector<ref::ConcatQuantInput> quant_;
  std::vector<const void*> pointers_;  // sized in prepare, filled per eval
  int64_t outer_ = 1;
  int32_t out_zero_point_ = 0;
  size_t elem_bytes_ = 4;
  int32_t out_index_ = -1;
};

class PadOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 2, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& paddings = ctx.input(1);
    const Tensor& out = ctx.output(0);
    const size_t rank = in.shape.size();
    if (rank > static_cast<size_t>(ref::kMaxPadRank)) {
      ctx.fail("input rank ", rank, " exceeds ", ref::kMaxPadRank);
    }
    ctx.require_shape(paddings, "paddings", Shape{static_cast<int32_t>(rank), 2});
    const std::vector<int32_t> pads = read_int_constant(ctx, paddings, "paddings");
    ctx.require_type(out, "output", in.type);
    Shape expected = in.shape;
    const size_t offset = static_cast<size_t>(ref::kMaxPadRank) - rank;
    for (size_t d = 0; d < rank; ++d) {
      const int32_t before = pads[2 * d];
      const int32_t after = pads[2 * d + 1];
      if (before < 0 || after < 0) ctx.fail("negative padding ", before, ", ", after);
      expected[d] = in.shape[d] + before + after;
      params_.in_dims[offset + d] = in.shape[d];
      params_.before[offset + d] = before;
      params_.after[offset + d] = after;
    }
    ctx.require_shape(out, "output", expected);
    elem_bytes_ = dtype_size(in.type);
    std::memset(pad_value_, 0, sizeof pad_value_);
    if (in.type == DType::kInt8 || in.type == DType::kInt16) {
      ctx.require_per_tensor_quant(out, "output");
      const int32_t zp = ctx.zero_point(out);
      if (in.type == DType::kInt8) {
        const int8_t v = static_cast<int8_t>(zp);
        std::memcpy(pad_value_, &v, 1);
      } else {
        const int16_t v = static_cast<int16_t>(zp);
        std::memcpy(pad_value_, &v, 2);
      }
    }
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::pad(params_, elem_bytes_, pad_value_, ctx.data<const void>(in_index_),
             ctx.data<void>(out_index_));
  }

 private:
  ref::PadParams params_;
  size_t elem_bytes_ = 4;
  uint8_t pad_value_[8];
  int32_t in_index_ = -1, out_index_ = -1;
};

class MeanOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 2, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const std::vector<int32_t> axes = read_int_constant(ctx, ctx.input(1), "axes");
    const auto* o = ctx.op().options_as<ReducerOptions>();
    const bool keep_dims = o && o->keep_dims;
    Shape expected;
    try {
      expected = ref::reduce_output_shape(in.shape, axes, keep_dims);
      shape_ = ref::make_reduce_shape(in.shape, axes);
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
    ctx.require_type(out, "output", in.type);
    ctx.require_shape(out, "output", expected);
    type_ = in.type;
    if (type_ == DType::kInt8) {
      if (shape_.reduced_count >= (int64_t{1} << 23)) {
        ctx.fail("reducing ", shape_.reduced_count, " elements overflows the int32 sum");
      }
      const float in_scale = ctx.require_per_tensor_quant(in, "input");
      const float out_scale = ctx.require_per_tensor_quant(out, "output");
      params_ = ref::mean_prepare_s8(in_scale, ctx.zero_point(in), out_scale, ctx.zero_point(out));
    } else if (type_ != DType::kFloat32) {
      ctx.fail("unsupported type ", dtype_name(type_), " (float32 and int8 are supported)");
    }
    if (shape_.reduced_count == 0) ctx.fail("reduces over an empty dimension");
    scratch_bytes_ = static_cast<size_t>(shape_.out_elements) * 4;
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    if (type_ == DType::kFloat32) {
      ref::mean_f32(shape_, ctx.data<const float>(in_index_), static_cast<float*>(ctx.scratch),
                    ctx.data<float>(out_index_));
    } else {
      ref::mean_s8(shape_, params_, ctx.data<const int8_t>(in_index_),
                   static_cast<int32_t*>(ctx.scratch), ctx.data<int8_t>(out_index_));
    }
  }

  size_t scratch_bytes() const override { return scratch_bytes_; }

 private:
  DType type_ = DType::kFloat32;
  ref::ReduceShape shape_;
  ref::MeanS8Params params_;
  size_t scratch_bytes_ = 0;
  int32_t in_index_ = -1, out_index_ = -1;
};

}  // namespace

std::unique_ptr<OpKernel> make_shape_op(Op op) { return std::make_unique<ReshapeOp>(op); }
std::unique_ptr<OpKernel> make_concatenation_op() { return std::make_unique<ConcatenationOp>(); }
std::unique_ptr<OpKernel> make_pad_op() { return std::make_unique<PadOp>(); }
std::unique_ptr<OpKernel> make_mean_op() { return std::make_unique<MeanOp>(); }

}  // namespace nn
}  // namespace edge
