// A model of one operator, prepared by the interpreter: how operator tests
// (test_ops_integer.cc, test_signal_ops.cc) run a kernel through the whole engine (model IR,
// validation, planner, interpreter) rather than calling it directly.
//
// Each operand is a graph input (data == nullptr: set it with set_input before invoke()) or a
// constant (its data, exactly the tensor's byte size, copied into the model). Inputs are named
// in0, in1, ...; outputs out0, out1, ... The model is validated and the interpreter prepared in
// the constructor, so a refused operator throws edge::Error from there.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/error.h"
#include "nn/custom_options.h"
#include "nn/interpreter.h"
#include "nn/model.h"

namespace edge::nn::op_test {

struct Operand {
  DType type;
  Shape shape;
  const void* data = nullptr;  // a constant when set
};

class OneOpModel {
 public:
  // `op` carries the operator and its options; its operands are added here. For a custom
  // operator (op.op == Op::kCustom, op.custom set), `custom_options` are its FlexBuffers
  // option bytes: the model keeps a copy and op.options is parsed from them as the reader does.
  OneOpModel(Operator op, const std::vector<uint8_t>& custom_options,
             const std::vector<Operand>& inputs, const std::vector<Operand>& outputs,
             InterpreterOptions options) {
    if (op.op == Op::kCustom) {
      op.custom_code = custom_op_code(op.custom);
      op.custom_options = custom_options.empty()
                              ? nullptr
                              : model_.adopt_bytes(custom_options.data(), custom_options.size());
      op.custom_options_size = custom_options.size();
      op.options = parse_custom_options(op.custom, op.custom_options, op.custom_options_size);
    }
    std::vector<int32_t> graph_inputs;
    for (const Operand& in : inputs) {
      const Tensor t = tensor(msg("in", op.inputs.size()), in);
      if (in.data) {
        op.inputs.push_back(model_.add_constant(t, in.data, t.byte_size()));
      } else {
        op.inputs.push_back(model_.add_tensor(t));
        graph_inputs.push_back(op.inputs.back());
      }
    }
    for (const Operand& out : outputs)
      op.outputs.push_back(model_.add_tensor(tensor(msg("out", op.outputs.size()), out)));
    model_.set_inputs(graph_inputs);
    model_.set_outputs(op.outputs);
    model_.add_operator(std::move(op));
    model_.validate();
    interpreter_ = std::make_unique<Interpreter>(model_, options);
  }

  // Input i's values: exactly its element count.
  template <typename T>
  void set_input(size_t i, const std::vector<T>& values) {
    set_input(i, values.data());
  }
  template <typename T>
  void set_input(size_t i, const T* values) {
    const TensorView v = interpreter_->input(i);
    std::memcpy(v.raw(), values, v.bytes());
  }
  template <typename T>
  std::vector<T> output(size_t i) const {
    const TensorView v = interpreter_->output(i);
    return std::vector<T>(v.data<T>(), v.data<T>() + v.elements());
  }
  Interpreter& interpreter() { return *interpreter_; }

 private:
  static Tensor tensor(std::string name, const Operand& operand) {
    Tensor t;
    t.name = std::move(name);
    t.type = operand.type;
    t.shape = operand.shape;
    return t;
  }

  Model model_;
  std::unique_ptr<Interpreter> interpreter_;
};

}  // namespace edge::nn::op_test
