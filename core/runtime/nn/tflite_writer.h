// Writes the engine's model IR (core/runtime/nn/model.h) as a TensorFlow Lite model
// (.tflite, FlatBuffers, schema version 3) that TFLite, TFLite Micro, Arm NN and
// edgestream's own reader (core/runtime/nn/tflite_reader.h) load.
//
// File layout, as TensorFlow's converter writes it (docs/export.md):
//   - file identifier "TFL3", Model.version 3, one subgraph "main";
//   - buffers[0] is empty; every non-constant tensor refers to it; each constant
//     tensor gets its own buffer whose data starts on a 16-byte boundary of the
//     file (so a device can use the weights in place, e.g. from flash);
//   - one OperatorCode per (op, version) pair, builtin_code = the op code and
//     deprecated_builtin_code = min(code, 127) (127 is
//     PLACEHOLDER_FOR_GREATER_OP_CODES), so runtimes from before the 2.4 schema
//     read the codes too;
//   - operator versions: by default the version TensorFlow's converter assigns
//     for the op's input/output types and options (converter_op_version());
//     WriteOptions::keep_versions writes Operator::version unchanged;
//   - metadata: every entry of the model in order, except that
//     "min_runtime_version" is (re)computed from the op versions
//     (min_runtime_version()) and written as the converter does: the version
//     string NUL-padded to 16 bytes. Each entry has its own buffer.
//   - quantization parameters: scale, zero_point and quantized_dimension only
//     (no min/max), nothing for unquantized tensors;
//   - equal shape, scale and zero-point vectors are stored once and shared by
//     the tables that use them (valid FlatBuffers, accepted by TFLite's verifier).
// Nothing else is added, so files stay as small as the data they hold.
//
// Errors: a model that fails Model::validate(), a tensor type TFLite has no code
// for, or a model larger than FlatBuffers' 2 GB throws edge::Error naming the
// model and the tensor or operator. write_tflite_file() names the path when it
// cannot write. The functions are reentrant; the model is only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.h"

namespace edge::nn {

struct WriteOptions {
  // Model.description. The converter writes "MLIR Converted.".
  std::string description = "edgestream";
  // Write Operator::version as it is instead of the converter's version.
  bool keep_versions = false;
  // Compute and write the "min_runtime_version" metadata entry (replaces an
  // existing one). When false, an existing entry is copied unchanged.
  bool min_runtime_version = true;
  // Drop the strings no runtime needs, as TensorFlow's strip_strings tool does
  // for microcontroller builds: the names of tensors that are not graph inputs
  // or outputs, the subgraph name and the description. Metadata entries stay.
  bool strip_strings = false;
};

// Name of TFLite's minimum-runtime metadata entry.
constexpr const char* kMinRuntimeVersionName = "min_runtime_version";

// The version TensorFlow's converter (tensorflow/lite/tools/versioning/op_version.cc)
// assigns to op for the types of its operands in model; ops edgestream does not
// know get their Operator::version. The table is in docs/export.md.
int32_t converter_op_version(const Model& model, const Operator& op);

// The oldest TFLite runtime that has every (op, version) of the model, from
// TensorFlow's runtime_version.cc table ("1.5.0" for a float dense network,
// "1.14.0" for int8...). Ops missing from the table count as "1.5.0".
std::string min_runtime_version(const Model& model, bool keep_versions = false);

// The .tflite bytes of model.
std::vector<uint8_t> write_tflite(const Model& model, const WriteOptions& options = {});

// Writes the .tflite bytes to path (replaced atomically through path + ".tmp").
void write_tflite_file(const Model& model, const std::string& path,
                       const WriteOptions& options = {});

}  // namespace edge::nn
