// Optimizers (Keras update rules and defaults) and learning-rate schedules.
//
// step() updates every trainable parameter from its gradient (Param::grad,
// already averaged over the batch by the loss scaling); non-trainable
// parameters are skipped. Per-parameter slots (velocity, moments) are created
// on the first step, matched to parameters by position, so the same parameter
// list must be passed every time. Updates, for gradient g and rate lr:
//   SGD:      v = momentum*v - lr*g;  w += v  (Nesterov: w += momentum*v - lr*g)
//   RMSprop:  s = rho*s + (1-rho)*g^2;  w -= lr*g / (sqrt(s) + epsilon)
//   Adam:     m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  t += 1;
//             w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon)
// (Keras 2.11+ forms: epsilon outside the square root.)
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/layer.h"

namespace edge::train {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual const char* name() const = 0;
  // The configured learning rate (used when no schedule is given).
  virtual float learning_rate() const = 0;
  virtual void step(const std::vector<Param*>& params, float learning_rate) = 0;
  // Drops the slots (a new training run).
  virtual void reset() = 0;
};

struct SgdOptions {
  float learning_rate = 0.01f;
  float momentum = 0.0f;  // [0, 1)
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  explicit Sgd(const SgdOptions& options = {});
  const char* name() const override { return "SGD"; }
  float learning_rate() const override { return options_.learning_rate; }
  void step(const std::vector<Param*>& params, float learning_rate) override;
  void reset() override { velocity_.clear(); }

 private:
  SgdOptions options_;
  std::vector<Eigen::VectorXf> velocity_;
};

struct RmsPropOptions {
  float learning_rate = 0.001f;
  float rho = 0.9f;  // [0, 1)
  float epsilon = 1e-7f;
};

class RmsProp : public Optimizer {
 public:
  explicit RmsProp(const RmsPropOptions& options = {});
  const char* name() const override { return "RMSprop"; }
  float learning_rate() const override { return options_.learning_rate; }
  void step(const std::vector<Param*>& params, float learning_rate) override;
  void reset() override { mean_square_.clear(); }

 private:
  RmsPropOptions options_;
  std::vector<Eigen::VectorXf> mean_square_;
};

struct AdamOptions {
  float learning_rate = 0.001f;
  float beta1 = 0.9f;  // [0, 1)
  float beta2 = 0.999f;
  float epsilon = 1e-7f;
};

class Adam : public Optimizer {
 public:
  explicit Adam(const AdamOptions& options = {});
  const char* name() const override { return "Adam"; }
  float learning_rate() const override { return options_.learning_rate; }
  void step(const std::vector<Param*>& params, float learning_rate) override;
  void reset() override {
    first_.clear();
    second_.clear();
    steps_ = 0;
  }

 private:
  AdamOptions options_;
  std::vector<Eigen::VectorXf> first_, second_;
  int64_t steps_ = 0;
};

// Learning rate as a function of the optimizer step (0-based).
class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  virtual float at(int64_t step) const = 0;
};

// One-cycle policy (Smith 2018) in PyTorch's OneCycleLR form, learning rate
// only: cosine from max_lr/div_factor up to max_lr over the first pct_start of
// total_steps, then cosine down to max_lr/(div_factor*final_div_factor) at the
// last step. Steps past the end stay at the final rate.
struct OneCycleOptions {
  float max_lr = 0.01f;
  int64_t total_steps = 1;  // >= 1; the trainer's epochs * batches per epoch
  float pct_start = 0.3f;   // (0, 1)
  float div_factor = 25.0f;
  float final_div_factor = 1e4f;
};

class OneCycleLr : public LrSchedule {
 public:
  explicit OneCycleLr(const OneCycleOptions& options);
  float at(int64_t step) const override;

 private:
  OneCycleOptions options_;
};

}  // namespace edge::train
