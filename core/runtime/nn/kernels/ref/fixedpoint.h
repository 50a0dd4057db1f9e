// Scalar int32 fixed-point arithmetic with gemmlowp's exact semantics
// (gemmlowp/fixedpoint/fixedpoint.h), for the integer SOFTMAX, LOGISTIC and
// TANH kernels, which TensorFlow Lite's reference kernels compute with
// gemmlowp::FixedPoint<int32_t, N>. Our own code, written from gemmlowp's
// documented algorithms; tests/core/test_ops_activations.cc checks it bit for
// bit against Debian's gemmlowp headers when they are installed.
//
// FixedPoint<N> holds raw / 2^(31 - N): N integer bits, 31 - N fractional bits,
// range [-2^N, 2^N). Products of FixedPoint<A> and FixedPoint<B> are
// FixedPoint<A + B> (SaturatingRoundingDoublingHighMul of the raw values).
// Additions wrap like gemmlowp's two's-complement int32 adds, but without
// undefined behaviour. All functions are pure, inline and thread-safe.
#pragma once

#include <cstdint>
#include <limits>

namespace edge {
namespace nn {
namespace fixedpoint {

inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

// (a * b * 2) / 2^32 rounded half away from zero; INT32_MIN * INT32_MIN saturates.
inline int32_t srdhm(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = int64_t{a} * int64_t{b};
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * 2^exponent, saturating for exponent > 0, rounding for exponent < 0.
template <int Exponent>
inline int32_t saturating_rounding_multiply_by_pot(int32_t x) {
  if constexpr (Exponent > 0) {
    const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - Exponent)) - 1);
    if (x > threshold) return std::numeric_limits<int32_t>::max();
    if (x < -threshold) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(static_cast<uint32_t>(x) << Exponent);
  } else if constexpr (Exponent < 0) {
    return rounding_divide_by_pot(x, -Exponent);
  } else {
    return x;
  }
}

template <int IntegerBits>
struct FixedPoint {
  static_assert(IntegerBits >= 0 && IntegerBits < 32, "bad integer bits");
  static constexpr int kIntegerBits = IntegerBits;
  static constexpr int kFractionalBits = 31 - IntegerBits;
  int32_t raw = 0;

  static FixedPoint from_raw(int32_t r) {
    FixedPoint f;
    f.raw = r;
    return f;
  }
  static FixedPoint zero() { return from_raw(0); }
  static FixedPoint one() {
    return from_raw(IntegerBits == 0 ? std::numeric_limits<int32_t>::max()
                                     : (int32_t{1} << kFractionalBits));
  }
  template <int Exponent>
  static FixedPoint constant_pot() {
    static_assert(kFractionalBits + Exponent < 31, "constant not representable");
    return from_raw(int32_t{1} << (kFractionalBits + Exponent));
  }
};

template <int N>
inline FixedPoint<N> operator+(FixedPoint<N> a, FixedPoint<N> b) {
  return FixedPoint<N>::from_raw(wrap_add(a.raw, b.raw));
}
template <int N>
inline FixedPoint<N> operator-(FixedPoint<N> a, FixedPoint<N> b) {
  return FixedPoint<N>::from_raw(wrap_sub(a.raw, b.raw));
}
template <int N>
inline FixedPoint<N> operator-(FixedPoint<N> a) {
  return FixedPoint<N>::from_raw(wrap_sub(0, a.raw));
}
template <int A, int B>
inline FixedPoint<A + B> operator*(FixedPoint<A> a, FixedPoint<B> b) {
  return FixedPoint<A + B>::from_raw(srdhm(a.raw, b.raw));
}

// Changes the number of integer bits, keeping the value (saturating/rounding).
template <int Dst, int Src>
inline FixedPoint<Dst> rescale(FixedPoint<Src> x) {
  return FixedPoint<Dst>::from_raw(saturating_rounding_multiply_by_pot<Src - Dst>(x.raw));
}

// Reinterprets raw bits: exact multiplication by 2^Exponent.
template <int Exponent, int N>
inline FixedPoint<N + Exponent> exact_mul_by_pot(FixedPoint<N> x) {
  return FixedPoint<N + Exponent>::from_raw(x.raw);
}

template <int Exponent, int N>
inline FixedPoint<N> saturating_rounding_multiply_by_pot(FixedPoint<N> x) {
  return FixedPoint<N>::from_raw(saturating_rounding_multiply_by_pot<Exponent>(x.raw));
}

// (a + b) / 2 rounded half away from zero.
template <int N>
inline FixedPoint<N> rounding_half_sum(FixedPoint<N> a, FixedPoint<N> b) {
  const int64_t sum = int64_t{a.raw} + int64_t{b.raw};
  const int64_t sign = sum >= 0 ? 1 : -1;
  return FixedPoint<N>::from_raw(static_cast<int32_t>((sum + sign) / 2));
}

// exp(a) for a in [-1/4, 0): Taylor expansion around -1/8.
inline FixedPoint<0> exp_on_interval_between_negative_one_quarter_and_0_excl(FixedPoint<0> a) {
  using F = FixedPoint<0>;
  const F constant_term = F::from_raw(1895147668);     // exp(-1/8)
  const F constant_1_over_3 = F::from_raw(715827883);  // 1/3
  const F x = a + F::constant_pot<-3>();
  const F x2 = x * x;
  const F x3 = x2 * x;
  const F x4 = x2 * x2;
  const F x4_over_4 = saturating_rounding_multiply_by_pot<-2>(x4);
  const F x4_over_24_plus_x3_over_6_plus_x2_over_2 =
      saturating_rounding_multiply_by_pot<-1>(((x4_over_4 + x3) * constant_1_over_3) + x2);
  return constant_term + constant_term * (x + x4_over_24_plus_x3_over_6_plus_x2_over_2);
}

// exp(a) for a <= 0 (exp(0) = One()).
template <int N>
inline FixedPoint<0> exp_on_negative_values(FixedPoint<N> a) {
  using InputF = FixedPoint<N>;
  using ResultF = FixedPoint<0>;
  constexpr int kFractionalBits = InputF::kFractionalBits;
  const InputF one_quarter = InputF::template constant_pot<-2>();
  const InputF mask = one_quarter - InputF::from_raw(1);
  const InputF a_mod_quarter_minus_one_quarter = InputF::from_raw(a.raw & mask.raw) - one_quarter;
  ResultF result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale<0>(a_mod_quarter_minus_one_quarter));
  const int32_t remainder = (a_mod_quarter_minus_one_quarter - a).raw;

  // Barrel shifter over the remaining bits: multiply by exp(-2^k) when bit k is set.
  struct Step {
    int exponent;
    int32_t multiplier;  // exp(-2^exponent) in Q0.31
  };
  static constexpr Step kSteps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084},
                                    {1, 290630308},   {2, 39332535},    {3, 720401},
                                    {4, 242}};
  for (const Step& step : kSteps) {
    if (N > step.exponent) {
      const int shift = kFractionalBits + step.exponent;
      if (remainder & static_cast<int32_t>(uint32_t{1} << shift)) {
        result = result * ResultF::from_raw(step.multiplier);
      }
    }
  }
  if constexpr (N > 5) {
    const int32_t clamp = -(int32_t{1} << (36 - N));  // -32 in FixedPoint<N>
    if (a.raw < clamp) result = ResultF::zero();
  }
  if (a.raw == 0) result = ResultF::one();
  return result;
}

// Newton-Raphson iterations shared by 1/(1+x) and (1-x)/(1+x), x in [0, 1).
inline FixedPoint<2> reciprocal_of_half_denominator(FixedPoint<0> half_denominator) {
  using F2 = FixedPoint<2>;
  const F2 constant_48_over_17 = F2::from_raw(1515870810);
  const F2 constant_neg_32_over_17 = F2::from_raw(-1010580540);
  F2 x = constant_48_over_17 + half_denominator * constant_neg_32_over_17;
  for (int i = 0; i < 3; i++) {
    const F2 half_denominator_times_x = half_denominator * x;
    const F2 one_minus_half_denominator_times_x = F2::one() - half_denominator_times_x;
    x = x + rescale<2>(x * one_minus_half_denominator_times_x);
  }
  return x;
}

// 1 / (1 + a) for a in [0, 1).
inline FixedPoint<0> one_over_one_plus_x_for_x_in_0_1(FixedPoint<0> a) {
  const FixedPoint<2> x =
      reciprocal_of_half_denominator(rounding_half_sum(a, FixedPoint<0>::one()));
  return rescale<0>(exact_mul_by_pot<-1>(x));
}

// (1 - a) / (1 + a) for a in [0, 1).
inline FixedPoint<0> one_minus_x_over_one_plus_x_for_x_in_0_1(FixedPoint<0> a) {
  const FixedPoint<2> x =
      reciprocal_of_half_denominator(rounding_half_sum(a, FixedPoint<0>::one()));
  return rescale<0>(x - FixedPoint<2>::one());
}

// logistic(a) = 1 / (1 + exp(-a)).
template <int N>
inline FixedPoint<0> logistic(FixedPoint<N> a) {
  using ResultF = FixedPoint<0>;
  if (a.raw == 0) return ResultF::from_raw(int32_t{1} << 30);  // 0.5
  const bool positive = a.raw > 0;
  const FixedPoint<N> abs_input = positive ? a : -a;
  const ResultF result_if_positive =
      one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_input));
  return positive ? result_if_positive : ResultF::one() - result_if_positive;
}

// tanh(a) = (1 - exp(-2a)) / (1 + exp(-2a)).
template <int N>
inline FixedPoint<0> tanh(FixedPoint<N> a) {
  using ResultF = FixedPoint<0>;
  if (a.raw == 0) return ResultF::zero();
  const bool negative = a.raw < 0;
  const FixedPoint<N> n = negative ? a : -a;  // n <= 0
  const ResultF t =
      one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(exact_mul_by_pot<1>(n)));
  return negative ? -t : t;
}

}  // namespace fixedpoint
}  // namespace nn
}  // namespace edge
