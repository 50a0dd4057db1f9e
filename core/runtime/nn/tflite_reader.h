// Reads a TensorFlow Lite model (.tflite, schema version 3) into the engine's
// model IR (core/runtime/nn/model.h), verifying everything before anything can run.
//
// Files are untrusted. The reader first runs the FlatBuffers verifier over the
// whole buffer (bounded depth and table count), then checks every field it uses:
//   - schema version 3, at least one subgraph (subgraph 0 runs);
//   - every tensor of subgraph 0: a type the engine knows, rank <= kMaxRank,
//     dimensions >= 0 (> 0 for non-constant tensors), element count <= INT32_MAX
//     and byte size without overflow, no dynamic dimension (shape_signature -1
//     where the shape is not known), buffer index in range, no sparsity;
//     a constant's data exactly its byte size (inline, or after the FlatBuffer
//     at Buffer.offset/size within the file);
//     quantization: scale and zero_point of equal length, 1 or the size of
//     quantized_dimension, which is in range; scales finite and > 0; zero
//     points within the tensor type's range;
//   - every operator: opcode index in range; op code = max(builtin_code,
//     deprecated_builtin_code); custom ops: TFLM's signal-library operators with
//     their FlexBuffers options verified and parsed (core/runtime/nn/custom_options.h),
//     any other custom op refused with its custom name;
//     operand indices in range (-1 only for absent optional inputs); outputs
//     not constant, not graph inputs, each tensor produced once; options of
//     the type the op takes, with valid values (strides, dilations and filter
//     sizes > 0, known padding and activation, axes within the rank...);
//   - subgraph inputs/outputs in range; operators in an executable order
//     (every non-constant input is a graph input or an earlier op's output);
//   - metadata entries: buffer index in range.
// By default an operator the engine has no kernel for is refused too
// (ReadOptions::allow_unsupported), naming the op, its index and the model;
// tools that only describe a model can allow them. Variable tensors (SVDF
// state) are accepted when they have no initial value: the interpreter owns
// and zeroes them.
//
// Every failure throws edge::Error whose message starts with the file name (or
// the name given for a memory buffer) and names the tensor (index and name) or
// operator (index and op name) and what was wrong. Never reads out of bounds.
//
// Thread safety: the functions are reentrant; the returned Model is immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "nn/model.h"

namespace edge::nn {

// Largest rank the reader accepts (TFLite's kernels stop at 6).
constexpr size_t kMaxRank = 8;
// Largest file accepted: FlatBuffers addresses at most 2 GB.
constexpr size_t kMaxModelBytes = (size_t{1} << 31) - 1;

struct ReadOptions {
  // Accept operators the engine has no kernel for (the inspect tool uses this
  // to describe any model). Custom ops, unknown tensor
  // types, sparse tensors and malformed files are refused regardless.
  bool allow_unsupported = false;
};

// True for the operators the engine runs (the list of docs/inference.md); the Operator
// form also knows the custom operators (TFLM's signal library).
bool op_supported(Op op);
bool op_supported(const Operator& op);

// Reads and verifies the file at path. The model's source() is path.
Model read_tflite_file(const std::string& path, const ReadOptions& options = {});

// Reads and verifies size bytes at data (copied; the caller keeps its buffer).
// name stands for the model in messages and source() ("<fuzz>", "<memory>").
Model read_tflite_buffer(const void* data, size_t size, const std::string& name,
                         const ReadOptions& options = {});

}  // namespace edge::nn
