#include "train/loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"

namespace edge::train {

LossResult softmax_cross_entropy(const Tensor& logits, const int32_t* labels, float grad_scale,
                                 Tensor* grad) {
  if (logits.rank() != 2)
    throw Error(msg("softmax cross-entropy: logits must be [batch, classes], got ",
                    shape_to_string(logits.shape())));
  const int n = logits.dim(0), k = logits.dim(1);
  if (grad) grad->resize(logits.shape());
  LossResult result;
  for (int i = 0; i < n; ++i) {
    const int32_t label = labels[i];
    if (label < 0 || label >= k)
      throw Error(msg("softmax cross-entropy: label of row ", i, " is ", label,
                      ", expected a class index in [0, ", k, ")"));
    const float* z = logits.data() + int64_t(i) * k;
    int best = 0;
    for (int j = 1; j < k; ++j)
      if (z[j] > z[best]) best = j;
    const float top = z[best];
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(double(z[j] - top));
    result.loss_sum += std::log(sum) - double(z[label] - top);
    if (best == label) ++result.correct;
    if (grad) {
      float* g = grad->data() + int64_t(i) * k;
      for (int j = 0; j < k; ++j) {
        const double p = std::exp(double(z[j] - top)) / sum;
        g[j] = float((p - (j == label ? 1.0 : 0.0)) * grad_scale);
      }
    }
  }
  return result;
}

LossResult soft_target_cross_entropy(const Tensor& logits, const Tensor& targets, float grad_scale,
                                     Tensor* grad) {
  if (logits.rank() != 2 || targets.shape() != logits.shape())
    throw Error(msg("soft-target cross-entropy: logits ", shape_to_string(logits.shape()),
                    " and targets ", shape_to_string(targets.shape()),
                    " must both be [batch, classes]"));
  const int n = logits.dim(0), k = logits.dim(1);
  if (grad) grad->resize(logits.shape());
  LossResult result;
  for (int i = 0; i < n; ++i) {
    const float* z = logits.data() + int64_t(i) * k;
    const float* t = targets.data() + int64_t(i) * k;
    const int best = int(std::max_element(z, z + k) - z);
    const float top = z[best];
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(double(z[j] - top));
    const double log_sum = std::log(sum);
    for (int j = 0; j < k; ++j) result.loss_sum -= double(t[j]) * (double(z[j] - top) - log_sum);
    if (best == int(std::max_element(t, t + k) - t)) ++result.correct;
    if (grad) {
      float* g = grad->data() + int64_t(i) * k;
      for (int j = 0; j < k; ++j)
        g[j] = float((std::exp(double(z[j] - top)) / sum - double(t[j])) * grad_scale);
    }
  }
  return result;
}

namespace {

// softmax(z / T) of one row of k logits into out.
void scaled_softmax(const float* z, int k, double temperature, double* out) {
  double top = z[0];
  for (int j = 1; j < k; ++j) top = std::max(top, double(z[j]));
  double sum = 0.0;
  for (int j = 0; j < k; ++j) {
    out[j] = std::exp((double(z[j]) - top) / temperature);
    sum += out[j];
  }
  for (int j = 0; j < k; ++j) out[j] /= sum;
}

}  // namespace

LossResult distillation_cross_entropy(const Tensor& logits, const int32_t* labels,
                                      const float* teacher_logits, float weight, float temperature,
                                      float grad_scale, Tensor* grad) {
  if (!(weight >= 0.0f && weight <= 1.0f))
    throw Error(msg("distillation: the teacher's weight must be in [0, 1], got ", weight));
  if (!(temperature > 0.0f))
    throw Error(msg("distillation: the temperature must be > 0, got ", temperature));
  LossResult result = softmax_cross_entropy(logits, labels, grad_scale * (1.0f - weight), grad);
  if (weight == 0.0f) return result;
  result.loss_sum *= 1.0 - double(weight);
  const int n = logits.dim(0), k = logits.dim(1);
  const double t = temperature;
  std::vector<double> student(static_cast<size_t>(k)), teacher(static_cast<size_t>(k));
  for (int i = 0; i < n; ++i) {
    const float* z = logits.data() + int64_t(i) * k;
    const float* tz = teacher_logits + int64_t(i) * k;
    scaled_softmax(z, k, t, student.data());
    scaled_softmax(tz, k, t, teacher.data());
    double kl = 0.0;
    for (int j = 0; j < k; ++j) {
      if (teacher[size_t(j)] > 0.0) {
        // log s_j may underflow to -inf only where s_j == 0; clamp as Keras does.
        kl += teacher[size_t(j)] *
              (std::log(teacher[size_t(j)]) - std::log(std::max(student[size_t(j)], 1e-300)));
      }
    }
    result.loss_sum += double(weight) * t * t * kl;
    if (grad) {
      float* g = grad->data() + int64_t(i) * k;
      for (int j = 0; j < k; ++j)
        g[j] += float(double(weight) * t * (student[size_t(j)] - teacher[size_t(j)]) *
                      double(grad_scale));
    }
  }
  return result;
}

void softmax(const Tensor& logits, Tensor* probabilities) {
  const int n = logits.dim(0), k = logits.dim(1);
  probabilities->resize(logits.shape());
  for (int i = 0; i < n; ++i) {
    const float* z = logits.data() + int64_t(i) * k;
    float* p = probabilities->data() + int64_t(i) * k;
    float top = z[0];
    for (int j = 1; j < k; ++j) top = std::max(top, z[j]);
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(double(z[j] - top));
    for (int j = 0; j < k; ++j) p[j] = float(std::exp(double(z[j] - top)) / sum);
  }
}

}  // namespace edge::train
