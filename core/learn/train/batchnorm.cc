#include "train/batchnorm.h"

#include <cmath>
#include <cstring>

namespace edge::train {

BatchNorm::BatchNorm(float momentum, float epsilon) : momentum_(momentum), epsilon_(epsilon) {
  if (!(momentum >= 0.0f && momentum < 1.0f))
    throw Error(msg("BatchNorm: momentum must be in [0, 1), got ", momentum));
  if (!(epsilon > 0.0f)) throw Error(msg("BatchNorm: epsilon must be > 0, got ", epsilon));
}

Shape BatchNorm::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = single_input(input_shapes);
  if (in.empty()) fail("expects at least a rank-1 input per sample, got a scalar");
  channels_ = in.back();
  params_.clear();
  add_param("gamma", {channels_});
  add_param("beta", {channels_});
  add_param("moving_mean", {channels_}, false);
  add_param("moving_variance", {channels_}, false);
  params_[0].value->vector().setOnes();
  params_[3].value->vector().setOnes();
  mean_.resize(channels_);
  inv_std_.resize(channels_);
  sum_dy_.resize(channels_);
  sum_dy_xhat_.resize(channels_);
  variance_.resize(channels_);
  scale_.resize(channels_);
  shift_.resize(channels_);
  return in;
}

void BatchNorm::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                        const Context& ctx) {
  const Tensor& x = *inputs[0];
  const int64_t rows = x.size() / channels_;
  output->resize(x.shape());
  const auto in = x.matrix(rows, channels_);
  auto out = output->matrix(rows, channels_);
  const auto gamma = params_[0].value->vector();
  const auto beta = params_[1].value->vector();
  batch_stats_ = ctx.training;
  if (ctx.training) {
    if (rows == 0) return;
    // Two passes (mean, then centred squares) for a variance that does not
    // cancel catastrophically when |mean| >> stddev.
    mean_ = in.colwise().sum().transpose() / float(rows);
    variance_ = (in.rowwise() - mean_.transpose()).array().square().colwise().sum().transpose() /
                float(rows);
    inv_std_ = (variance_.array() + epsilon_).rsqrt();
    normalized_.resize(x.shape());
    auto xhat = normalized_.matrix(rows, channels_);
    xhat = (in.rowwise() - mean_.transpose()).array().rowwise() * inv_std_.transpose().array();
    out = (xhat.array().rowwise() * gamma.transpose().array()).rowwise() + beta.transpose().array();
    // Shards merge by weighted sums of their slots, so the variance slot takes the second
    // moment about the current moving mean (shared by every replica): summed over shards
    // it is the whole batch's var + (mean - moving_mean)^2, between-shard spread included.
    // apply_statistics() takes the squared mean offset back out.
    params_[2].grad.vector() += ctx.shard_weight * mean_;
    params_[3].grad.vector().array() +=
        ctx.shard_weight *
        (variance_.array() + (mean_ - params_[2].value->vector()).array().square());
  } else {
    mean_ = params_[2].value->vector();
    inv_std_ = (params_[3].value->vector().array() + epsilon_).rsqrt();
    scale_ = gamma.cwiseProduct(inv_std_);
    shift_ = beta - mean_.cwiseProduct(scale_);
    out =
        (in.array().rowwise() * scale_.transpose().array()).rowwise() + shift_.transpose().array();
  }
}

void BatchNorm::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                         const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  const Tensor& x = *inputs[0];
  const int64_t rows = x.size() / channels_;
  if (rows == 0) return;
  const auto dy = grad_output.matrix(rows, channels_);
  const auto gamma = params_[0].value->vector();
  Tensor* dx = grad_inputs[0];
  if (!batch_stats_) {
    // Inference-mode normalization is affine with constant statistics.
    const auto xhat = (x.matrix(rows, channels_).rowwise() - mean_.transpose()).array().rowwise() *
                      inv_std_.transpose().array();
    params_[0].grad.vector() += (dy.array() * xhat).colwise().sum().transpose().matrix();
    params_[1].grad.vector() += dy.colwise().sum().transpose();
    if (dx) {
      dx->resize(x.shape());
      scale_ = gamma.cwiseProduct(inv_std_);
      dx->matrix(rows, channels_) = dy.array().rowwise() * scale_.transpose().array();
    }
    return;
  }
  const auto xhat = normalized_.matrix(rows, channels_);
  sum_dy_ = dy.colwise().sum().transpose();
  sum_dy_xhat_ = dy.cwiseProduct(xhat).colwise().sum().transpose();
  params_[0].grad.vector() += sum_dy_xhat_;
  params_[1].grad.vector() += sum_dy_;
  if (!dx) return;
  // dx = gamma * inv_std / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
  dx->resize(x.shape());
  const float inv_rows = 1.0f / float(rows);
  scale_ = gamma.cwiseProduct(inv_std_);
  dx->matrix(rows, channels_) =
      ((dy.array().rowwise() - (sum_dy_ * inv_rows).transpose().array()) -
       xhat.array().rowwise() * (sum_dy_xhat_ * inv_rows).transpose().array())
          .rowwise() *
      scale_.transpose().array();
}

void BatchNorm::take_statistics() {
  const float momentum = momentum_;
  momentum_ = 0.0f;
  apply_statistics();
  momentum_ = momentum;
}

void BatchNorm::apply_statistics() {
  auto moving_mean = params_[2].value->vector();
  auto moving_variance = params_[3].value->vector();
  const auto batch_mean = params_[2].grad.vector();
  // Second moment about moving_mean minus the squared offset: the batch's biased variance.
  variance_ = (params_[3].grad.vector().array() - (batch_mean - moving_mean).array().square())
                  .cwiseMax(0.0f)
                  .matrix();
  moving_variance = momentum_ * moving_variance + (1.0f - momentum_) * variance_;
  moving_mean = momentum_ * moving_mean + (1.0f - momentum_) * batch_mean;
}

FoldedWeights fold_batchnorm(const Layer& previous, const BatchNorm& bn) {
  const std::string kind = previous.kind();
  const bool channels_last = kind == "DepthwiseConv2D";
  if (kind != "Dense" && kind != "Conv2D" && !channels_last)
    throw Error(msg("fold_batchnorm: cannot fold ", bn.kind(), " '", bn.name(), "' into ", kind,
                    " '", previous.name(), "' (only Dense, Conv2D and DepthwiseConv2D)"));
  const Tensor& kernel = *previous.param("kernel").value;
  const int out_channels = channels_last ? kernel.shape().back() : kernel.dim(0);
  const Tensor& gamma = *bn.param("gamma").value;
  if (gamma.size() != out_channels)
    throw Error(msg("fold_batchnorm: ", bn.kind(), " '", bn.name(), "' has ", gamma.size(),
                    " channels but ", kind, " '", previous.name(), "' outputs ", out_channels));
  const Tensor& beta = *bn.param("beta").value;
  const Tensor& mean = *bn.param("moving_mean").value;
  const Tensor& variance = *bn.param("moving_variance").value;
  const Tensor* bias = nullptr;
  for (const Param& p : previous.params())
    if (p.name == "bias") bias = p.value.get();

  FoldedWeights folded;
  folded.kernel = kernel;
  folded.bias.resize({out_channels});
  std::vector<float> scale(static_cast<size_t>(out_channels));
  for (int c = 0; c < out_channels; ++c) {
    scale[size_t(c)] = gamma[c] / std::sqrt(variance[c] + bn.epsilon());
    const float b = bias ? (*bias)[c] : 0.0f;
    folded.bias[c] = (b - mean[c]) * scale[size_t(c)] + beta[c];
  }
  const int64_t total = folded.kernel.size();
  if (channels_last) {
    for (int64_t i = 0; i < total; ++i) folded.kernel[i] *= scale[size_t(i % out_channels)];
  } else {
    const int64_t per_channel = total / out_channels;
    for (int64_t i = 0; i < total; ++i) folded.kernel[i] *= scale[size_t(i / per_channel)];
  }
  return folded;
}

}  // namespace edge::train
