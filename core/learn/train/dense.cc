#include "train/dense.h"

namespace edge::train {

Dense::Dense(int units, bool use_bias) : units_(units), use_bias_(use_bias) {
  if (units < 1) throw Error(msg("Dense: units must be >= 1, got ", units));
}

Shape Dense::build(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() != 1) fail("takes 1 input, got ", input_shapes.size());
  const Shape& in = input_shapes[0];
  if (in.size() != 1)
    fail("expects a rank-1 input [features] per sample, got ", shape_to_string(in),
         " (add a Flatten layer before it)");
  in_ = in[0];
  input_sample_shape_ = in;
  params_.clear();
  add_param("kernel", {units_, in_});
  if (use_bias_) add_param("bias", {units_});
  return {units_};
}

void Dense::initialize(Rng& rng, Init init) {
  he_fill(param("kernel").value.get(), in_, rng, init);
}

void Dense::forward(const std::vector<const Tensor*>& inputs, Tensor* output, const Context&) {
  expect_input(*inputs[0], input_sample_shape_);
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  output->resize({n, units_});
  auto y = output->matrix(n, units_);
  const auto w = params_[0].value->matrix(units_, in_);
  y.noalias() = x.matrix(n, in_) * w.transpose();
  if (use_bias_) y.rowwise() += params_[1].value->vector().transpose();
}

void Dense::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                     const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  const Tensor& x = *inputs[0];
  const int n = x.dim(0);
  const auto dy = grad_output.matrix(n, units_);
  params_[0].grad.matrix(units_, in_).noalias() += dy.transpose() * x.matrix(n, in_);
  if (use_bias_) params_[1].grad.vector() += dy.colwise().sum().transpose();
  if (grad_inputs[0]) {
    grad_inputs[0]->resize(x.shape());
    grad_inputs[0]->matrix(n, in_).noalias() = dy * params_[0].value->matrix(units_, in_);
  }
}

int64_t Dense::forward_gemm_flops(int batch) const { return 2ll * batch * in_ * units_; }

}  // namespace edge::train
