// What a streaming classifier does around Interpreter::invoke(), without
// GStreamer: decide whether a stream's tensor fits a model input (and how to
// convert it), write it in, read outputs as float scores, pick the top k, and
// read a labels file. edgeinfer (plugins/gstedgeinfer.cc) is a thin adapter
// over these.
//
// Fitting a stream tensor to a model input (fit_input):
//   shape  the shapes are equal once every dimension of 1 is dropped: leading
//          ones (NNStreamer pads ranks with 1s), trailing ones (a single channel:
//          a [49, 40] stream into a [1, 49, 40, 1] input) and inner ones (a
//          [119, 6] IMU window into the [1, 119, 1, 6] input of a 1-D conv net
//          over time); the row-major bytes are the same either way, so only the
//          order of the other dimensions is checked (a [96, 96] stream fits
//          [1, 96, 1, 96] as it fits [1, 96, 96, 1]: which axis is channels
//          is the model's business). Or the model input is a flat vector
//          ([1, N] or [N]) and the stream has N elements in any shape (row-major
//          bytes are identical, e.g. a 49x40 feature map into [1, 1960]).
//   type   the model's type is copied as is; a float32 stream into an int8 or
//          int16 model input with per-tensor quantization is quantized with
//          the input's scale and zero point (round half away from zero,
//          saturating; NaN becomes the zero point), as TFLite's QUANTIZE.
// Anything else throws edge::Error stating both shapes and types.
//
// Thread safety: all functions are reentrant. write_input, outputs_to_float
// and top_k do not allocate once their output vectors have capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.h"
#include "tensor/tensor.h"

namespace edge::nn {

enum class InputConversion : uint8_t {
  kCopy,      // same type: bytes copied
  kQuantize,  // float32 stream quantized into an int8/int16 input
};

// How a stream tensor of stream_type/stream_shape fits model input `input`
// (named input_index of model `model_name` in messages). Throws edge::Error
// naming both shapes and types when it does not fit.
InputConversion fit_input(DType stream_type, const Shape& stream_shape, const Tensor& input,
                          size_t input_index, const std::string& model_name);

// True for a flat input ([N], [1, N], [N, 1]...: at most one dimension other than 1), which
// takes a stream tensor of any shape with N elements.
bool takes_any_shape(const Tensor& input);

// Bytes a stream tensor of that type must have to fill `input`.
size_t stream_bytes(DType stream_type, const Tensor& input);

// Writes one stream tensor (stream_bytes(...) bytes at src) into the model
// input's data at dst.
void write_input(InputConversion conversion, const void* src, const Tensor& input, void* dst);

// True when values of this type can be read as float scores.
bool float_readable(DType type);

// Reads tensor t (its data at data) as floats into out (t.elements() values):
// quantized int8/uint8/int16/int32 are dequantized with their per-tensor scale
// and zero point, float16 converted, unquantized integers and bool cast.
// Precondition: float_readable(t.type) and per-tensor (or no) quantization.
void tensor_to_float(const Tensor& t, const void* data, float* out);

struct ScoredClass {
  int32_t index = 0;
  float score = 0.0f;
};

// The k highest scores, best first; equal scores keep the lower index first;
// NaN scores rank last. k is clipped to n. out is resized to the result.
void top_k(const float* scores, size_t n, size_t k, std::vector<ScoredClass>* out);

// One label per line (UTF-8; a trailing CR is dropped; trailing empty lines are
// not labels). Throws edge::Error naming the file when it cannot be read, is not a
// regular file (a FIFO or device is refused without reading), is larger than
// max_bytes, or holds no label.
constexpr size_t kMaxLabelsFileBytes = 1 << 20;  // ~100,000 labels
std::vector<std::string> read_labels_file(const std::string& path,
                                          size_t max_bytes = kMaxLabelsFileBytes);

}  // namespace edge::nn
