#include "nn/kernels/ref/elementwise.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

// Calls fn(out_index, in1_index, in2_index) for every output element.
template <typename Fn>
void for_each_broadcast(const BroadcastShape& s, Fn&& fn) {
  int64_t out_index = 0;
  for (int32_t i0 = 0; i0 < s.out[0]; ++i0)
    for (int32_t i1 = 0; i1 < s.out[1]; ++i1)
      for (int32_t i2 = 0; i2 < s.out[2]; ++i2)
        for (int32_t i3 = 0; i3 < s.out[3]; ++i3)
          for (int32_t i4 = 0; i4 < s.out[4]; ++i4) {
            const int64_t base1 = i0 * s.stride1[0] + i1 * s.stride1[1] + i2 * s.stride1[2] +
                                  i3 * s.stride1[3] + i4 * s.stride1[4];
            const int64_t base2 = i0 * s.stride2[0] + i1 * s.stride2[1] + i2 * s.stride2[2] +
                                  i3 * s.stride2[3] + i4 * s.stride2[4];
            for (int32_t i5 = 0; i5 < s.out[5]; ++i5) {
              fn(out_index++, base1 + i5 * s.stride1[5], base2 + i5 * s.stride2[5]);
            }
          }
}

void check_scale(const char* op, const char* what, float scale) {
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    throw Error(msg(op, ": ", what, " must be positive and finite, got ", scale));
  }
}

}  // namespace

Shape broadcast_output_shape(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  if (rank > static_cast<size_t>(kMaxBroadcastRank)) {
    throw Error(msg("broadcast of ", shape_to_string(a), " and ", shape_to_string(b),
                    ": more than ", kMaxBroadcastRank, " dimensions"));
  }
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw Error(msg("shapes ", shape_to_string(a), " and ", shape_to_string(b),
                      " do not broadcast (dimension ", i, ": ", da, " vs ", db, ")"));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

BroadcastShape make_broadcast(const Shape& a, const Shape& b) {
  const Shape out = broadcast_output_shape(a, b);
  BroadcastShape s;
  const int pad = kMaxBroadcastRank - static_cast<int>(out.size());
  auto fill_strides = [&](const Shape& in, int64_t* strides) {
    int64_t stride = 1;
    for (int i = kMaxBroadcastRank - 1; i >= 0; --i) {
      const int in_pos = i - (kMaxBroadcastRank - static_cast<int>(in.size()));
      const int32_t dim = in_pos >= 0 ? in[in_pos] : 1;
      strides[i] = dim == 1 ? 0 : stride;
      stride *= dim;
    }
  };
  for (int i = 0; i < kMaxBroadcastRank; ++i) s.out[i] = i < pad ? 1 : out[i - pad];
  fill_strides(a, s.stride1);
  fill_strides(b, s.stride2);
  return s;
}

ArithmeticS8Params add_prepare_s8(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                  float out_scale, int32_t out_zp) {
  check_scale("ADD", "input 1 scale", scale1);
  check_scale("ADD", "input 2 scale", scale2);
  check_scale("ADD", "output scale", out_scale);
  ArithmeticS8Params p;
  p.input1_offset = -zp1;
  p.input2_offset = -zp2;
  p.output_offset = out_zp;
  p.left_shift = 20;
  // The same float/double mix as TFLite's PrepareInt8AddSub.
  const double twice_max_input_scale = 2 * std::max(scale1, scale2);
  const double real_input1_multiplier = scale1 / twice_max_input_scale;
  const double real_input2_multiplier = scale2 / twice_max_input_scale;
  const double real_output_multiplier =
      twice_max_input_scale / static_cast<double>((1 << p.left_shift) * out_scale);
  int shift = 0;
  quantize_multiplier(real_input1_multiplier, &p.input1_multiplier, &shift);
  p.input1_shift = shift;
  quantize_multiplier(real_input2_multiplier, &p.input2_multiplier, &shift);
  p.input2_shift = shift;
  quantize_multiplier(real_output_multiplier, &p.output_multiplier, &shift);
  p.output_shift = shift;
  if (p.input1_shift > 0 || p.input2_shift > 0 || p.output_shift > 0) {
    throw Error(msg("ADD: output scale ", out_scale, " is too small for input scales ", scale1,
                    " and ", scale2, " (the int8 kernel needs multipliers below 1)"));
  }
  return p;
}

ArithmeticS8Params mul_prepare_s8(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                  float out_scale, int32_t out_zp) {
  check_scale("MUL", "input 1 scale", scale1);
  check_scale("MUL", "input 2 scale", scale2);
  check_scale("MUL", "output scale", out_scale);
  ArithmeticS8Params p;
  p.input1_offset = -zp1;
  p.input2_offset = -zp2;
  p.output_offset = out_zp;
  const double real_multiplier = static_cast<double>(scale1 * scale2 / out_scale);
  int shift = 0;
  quantize_multiplier(real_multiplier, &p.output_multiplier, &shift);
  p.output_shift = shift;
  return p;
}

void add_f32(const BroadcastShape& shape, float act_min, float act_max, const float* in1,
             const float* in2, float* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    out[o] = std::min(std::max(in1[a] + in2[b], act_min), act_max);
  });
}

void mul_f32(const BroadcastShape& shape, float act_min, float act_max, const float* in1,
             const float* in2, float* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    out[o] = std::min(std::max(in1[a] * in2[b], act_min), act_max);
  });
}

void add_s8(const BroadcastShape& shape, const ArithmeticS8Params& p, const int8_t* in1,
            const int8_t* in2, int8_t* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    const int32_t shifted1 = (p.input1_offset + in1[a]) * (1 << p.left_shift);
    const int32_t shifted2 = (p.input2_offset + in2[b]) * (1 << p.left_shift);
    const int32_t scaled1 =
        multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
    const int32_t scaled2 =
        multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
    const int32_t raw_output =
        multiply_by_quantized_multiplier(scaled1 + scaled2, p.output_multiplier, p.output_shift) +
        p.output_offset;
    out[o] = static_cast<int8_t>(std::min(p.act_max, std::max(p.act_min, raw_output)));
  });
}

void mul_s8(const BroadcastShape& shape, const ArithmeticS8Params& p, const int8_t* in1,
            const int8_t* in2, int8_t* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    const int32_t product = (p.input1_offset + in1[a]) * (p.input2_offset + in2[b]);
    const int32_t raw_output = p.output_offset + multiply_by_quantized_multiplier(
                                                     product, p.output_multiplier, p.output_shift);
    out[o] = static_cast<int8_t>(std::min(p.act_max, std::max(p.act_min, raw_output)));
  });
}

void div_f32(const BroadcastShape& shape, float act_min, float act_max, const float* in1,
             const float* in2, float* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    out[o] = std::min(std::max(in1[a] / in2[b], act_min), act_max);
  });
}

namespace {

// Two's complement wrapping, defined for every operand (TFLite leaves overflow undefined).
int32_t wrap(uint32_t value) { return static_cast<int32_t>(value); }

int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return std::min(std::max(v, lo), hi); }

int32_t divide(int32_t a, int32_t b) {
  if (b == 0) return 0;
  if (b == -1) return wrap(0u - static_cast<uint32_t>(a));  // INT32_MIN / -1 wraps
  return a / b;
}

template <typename T>
void min_max_typed(const BroadcastShape& shape, bool maximum, const T* in1, const T* in2, T* out) {
  if (maximum) {
    for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
      out[o] = in1[a] > in2[b] ? in1[a] : in2[b];
    });
  } else {
    for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
      out[o] = in1[a] < in2[b] ? in1[a] : in2[b];
    });
  }
}

}  // namespace

void add_i32(const BroadcastShape& shape, int32_t act_min, int32_t act_max, const int32_t* in1,
             const int32_t* in2, int32_t* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    const int32_t sum = wrap(static_cast<uint32_t>(in1[a]) + static_cast<uint32_t>(in2[b]));
    out[o] = clamp_i32(sum, act_min, act_max);
  });
}

void mul_i32(const BroadcastShape& shape, int32_t act_min, int32_t act_max, const int32_t* in1,
             const int32_t* in2, int32_t* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    const int32_t product = wrap(static_cast<uint32_t>(in1[a]) * static_cast<uint32_t>(in2[b]));
    out[o] = clamp_i32(product, act_min, act_max);
  });
}

void div_i32(const BroadcastShape& shape, int32_t act_min, int32_t act_max, const int32_t* in1,
             const int32_t* in2, int32_t* out) {
  for_each_broadcast(shape, [&](int64_t o, int64_t a, int64_t b) {
    out[o] = clamp_i32(divide(in1[a], in2[b]), act_min, act_max);
  });
}

void min_max(const BroadcastShape& shape, bool maximum, DType type, const void* in1,
             const void* in2, void* out) {
  switch (type) {
    case DType::kFloat32:
      return min_max_typed(shape, maximum, static_cast<const float*>(in1),
                           static_cast<const float*>(in2), static_cast<float*>(out));
    case DType::kInt8:
      return min_max_typed(shape, maximum, static_cast<const int8_t*>(in1),
                           static_cast<const int8_t*>(in2), static_cast<int8_t*>(out));
    case DType::kUInt8:
      return min_max_typed(shape, maximum, static_cast<const uint8_t*>(in1),
                           static_cast<const uint8_t*>(in2), static_cast<uint8_t*>(out));
    case DType::kInt16:
      return min_max_typed(shape, maximum, static_cast<const int16_t*>(in1),
                           static_cast<const int16_t*>(in2), static_cast<int16_t*>(out));
    case DType::kInt32:
      return min_max_typed(shape, maximum, static_cast<const int32_t*>(in1),
                           static_cast<const int32_t*>(in2), static_cast<int32_t*>(out));
    case DType::kUInt32:
      return min_max_typed(shape, maximum, static_cast<const uint32_t*>(in1),
                           static_cast<const uint32_t*>(in2), static_cast<uint32_t*>(out));
    case DType::kInt64:
      return min_max_typed(shape, maximum, static_cast<const int64_t*>(in1),
                           static_cast<const int64_t*>(in2), static_cast<int64_t*>(out));
    case DType::kUInt64:
      return min_max_typed(shape, maximum, static_cast<const uint64_t*>(in1),
                           static_cast<const uint64_t*>(in2), static_cast<uint64_t*>(out));
    case DType::kFloat16:
    case DType::kBool:
      return;  // refused by the op layer
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
