// Softmax with categorical cross-entropy, fused for numerical stability.
//
// For logits z [N, K] and class indices y (categorical cross-entropy with
// one-hot targets, given as indices): p = softmax(z) computed as
// exp(z - max z) / sum; loss_i = log(sum exp(z - max z)) - (z_y - max z),
// never log(0). Gradient w.r.t. z: (p - onehot(y)) * grad_scale (the trainer
// passes 1/batch_size for the mean loss).
#pragma once

#include <cstdint>

#include "train/tensor.h"

namespace edge::train {

struct LossResult {
  double loss_sum = 0.0;  // sum over the rows of the per-sample loss
  int correct = 0;        // rows whose argmax (first maximum) equals the label
};

// Throws edge::Error naming the row when a label is outside [0, K). `grad` may
// be null (evaluation only); otherwise it is resized to the logits' shape.
LossResult softmax_cross_entropy(const Tensor& logits, const int32_t* labels, float grad_scale,
                                 Tensor* grad);

// Knowledge distillation (Hinton, Vinyals and Dean 2015) against a teacher's
// logits t [N, K] at temperature T, with weight w on the teacher:
//   loss_i = (1 - w) CE(y, softmax(z)) + w T^2 KL(softmax(t / T) || softmax(z / T))
// Gradient w.r.t. z: ((1 - w)(p - onehot(y)) + w T (softmax(z / T) - softmax(t / T)))
// * grad_scale (the T^2 keeps the soft term's gradient scale independent of T).
// `correct` counts against the labels. w in [0, 1], T > 0; w = 0 is
// softmax_cross_entropy. Throws edge::Error for a label outside [0, K).
LossResult distillation_cross_entropy(const Tensor& logits, const int32_t* labels,
                                      const float* teacher_logits, float weight, float temperature,
                                      float grad_scale, Tensor* grad);

// Cross-entropy against soft targets t [N, K] (each row a distribution, e.g. the mixed
// one-hot labels of mixup): loss_i = -sum_j t_ij log softmax(z_i)_j. Gradient w.r.t. z:
// (p - t) * grad_scale. `correct` counts rows whose argmax of z equals the argmax of t (the
// larger share of a mixed pair). Throws edge::Error when the targets' shape differs.
LossResult soft_target_cross_entropy(const Tensor& logits, const Tensor& targets, float grad_scale,
                                     Tensor* grad);

// Row-wise softmax of [N, K] logits (stable).
void softmax(const Tensor& logits, Tensor* probabilities);

}  // namespace edge::train
