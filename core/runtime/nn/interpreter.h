// Runs a model (core/runtime/nn/model.h): builds one kernel per operator, runs every
// Prepare once, plans all activations, variables and scratch buffers into one
// 16-byte aligned arena (core/runtime/nn/planner.h), then invoke() runs the operators in
// order without allocating.
//
// Usage:
//   edge::nn::Model model = edge::nn::read_tflite_file("person_detect.tflite");
//   edge::nn::Interpreter interpreter(model, {edge::nn::KernelSet::kFast, 1});
//   std::memcpy(interpreter.input(0).data<int8_t>(), pixels, 96 * 96);
//   interpreter.invoke();
//   const int8_t* scores = interpreter.output(0).data<int8_t>();
//
// Memory: tensor data lives in the arena; buffers whose lifetimes do not overlap
// share memory, so an input's contents are only valid until invoke() has consumed
// them (write the inputs before every invoke) and outputs stay valid until the next
// write of an input or invoke(). RESHAPE/SQUEEZE outputs share their input's bytes.
// Variable tensors (SVDF state) keep their values across invokes; reset_state()
// zeroes them (their zero point, as TFLite resets them).
//
// Errors: the constructor throws edge::Error naming the model, the operator index
// and op, and what is wrong (unsupported op or type combination, inconsistent
// shapes...). invoke() does not throw.
//
// Ownership and threads: the Model must outlive the Interpreter. One Interpreter
// is used by one thread at a time; several interpreters may share one Model.
// Options::threads > 1 lets the fast CONV/DWCONV/FC kernels split their work over
// that many threads per call.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "nn/model.h"
#include "nn/ops/op.h"

namespace edge {
namespace nn {

struct InterpreterOptions {
  KernelSet kernels = KernelSet::kFast;
  int threads = 1;       // >= 1
  bool profile = false;  // record the time of every operator per invoke
};

// A view of one graph tensor: what it is and where its data lives.
class TensorView {
 public:
  TensorView(const Tensor* tensor, uint8_t* data) : tensor_(tensor), data_(data) {}

  const std::string& name() const { return tensor_->name; }
  DType type() const { return tensor_->type; }
  const Shape& shape() const { return tensor_->shape; }
  const QuantParams& quant() const { return tensor_->quant; }
  int64_t elements() const { return tensor_->elements(); }
  size_t bytes() const { return tensor_->byte_size(); }
  void* raw() const { return data_; }

  // Typed data; throws edge::Error when T does not match the tensor's type.
  template <typename T>
  T* data() const {
    check_type(sizeof(T), type_matches<T>());
    return reinterpret_cast<T*>(data_);
  }

 private:
  template <typename T>
  bool type_matches() const;
  void check_type(size_t size, bool matches) const;

  const Tensor* tensor_;
  uint8_t* data_;
};

struct OpProfile {
  int32_t op_index = 0;
  std::string op_name;
  int64_t macs = 0;
  int64_t total_ns = 0;  // summed over invokes
  int64_t invokes = 0;
};

class Interpreter {
 public:
  explicit Interpreter(const Model& model, InterpreterOptions options = {});
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  size_t input_count() const { return model_.inputs().size(); }
  size_t output_count() const { return model_.outputs().size(); }
  TensorView input(size_t i) const;  // throws edge::Error when i is out of range
  TensorView output(size_t i) const;
  // Any tensor by index (intermediate values are only valid while alive; tests).
  TensorView tensor(int32_t index) const;

  void invoke();
  void reset_state();

  size_t arena_bytes() const { return arena_bytes_; }
  // The largest total of tensor and scratch bytes alive at one operator: the
  // arena cannot be smaller than this.
  size_t arena_lower_bound() const { return arena_lower_bound_; }
  // Heap bytes outside the arena held by the kernels (packed weights, LUTs).
  size_t kernel_bytes() const;
  // Multiply-accumulates per invoke (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, SVDF).
  int64_t macs() const { return macs_; }
  const InterpreterOptions& options() const { return options_; }
  const std::vector<OpProfile>& profile() const { return profile_; }

 private:
  const Model& model_;
  InterpreterOptions options_;
  std::vector<std::unique_ptr<OpKernel>> kernels_;
  std::vector<uint8_t*> tensor_data_;  // per tensor index
  std::vector<void*> scratch_;         // per operator (nullptr when none)
  std::vector<int32_t> variables_;
  std::unique_ptr<uint8_t[]> arena_storage_;
  uint8_t* arena_ = nullptr;
  size_t arena_bytes_ = 0;
  size_t arena_lower_bound_ = 0;
  int64_t macs_ = 0;
  std::vector<OpProfile> profile_;
};

template <typename T>
bool TensorView::type_matches() const {
  switch (type()) {
    case DType::kFloat32:
      return std::is_same<T, float>::value;
    case DType::kFloat16:
      return std::is_same<T, uint16_t>::value;
    case DType::kInt8:
      return std::is_same<T, int8_t>::value;
    case DType::kUInt8:
      return std::is_same<T, uint8_t>::value;
    case DType::kInt16:
      return std::is_same<T, int16_t>::value;
    case DType::kInt32:
      return std::is_same<T, int32_t>::value;
    case DType::kInt64:
      return std::is_same<T, int64_t>::value;
    case DType::kBool:
      return std::is_same<T, bool>::value || std::is_same<T, uint8_t>::value;
    case DType::kUInt32:
      return std::is_same<T, uint32_t>::value;
    case DType::kUInt64:
      return std::is_same<T, uint64_t>::value;
  }
  return false;
}

}  // namespace nn
}  // namespace edge
