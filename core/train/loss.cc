#include "core/train/loss.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

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
