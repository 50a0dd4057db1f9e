// The one conformance suite of the heavy kernels: every fast variant available on
// this CPU (and the portable fallback, forced) against the reference kernels, over
// odd and degenerate shapes.
//
// Agreement required:
//   int8, 16x8 and hybrid: exactly equal outputs (hybrid uses the same integer dot
//     products and the same float expression, so it is bit-identical too);
//   float32: |fast - ref| <= 1e-5 * max(1, |ref|) + 1e-6 * sum_k |x_k * w_k| per element.
//     The summation order differs (Eigen's blocked GEMM, fused multiply-adds), and any
//     order's rounding error is bounded by a multiple of sum |terms| (the dot product's
//     condition); the second term (about 8 float epsilons of it) only matters for
//     long reductions with cancellation (e.g. 2304-term FC rows).
// Scratch buffers are allocated at exactly *_scratch_bytes() so that ASan catches any
// overrun; 16-byte aligned as the contract says (operator new's alignment).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/kernels/kernel_params.h"
#include "nn/kernels/ref/conv.h"
#include "nn/kernels/ref/depthwise_conv.h"
#include "nn/kernels/ref/fully_connected.h"
#include "nn/quant.h"

namespace edge::nn {
namespace {

using fast::Isa;

enum class Kernel {
  kConvF32,
  kConvS8,
  kConvS16x8,
  kConvHybrid,
  kDepthwiseF32,
  kDepthwiseS8,
  kDepthwiseS16x8,
  kFcF32,
  kFcS8,
  kFcS16x8,
  kFcHybrid,
};

const char* kernel_name(Kernel k) {
  switch (k) {
    case Kernel::kConvF32:
      return "ConvF32";
    case Kernel::kConvS8:
      return "ConvS8";
    case Kernel::kConvS16x8:
      return "ConvS16x8";
    case Kernel::kConvHybrid:
      return "ConvHybrid";
    case Kernel::kDepthwiseF32:
      return "DepthwiseF32";
    case Kernel::kDepthwiseS8:
      return "DepthwiseS8";
    case Kernel::kDepthwiseS16x8:
      return "DepthwiseS16x8";
    case Kernel::kFcF32:
      return "FcF32";
    case Kernel::kFcS8:
      return "FcS8";
    case Kernel::kFcS16x8:
      return "FcS16x8";
    case Kernel::kFcHybrid:
      return "FcHybrid";
  }
  return "?";
}

bool is_depthwise(Kernel k) {
  return k == Kernel::kDepthwiseF32 || k == Kernel::kDepthwiseS8 || k == Kernel::kDepthwiseS16x8;
}
bool is_fc(Kernel k) {
  return k == Kernel::kFcF32 || k == Kernel::kFcS8 || k == Kernel::kFcS16x8 ||
         k == Kernel::kFcHybrid;
}
bool uses_isa(Kernel k) {
  return k == Kernel::kConvS8 || k == Kernel::kConvHybrid || k == Kernel::kDepthwiseS8 ||
         k == Kernel::kFcS8 || k == Kernel::kFcHybrid;
}
bool is_hybrid(Kernel k) { return k == Kernel::kConvHybrid || k == Kernel::kFcHybrid; }

struct Variant {
  Kernel kernel;
  Isa isa;
  int threads;
  bool asymmetric;  // hybrid input quantization
};

std::vector<Variant> variants() {
  std::vector<Variant> out;
  const Kernel all[] = {Kernel::kConvF32,        Kernel::kConvS8,       Kernel::kConvS16x8,
                        Kernel::kConvHybrid,     Kernel::kDepthwiseF32, Kernel::kDepthwiseS8,
                        Kernel::kDepthwiseS16x8, Kernel::kFcF32,        Kernel::kFcS8,
                        Kernel::kFcS16x8,        Kernel::kFcHybrid};
  for (Kernel k : all) {
    const std::vector<Isa> isas =
        uses_isa(k) ? fast::supported_isas() : std::vector<Isa>{Isa::kPortable};
    for (Isa isa : isas) {
      for (int threads : {1, 3}) {
        if (is_hybrid(k)) {
          out.push_back({k, isa, threads, false});
          out.push_back({k, isa, threads, true});
        } else {
          out.push_back({k, isa, threads, false});
        }
      }
    }
  }
  return out;
}

struct Case {
  const char* name;
  int n, h, w, in_c,
      out_c;  // out_c: filters (conv), depth multiplier x in_c (depthwise), units (FC)
  int fh, fw;
  int stride_h, stride_w;
  int dilation;
  Padding padding;
  int depth_multiplier;
  FusedActivation activation;
  bool per_channel;
};

std::vector<Case> cases() {
  const auto N = FusedActivation::kNone;
  const auto R = FusedActivation::kRelu;
  const auto R6 = FusedActivation::kRelu6;
  const auto R1 = FusedActivation::kReluN1To1;
  const auto S = Padding::kSame;
  const auto V = Padding::kValid;
  return {
      {"one_by_one", 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, V, 1, N, true},
      {"pointwise_c3", 1, 4, 5, 3, 3, 1, 1, 1, 1, 1, V, 1, R, true},
      {"pointwise_c7_c15", 1, 3, 3, 7, 15, 1, 1, 1, 1, 1, S, 1, N, false},
      {"pointwise_c17_c33", 1, 3, 2, 17, 33, 1, 1, 1, 1, 1, V, 1, R6, true},
      {"pointwise_c63_c65", 1, 2, 3, 63, 65, 1, 1, 1, 1, 1, V, 1, N, true},
      {"pointwise_256", 1, 3, 3, 256, 256, 1, 1, 1, 1, 1, V, 1, R6, true},
      {"conv3x3_same_s1", 1, 5, 6, 3, 7, 3, 3, 1, 1, 1, S, 1, R1, true},
      {"conv3x3_same_s2", 2, 7, 5, 5, 17, 3, 3, 2, 2, 1, S, 1, R, true},
      {"conv3x3_valid_s2", 1, 8, 9, 4, 9, 3, 3, 2, 2, 1, V, 1, N, false},
      {"conv_dilation2", 1, 9, 7, 3, 5, 3, 3, 1, 1, 2, S, 1, N, true},
      {"conv_stride_mixed", 1, 7, 11, 2, 3, 2, 3, 1, 2, 1, V, 1, R6, true},
      {"conv_filter_wider_than_image_same", 1, 2, 3, 2, 3, 5, 5, 1, 1, 1, S, 1, N, true},
      {"depth_multiplier2", 1, 6, 5, 7, 14, 3, 3, 1, 1, 1, S, 2, R6, true},
      {"depth_multiplier3_s2", 2, 5, 5, 3, 9, 3, 3, 2, 2, 1, S, 3, N, true},
      {"depthwise_c33_s2", 1, 9, 9, 33, 33, 3, 3, 2, 2, 1, S, 1, R, true},
      {"depthwise_c65_dil2", 1, 7, 7, 65, 65, 3, 3, 1, 1, 2, S, 1, N, false},
      {"batch3", 3, 4, 4, 5, 6, 3, 3, 1, 1, 1, S, 1, R, true},
      {"person_first_conv", 1, 96, 96, 1, 8, 3, 3, 2, 2, 1, S, 1, R6, true},
      {"person_pointwise_128_256", 1, 3, 3, 128, 256, 1, 1, 1, 1, 1, S, 1, R6, true},
      {"micro_speech_conv", 1, 49, 40, 1, 8, 10, 8, 2, 2, 1, S, 1, R, false},
      {"micro_speech_depthwise_dm8", 1, 49, 40, 1, 8, 10, 8, 2, 2, 1, S, 8, R, true},
      {"depth_multiplier16_c3", 1, 5, 4, 3, 48, 3, 3, 1, 1, 1, V, 16, N, true},
      {"big_filter_taps", 1, 10, 10, 4, 4, 9, 9, 1, 1, 1, S, 1, N, true},
  };
}

class KernelConformance : public ::testing::TestWithParam<std::tuple<Variant, Case>> {};

template <typename T>
std::vector<T> random_ints(std::mt19937& rng, size_t count, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(count);
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

std::vector<float> random_floats(std::mt19937& rng, size_t count, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (auto& x : v) x = dist(rng);
  return v;
}

// magnitude[i] = sum_k |x_k * w_k| of output i (the reference run on |x|, |w|).
void expect_float_close(const std::vector<float>& fast_out, const std::vector<float>& ref_out,
                        const std::vector<float>& magnitude) {
  ASSERT_EQ(fast_out.size(), ref_out.size());
  ASSERT_EQ(magnitude.size(), ref_out.size());
  int bad = 0;
  for (size_t i = 0; i < ref_out.size() && bad < 5; ++i) {
    const float tol = 1e-5f * std::max(1.0f, std::abs(ref_out[i])) + 1e-6f * magnitude[i];
    if (!(std::abs(fast_out[i] - ref_out[i]) <= tol)) {
      ADD_FAILURE() << "element " << i << ": fast " << fast_out[i] << " ref " << ref_out[i];
      ++bad;
    }
  }
}

template <typename T>
void expect_exact(const std::vector<T>& fast_out, const std::vector<T>& ref_out) {
  ASSERT_EQ(fast_out.size(), ref_out.size());
  int bad = 0;
  for (size_t i = 0; i < ref_out.size() && bad < 5; ++i) {
    if (!(fast_out[i] == ref_out[i])) {
      ADD_FAILURE() << "element " << i << ": fast " << +fast_out[i] << " ref " << +ref_out[i];
      ++bad;
    }
  }
}

TEST_P(KernelConformance, FastMatchesReference) {
  const Variant v = std::get<0>(GetParam());
  const Case c = std::get<1>(GetParam());
  std::mt19937 rng(1234u + static_cast<unsigned>(c.h * 31 + c.in_c * 7 + c.out_c));

  // Geometry.
  const bool dw = is_depthwise(v.kernel);
  const int dm = dw ? c.depth_multiplier : 1;
  const int out_c = dw ? c.in_c * dm : c.out_c;
  if (dw && c.out_c != c.in_c * c.depth_multiplier && c.depth_multiplier > 1) {
    GTEST_SKIP() << "case not meant for depthwise";
  }
  const Dims4 in_shape{c.n, c.h, c.w, c.in_c};
  const Dims4 filter_shape = dw ? Dims4{1, c.fh, c.fw, out_c} : Dims4{out_c, c.fh, c.fw, c.in_c};
  const int oh = compute_output_size(c.padding, c.h, c.fh, c.stride_h, c.dilation);
  const int ow = compute_output_size(c.padding, c.w, c.fw, c.stride_w, c.dilation);
  ASSERT_GT(oh, 0);
  ASSERT_GT(ow, 0);
  const Dims4 out_shape{c.n, oh, ow, out_c};
  ConvParams cp;
  cp.stride_h = c.stride_h;
  cp.stride_w = c.stride_w;
  cp.dilation_h = cp.dilation_w = c.dilation;
  cp.pad_top = compute_padding(c.stride_h, c.dilation, c.h, c.fh, oh);
  cp.pad_left = compute_padding(c.stride_w, c.dilation, c.w, c.fw, ow);
  cp.depth_multiplier = dm;
  // FC view: batches n, depth h*w*in_c, units out_c.
  const int batches = c.n;
  const int depth = c.h * c.w * c.in_c;
  const int units = c.out_c;

  const size_t in_count = static_cast<size_t>(in_shape.elements());
  const size_t filter_count = is_fc(v.kernel) ? static_cast<size_t>(units) * depth
                                              : static_cast<size_t>(filter_shape.elements());
  const int channels = is_fc(v.kernel) ? units : out_c;
  const size_t out_count = is_fc(v.kernel) ? static_cast<size_t>(batches) * units
                                           : static_cast<size_t>(out_shape.elements());
  const int reduction = is_fc(v.kernel) ? depth : (dw ? c.fh * c.fw : c.fh * c.fw * c.in_c);

  // Quantization: scales that spread outputs over the int8/int16 range.
  const float in_scale = 0.02f;
  std::vector<float> weight_scales =
      random_floats(rng, c.per_channel ? channels : 1, 0.004f, 0.02f);
  const float typical = in_scale * 0.012f * 64.0f * std::sqrt(static_cast<float>(reduction));
  std::vector<int32_t> mult(channels), shift(channels);
  QuantizedOutput q;
  const bool int16 = v.kernel == Kernel::kConvS16x8 || v.kernel == Kernel::kDepthwiseS16x8 ||
                     v.kernel == Kernel::kFcS16x8;
  const float out_scale = int16 ? typical * 64.0f / 8000.0f : typical / 40.0f;
  compute_output_multipliers(int16 ? in_scale / 128.0f : in_scale, weight_scales.data(),
                             static_cast<int>(weight_scales.size()), out_scale, channels,
                             mult.data(), shift.data());
  const int32_t in_zp = int16 ? 0 : static_cast<int32_t>(rng() % 256) - 128;
  const int32_t out_zp = int16 ? 0 : static_cast<int32_t>(rng() % 256) - 128;
  q.input_offset = -in_zp;
  q.output_offset = out_zp;
  q.multiplier = mult.data();
  q.shift = shift.data();
  if (int16) {
    calculate_activation_range_int16(c.activation, out_scale, out_zp, &q.act_min, &q.act_max);
  } else {
    calculate_activation_range_int8(c.activation, out_scale, out_zp, &q.act_min, &q.act_max);
  }
  cp.quant = q;
  calculate_activation_range_float(c.activation, &cp.float_out.act_min, &cp.float_out.act_max);
  std::vector<float> hybrid_scales(channels);
  for (int ch = 0; ch < channels; ++ch) {
    hybrid_scales[ch] = weight_scales[c.per_channel ? ch : 0];
  }
  cp.hybrid.weight_scale = hybrid_scales.data();
  cp.hybrid.asymmetric_inputs = v.asymmetric;
  FullyConnectedParams fp;
  fp.quant = cp.quant;
  fp.float_out = cp.float_out;
  fp.hybrid = cp.hybrid;

  const auto w8 = random_ints<int8_t>(rng, filter_count, -127, 127);
  const auto bias32 = random_ints<int32_t>(rng, channels, -3000, 3000);
  std::vector<int64_t> bias64(channels);
  for (int ch = 0; ch < channels; ++ch) bias64[ch] = int64_t{bias32[ch]} * 37;
  const auto bias_f = random_floats(rng, channels, -0.5f, 0.5f);
  // Asymmetric hybrid rows are more interesting when not centred on zero.
  const auto in_f = random_floats(rng, in_count, v.asymmetric ? -0.3f : -1.0f, 1.0f);
  const auto w_f = random_floats(rng, filter_count, -1.0f, 1.0f);
  std::vector<float> in_abs(in_f), w_abs(w_f);
  for (auto& x : in_abs) x = std::abs(x);
  for (auto& x : w_abs) x = std::abs(x);
  ConvParams cp_abs = cp;  // no clamp, no bias: sum of |terms|
  cp_abs.float_out = FloatOutput{};
  FullyConnectedParams fp_abs;
  std::vector<float> magnitude(out_count);
  const auto in8 = random_ints<int8_t>(rng, in_count, -128, 127);
  const auto in16 = random_ints<int16_t>(rng, in_count, -32768, 32767);

  std::vector<uint8_t> scratch;
  auto make_scratch = [&](size_t bytes) {
    scratch.assign(bytes, 0xCD);
    return bytes ? static_cast<void*>(scratch.data()) : nullptr;
  };

  switch (v.kernel) {
    case Kernel::kConvF32: {
      std::vector<float> r(out_count), f(out_count);
      ref::conv2d_f32(cp, in_shape, in_f.data(), filter_shape, w_f.data(), bias_f.data(), out_shape,
                      r.data());
      void* s = make_scratch(
          fast::conv2d_f32_scratch_bytes(cp, in_shape, filter_shape, out_shape, v.threads));
      fast::conv2d_f32(cp, in_shape, in_f.data(), filter_shape, w_f.data(), bias_f.data(),
                       out_shape, f.data(), s, v.threads);
      ref::conv2d_f32(cp_abs, in_shape, in_abs.data(), filter_shape, w_abs.data(), nullptr,
                      out_shape, magnitude.data());
      expect_float_close(f, r, magnitude);
      break;
    }
    case Kernel::kConvS8: {
      std::vector<int8_t> r(out_count), f(out_count);
      ref::conv2d_s8(cp, in_shape, in8.data(), filter_shape, w8.data(), bias32.data(), out_shape,
                     r.data());
      const auto packed = fast::pack_conv2d_s8(cp, filter_shape, w8.data(), bias32.data(), v.isa);
      ASSERT_EQ(packed.isa, v.isa);
      void* s = make_scratch(
          fast::conv2d_s8_scratch_bytes(cp, packed, in_shape, filter_shape, out_shape, v.threads));
      fast::conv2d_s8(cp, packed, in_shape, in8.data(), filter_shape, out_shape, f.data(), s,
                      v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kConvS16x8: {
      std::vector<int16_t> r(out_count), f(out_count);
      ref::conv2d_s16x8(cp, in_shape, in16.data(), filter_shape, w8.data(), bias64.data(),
                        out_shape, r.data());
      void* s = make_scratch(
          fast::conv2d_s16x8_scratch_bytes(cp, in_shape, filter_shape, out_shape, v.threads));
      fast::conv2d_s16x8(cp, in_shape, in16.data(), filter_shape, w8.data(), bias64.data(),
                         out_shape, f.data(), s, v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kConvHybrid: {
      std::vector<float> r(out_count), f(out_count);
      ref::conv2d_hybrid(cp, in_shape, in_f.data(), filter_shape, w8.data(), bias_f.data(),
                         out_shape, r.data());
      const auto packed = fast::pack_conv2d_hybrid(cp, filter_shape, w8.data(), v.isa);
      void* s = make_scratch(fast::conv2d_hybrid_scratch_bytes(cp, packed, in_shape, filter_shape,
                                                               out_shape, v.threads));
      fast::conv2d_hybrid(cp, packed, in_shape, in_f.data(), filter_shape, bias_f.data(), out_shape,
                          f.data(), s, v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kDepthwiseF32: {
      std::vector<float> r(out_count), f(out_count);
      ref::depthwise_conv2d_f32(cp, in_shape, in_f.data(), filter_shape, w_f.data(), bias_f.data(),
                                out_shape, r.data());
      void* s = make_scratch(fast::depthwise_conv2d_f32_scratch_bytes(cp, in_shape, filter_shape,
                                                                      out_shape, v.threads));
      fast::depthwise_conv2d_f32(cp, in_shape, in_f.data(), filter_shape, w_f.data(), bias_f.data(),
                                 out_shape, f.data(), s, v.threads);
      ref::depthwise_conv2d_f32(cp_abs, in_shape, in_abs.data(), filter_shape, w_abs.data(),
                                nullptr, out_shape, magnitude.data());
      expect_float_close(f, r, magnitude);
      break;
    }
    case Kernel::kDepthwiseS8: {
      std::vector<int8_t> r(out_count), f(out_count);
      ref::depthwise_conv2d_s8(cp, in_shape, in8.data(), filter_shape, w8.data(), bias32.data(),
                               out_shape, r.data());
      const auto packed =
          fast::pack_depthwise_conv2d_s8(cp, filter_shape, w8.data(), bias32.data(), v.isa);
      void* s = make_scratch(fast::depthwise_conv2d_s8_scratch_bytes(
          cp, packed, in_shape, filter_shape, out_shape, v.threads));
      fast::depthwise_conv2d_s8(cp, packed, in_shape, in8.data(), filter_shape, out_shape, f.data(),
                                s, v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kDepthwiseS16x8: {
      std::vector<int16_t> r(out_count), f(out_count);
      ref::depthwise_conv2d_s16x8(cp, in_shape, in16.data(), filter_shape, w8.data(), bias64.data(),
                                  out_shape, r.data());
      void* s = make_scratch(fast::depthwise_conv2d_s16x8_scratch_bytes(cp, in_shape, filter_shape,
                                                                        out_shape, v.threads));
      fast::depthwise_conv2d_s16x8(cp, in_shape, in16.data(), filter_shape, w8.data(),
                                   bias64.data(), out_shape, f.data(), s, v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kFcF32: {
      std::vector<float> r(out_count), f(out_count);
      ref::fully_connected_f32(fp, batches, depth, units, in_f.data(), w_f.data(), bias_f.data(),
                               r.data());
      void* s =
          make_scratch(fast::fully_connected_f32_scratch_bytes(batches, depth, units, v.threads));
      fast::fully_connected_f32(fp, batches, depth, units, in_f.data(), w_f.data(), bias_f.data(),
                                f.data(), s, v.threads);
      ref::fully_connected_f32(fp_abs, batches, depth, units, in_abs.data(), w_abs.data(), nullptr,
                               magnitude.data());
      expect_float_close(f, r, magnitude);
      break;
    }
    case Kernel::kFcS8: {
      std::vector<int8_t> r(out_count), f(out_count);
      ref::fully_connected_s8(fp, batches, depth, units, in8.data(), w8.data(), bias32.data(),
                              r.data());
      const auto packed =
          fast::pack_fully_connected_s8(fp, depth, units, w8.data(), bias32.data(), v.isa);
      void* s = make_scratch(fast::fully_connected_s8_scratch_bytes(packed, batches, v.threads));
      fast::fully_connected_s8(fp, packed, batches, in8.data(), f.data(), s, v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kFcS16x8: {
      std::vector<int16_t> r(out_count), f(out_count);
      ref::fully_connected_s16x8(fp, batches, depth, units, in16.data(), w8.data(), bias64.data(),
                                 r.data());
      void* s =
          make_scratch(fast::fully_connected_s16x8_scratch_bytes(batches, depth, units, v.threads));
      fast::fully_connected_s16x8(fp, batches, depth, units, in16.data(), w8.data(), bias64.data(),
                                  f.data(), s, v.threads);
      expect_exact(f, r);
      break;
    }
    case Kernel::kFcHybrid: {
      std::vector<float> r(out_count), f(out_count);
      ref::fully_connected_hybrid(fp, batches, depth, units, in_f.data(), w8.data(), bias_f.data(),
                                  r.data());
      const auto packed = fast::pack_fully_connected_hybrid(fp, depth, units, w8.data(), v.isa);
      void* s =
          make_scratch(fast::fully_connected_hybrid_scratch_bytes(packed, batches, v.threads));
      fast::fully_connected_hybrid(fp, packed, batches, in_f.data(), bias_f.data(), f.data(), s,
                                   v.threads);
      expect_exact(f, r);
      break;
    }
  }
}

std::string name_of(const ::testing::TestParamInfo<std::tuple<Variant, Case>>& info) {
  const Variant& v = std::get<0>(info.param);
  std::string name = std::string(kernel_name(v.kernel)) + "_" + fast::isa_name(v.isa) + "_t" +
                     std::to_string(v.threads);
  if (is_hybrid(v.kernel)) name += v.asymmetric ? "_asym" : "_sym";
  return name + "_" + std::get<1>(info.param).name;
}

INSTANTIATE_TEST_SUITE_P(AllVariants, KernelConformance,
                         ::testing::Combine(::testing::ValuesIn(variants()),
                                            ::testing::ValuesIn(cases())),
                         name_of);

TEST(KernelDispatch, PortableAlwaysAvailableAndBestIsSupported) {
  const auto isas = fast::supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::kPortable);
  EXPECT_TRUE(fast::isa_supported(fast::best_isa()));
  // Packing for an ISA the CPU lacks falls back to portable instead of crashing.
  const int8_t w[4] = {1, 2, 3, 4};
  FullyConnectedParams p;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot}) {
    const auto packed = fast::pack_fully_connected_s8(p, 2, 2, w, nullptr, isa);
    EXPECT_TRUE(fast::isa_supported(packed.isa));
    EXPECT_GT(packed.bytes(), 0u);
  }
}

TEST(KernelDispatch, NeonOnAarch64) {
#if defined(__aarch64__)
  // NEON is mandatory in AArch64: it is supported and beats the portable micro-kernel.
  EXPECT_TRUE(fast::isa_supported(Isa::kNeon));
  EXPECT_TRUE(fast::best_isa() == Isa::kNeon || fast::best_isa() == Isa::kNeonDot);
  // SDOT counts as supported only when NEON is.
  if (fast::isa_supported(Isa::kNeonDot)) {
    EXPECT_EQ(fast::best_isa(), Isa::kNeonDot);
  }
#elif !defined(__arm__)
  EXPECT_FALSE(fast::isa_supported(Isa::kNeon));
  EXPECT_FALSE(fast::isa_supported(Isa::kNeonDot));
#endif
  EXPECT_STREQ(fast::isa_name(Isa::kNeon), "neon");
  EXPECT_STREQ(fast::isa_name(Isa::kNeonDot), "neondot");
}

}  // namespace
}  // namespace edge::nn
