// The op layer: one OpKernel per operator of the graph, TFLite's Prepare/Eval split.
//
// prepare() runs once, when the interpreter is built: it validates the operator
// against the model IR (input/output counts, types, shapes: the output shape is
// computed from the inputs and options and compared with the stored one; quant
// params present where needed, per-channel sizes, activation), precomputes
// multipliers, shifts, LUTs and packed weights, and declares the scratch bytes its
// eval needs. Every failure throws edge::Error through OpContext::fail(), naming
// the model, the operator index and op, and what was expected and found.
// eval() runs per invoke: it only computes (no checks, no allocation, no throw),
// reading and writing tensor data through the pointers the interpreter gives it.
//
// Thread safety: an OpKernel belongs to one interpreter; eval is not reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/model.h"

namespace edge {
namespace nn {

enum class KernelSet : uint8_t { kReference, kFast };

// TFLite's SVDF code: not in the IR's Op enum yet, run by the engine.
constexpr Op kOpSvdf = static_cast<Op>(27);

// What prepare() sees: the model, the operator and the interpreter's options.
class OpContext {
 public:
  OpContext(const Model& model, int op_index, KernelSet kernels, int threads)
      : model_(model), op_index_(op_index), kernels_(kernels), threads_(threads) {}

  const Model& model() const { return model_; }
  const Operator& op() const { return model_.operators()[static_cast<size_t>(op_index_)]; }
  int op_index() const { return op_index_; }
  KernelSet kernels() const { return kernels_; }
  int threads() const { return threads_; }

  size_t num_inputs() const { return op().inputs.size(); }
  size_t num_outputs() const { return op().outputs.size(); }
  // Tensor index of input k, -1 when absent or k out of range.
  int32_t input_index(size_t k) const;
  int32_t output_index(size_t k) const;
  // Input k; throws when it is absent.
  const Tensor& input(size_t k) const;
  const Tensor* optional_input(size_t k) const;  // nullptr when absent
  const Tensor& output(size_t k) const;

  // Throws edge::Error("<model>: operator <i> (<OP>): <what>").
  template <typename... Parts>
  [[noreturn]] void fail(Parts&&... parts) const {
    throw Error(msg(model_.source(), ": operator ", op_index_, " (", op().name(),
                    "): ", std::forward<Parts>(parts)...));
  }

  // Common checks, each failing with a message that names the tensor.
  void require_counts(size_t min_inputs, size_t max_inputs, size_t outputs) const;
  void require_type(const Tensor& t, const char* role, DType type) const;
  void require_same_shape(const Tensor& a, const char* role_a, const Tensor& b,
                          const char* role_b) const;
  void require_shape(const Tensor& t, const char* role, const Shape& expected) const;
  void require_rank(const Tensor& t, const char* role, size_t rank) const;
  // Per-tensor quantization with a positive scale; returns it.
  float require_per_tensor_quant(const Tensor& t, const char* role) const;
  int32_t zero_point(const Tensor& t) const;  // 0 when not quantized
  void require_constant(const Tensor& t, const char* role) const;

 private:
  const Model& model_;
  int op_index_;
  KernelSet kernels_;
  int threads_;
};

// Data pointers of the graph's tensors for eval(), indexed by tensor index, and
// this op's scratch buffer (16-byte aligned, at least the declared bytes).
struct EvalContext {
  uint8_t* const* tensor_data = nullptr;
  void* scratch = nullptr;

  template <typename T>
  T* data(int32_t tensor_index) const {
    return reinterpret_cast<T*>(tensor_data[tensor_index]);
  }
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual void prepare(const OpContext& ctx) = 0;
  virtual void eval(const EvalContext& ctx) = 0;
  // Scratch bytes eval needs (valid after prepare).
  virtual size_t scratch_bytes() const { return 0; }
  // Multiply-accumulates per eval: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and
  // SVDF count one per weight use (output elements x reduction length); other ops 0.
  virtual int64_t macs() const { return 0; }
  // Heap bytes held outside the arena (packed weights, LUTs), for memory reports.
  virtual size_t persistent_bytes() const { return 0; }
  // True when the output may share the input's memory (RESHAPE, SQUEEZE): eval
  // then copies only when the pointers differ.
  virtual bool output_aliases_input() const { return false; }
  // Forgets state kept across invokes outside variable tensors (the noise estimate of
  // SignalFilterBankSpectralSubtraction), as TFLM's Reset does. Called after prepare and
  // by Interpreter::reset_state().
  virtual void reset_state() {}
};

// A kernel for the operator, or nullptr when the engine has none.
std::unique_ptr<OpKernel> create_op_kernel(const Operator& op);

// Factories per op family (core/runtime/nn/ops/*.cc).
std::unique_ptr<OpKernel> make_conv_op(Op op);          // CONV_2D, DEPTHWISE_CONV_2D
std::unique_ptr<OpKernel> make_fully_connected_op();    // FULLY_CONNECTED
std::unique_ptr<OpKernel> make_pool_op(Op op);          // AVERAGE/MAX_POOL_2D
std::unique_ptr<OpKernel> make_softmax_op();            // SOFTMAX
std::unique_ptr<OpKernel> make_activation_op(Op op);    // RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH
std::unique_ptr<OpKernel> make_elementwise_op(Op op);   // ADD, MUL, DIV, MINIMUM, MAXIMUM
std::unique_ptr<OpKernel> make_shape_op(Op op);         // RESHAPE, SQUEEZE
std::unique_ptr<OpKernel> make_concatenation_op();      // CONCATENATION
std::unique_ptr<OpKernel> make_pad_op();                // PAD
std::unique_ptr<OpKernel> make_mean_op();               // MEAN
std::unique_ptr<OpKernel> make_quantize_op(Op op);      // QUANTIZE, DEQUANTIZE
std::unique_ptr<OpKernel> make_svdf_op();               // SVDF (integer)
std::unique_ptr<OpKernel> make_cast_op();               // CAST
std::unique_ptr<OpKernel> make_strided_slice_op();      // STRIDED_SLICE
std::unique_ptr<OpKernel> make_signal_op(CustomOp op);  // TFLM's signal library

}  // namespace nn
}  // namespace edge
