#include "nn/interpreter.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "nn/planner.h"

namespace edge {
namespace nn {
namespace {

int32_t find_root(std::vector<int32_t>& parent, int32_t i) {
  while (parent[static_cast<size_t>(i)] != i) i = parent[static_cast<size_t>(i)];
  return i;
}

}  // namespace

void TensorView::check_type(size_t size, bool matches) const {
  if (!matches) {
    throw Error(msg("tensor '", tensor_->name, "' is ", dtype_name(tensor_->type),
                    ", accessed as a ", size, "-byte type of another kind"));
  }
}

Interpreter::Interpreter(const Model& model, InterpreterOptions options)
    : model_(model), options_(options) {
  if (options_.threads < 1) {
    throw Error(msg(model.source(), ": threads must be >= 1, got ", options_.threads));
  }
  const auto& ops = model.operators();
  const auto& tensors = model.tensors();
  const int32_t num_ops = static_cast<int32_t>(ops.size());
  const int32_t last_step = std::max(num_ops - 1, 0);

  // 1. A kernel per operator, prepared against the IR.
  for (int32_t i = 0; i < num_ops; ++i) {
    const Operator& op = ops[static_cast<size_t>(i)];
    std::unique_ptr<OpKernel> kernel = create_op_kernel(op);
    if (!kernel) {
      const std::string name = op.op == Op::kCustom ? "CUSTOM \"" + op.custom_code + "\""
                                                    : op_name_or_code(static_cast<int32_t>(op.op));
      throw Error(msg(model.source(), ": operator ", i, " (", name,
                      ") is not supported by the edgestream engine"));
    }
    OpContext ctx(model, i, options_.kernels, options_.threads);
    try {
      kernel->prepare(ctx);
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind(model.source() + ": operator", 0) == 0) throw;
      throw Error(msg(model.source(), ": operator ", i, " (", op.name(), "): ", what));
    }
    macs_ += kernel->macs();
    kernels_.push_back(std::move(kernel));
  }

  // 2. Lifetimes of every non-constant tensor, in execution order.
  const size_t n = tensors.size();
  std::vector<int32_t> first(n, -1), last(n, -1);
  std::vector<bool> produced(n, false);
  auto touch = [&](int32_t t, int32_t step) {
    if (first[static_cast<size_t>(t)] < 0) first[static_cast<size_t>(t)] = step;
    last[static_cast<size_t>(t)] = std::max(last[static_cast<size_t>(t)], step);
  };
  for (int32_t t : model.inputs()) {
    touch(t, 0);
    produced[static_cast<size_t>(t)] = true;
  }
  for (size_t t = 0; t < n; ++t) {
    if (tensors[t].is_variable) {
      touch(static_cast<int32_t>(t), 0);
      touch(static_cast<int32_t>(t), last_step);
      produced[t] = true;
      variables_.push_back(static_cast<int32_t>(t));
    }
  }
  for (int32_t i = 0; i < num_ops; ++i) {
    const Operator& op = ops[static_cast<size_t>(i)];
    for (int32_t t : op.inputs) {
      if (t < 0 || tensors[static_cast<size_t>(t)].is_constant) continue;
      if (!produced[static_cast<size_t>(t)]) {
        throw Error(msg(model.source(), ": operator ", i, " (", op.name(), ") reads tensor ", t,
                        " '", tensors[static_cast<size_t>(t)].name,
                        "' before any operator writes it"));
      }
      touch(t, i);
    }
    for (int32_t t : op.outputs) {
      touch(t, i);
      produced[static_cast<size_t>(t)] = true;
    }
  }
  for (int32_t t : model.outputs()) touch(t, last_step);

  // 3. RESHAPE/SQUEEZE outputs share their input's buffer (alias groups).
  std::vector<int32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  for (int32_t i = 0; i < num_ops; ++i) {
    const Operator& op = ops[static_cast<size_t>(i)];
    if (!kernels_[static_cast<size_t>(i)]->output_aliases_input()) continue;
    const int32_t in = op.inputs[0];
    const int32_t out = op.outputs[0];
    const Tensor& ti = tensors[static_cast<size_t>(in)];
    if (ti.is_constant || ti.is_variable) continue;
    parent[static_cast<size_t>(out)] = find_root(parent, in);
  }

  // 4. One buffer request per alias group, then per operator scratch.
  std::vector<BufferRequest> requests;
  std::vector<int32_t> group_request(n, -1);
  for (size_t t = 0; t < n; ++t) {
    if (tensors[t].is_constant || first[t] < 0) continue;
    const int32_t root = find_root(parent, static_cast<int32_t>(t));
    int32_t& req = group_request[static_cast<size_t>(root)];
    if (req < 0) {
      req = static_cast<int32_t>(requests.size());
      requests.push_back(BufferRequest{tensors[t].byte_size(), first[t], last[t]});
    } else {
      BufferRequest& r = requests[static_cast<size_t>(req)];
      r.bytes = std::max(r.bytes, tensors[t].byte_size());
      r.first_use = std::min(r.first_use, first[t]);
      r.last_use = std::max(r.last_use, last[t]);
    }
  }
  const size_t first_scratch = requests.size();
  std::vector<int32_t> scratch_request(static_cast<size_t>(num_ops), -1);
  for (int32_t i = 0; i < num_ops; ++i) {
    const size_t bytes = kernels_[static_cast<size_t>(i)]->scratch_bytes();
    if (bytes == 0) continue;
    scratch_request[static_cast<size_t>(i)] = static_cast<int32_t>(requests.size());
    requests.push_back(BufferRequest{bytes, i, i});
  }
  (void)first_scratch;

  // 5. Plan, allocate one aligned arena, point every tensor at its data.
  const MemoryPlan plan = plan_memory(requests);
  arena_bytes_ = plan.arena_bytes;
  arena_lower_bound_ = live_bytes_lower_bound(requests);
  arena_storage_.reset(new uint8_t[arena_bytes_ + kArenaAlignment]());
  const uintptr_t base = reinterpret_cast<uintptr_t>(arena_storage_.get());
  arena_ = arena_storage_.get() + (kArenaAlignment - base % kArenaAlignment) % kArenaAlignment;

  tensor_data_.assign(n, nullptr);
  for (size_t t = 0; t < n; ++t) {
    if (tensors[t].is_constant) {
      tensor_data_[t] = const_cast<uint8_t*>(tensors[t].data);  // never written: see op.h
      continue;
    }
    const int32_t root = find_root(parent, static_cast<int32_t>(t));
    const int32_t req = group_request[static_cast<size_t>(root)];
    if (req >= 0) tensor_data_[t] = arena_ + plan.offsets[static_cast<size_t>(req)];
  }
  scratch_.assign(static_cast<size_t>(num_ops), nullptr);
  for (int32_t i = 0; i < num_ops; ++i) {
    const int32_t req = scratch_request[static_cast<size_t>(i)];
    if (req >= 0)
      scratch_[static_cast<size_t>(i)] = arena_ + plan.offsets[static_cast<size_t>(req)];
  }
  reset_state();

  if (options_.profile) {
    for (int32_t i = 0; i < num_ops; ++i) {
      OpProfile p;
      p.op_index = i;
      p.op_name = ops[static_cast<size_t>(i)].name();
      p.macs = kernels_[static_cast<size_t>(i)]->macs();
      profile_.push_back(p);
    }
  }
}

Interpreter::~Interpreter() = default;

TensorView Interpreter::tensor(int32_t index) const {
  if (index < 0 || static_cast<size_t>(index) >= model_.tensors().size()) {
    throw Error(msg(model_.source(), ": tensor index ", index, " is out of range (",
                    model_.tensors().size(), " tensors)"));
  }
  return TensorView(&model_.tensor(index), tensor_data_[static_cast<size_t>(index)]);
}

TensorView Interpreter::input(size_t i) const {
  if (i >= model_.inputs().size()) {
    throw Error(msg(model_.source(), ": input ", i, " does not exist (the model has ",
                    model_.inputs().size(), ")"));
  }
  return tensor(model_.inputs()[i]);
}

TensorView Interpreter::output(size_t i) const {
  if (i >= model_.outputs().size()) {
    throw Error(msg(model_.source(), ": output ", i, " does not exist (the model has ",
                    model_.outputs().size(), ")"));
  }
  return tensor(model_.outputs()[i]);
}

void Interpreter::reset_state() {
  for (auto& kernel : kernels_) kernel->reset_state();
  for (int32_t t : variables_) {
    const Tensor& tensor = model_.tensor(t);
    uint8_t* data = tensor_data_[static_cast<size_t>(t)];
    const int64_t zp = tensor.quant.zero_point.empty() ? 0 : tensor.quant.zero_point[0];
    if (tensor.type == DType::kInt8) {
      std::memset(data, static_cast<int8_t>(zp), tensor.byte_size());
    } else if (tensor.type == DType::kInt16) {
      int16_t* values = reinterpret_cast<int16_t*>(data);
      std::fill(values, values + tensor.elements(), static_cast<int16_t>(zp));
    } else {
      std::memset(data, 0, tensor.byte_size());
    }
  }
}

void Interpreter::invoke() {
  EvalContext ctx;
  ctx.tensor_data = tensor_data_.data();
  for (size_t i = 0; i < kernels_.size(); ++i) {
    ctx.scratch = scratch_[i];
    if (options_.profile) {
      const auto start = std::chrono::steady_clock::now();
      kernels_[i]->eval(ctx);
      const auto end = std::chrono::steady_clock::now();
      profile_[i].total_ns +=
          std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
      ++profile_[i].invokes;
    } else {
      kernels_[i]->eval(ctx);
    }
  }
}

size_t Interpreter::kernel_bytes() const {
  size_t total = 0;
  for (const auto& k : kernels_) total += k->persistent_bytes();
  return total;
}

}  // namespace nn
}  // namespace edge
