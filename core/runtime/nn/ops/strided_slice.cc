// STRIDED_SLICE with constant begin, end and strides (int32, one entry per input
// dimension), begin/end/shrink-axis masks and the offset flag; the output shape is computed
// and compared with the stored one. ellipsis_mask and new_axis_mask are refused (TFLM's
// kernel ignores them, which would change the meaning of the indices).
#include "nn/kernels/ref/strided_slice.h"

#include <cstring>
#include <vector>

#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

std::vector<int32_t> index_constant(const OpContext& ctx, const Tensor& t, const char* role,
                                    size_t rank) {
  ctx.require_constant(t, role);
  ctx.require_type(t, role, DType::kInt32);
  if (t.shape.size() != 1 || static_cast<size_t>(t.shape[0]) != rank) {
    ctx.fail(role, " '", t.name, "' has shape ", shape_to_string(t.shape), ", expected [", rank,
             "] (one entry per input dimension)");
  }
  std::vector<int32_t> values(rank);
  if (rank > 0) std::memcpy(values.data(), t.data, rank * sizeof(int32_t));
  return values;
}

class StridedSliceOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(4, 4, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const auto* o = ctx.op().options_as<StridedSliceOptions>();
    const StridedSliceOptions options = o ? *o : StridedSliceOptions{};
    ctx.require_type(out, "output", in.type);
    if (in.quant.scale != out.quant.scale || in.quant.zero_point != out.quant.zero_point)
      ctx.fail("output '", out.name, "' is quantized differently from the input");
    const size_t rank = in.shape.size();
    if (rank > static_cast<size_t>(ref::kMaxSliceRank))
      ctx.fail("input rank ", rank, " is above ", ref::kMaxSliceRank);
    if (options.ellipsis_mask != 0 || options.new_axis_mask != 0) {
      ctx.fail("ellipsis_mask ", options.ellipsis_mask, " and new_axis_mask ",
               options.new_axis_mask, " are not supported (must be 0)");
    }
    const std::vector<int32_t> begin = index_constant(ctx, ctx.input(1), "begin", rank);
    const std::vector<int32_t> end = index_constant(ctx, ctx.input(2), "end", rank);
    const std::vector<int32_t> strides = index_constant(ctx, ctx.input(3), "strides", rank);
    ref::StridedSliceAxis axes[ref::kMaxSliceRank];
    Shape expected;
    for (size_t d = 0; d < rank; ++d) {
      if (strides[d] == 0) ctx.fail("stride of dimension ", d, " is 0");
      const auto bit = [&](int32_t mask) { return ((mask >> d) & 1) != 0; };
      axes[d] = ref::resolve_slice_axis(in.shape[d], begin[d], end[d], strides[d],
                                        bit(options.begin_mask), bit(options.end_mask),
                                        bit(options.shrink_axis_mask), options.offset);
      if (axes[d].shrink) {
        if (axes[d].count != 1)
          ctx.fail("shrunk dimension ", d, " starts at ", begin[d], ", outside its size ",
                   in.shape[d]);
      } else {
        expected.push_back(axes[d].count);
      }
    }
    ctx.require_shape(out, "output", expected);
    plan_ = ref::make_slice_plan(in.shape, axes);
    element_bytes_ = dtype_size(in.type);
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::strided_slice(plan_, element_bytes_, ctx.data<const void>(in_index_),
                       ctx.data<void>(out_index_));
  }

 private:
  ref::StridedSlicePlan plan_;
  size_t element_bytes_ = 4;
  int32_t in_index_ = -1, out_index_ = -1;
};

}  // namespace

std::unique_ptr<OpKernel> make_strided_slice_op() { return std::make_unique<StridedSliceOp>(); }

}  // namespace nn
}  // namespace edge
