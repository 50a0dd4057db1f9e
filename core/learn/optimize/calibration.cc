#include "optimize/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "nn/interpreter.h"
#include "optimize/model_draft.h"

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

// Runs every sample through the probe (every float32 activation an output) and
// hands each graph input and float32 activation to visit(tensor, values, count).
template <typename Visit>
void run_samples(const nn::Model& model, const nn::Model& probe, nn::Interpreter& interpreter,
                 const std::vector<Sample>& dataset, Visit visit) {
  for (size_t s = 0; s < dataset.size(); ++s) {
    const Sample& sample = dataset[s];
    for (size_t i = 0; i < sample.size(); ++i) {
      std::memcpy(interpreter.input(i).data<float>(), sample[i].data(),
                  sample[i].size() * sizeof(float));
      visit(static_cast<size_t>(model.inputs()[i]), sample[i].data(),
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
      visit(static_cast<size_t>(index), values, t.elements());
    }
  }
}

constexpr int kHistogramBins = 4096;

struct Histogram {
  std::vector<uint64_t> counts;
  uint64_t total = 0;
};

// The range holding all but `tail` of the values at each end, from a histogram
// over [range.min, range.max]: the lower edge of the bin where the count below
// first exceeds tail, the upper edge of the bin where the count above does.
TensorRange clip_tails(const TensorRange& range, const Histogram& h, double tail) {
  if (h.total == 0 || !(range.max > range.min)) return range;
  const double width = (double(range.max) - double(range.min)) / kHistogramBins;
  const double allowed = tail * double(h.total);
  TensorRange clipped = range;
  double below = 0.0;
  for (int b = 0; b < kHistogramBins; ++b) {
    below += double(h.counts[size_t(b)]);
    if (below > allowed) {
      clipped.min = float(double(range.min) + b * width);
      break;
    }
  }
  double above = 0.0;
  for (int b = kHistogramBins - 1; b >= 0; --b) {
    above += double(h.counts[size_t(b)]);
    if (above > allowed) {
      clipped.max = float(double(range.min) + (b + 1) * width);
      break;
    }
  }
  clipped.min = std::max(clipped.min, range.min);
  clipped.max = std::min(clipped.max, range.max);
  return clipped;
}

}  // namespace

Calibration calibrate(const nn::Model& model, const std::vector<Sample>& dataset,
                      const CalibrationOptions& options) {
  if (!(options.percentile > 50.0 && options.percentile <= 100.0)) {
    throw Error(msg(model.source(), ": calibration percentile ", options.percentile,
                    " is outside (50, 100] (100 keeps min/max)"));
  }
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
  run_samples(model, probe, interpreter, dataset,
              [&](size_t tensor, const float* values, int64_t count) {
                update(result.ranges[tensor], values, count);
              });
  result.samples = dataset.size();
  if (options.percentile >= 100.0) return result;

  std::vector<Histogram> histograms(result.ranges.size());
  for (size_t t = 0; t < result.ranges.size(); ++t) {
    if (result.ranges[t].seen) histograms[t].counts.assign(kHistogramBins, 0);
  }
  run_samples(
      model, probe, interpreter, dataset, [&](size_t tensor, const float* values, int64_t count) {
        const TensorRange& range = result.ranges[tensor];
        Histogram& h = histograms[tensor];
        const double span = double(range.max) - double(range.min);
        for (int64_t i = 0; i < count; ++i) {
          int b = span > 0.0 ? int((double(values[i]) - range.min) / span * kHistogramBins) : 0;
          b = std::min(std::max(b, 0), kHistogramBins - 1);
          ++h.counts[size_t(b)];
        }
        h.total += uint64_t(count);
      });
  const double tail = (100.0 - options.percentile) / 100.0;
  for (size_t t = 0; t < result.ranges.size(); ++t) {
    if (result.ranges[t].seen) result.ranges[t] = clip_tails(result.ranges[t], histograms[t], tail);
  }
  return result;
}

}  // namespace edge::optimize
