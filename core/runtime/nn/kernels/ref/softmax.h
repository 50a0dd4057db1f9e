// Reference SOFTMAX kernels with TensorFlow Lite's reference semantics
// (reference_ops::Softmax for float and int8 input, reference_ops::SoftmaxInt16).
// Softmax runs over the innermost dimension: `rows` rows of `depth` values.
//
// int8 input (TFLite's fixed-point path, bit-exact): input differences to the
//   row maximum are scaled by beta * input_scale into Q5.26 (softmax_prepare_s8),
//   exp() in gemmlowp fixed point, the sum in Q12.19, its reciprocal by Newton-
//   Raphson; differences below diff_min contribute nothing. Output int8
//   (scale 1/256, zero point -128) or int16 (scale 1/65536, zero point -32768).
// int16 input (bit-exact with TFLite's SoftmaxInt16): exp() and 1/(1+x) from
//   513-entry LUTs built as TFLite's gen_lut builds them in double precision
//   (TFLite Micro builds them in float; edgestream follows TFLite). Input and
//   output zero point 0, output scale 1/32768.
// Nothing here allocates or throws except the prepare functions, which throw
// edge::Error for a non-positive or non-finite beta/scale. Thread-safe.
#pragma once

#include <cstdint>

namespace edge {
namespace nn {
namespace ref {

struct SoftmaxS8Params {
  int32_t input_multiplier = 0;  // beta * input_scale * 2^26 as Q31 mantissa...
  int32_t input_left_shift = 0;  // ...and its left shift
  int32_t diff_min = 0;          // differences below this give exp() = 0
};

// TFLite's PreprocessSoftmaxScaling (5 integer bits) and CalculateInputRadius.
SoftmaxS8Params softmax_prepare_s8(float beta, float input_scale);

struct SoftmaxS16Params {
  int32_t input_multiplier = 0;
  int32_t input_left_shift = 0;          // TFLite's shift convention (positive = left)
  int16_t exp_lut[513];                  // exp(x) on [-10, 0], Q0.15
  int16_t one_over_one_plus_x_lut[513];  // 1/(1+x) on [0, 1], Q0.15
};

// Fills params: input_scale * beta / (10 / 65535) as multiplier and shift, and the LUTs.
void softmax_prepare_s16(float beta, float input_scale, SoftmaxS16Params* params);

void softmax_f32(float beta, int rows, int depth, const float* in, float* out);
void softmax_s8(const SoftmaxS8Params& params, int rows, int depth, const int8_t* in, int8_t* out);
void softmax_s8_s16(const SoftmaxS8Params& params, int rows, int depth, const int8_t* in,
                    int16_t* out);
void softmax_s16(const SoftmaxS16Params& params, int rows, int depth, const int16_t* in,
                 int16_t* out);

// TFLite's gen_lut for an int16 -> int16 table of 513 entries over [input_min, input_max]
// with output range [-1, 1] (Q0.15), and its interpolating lookup. Exposed for tests.
void gen_lut_s16(double (*func)(double), double input_min, double input_max, int16_t* lut);
int16_t lut_lookup_s16(int16_t value, const int16_t* lut);

}  // namespace ref
}  // namespace nn
}  // namespace edge
