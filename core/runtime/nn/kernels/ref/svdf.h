// Reference integer SVDF (TFLite builtin 27) as TensorFlow Lite Micro's
// EvalIntegerSvdfReference: int8 input and output, int8 feature weights, int16
// (or int8) time weights and activation state, int32 bias. Used by the
// keyword_scrambled models.
//
// Per invoke: the state [batches, filters, memory] shifts one step left; the
// feature matmul (int32, requantized by effective_scale_1 into the state's type,
// + state zero point) fills the newest column; the time matmul over memory gives
// one int32 per filter; filters are summed per unit in groups of `rank`, bias
// added, requantized by effective_scale_2, + output zero point, clamped to int8.
// As TFLite's integer kernel, the fused activation is not applied here: the
// converter folds RELU into the output range (zero point -128).
// The state is read and written in place (it lives across invokes). scratch holds
// batches * filters + batches * units int32 values. Nothing here allocates or
// throws. Thread-safe for distinct state/scratch buffers.
#pragma once

#include <cstdint>

namespace edge {
namespace nn {
namespace ref {

struct SvdfS8Params {
  int32_t batches = 1;
  int32_t input_size = 1;
  int32_t filters = 1;  // units * rank
  int32_t units = 1;
  int32_t rank = 1;
  int32_t memory = 1;
  int32_t input_zero_point = 0;
  int32_t state_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier_1 = 0;  // input_scale * feature_scale / state_scale
  int32_t shift_1 = 0;
  int32_t multiplier_2 = 0;  // state_scale * time_scale / output_scale
  int32_t shift_2 = 0;
};

inline int64_t svdf_scratch_elements(const SvdfS8Params& p) {
  return int64_t{p.batches} * p.filters + int64_t{p.batches} * p.units;
}

void svdf_s8_state16(const SvdfS8Params& p, const int8_t* input, const int8_t* weights_feature,
                     const int16_t* weights_time, const int32_t* bias, int16_t* state,
                     int32_t* scratch, int8_t* output);
void svdf_s8_state8(const SvdfS8Params& p, const int8_t* input, const int8_t* weights_feature,
                    const int8_t* weights_time, const int32_t* bias, int8_t* state,
                    int32_t* scratch, int8_t* output);

}  // namespace ref
}  // namespace nn
}  // namespace edge
