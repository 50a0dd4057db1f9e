// Tensor caps: NNStreamer's static `other/tensors` format, so edgestream and
// NNStreamer elements can sit in one graph.
//
//   other/tensors, format=(string)static, num_tensors=(int)1,
//     types=(string)"float32", dimensions=(string)"1:30000", framerate=(fraction)2/1
//
// `dimensions` lists each tensor's dimensions innermost first, separated by ':',
// tensors separated by ','. A buffer carries one GstMemory per tensor, in order,
// each exactly the tensor's byte size. TensorDesc::shape is outermost first
// (TFLite order): "1:173:173" <-> {173, 173, 1}.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "tensor/tensor.h"

#define EDGE_TENSORS_MIME "other/tensors"
// Pad template caps for any static tensor stream.
#define EDGE_TENSORS_TEMPLATE_CAPS                                  \
  "other/tensors, format=(string)static, num_tensors=(int)[1,16], " \
  "framerate=(fraction)[0/1,2147483647/1]"

namespace edge::gst {

struct TensorDesc {
  DType type = DType::kFloat32;
  Shape shape;  // outermost first

  size_t byte_size() const { return static_cast<size_t>(shape_elements(shape)) * dtype_size(type); }
};

struct TensorsInfo {
  std::vector<TensorDesc> tensors;
  int rate_n = 0;  // framerate: tensors per second (0/1: unknown or irregular)
  int rate_d = 1;
};

// "1:173:173" <-> {173, 173, 1}: core/runtime/tensor/tensor.h (graph checks use them too).
using edge::dims_from_string;
using edge::dims_to_string;

// Shapes equal once leading (outermost) 1s are dropped: NNStreamer pads ranks with 1s.
bool shapes_match(const Shape& a, const Shape& b);

// Fixed caps for info.
GstCaps* tensors_caps_new(const TensorsInfo& info);
// Parses fixed other/tensors caps. On failure returns false and says why in *error.
bool tensors_caps_parse(const GstCaps* caps, TensorsInfo* info, std::string* error);
// "float32 1:173:173 @ 2/1" for messages and logs.
std::string tensors_info_to_string(const TensorsInfo& info);

// A buffer with one allocated GstMemory per tensor of info, not yet filled.
GstBuffer* tensors_buffer_new(const TensorsInfo& info);

}  // namespace edge::gst
