#include "train/optimizer.h"

#include <algorithm>
#include <cmath>

namespace edge::train {
namespace {

void check_unit_interval(float value, const char* what) {
  if (!(value >= 0.0f && value < 1.0f)) throw Error(msg(what, " must be in [0, 1), got ", value));
}

void check_rate(float value, const char* what) {
  if (!(value > 0.0f) || !std::isfinite(value))
    throw Error(msg(what, " must be a finite number > 0, got ", value));
}

// Creates zeroed slots matching the parameters on first use.
void ensure_slots(const std::vector<Param*>& params, std::vector<Eigen::VectorXf>* slots) {
  if (slots->size() == params.size()) return;
  slots->clear();
  for (const Param* p : params) slots->push_back(Eigen::VectorXf::Zero(p->value->size()));
}

}  // namespace

Sgd::Sgd(const SgdOptions& options) : options_(options) {
  check_rate(options.learning_rate, "SGD learning_rate");
  check_unit_interval(options.momentum, "SGD momentum");
}

void Sgd::step(const std::vector<Param*>& params, float lr) {
  ensure_slots(params, &velocity_);
  const float momentum = options_.momentum;
  for (size_t i = 0; i < params.size(); ++i) {
    Param& p = *params[i];
    if (!p.trainable) continue;
    auto w = p.value->vector();
    const auto g = p.grad.vector();
    if (momentum == 0.0f) {
      w -= lr * g;
      continue;
    }
    Eigen::VectorXf& v = velocity_[i];
    v = momentum * v - lr * g;
    if (options_.nesterov)
      w += momentum * v - lr * g;
    else
      w += v;
  }
}

RmsProp::RmsProp(const RmsPropOptions& options) : options_(options) {
  check_rate(options.learning_rate, "RMSprop learning_rate");
  check_unit_interval(options.rho, "RMSprop rho");
  check_rate(options.epsilon, "RMSprop epsilon");
}

void RmsProp::step(const std::vector<Param*>& params, float lr) {
  ensure_slots(params, &mean_square_);
  const float rho = options_.rho, eps = options_.epsilon;
  for (size_t i = 0; i < params.size(); ++i) {
    Param& p = *params[i];
    if (!p.trainable) continue;
    auto w = p.value->vector().array();
    const auto g = p.grad.vector().array();
    auto s = mean_square_[i].array();
    s = rho * s + (1.0f - rho) * g.square();
    w -= lr * g / (s.sqrt() + eps);
  }
}

Adam::Adam(const AdamOptions& options) : options_(options) {
  check_rate(options.learning_rate, "Adam learning_rate");
  check_unit_interval(options.beta1, "Adam beta1");
  check_unit_interval(options.beta2, "Adam beta2");
  check_rate(options.epsilon, "Adam epsilon");
}

void Adam::step(const std::vector<Param*>& params, float lr) {
  ensure_slots(params, &first_);
  ensure_slots(params, &second_);
  ++steps_;
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.epsilon;
  const double t = double(steps_);
  const float lr_t =
      float(lr * std::sqrt(1.0 - std::pow(double(b2), t)) / (1.0 - std::pow(double(b1), t)));
  for (size_t i = 0; i < params.size(); ++i) {
    Param& p = *params[i];
    if (!p.trainable) continue;
    auto w = p.value->vector().array();
    const auto g = p.grad.vector().array();
    auto m = first_[i].array();
    auto v = second_[i].array();
    m = b1 * m + (1.0f - b1) * g;
    v = b2 * v + (1.0f - b2) * g.square();
    w -= lr_t * m / (v.sqrt() + eps);
  }
}

OneCycleLr::OneCycleLr(const OneCycleOptions& options) : options_(options) {
  check_rate(options.max_lr, "one-cycle max_lr");
  if (options.total_steps < 1)
    throw Error(msg("one-cycle total_steps must be >= 1, got ", options.total_steps));
  if (!(options.pct_start > 0.0f && options.pct_start < 1.0f))
    throw Error(msg("one-cycle pct_start must be in (0, 1), got ", options.pct_start));
  check_rate(options.div_factor, "one-cycle div_factor");
  check_rate(options.final_div_factor, "one-cycle final_div_factor");
}

float OneCycleLr::at(int64_t step) const {
  const double max_lr = options_.max_lr;
  const double initial = max_lr / options_.div_factor;
  const double final_lr = initial / options_.final_div_factor;
  // As PyTorch: the peak is at step pct_start*total - 1, the end at total - 1.
  const double peak_step = double(options_.pct_start) * double(options_.total_steps) - 1.0;
  const double last_step = double(options_.total_steps) - 1.0;
  const double s = double(std::min<int64_t>(std::max<int64_t>(step, 0), options_.total_steps - 1));
  auto cosine = [](double from, double to, double fraction) {
    return to + (from - to) / 2.0 * (std::cos(M_PI * fraction) + 1.0);
  };
  if (s <= peak_step) return float(cosine(initial, max_lr, peak_step > 0 ? s / peak_step : 1.0));
  const double span = last_step - peak_step;
  return float(cosine(max_lr, final_lr, span > 0 ? (s - peak_step) / span : 1.0));
}

}  // namespace edge::train
