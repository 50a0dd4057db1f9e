#include "core/optimize/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/common/error.h"
#include "core/nn/interpreter.h"
#include "core/optimize/model_draft.h"

namespace edge::optimize {

namespace {

void update(TensorRange& range, const float* values, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!range.seen) {
      range.seen = true;
      range.min = range.max = v;
    } else {
      range.min = std::min(range.min, v);
      range.max = std::max(range.max, v);
    }
  }
}

}  // namespace

Calibration calibrate(const nn::Model& model, const std::vector<Sample>& dataset) {
  if (dataset.empty()) {
    throw Error(msg(model.source(),
                    ": the representative dataset is empty (calibration needs at "
                    "least one sample)"));
  }
  for (size_t i = 0; i < model.inputs().size(); ++i) {
    if (model.input(i).type != DType::kFloat32) {
      throw Error(msg(model.source(), ": graph input ", i, " \"", model.input(i).name, "\" is ",
                      dtype_name(model.input(i).type), "; calibration needs a float32 model"));
    }
  }
  // Every float32 operator output becomes a graph output, so the planner keeps
  // it alive until the end of invoke() and its values can be read.
  Draft draft = draft_from(model);
  std::vector<bool> is_output(draft.tensors.size(), false);
  for (int32_t o : draft.outputs) is_output[static_cast<size_t>(o)] = true;
  for (const nn::Operator& op : draft.operators) {
    for (int32_t o : op.outputs) {
      const auto index = static_cast<size_t>(o);
      if (draft.tensors[index].tensor.type == DType::kFloat32 && !is_output[index]) {
        is_output[index] = true;
        draft.outputs.push_back(o);
      }
    }
  }
  const nn::Model probe = build(draft);
  nn::Interpreter interpreter(probe, {nn::KernelSet::kReference, 1});

  Calibration result;
  result.ranges.resize(model.tensors().size());
  for (size_t s = 0; s < dataset.size(); ++s) {
    const Sample& sample = dataset[s];
    if (sample.size() != model.inputs().size()) {
      throw Error(msg(model.source(), ": representative sample ", s, " has ", sample.size(),
                      " inputs, the model has ", model.inputs().size()));
    }
    for (size_t i = 0; i < sample.size(); ++i) {
      const nn::Tensor& input = model.input(i);
      if (static_cast<int64_t>(sample[i].size()) != input.elements()) {
        throw Error(msg(model.source(), ": representative sample ", s, " input ", i, " has ",
                        sample[i].size(), " values, \"", input.name, "\" ",
                        shape_to_string(input.shape), " needs ", input.elements()));
      }
      for (size_t k = 0; k < sample[i].size(); ++k) {
        if (!std::isfinite(sample[i][k])) {
          throw Error(msg(model.source(), ": representative sample ", s, " input ", i, " value ", k,
                          " is ", sample[i][k], " (expected a finite number)"));
        }
      }
      std::memcpy(interpreter.input(i).data<float>(), sample[i].data(),
                  sample[i].size() * sizeof(float));
      update(result.ranges[static_cast<size_t>(model.inputs()[i])], sample[i].data(),
             static_cast<int64_t>(sample[i].size()));
    }
    interpreter.invoke();
    for (size_t k = 0; k < probe.outputs().size(); ++k) {
      const int32_t index = probe.outputs()[k];
      const nn::Tensor& t = probe.tensor(index);
      if (t.type != DType::kFloat32) continue;
      const float* values = interpreter.output(k).data<float>();
      for (int64_t e = 0; e < t.elements(); ++e) {
        if (!std::isfinite(values[e])) {
          throw Error(msg(model.source(), ": representative sample ", s, " makes tensor ", index,
                          " \"", t.name, "\" non-finite (", values[e], ") at element ", e));
        }
      }
      update(result.ranges[static_cast<size_t>(index)], values, t.elements());
    }
  }
  result.samples = dataset.size();
  return result;
}

}  // namespace edge::optimize
