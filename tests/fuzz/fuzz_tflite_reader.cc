// libFuzzer target for the .tflite reader: any bytes must either load as a
// verified model or be refused with edge::Error; never crash, hang or read out
// of bounds. A model that loads is walked completely (every constant byte,
// every name, every metadata entry) so ASan sees any pointer the reader got
// wrong.
#include <cstddef>
#include <cstdint>

#include "common/error.h"
#include "nn/model.h"
#include "nn/tflite_reader.h"

namespace {

// Touches everything a consumer of the model may read.
size_t walk(const edge::nn::Model& model) {
  size_t sum = model.description().size() + model.parameter_bytes();
  for (const auto& t : model.tensors()) {
    sum += t.describe().size();
    if (t.is_constant) {
      for (size_t i = 0; i < t.data_bytes; ++i) sum += t.data[i];
    }
  }
  for (const auto& op : model.operators()) {
    sum += static_cast<size_t>(op.version) + op.inputs.size() + op.outputs.size();
    for (int32_t index : op.inputs)
      if (index >= 0) sum += model.tensor(index).shape.size();
    for (int32_t index : op.outputs) sum += model.tensor(index).shape.size();
    sum += op.name().size();
    for (size_t i = 0; i < op.custom_options_size; ++i) sum += op.custom_options[i];
  }
  for (const auto& entry : model.metadata()) {
    for (size_t i = 0; i < entry.size; ++i) sum += entry.data[i];
  }
  sum += model.labels().size();
  model.validate();
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Both modes: the permissive one reaches every operator code, the default
  // one the supported-op refusal.
  for (bool allow_unsupported : {true, false}) {
    edge::nn::ReadOptions options;
    options.allow_unsupported = allow_unsupported;
    try {
      const edge::nn::Model model = edge::nn::read_tflite_buffer(data, size, "<fuzz>", options);
      volatile size_t sink = walk(model);
      (void)sink;
    } catch (const edge::Error&) {
      // Refused with a message: the expected outcome for most inputs.
    }
  }
  return 0;
}
