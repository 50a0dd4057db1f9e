// Tensor caps: NNStreamer's `other/tensors`, so edgestream and NNStreamer elements can sit in
// one graph, with every field meaning what NNStreamer means by it.
//
//   other/tensors, format=(string)static, num_tensors=(int)1,
//     types=(string)"float32", dimensions=(string)"1:30000", framerate=(fraction)2/1
//
// `dimensions` lists each tensor's dimensions innermost first, separated by ':',
// tensors separated by ','. A buffer carries one GstMemory per tensor, in order,
// each exactly the tensor's byte size. TensorDesc::shape is outermost first
// (TFLite order): "1:173:173" <-> {173, 173, 1}.
//
// `framerate` (docs/architecture.md, "Tensor caps"): for a tensor that holds a run of frames
// (C channels innermost, then N frames: "C:N"), the frames per second, whatever N is; this is
// what NNStreamer's tensor_converter writes for audio (the sample rate, frames-per-tensor
// notwithstanding) and what tensor_aggregator keeps when it changes N. A tensor that is one
// unit (an edgewindow window, a feature patch, a model's scores) is one frame, so its
// framerate is tensors per second. 0/1: unknown or irregular.
// Also read: the legacy single-tensor caps `other/tensor, type=..., dimension=...,
// framerate=...` (as other/tensors with one tensor), and, by the elements that can take a
// shape per buffer (tensors_caps_parse_any), `format=flexible`, where each tensor's memory
// starts with NNStreamer's 128-byte header (core/runtime/tensor/nns_header.h). format=sparse
// is refused naming tensor_sparse_dec.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "tensor/tensor.h"

#define EDGE_TENSORS_MIME "other/tensors"
#define EDGE_TENSOR_LEGACY_MIME "other/tensor"
// Pad template caps for any static tensor stream, the legacy single-tensor caps included.
#define EDGE_TENSORS_TEMPLATE_CAPS                                  \
  "other/tensors, format=(string)static, num_tensors=(int)[1,16], " \
  "framerate=(fraction)[0/1,2147483647/1]; "                        \
  "other/tensor, framerate=(fraction)[0/1,2147483647/1]"
// Flexible tensors (a header in front of each tensor's data).
#define EDGE_TENSORS_FLEXIBLE_CAPS \
  "other/tensors, format=(string)flexible, framerate=(fraction)[0/1,2147483647/1]"

namespace edge::gst {

struct TensorDesc {
  DType type = DType::kFloat32;
  Shape shape;  // outermost first

  size_t byte_size() const { return static_cast<size_t>(shape_elements(shape)) * dtype_size(type); }
};

struct TensorsInfo {
  std::vector<TensorDesc> tensors;  // empty for flexible caps: each buffer says
  int rate_n = 0;                   // framerate (see above); 0/1: unknown or irregular
  int rate_d = 1;
  bool flexible = false;  // format=flexible
};

// "1:173:173" <-> {173, 173, 1}: core/runtime/tensor/tensor.h (graph checks use them too).
using edge::dims_from_string;
using edge::dims_to_string;

// Shapes equal once leading (outermost) 1s are dropped: NNStreamer pads ranks with 1s.
bool shapes_match(const Shape& a, const Shape& b);

// Fixed caps for info (static, or with info.flexible "other/tensors, format=flexible").
GstCaps* tensors_caps_new(const TensorsInfo& info);
// Parses fixed static other/tensors caps or legacy other/tensor caps. On failure returns
// false and says why in *error (for flexible or sparse tensors: what to put in between).
bool tensors_caps_parse(const GstCaps* caps, TensorsInfo* info, std::string* error);
// The same, and format=flexible too (info->flexible, no tensors: read each buffer's header
// with flexible_tensor_info).
bool tensors_caps_parse_any(const GstCaps* caps, TensorsInfo* info, std::string* error);

// The type and shape of tensor `index` of a flexible buffer, from its header, and the
// header's size (the data follows it in the same memory). False with why in *error.
bool flexible_tensor_info(GstBuffer* buffer, guint index, TensorDesc* desc, gsize* header_size,
                          std::string* error);
// A memory holding NNStreamer's header for desc followed by `data` (desc.byte_size() bytes).
GstMemory* flexible_memory_new(const TensorDesc& desc, const void* data);
// "float32 1:173:173 @ 2/1" for messages and logs.
std::string tensors_info_to_string(const TensorsInfo& info);

// A buffer with one allocated GstMemory per tensor of info, not yet filled.
GstBuffer* tensors_buffer_new(const TensorsInfo& info);

// caps with the framerate of `from` (fixed or a range) on every structure, made writable when
// needed (a new reference then; caps are unchanged when `from` is null or has no framerate).
GstCaps* caps_with_framerate_of(GstCaps* caps, const GstStructure* from);

// Sets info's framerate to one tensor every `frames` frames of a `rate` frames-per-second
// stream (rate / frames, reduced: an edgewindow window per hop, a spectrum patch per patch
// hop). False, info untouched, when the reduced denominator does not fit a gint.
bool set_tensor_every(TensorsInfo* info, int64_t frames, int rate);

// A stream of frames (one sample of each of C channels): interleaved audio/x-raw F32LE or
// S16LE, or a tensor stream of one tensor "C:N..." (the innermost dimension is the channel
// count, the rest N frames) whose framerate counts frames per second (the rule above),
// static, legacy or flexible. What edgewindow takes.
struct FrameFormat {
  int channels = 0;  // 0 for flexible tensors until a buffer's header says (flexible_frames)
  int rate = 0;      // frames per second
  DType type = DType::kFloat32;  // of one sample: float32 for F32LE, int16 for S16LE
  bool tensors = false;          // a tensor stream
  bool flexible = false;         // ... whose buffers carry NNStreamer's header
};
// Reads fixed caps as a frame stream. False with why in *error: other media, no rate or
// channels, not one tensor, a framerate that is not a whole number of frames per second.
bool frame_format_from_caps(const GstCaps* caps, FrameFormat* format, std::string* error);
// The channels and type of a flexible buffer's one tensor "C:N...", and the size of the
// header in front of its data. False with why in *error (not one tensor, a bad header).
bool flexible_frames(GstBuffer* buffer, int* channels, DType* type, gsize* header_size,
                     std::string* error);
// Whether a tensor of `frames` frames may last `duration` at `rate` frames per second:
// within 1 ms + 1% of frames / rate (*expected). A buffer without a duration, or of fewer than
// two frames, fits. A stream whose framerate counts tensors per second does not.
bool frames_duration_fits(GstClockTime duration, guint64 frames, int rate, GstClockTime* expected);

}  // namespace edge::gst
