// Layer goldens and finite-difference gradient checks for core/train.
//
// Gradient checks run the float layers and compare the analytic gradients
// with central differences (f(x+h) - f(x-h)) / 2h of a scalar loss
// L = sum_i r_i * y_i (r fixed random normal, L summed in double), for every
// input element and every trainable parameter element. Pass criterion per
// element: |numeric - analytic| <= atol + rtol * max(|numeric|, |analytic|).
//   Piecewise-linear layers (Dense, Conv2D, depthwise, pools, ReLU, Flatten,
//   Concatenate, Dropout): h = 1e-2, rtol = 1e-3, atol = 2e-4. L is linear in
//   each element between kinks, so the difference is exact up to float
//   rounding (measured noise up to 5e-5); inputs are kept more than h away
//   from kinks (ReLU at 0 and 6, max-pool ties).
//   Smooth non-linear layers (BatchNorm, softmax cross-entropy): h = 3e-3,
//   rtol = 2e-3, atol = 3e-4 (truncation O(h^2) ~1e-5 plus rounding / h;
//   measured noise up to 1e-4 at h = 1e-3). These bounds catch a 3 % error in
//   one term of the BatchNorm input gradient, which 10x looser ones did not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "train/activation.h"
#include "train/augment.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/loss.h"
#include "train/pool.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

struct Tolerance {
  double step, rtol, atol;
};
constexpr Tolerance kLinear{1e-2, 1e-3, 2e-4};
constexpr Tolerance kSmooth{3e-3, 2e-3, 3e-4};

Tensor random_tensor(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  Tensor t(shape);
  Rng rng(seed);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = float(rng.normal()) * scale;
  return t;
}

// Values whose magnitudes are at least `margin` (no ReLU kink within reach of h).
Tensor away_from_zero(const Shape& shape, uint64_t seed, float margin = 0.05f) {
  Tensor t = random_tensor(shape, seed);
  for (int64_t i = 0; i < t.size(); ++i)
    if (std::fabs(t[i]) < margin) t[i] = t[i] < 0 ? t[i] - margin : t[i] + margin;
  return t;
}

// A shuffled ramp: all values distinct, neighbours 0.05 apart (max-pool without ties).
Tensor distinct_values(const Shape& shape, uint64_t seed) {
  Tensor t(shape);
  Rng rng(seed);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = 0.05f * float(i) - 1.0f;
  for (int64_t i = t.size() - 1; i > 0; --i)
    std::swap(t[i], t[int64_t(rng.below(uint64_t(i) + 1))]);
  return t;
}

double projected(const Tensor& y, const std::vector<double>& r) {
  double sum = 0.0;
  for (int64_t i = 0; i < y.size(); ++i) sum += r[size_t(i)] * double(y[i]);
  return sum;
}

Shape sample_shape(const Tensor& t) { return Shape(t.shape().begin() + 1, t.shape().end()); }

// Builds the layer for the inputs, gives every parameter random values, and
// checks every input and trainable parameter gradient.
void check_gradients(Layer& layer, std::vector<Tensor> inputs, const Tolerance& tol,
                     Context ctx = Context{true, 7, 1.0f}, bool randomize_params = true) {
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(sample_shape(t));
  layer.set_name("under_test");
  layer.build(shapes);
  if (randomize_params) {
    uint64_t seed = 100;
    for (Param& p : layer.params())
      if (p.trainable) *p.value = random_tensor(p.value->shape(), seed++, 0.5f);
  }
  std::vector<const Tensor*> in;
  for (const Tensor& t : inputs) in.push_back(&t);
  Tensor y;
  layer.forward(in, &y, ctx);
  std::vector<double> r(size_t(y.size()));
  Rng rng(42);
  for (double& v : r) v = rng.normal();
  Tensor dy(y.shape());
  for (int64_t i = 0; i < dy.size(); ++i) dy[i] = float(r[size_t(i)]);
  for (Param& p : layer.params()) p.grad.set_zero();
  std::vector<Tensor> dx(inputs.size());
  std::vector<Tensor*> dx_ptrs;
  for (Tensor& t : dx) dx_ptrs.push_back(&t);
  layer.backward(in, y, dy, dx_ptrs);

  auto loss = [&]() {
    Tensor out;
    layer.forward(in, &out, ctx);
    return projected(out, r);
  };
  auto compare = [&](float* value, double analytic, const std::string& what) {
    const float saved = *value;
    *value = float(saved + tol.step);
    const double plus = loss();
    *value = float(saved - tol.step);
    const double minus = loss();
    *value = saved;
    const double numeric = (plus - minus) / (2.0 * tol.step);
    const double bound = tol.atol + tol.rtol * std::max(std::fabs(numeric), std::fabs(analytic));
    EXPECT_LE(std::fabs(numeric - analytic), bound)
        << layer.kind() << " " << what << ": numeric " << numeric << " analytic " << analytic;
    return std::fabs(numeric - analytic) <= bound;
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    ASSERT_EQ(dx[k].shape(), inputs[k].shape());
    int failures = 0;
    for (int64_t i = 0; i < inputs[k].size() && failures < 5; ++i)
      failures += !compare(&inputs[k][i], dx[k][i], msg("d input", k, "[", i, "]"));
  }
  for (Param& p : layer.params()) {
    if (!p.trainable) continue;
    int failures = 0;
    for (int64_t i = 0; i < p.value->size() && failures < 5; ++i)
      failures += !compare(&(*p.value)[i], p.grad[i], msg("d ", p.name, "[", i, "]"));
  }
}

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.data(), t.data() + t.size());
}

Tensor ramp(const Shape& shape) {  // 1, 2, 3, ...
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = float(i + 1);
  return t;
}

// ---- Goldens -------------------------------------------------------------

TEST(TrainDense, ForwardGoldenAndLayout) {
  Dense dense(2);
  dense.build({{2}});
  EXPECT_EQ(dense.param("kernel").value->shape(), (Shape{2, 2}));  // [out, in]
  *dense.param("kernel").value = ramp({2, 2});                     // [[1, 2], [3, 4]]
  (*dense.param("bias").value)[0] = 0.5f;
  (*dense.param("bias").value)[1] = -1.0f;
  Tensor x({1, 2});
  x[0] = 1.0f;
  x[1] = -1.0f;
  Tensor y;
  dense.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{1 - 2 + 0.5f, 3 - 4 - 1.0f}));
}

TEST(TrainConv2D, ValidAndSameStride2Goldens) {
  const Tensor x = ramp({1, 3, 3, 1});  // 1..9
  Conv2D valid(1, 2, 1, Padding::kValid, false);
  valid.build({{3, 3, 1}});
  valid.param("kernel").value->vector().setOnes();
  Tensor y;
  valid.forward({&x}, &y, Context{});
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
  EXPECT_EQ(values(y), (std::vector<float>{12, 16, 24, 28}));
  // SAME, 3x3, stride 2 on 3x3: output 2x2, one padding row/column before.
  Conv2D same(1, 3, 2, Padding::kSame, false);
  same.build({{3, 3, 1}});
  same.param("kernel").value->vector().setOnes();
  same.forward({&x}, &y, Context{});
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
  EXPECT_EQ(values(y), (std::vector<float>{12, 16, 24, 28}));
}

TEST(TrainConv2D, KernelIsOhwiAndChannelsMix) {
  // 1x1 input with 2 channels, 2 filters: output = kernel [O, 1, 1, I] times input.
  Conv2D conv(2, 1);
  conv.build({{1, 1, 2}});
  EXPECT_EQ(conv.param("kernel").value->shape(), (Shape{2, 1, 1, 2}));
  *conv.param("kernel").value = ramp({2, 1, 1, 2});  // filter 0: [1, 2], filter 1: [3, 4]
  Tensor x({1, 1, 1, 2});
  x[0] = 10;
  x[1] = 1;
  Tensor y;
  conv.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{12, 34}));
}

TEST(TrainDepthwise, MultiplierLayoutGolden) {
  // 2x2 input, 1 channel, multiplier 2, 2x2 VALID kernel: kernel [1, 2, 2, 2].
  DepthwiseConv2D dw(Window2D{2, 2, 1, 1, 1, 1, Padding::kValid}, 2, false);
  dw.build({{2, 2, 1}});
  EXPECT_EQ(dw.param("kernel").value->shape(), (Shape{1, 2, 2, 2}));
  Tensor& k = *dw.param("kernel").value;
  for (int i = 0; i < 4; ++i) {
    k[2 * i] = 1.0f;               // multiplier 0: sum
    k[2 * i + 1] = float(i == 0);  // multiplier 1: top-left tap
  }
  const Tensor x = ramp({1, 2, 2, 1});
  Tensor y;
  dw.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{10, 1}));
}

TEST(TrainPool, MaxAndAverageGoldens) {
  const Tensor x = ramp({1, 3, 3, 1});
  Tensor y;
  MaxPool2D max_valid(2, 1);
  max_valid.build({{3, 3, 1}});
  max_valid.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{5, 6, 8, 9}));
  // SAME 2x2 stride 2 on 3x3: padding after only; the average counts real pixels.
  AveragePool2D avg_same(2, 2, Padding::kSame);
  avg_same.build({{3, 3, 1}});
  avg_same.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{3, 4.5f, 7.5f, 9}));
  MaxPool2D max_same(2, 2, Padding::kSame);
  max_same.build({{3, 3, 1}});
  max_same.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{5, 6, 8, 9}));
  // All-negative input: SAME padding must not win the max.
  Tensor negative = x;
  negative.vector() *= -1.0f;
  max_same.forward({&negative}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{-1, -3, -7, -9}));
  GlobalAveragePool gap;
  gap.build({{3, 3, 1}});
  gap.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{5}));
}

TEST(TrainConcatenate, JoinsChannelsInOrder) {
  Concatenate concat;
  EXPECT_EQ(concat.build({{1, 2, 1}, {1, 2, 2}}), (Shape{1, 2, 3}));
  const Tensor a = ramp({1, 1, 2, 1});  // 1 2
  Tensor b = ramp({1, 1, 2, 2});        // 1 2 | 3 4
  b.vector() *= 10.0f;
  Tensor y;
  concat.forward({&a, &b}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{1, 10, 20, 2, 30, 40}));
}

TEST(TrainActivation, ReluAndRelu6Goldens) {
  Tensor x({1, 5});
  const float in[] = {-1, 0, 3, 6, 7};
  std::copy(in, in + 5, x.data());
  Tensor y;
  ReLU relu;
  relu.build({{5}});
  relu.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{0, 0, 3, 6, 7}));
  ReLU6 relu6;
  relu6.build({{5}});
  relu6.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), (std::vector<float>{0, 0, 3, 6, 6}));
}

TEST(TrainDropout, TrainingScalesKeptInferenceIsIdentity) {
  Dropout dropout(0.5f);
  dropout.build({{1000}});
  Tensor x({1, 1000});
  x.vector().setOnes();
  Tensor y;
  dropout.forward({&x}, &y, Context{true, 3, 1.0f});
  int kept = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    ASSERT_TRUE(y[i] == 0.0f || y[i] == 2.0f) << y[i];
    kept += y[i] != 0.0f;
  }
  EXPECT_GT(kept, 430);  // Binomial(1000, 0.5): +-4.4 sigma
  EXPECT_LT(kept, 570);
  Tensor again;
  dropout.forward({&x}, &again, Context{true, 3, 1.0f});
  EXPECT_EQ(values(again), values(y)) << "same seed, same mask";
  dropout.forward({&x}, &y, Context{});
  EXPECT_EQ(values(y), values(x));
  EXPECT_THROW(Dropout(1.0f), Error);
  EXPECT_THROW(Dropout(-0.1f), Error);
}

TEST(TrainLoss, SoftmaxCrossEntropyGoldenAndStability) {
  Tensor logits({2, 2});
  logits[0] = 0.0f;
  logits[1] = std::log(3.0f);  // p = [0.25, 0.75]
  logits[2] = 1000.0f;         // huge logits must not overflow
  logits[3] = 0.0f;
  const int32_t labels[] = {1, 1};
  Tensor grad;
  const LossResult r = softmax_cross_entropy(logits, labels, 1.0f, &grad);
  EXPECT_NEAR(r.loss_sum, -std::log(0.75) + 1000.0, 1e-4);
  EXPECT_EQ(r.correct, 1);
  EXPECT_NEAR(grad[0], 0.25f, 1e-6f);
  EXPECT_NEAR(grad[1], -0.25f, 1e-6f);
  EXPECT_NEAR(grad[2], 1.0f, 1e-6f);
  EXPECT_NEAR(grad[3], -1.0f, 1e-6f);
  Tensor p;
  softmax(logits, &p);
  EXPECT_NEAR(p[1], 0.75f, 1e-6f);
  const int32_t bad[] = {1, 2};
  try {
    softmax_cross_entropy(logits, bad, 1.0f, nullptr);
    FAIL() << "label 2 of 2 classes accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 is 2"), std::string::npos) << e.what();
  }
}

TEST(TrainBatchNorm, FoldIntoConvMatchesInference) {
  Conv2D conv(3, 3, 2, Padding::kSame);
  conv.build({{5, 5, 2}});
  *conv.param("kernel").value = random_tensor({3, 3, 3, 2}, 1);
  *conv.param("bias").value = random_tensor({3}, 2);
  BatchNorm bn;
  bn.build({{3, 3, 3}});
  *bn.param("gamma").value = random_tensor({3}, 3);
  *bn.param("beta").value = random_tensor({3}, 4);
  *bn.param("moving_mean").value = random_tensor({3}, 5);
  bn.param("moving_variance").value->vector() = random_tensor({3}, 6).vector().cwiseAbs();
  const Tensor x = random_tensor({2, 5, 5, 2}, 7);
  Tensor conv_out, expected;
  conv.forward({&x}, &conv_out, Context{});
  bn.forward({&conv_out}, &expected, Context{});

  const FoldedWeights folded = fold_batchnorm(conv, bn);
  Conv2D fused(3, 3, 2, Padding::kSame);
  fused.build({{5, 5, 2}});
  *fused.param("kernel").value = folded.kernel;
  *fused.param("bias").value = folded.bias;
  Tensor got;
  fused.forward({&x}, &got, Context{});
  for (int64_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4f) << i;

  // Depthwise (channels last) and Dense fold too; a mismatched BN is refused.
  DepthwiseConv2D dw(Window2D{3, 3, 1, 1, 1, 1, Padding::kSame}, 1, false);
  dw.build({{3, 3, 3}});
  *dw.param("kernel").value = random_tensor({1, 3, 3, 3}, 8);
  Tensor dw_out, dw_expected, dw_got;
  dw.forward({&conv_out}, &dw_out, Context{});
  bn.forward({&dw_out}, &dw_expected, Context{});
  const FoldedWeights dw_folded = fold_batchnorm(dw, bn);
  DepthwiseConv2D dw_fused(Window2D{3, 3, 1, 1, 1, 1, Padding::kSame});
  dw_fused.build({{3, 3, 3}});
  *dw_fused.param("kernel").value = dw_folded.kernel;
  *dw_fused.param("bias").value = dw_folded.bias;
  dw_fused.forward({&conv_out}, &dw_got, Context{});
  for (int64_t i = 0; i < dw_got.size(); ++i) EXPECT_NEAR(dw_got[i], dw_expected[i], 1e-4f);

  Dense dense(4);
  dense.build({{3}});
  EXPECT_THROW(fold_batchnorm(dense, bn), Error);  // 4 outputs, 3 channels
  ReLU relu;
  relu.build({{3}});
  EXPECT_THROW(fold_batchnorm(relu, bn), Error);
}

TEST(TrainBatchNorm, TrainingStatisticsAndMovingAverage) {
  BatchNorm bn(0.5f);
  bn.build({{1}});
  Tensor x({4, 1});
  const float in[] = {1, 2, 3, 6};  // mean 3, biased variance 3.5
  std::copy(in, in + 4, x.data());
  Tensor y;
  bn.forward({&x}, &y, Context{true, 0, 1.0f});
  EXPECT_NEAR(y[0], (1 - 3) / std::sqrt(3.5f + 1e-3f), 1e-5f);
  EXPECT_FLOAT_EQ(bn.param("moving_mean").grad[0], 3.0f);
  // The variance slot: second moment about the moving mean (0), 3.5 + 3^2.
  EXPECT_FLOAT_EQ(bn.param("moving_variance").grad[0], 12.5f);
  bn.apply_statistics();
  EXPECT_FLOAT_EQ((*bn.param("moving_mean").value)[0], 1.5f);       // 0.5*0 + 0.5*3
  EXPECT_FLOAT_EQ((*bn.param("moving_variance").value)[0], 2.25f);  // 0.5*1 + 0.5*3.5
}

TEST(TrainLayers, InvalidConfigurationsAreRefused) {
  EXPECT_THROW(Dense(0), Error);
  EXPECT_THROW(Conv2D(0, 3), Error);
  EXPECT_THROW(Conv2D(4, 0), Error);
  EXPECT_THROW(Conv2D(4, 3, 0), Error);
  EXPECT_THROW(DepthwiseConv2D(Window2D{}, 0), Error);
  EXPECT_THROW(MaxPool2D(Window2D{2, 2, 1, 1, 2, 2, Padding::kValid}), Error);
  EXPECT_THROW(BatchNorm(1.0f), Error);
  EXPECT_THROW(BatchNorm(0.9f, 0.0f), Error);
  Conv2D conv(4, 5);
  conv.set_name("c");
  try {
    conv.build({{3, 3, 1}});
    FAIL() << "5x5 VALID kernel on 3x3 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'c' (Conv2D)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("smaller than"), std::string::npos) << e.what();
  }
}

// ---- Gradient checks -------------------------------------------------------

TEST(TrainGradients, Dense) {
  Dense with_bias(4);
  check_gradients(with_bias, {random_tensor({3, 5}, 1)}, kLinear);
  Dense no_bias(1, false);
  check_gradients(no_bias, {random_tensor({1, 2}, 2)}, kLinear);  // one sample
}

TEST(TrainGradients, Conv2DValidStride1) {
  Conv2D conv(3, 3);
  check_gradients(conv, {random_tensor({2, 5, 6, 2}, 3)}, kLinear);
}

TEST(TrainGradients, Conv2DSameStride2OddSizes) {
  Conv2D conv(2, Window2D{3, 3, 2, 2, 1, 1, Padding::kSame});
  check_gradients(conv, {random_tensor({2, 7, 5, 3}, 4)}, kLinear);
}

TEST(TrainGradients, Conv2DNonSquareStridedDilated) {
  Conv2D rect(2, Window2D{2, 3, 2, 1, 1, 1, Padding::kValid});
  check_gradients(rect, {random_tensor({1, 6, 7, 2}, 5)}, kLinear);
  Conv2D dilated(2, Window2D{3, 3, 1, 1, 2, 2, Padding::kSame});
  check_gradients(dilated, {random_tensor({2, 6, 5, 1}, 6)}, kLinear);
}

TEST(TrainGradients, Conv2DPointwiseAndStrided1x1) {
  Conv2D pointwise(3, 1);
  check_gradients(pointwise, {random_tensor({2, 3, 4, 5}, 7)}, kLinear);
  Conv2D strided(3, 1, 2);
  check_gradients(strided, {random_tensor({2, 5, 4, 2}, 8)}, kLinear);
}

TEST(TrainGradients, DepthwiseConv2D) {
  DepthwiseConv2D same(Window2D{3, 3, 2, 2, 1, 1, Padding::kSame});
  check_gradients(same, {random_tensor({2, 5, 6, 3}, 9)}, kLinear);
  DepthwiseConv2D multiplier(Window2D{2, 2, 1, 1, 2, 2, Padding::kValid}, 2);
  check_gradients(multiplier, {random_tensor({1, 6, 5, 2}, 10)}, kLinear);
}

TEST(TrainGradients, Pools) {
  MaxPool2D max_valid(2, 2);
  check_gradients(max_valid, {distinct_values({2, 4, 5, 2}, 11)}, kLinear);
  MaxPool2D max_same(3, 2, Padding::kSame);
  check_gradients(max_same, {distinct_values({1, 5, 6, 2}, 12)}, kLinear);
  AveragePool2D avg_valid(2, 1);
  check_gradients(avg_valid, {random_tensor({2, 4, 3, 2}, 13)}, kLinear);
  AveragePool2D avg_same(3, 2, Padding::kSame);
  check_gradients(avg_same, {random_tensor({1, 5, 4, 3}, 14)}, kLinear);
  GlobalAveragePool gap;
  check_gradients(gap, {random_tensor({2, 3, 4, 3}, 15)}, kLinear);
}

TEST(TrainGradients, ShapeOps) {
  Flatten flatten;
  check_gradients(flatten, {random_tensor({2, 2, 3, 2}, 16)}, kLinear);
  Concatenate concat;
  check_gradients(concat, {random_tensor({2, 3, 2, 1}, 17), random_tensor({2, 3, 2, 3}, 18)},
                  kLinear);
}

TEST(TrainGradients, Activations) {
  ReLU relu;
  check_gradients(relu, {away_from_zero({3, 7}, 19)}, kLinear);
  ReLU6 relu6;
  Tensor x = away_from_zero({3, 7}, 20);
  x.vector() *= 4.0f;  // reach past 6 too
  for (int64_t i = 0; i < x.size(); ++i)
    if (std::fabs(x[i] - 6.0f) < 0.05f) x[i] += 0.1f;
  check_gradients(relu6, {x}, kLinear);
  Dropout dropout(0.3f);
  check_gradients(dropout, {random_tensor({4, 6}, 21)}, kLinear, Context{true, 99, 1.0f});
}

TEST(TrainGradients, BatchNormTrainingAndInference) {
  BatchNorm training;
  check_gradients(training, {random_tensor({3, 2, 2, 3}, 22)}, kSmooth, Context{true, 0, 1.0f});
  BatchNorm dense_input;
  check_gradients(dense_input, {random_tensor({5, 4}, 23)}, kSmooth, Context{true, 0, 1.0f});
  BatchNorm inference;
  check_gradients(inference, {random_tensor({3, 4}, 24)}, kSmooth, Context{false, 0, 1.0f});
}

TEST(TrainGradients, SoftmaxCrossEntropy) {
  Tensor logits = random_tensor({4, 3}, 25, 2.0f);
  const int32_t labels[] = {0, 2, 1, 2};
  Tensor grad;
  softmax_cross_entropy(logits, labels, 0.25f, &grad);
  const double h = kSmooth.step;
  for (int64_t i = 0; i < logits.size(); ++i) {
    const float saved = logits[i];
    logits[i] = float(saved + h);
    const double plus = softmax_cross_entropy(logits, labels, 1.0f, nullptr).loss_sum / 4;
    logits[i] = float(saved - h);
    const double minus = softmax_cross_entropy(logits, labels, 1.0f, nullptr).loss_sum / 4;
    logits[i] = saved;
    const double numeric = (plus - minus) / (2 * h);
    EXPECT_NEAR(grad[i], numeric, kSmooth.atol + kSmooth.rtol * std::fabs(numeric)) << i;
  }
}

// Distillation: the gradient of the mixed loss against finite differences at
// a temperature that is not 1, weight 0 is plain cross-entropy, and a student
// equal to its teacher gets no gradient from the teacher's term.
TEST(TrainGradients, DistillationCrossEntropy) {
  Tensor logits = random_tensor({4, 3}, 26, 2.0f);
  const Tensor teacher = random_tensor({4, 3}, 27, 3.0f);
  const int32_t labels[] = {1, 0, 2, 2};
  const float weight = 0.7f, temperature = 2.5f;
  Tensor grad;
  distillation_cross_entropy(logits, labels, teacher.data(), weight, temperature, 0.25f, &grad);
  const auto loss = [&] {
    return distillation_cross_entropy(logits, labels, teacher.data(), weight, temperature, 1.0f,
                                      nullptr)
               .loss_sum /
           4;
  };
  const double h = kSmooth.step;
  for (int64_t i = 0; i < logits.size(); ++i) {
    const float saved = logits[i];
    logits[i] = float(saved + h);
    const double plus = loss();
    logits[i] = float(saved - h);
    const double minus = loss();
    logits[i] = saved;
    const double numeric = (plus - minus) / (2 * h);
    EXPECT_NEAR(grad[i], numeric, kSmooth.atol + kSmooth.rtol * std::fabs(numeric)) << i;
  }

  Tensor plain;
  const LossResult ce = softmax_cross_entropy(logits, labels, 1.0f, &plain);
  const LossResult off =
      distillation_cross_entropy(logits, labels, teacher.data(), 0.0f, 2.0f, 1.0f, &grad);
  EXPECT_DOUBLE_EQ(off.loss_sum, ce.loss_sum);
  for (int64_t i = 0; i < grad.size(); ++i) EXPECT_EQ(grad[i], plain[i]);

  const LossResult same =
      distillation_cross_entropy(logits, labels, logits.data(), 1.0f, 3.0f, 1.0f, &grad);
  EXPECT_NEAR(same.loss_sum, 0.0, 1e-9);  // KL of a distribution with itself
  for (int64_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(grad[i], 0.0f, 1e-7f) << i;
  EXPECT_EQ(same.correct, ce.correct);  // counted against the labels

  try {
    distillation_cross_entropy(logits, labels, teacher.data(), 1.5f, 2.0f, 1.0f, nullptr);
    FAIL() << "weight 1.5 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight must be in [0, 1], got 1.5"), std::string::npos)
        << e.what();
  }
}

// IMU augmentation: each transform alone does what augment.h says; the same seed gives the
// same sample; bad settings are refused naming them.
TEST(TrainAugment, EachTransformAloneAndSeeded) {
  const int frames = 10, channels = 6;
  std::vector<float> base(size_t(frames * channels));
  for (int t = 0; t < frames; ++t)
    for (int c = 0; c < channels; ++c)
      base[size_t(t * channels + c)] = 0.5f + 0.01f * float(t * 7 + c);
  // Time shift: rows move by k, the vacated rows repeat the edge row.
  ImuAugmentation shift;
  shift.max_shift = 3;
  for (uint64_t seed = 1; seed < 20; ++seed) {
    std::vector<float> x = base;
    Rng rng(seed);
    shift.apply(x.data(), int64_t(x.size()), rng);
    int k = -99;
    for (int candidate = -3; candidate <= 3; ++candidate) {
      bool same = true;
      for (int t = 0; t < frames && same; ++t) {
        const int from = std::min(std::max(t - candidate, 0), frames - 1);
        for (int c = 0; c < channels; ++c)
          same = same && x[size_t(t * channels + c)] == base[size_t(from * channels + c)];
      }
      if (same) k = candidate;
    }
    EXPECT_NE(k, -99) << "seed " << seed << ": not a shift of the rows";
  }
  // Rotation about the center keeps each 3-axis vector's length.
  ImuAugmentation rotation;
  rotation.rotation_degrees = 30.0f;
  rotation.center = 0.5f;
  std::vector<float> x = base;
  Rng rng(7);
  rotation.apply(x.data(), int64_t(x.size()), rng);
  bool moved = false;
  for (int t = 0; t < frames; ++t)
    for (int g = 0; g < channels; g += 3) {
      double before = 0.0, after = 0.0;
      for (int a = 0; a < 3; ++a) {
        const size_t i = size_t(t * channels + g + a);
        before += (base[i] - 0.5) * (base[i] - 0.5);
        after += (x[i] - 0.5) * (x[i] - 0.5);
        moved = moved || std::fabs(x[i] - base[i]) > 1e-4f;
      }
      EXPECT_NEAR(std::sqrt(after), std::sqrt(before), 1e-5);
    }
  EXPECT_TRUE(moved);
  // Scaling: (x - center) times one factor in [0.9, 1.1].
  ImuAugmentation scale;
  scale.scale = 0.1f;
  scale.center = 0.5f;
  x = base;
  Rng scale_rng(3);
  scale.apply(x.data(), int64_t(x.size()), scale_rng);
  const float factor = (x[size_t(channels * frames - 1)] - 0.5f) / (base.back() - 0.5f);
  EXPECT_GE(factor, 0.9f);
  EXPECT_LE(factor, 1.1f);
  for (size_t i = 1; i < x.size(); ++i) EXPECT_NEAR(x[i] - 0.5f, (base[i] - 0.5f) * factor, 1e-5f);
  // Same seed, same result; all at once.
  ImuAugmentation all;
  all.max_shift = 2;
  all.scale = 0.1f;
  all.rotation_degrees = 10.0f;
  all.noise = 0.01f;
  all.center = 0.5f;
  std::vector<float> a = base, b = base;
  Rng ra(11), rb(11);
  all.apply(a.data(), int64_t(a.size()), ra);
  all.apply(b.data(), int64_t(b.size()), rb);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, base);
  // Refusals name the setting.
  auto error_of = [](const ImuAugmentation& g, int64_t elements) -> std::string {
    try {
      g.check(elements);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of(all, 59).find("a sample of 59 values is not T x 6 channels"),
            std::string::npos);
  ImuAugmentation long_shift;
  long_shift.max_shift = 10;
  EXPECT_NE(
      error_of(long_shift, 60).find("time_shift 10 is not shorter than the window (10 samples)"),
      std::string::npos);
  ImuAugmentation four;
  four.channels = 4;
  four.rotation_degrees = 5.0f;
  EXPECT_NE(error_of(four, 40).find("channels = 4 is not a multiple of 3"), std::string::npos);
}

}  // namespace
}  // namespace edge::train
