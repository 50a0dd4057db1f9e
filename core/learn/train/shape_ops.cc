#include "train/shape_ops.h"

#include <algorithm>

namespace edge::train {

Shape Flatten::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = single_input(input_shapes);
  if (in.empty()) fail("expects at least a rank-1 input per sample, got a scalar");
  features_ = int(shape_elements(in));
  return {features_};
}

void Flatten::forward(const std::vector<const Tensor*>& inputs, Tensor* output, const Context&) {
  output->resize({inputs[0]->dim(0), features_});
  output->vector() = inputs[0]->vector();
}

void Flatten::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                       const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  if (!grad_inputs[0]) return;
  grad_inputs[0]->resize(inputs[0]->shape());
  grad_inputs[0]->vector() = grad_output.vector();
}

Shape Concatenate::build(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() < 2) fail("takes 2 or more inputs, got ", input_shapes.size());
  const Shape& first = input_shapes[0];
  if (first.empty()) fail("cannot concatenate scalars");
  widths_.clear();
  total_width_ = 0;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    const Shape& s = input_shapes[i];
    if (s.size() != first.size() || !std::equal(s.begin(), s.end() - 1, first.begin()))
      fail("input ", i, " has shape ", shape_to_string(s), " but input 0 has ",
           shape_to_string(first), ": all dimensions but the last (channels) must match");
    widths_.push_back(s.back());
    total_width_ += s.back();
  }
  Shape out = first;
  out.back() = total_width_;
  return out;
}

void Concatenate::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                          const Context&) {
  out_shape_ = inputs[0]->shape();  // assignment reuses the storage
  out_shape_.back() = total_width_;
  output->resize(out_shape_);
  const int64_t rows = output->size() / total_width_;
  auto out = output->matrix(rows, total_width_);
  int column = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.middleCols(column, widths_[i]) = inputs[i]->matrix(rows, widths_[i]);
    column += widths_[i];
  }
}

void Concatenate::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                           const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  const int64_t rows = grad_output.size() / total_width_;
  const auto dy = grad_output.matrix(rows, total_width_);
  int column = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (grad_inputs[i]) {
      grad_inputs[i]->resize(inputs[i]->shape());
      grad_inputs[i]->matrix(rows, widths_[i]) = dy.middleCols(column, widths_[i]);
    }
    column += widths_[i];
  }
}

}  // namespace edge::train
