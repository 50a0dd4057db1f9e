#include "train/layer.h"

#include <algorithm>
#include <cmath>

namespace edge::train {

Param& Layer::param(const std::string& name) {
  for (Param& p : params_)
    if (p.name == name) return p;
  fail("has no parameter '", name, "'");
}

const Param& Layer::param(const std::string& name) const {
  for (const Param& p : params_)
    if (p.name == name) return p;
  fail("has no parameter '", name, "'");
}

void Layer::add_param(const std::string& name, const Shape& shape, bool trainable) {
  Param p;
  p.name = name;
  p.value = std::make_shared<Tensor>(shape);
  p.value->set_zero();
  p.grad.resize(shape);
  p.grad.set_zero();
  p.trainable = trainable;
  params_.push_back(std::move(p));
}

void Layer::expect_input(const Tensor& x, const Shape& sample_shape) const {
  const Shape& got = x.shape();
  if (got.size() != sample_shape.size() + 1 ||
      !std::equal(sample_shape.begin(), sample_shape.end(), got.begin() + 1))
    fail("input must be [batch] + ", shape_to_string(sample_shape), " as built, got ",
         shape_to_string(got));
}

std::string Layer::describe() const {
  return msg("layer '", name_.empty() ? std::string("?") : name_, "' (", kind(), ")");
}

void he_fill(Tensor* values, int64_t fan_in, Rng& rng, Init init) {
  const double n = double(fan_in > 0 ? fan_in : 1);
  if (init == Init::kHeNormal) {
    // Keras VarianceScaling(2, fan_in, truncated_normal): the constant is the
    // stddev of a standard normal truncated to [-2, 2], so the result has
    // stddev sqrt(2 / fan_in).
    const double stddev = std::sqrt(2.0 / n) / 0.87962566103423978;
    for (int64_t i = 0; i < values->size(); ++i)
      (*values)[i] = float(stddev * rng.truncated_normal());
  } else {
    const double limit = std::sqrt(6.0 / n);
    for (int64_t i = 0; i < values->size(); ++i)
      (*values)[i] = float((2.0 * rng.uniform() - 1.0) * limit);
  }
}

}  // namespace edge::train
