// Softmax with categorical cross-entropy, fused for numerical stability.
//
// For logits z [N, K] and class indices y (categorical cross-entropy with
// one-hot targets, given as indices): p = softmax(z) computed as
// exp(z - max z) / sum; loss_i = log(sum exp(z - max z)) - (z_y - max z),
// never log(0). Gradient w.r.t. z: (p - onehot(y)) * grad_scale (the trainer
// passes 1/batch_size for the mean loss).
#pragma once

#include <cstdint>

#include "core/train/tensor.h"

namespace edge::train {

struct LossResult {
  double loss_sum = 0.0;  // sum over the rows of the per-sample loss
  int correct = 0;        // rows whose argmax (first maximum) equals the label
};

// Throws edge::Error naming the row when a label is outside [0, K). `grad` may
// be null (evaluation only); otherwise it is resized to the logits' shape.
LossResult softmax_cross_entropy(const Tensor& logits, const int32_t* labels, float grad_scale,
                                 Tensor* grad);

// Row-wise softmax of [N, K] logits (stable).
void softmax(const Tensor& logits, Tensor* probabilities);

}  // namespace edge::train
