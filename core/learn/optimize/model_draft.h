// An editable copy of a model (core/runtime/nn/model.h). A Model is immutable once
// built; the optimizations (post-training quantization, float16, metadata)
// copy it into a Draft, edit tensors, operators and metadata freely, and build
// a new Model from it.
//
// Ownership: a Draft owns copies of all constant data and metadata bytes;
// build() copies them again into the new Model, so the Draft and the source
// model may be dropped afterwards. Not thread-safe (plain data).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.h"

namespace edge::optimize {

struct DraftTensor {
  nn::Tensor tensor;          // tensor.data/data_bytes are ignored: `data` holds the bytes
  std::vector<uint8_t> data;  // constant data, exactly tensor.byte_size() bytes when constant
};

struct DraftMetadata {
  std::string name;
  std::vector<uint8_t> data;
};

struct Draft {
  std::string source = "<memory>";
  std::string description;
  std::vector<DraftTensor> tensors;
  std::vector<nn::Operator> operators;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<DraftMetadata> metadata;

  // Appends a tensor and returns its index.
  int32_t add(DraftTensor tensor);
  // The entry of that name, or nullptr.
  DraftMetadata* find_metadata(const std::string& name);
  // Replaces (or appends) the entry of that name.
  void set_metadata(const std::string& name, const std::string& bytes);
  void remove_metadata(const std::string& name);
};

// Drops tensors no operator and no graph input/output refers to (constants an
// optimization replaced), renumbering the rest in order.
void remove_unused_tensors(Draft& draft);

// Copies everything of model (tensors with their data, operators, graph
// inputs and outputs, metadata).
Draft draft_from(const nn::Model& model);

// A new, validated Model (Model::validate(); throws edge::Error naming the
// source, operator and tensor when the draft is inconsistent).
nn::Model build(const Draft& draft);

}  // namespace edge::optimize
