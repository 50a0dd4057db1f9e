// CAST: every element converted to the output's type (core/runtime/nn/kernels/ref/cast.h).
// Quantization parameters play no part: TFLite's CAST converts the stored values.
#include "nn/kernels/ref/cast.h"

#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

class CastOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    for (const Tensor* t : {&in, &out}) {
      if (!ref::cast_supports(t->type))
        ctx.fail("'", t->name, "': CAST of ", dtype_name(t->type), " is not supported");
    }
    if (in.elements() != out.elements()) {
      ctx.fail("input ", shape_to_string(in.shape), " and output ", shape_to_string(out.shape),
               " have different element counts");
    }
    from_ = in.type;
    to_ = out.type;
    count_ = in.elements();
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
  }

  void eval(const EvalContext& ctx) override {
    ref::cast(from_, ctx.data<const void>(in_index_), to_, ctx.data<void>(out_index_), count_);
  }

 private:
  DType from_ = DType::kFloat32, to_ = DType::kFloat32;
  int64_t count_ = 0;
  int32_t in_index_ = -1, out_index_ = -1;
};

}  // namespace

std::unique_ptr<OpKernel> make_cast_op() { return std::make_unique<CastOp>(); }

}  // namespace nn
}  // namespace edge
