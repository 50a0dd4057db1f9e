// Reference ADD, MUL, DIV, MINIMUM and MAXIMUM kernels with N-D broadcasting (NumPy
// rules, up to kMaxBroadcastRank dimensions), TensorFlow Lite's reference semantics.
//
// int32 ADD, MUL, DIV (the integer arithmetic of TFLM's audio front end): two's complement
//   wrapping where TFLite leaves overflow undefined; DIV truncates toward zero, and x / 0
//   gives 0 and INT32_MIN / -1 gives INT32_MIN (TFLite: undefined; the op layer refuses a
//   constant divisor holding 0). Then the fused activation's clamp.
// MINIMUM, MAXIMUM: on the raw values of any integer or float type (both inputs and the
//   output share one quantization, checked by the op layer), as TFLite: max = a > b ? a : b,
//   min = a < b ? a : b (so a NaN first operand yields the second).
//
// int8 ADD (bit-exact with TFLite's reference AddElementwise): both inputs are
//   offset by their zero points, shifted left by 20 bits, scaled to the common
//   scale 2 * max(s1, s2) with Q31 multipliers (rounding right shift), summed,
//   rescaled to the output and clamped to the fused activation's range.
// int8 MUL: (a - za) * (b - zb) requantized by s_a * s_b / s_out, + out zp, clamp.
// Nothing here allocates or throws except the prepare functions. Thread-safe.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace edge {
namespace nn {
namespace ref {

constexpr int kMaxBroadcastRank = 6;

// Strides of both inputs over the output shape (0 along broadcast dimensions),
// padded on the left to kMaxBroadcastRank.
struct BroadcastShape {
  int32_t out[kMaxBroadcastRank] = {1, 1, 1, 1, 1, 1};
  int64_t stride1[kMaxBroadcastRank] = {};
  int64_t stride2[kMaxBroadcastRank] = {};
};

// The broadcast output shape of a and b, or throws edge::Error naming both shapes
// when they do not broadcast or exceed kMaxBroadcastRank dimensions.
Shape broadcast_output_shape(const Shape& a, const Shape& b);
BroadcastShape make_broadcast(const Shape& a, const Shape& b);

struct ArithmeticS8Params {
  int32_t input1_offset = 0;  // -zero point
  int32_t input2_offset = 0;
  int32_t output_offset = 0;  // +zero point
  int32_t left_shift = 0;     // ADD: 20
  int32_t input1_multiplier = 0;
  int32_t input1_shift = 0;
  int32_t input2_multiplier = 0;
  int32_t input2_shift = 0;
  int32_t output_multiplier = 0;
  int32_t output_shift = 0;
  int32_t act_min = -128;
  int32_t act_max = 127;
};

// TFLite's PrepareInt8AddSub / mul Prepare multipliers (act_min/act_max left at the
// full range: the op layer sets the fused activation's range).
ArithmeticS8Params add_prepare_s8(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                  float out_scale, int32_t out_zp);
ArithmeticS8Params mul_prepare_s8(float scale1, int32_t zp1, float scale2, int32_t zp2,
                                  float out_scale, int32_t out_zp);

void add_f32(const BroadcastShape& shape, float act_min, float act_max, const float* in1,
             const float* in2, float* out);
void mul_f32(const BroadcastShape& shape, float act_min, float act_max, const float* in1,
             const float* in2, float* out);
void add_s8(const BroadcastShape& shape, const ArithmeticS8Params& params, const int8_t* in1,
            const int8_t* in2, int8_t* out);
void mul_s8(const BroadcastShape& shape, const ArithmeticS8Params& params, const int8_t* in1,
            const int8_t* in2, int8_t* out);
void div_f32(const BroadcastShape& shape, float act_min, float act_max, const float* in1,
             const float* in2, float* out);
void add_i32(const BroadcastShape& shape, int32_t act_min, int32_t act_max, const int32_t* in1,
             const int32_t* in2, int32_t* out);
void mul_i32(const BroadcastShape& shape, int32_t act_min, int32_t act_max, const int32_t* in1,
             const int32_t* in2, int32_t* out);
void div_i32(const BroadcastShape& shape, int32_t act_min, int32_t act_max, const int32_t* in1,
             const int32_t* in2, int32_t* out);

// MINIMUM (maximum = false) or MAXIMUM of elements of `type` (any DType but float16/bool).
void min_max(const BroadcastShape& shape, bool maximum, DType type, const void* in1,
             const void* in2, void* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
