#include "nn/feature_extractor.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

#include "common/error.h"
#include "nn/tflite_writer.h"

namespace edge::nn {
namespace {

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_decimal(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

int32_t find_tensor(const Model& source, const std::string& wanted) {
  const std::string how_to_list =
      msg("(list the tensors with: edgestream-inspect ", source.source(), ")");
  if (wanted.empty()) {
    throw Error(
        msg(source.source(), ": no tensor to cut at (give a name or an index) ", how_to_list));
  }
  const size_t count = source.tensors().size();
  if (is_decimal(wanted)) {
    // Longer than 9 digits cannot be an index of a model the reader accepts.
    const size_t index = wanted.size() > 9 ? count : std::strtoul(wanted.c_str(), nullptr, 10);
    if (index >= count) {
      throw Error(msg(source.source(), ": tensor index ", wanted,
                      " is out of range (the model has ", count, " tensors) ", how_to_list));
    }
    return static_cast<int32_t>(index);
  }
  for (size_t i = 0; i < count; ++i) {
    if (source.tensors()[i].name == wanted) return static_cast<int32_t>(i);
  }
  throw Error(msg(source.source(), ": no tensor named \"", wanted, "\" ", how_to_list));
}

// "mean and max over H and 4 bands of W", for the description.
std::string pooling_summary(const FeatureExtractorOptions& options) {
  const std::string pools = options.mean && options.max ? "mean and max"
                            : options.mean              ? "mean"
                                                        : "max";
  if (options.bands == 1) return pools + " over H and W";
  return msg(pools, " over H and ", options.bands, " bands of W");
}

}  // namespace

Model cut_feature_extractor(const Model& source, const FeatureExtractorOptions& options) {
  const std::string& where = source.source();
  if (options.bands < 1) {
    throw Error(msg(where, ": bands must be at least 1, got ", options.bands));
  }
  if (!options.mean && !options.max) {
    throw Error(msg(where, ": no pooling chosen: the embedding needs mean, max or both"));
  }
  const int32_t cut = find_tensor(source, options.tensor);
  const Tensor& cut_tensor = source.tensor(cut);
  const std::string what = msg("tensor ", cut, ' ', cut_tensor.describe());
  if (cut_tensor.is_constant) {
    throw Error(msg(where, ": ", what, " is a constant (weights), not a feature map"));
  }
  const std::vector<int32_t>& graph_inputs = source.inputs();
  if (std::find(graph_inputs.begin(), graph_inputs.end(), cut) != graph_inputs.end()) {
    throw Error(msg(where, ": ", what, " is a graph input: cutting there keeps no operator"));
  }
  if (cut_tensor.shape.size() != 4) {
    throw Error(msg(where, ": ", what, " is not 4-D: pooling needs an NHWC feature map"));
  }
  if (cut_tensor.type == DType::kInt8) {
    if (cut_tensor.quant.scale.size() != 1) {
      throw Error(msg(where, ": ", what,
                      " has no per-tensor scale and zero point, which int8 pooling needs"));
    }
  } else if (cut_tensor.type != DType::kFloat32) {
    throw Error(msg(where, ": ", what, " is ", dtype_name(cut_tensor.type),
                    ": only int8 and float32 feature maps can be pooled"));
  }
  const int32_t batch = cut_tensor.shape[0], height = cut_tensor.shape[1];
  const int32_t width = cut_tensor.shape[2], channels = cut_tensor.shape[3];
  if (width % options.bands != 0) {
    throw Error(msg(where, ": ", what, ": W = ", width, " does not divide into ", options.bands,
                    " equal bands"));
  }

  // Walk back from the cut tensor: the operators that compute it, transitively.
  const auto& ops = source.operators();
  std::vector<int32_t> producer(source.tensors().size(), -1);
  for (size_t o = 0; o < ops.size(); ++o) {
    for (int32_t t : ops[o].outputs) producer[static_cast<size_t>(t)] = static_cast<int32_t>(o);
  }
  if (producer[static_cast<size_t>(cut)] < 0) {
    throw Error(msg(where, ": ", what, " is not computed by any operator"));
  }
  std::vector<bool> keep_op(ops.size(), false);
  std::vector<bool> visited(source.tensors().size(), false);
  std::vector<int32_t> pending = {cut};
  while (!pending.empty()) {
    const int32_t t = pending.back();
    pending.pop_back();
    if (visited[static_cast<size_t>(t)]) continue;
    visited[static_cast<size_t>(t)] = true;
    const int32_t o = producer[static_cast<size_t>(t)];
    if (o < 0 || keep_op[static_cast<size_t>(o)]) continue;
    keep_op[static_cast<size_t>(o)] = true;
    for (int32_t in : ops[static_cast<size_t>(o)].inputs) {
      if (in >= 0) pending.push_back(in);
    }
  }

  // The tensors the kept operators use, renumbered in their source order.
  std::vector<bool> used(source.tensors().size(), false);
  for (size_t o = 0; o < ops.size(); ++o) {
    if (!keep_op[o]) continue;
    for (const auto* list : {&ops[o].inputs, &ops[o].outputs, &ops[o].intermediates}) {
      for (int32_t t : *list) {
        if (t >= 0) used[static_cast<size_t>(t)] = true;
      }
    }
  }
  Model model;
  model.set_source(msg(where, " cut at \"", cut_tensor.name, "\""));
  model.set_version(source.version());
  model.set_description(msg("feature extractor: ", base_name(where), " cut at ", cut_tensor.name,
                            ", ", pooling_summary(options)));
  std::vector<int32_t> renumbered(source.tensors().size(), -1);
  for (size_t i = 0; i < used.size(); ++i) {
    if (!used[i]) continue;
    Tensor copy = source.tensors()[i];
    if (copy.is_constant) {
      const uint8_t* data = copy.data;
      const size_t bytes = copy.data_bytes;
      copy.data = nullptr;
      copy.data_bytes = 0;
      renumbered[i] = model.add_constant(std::move(copy), data, bytes);
    } else {
      renumbered[i] = model.add_tensor(std::move(copy));
    }
  }
  auto renumber = [&](std::vector<int32_t>& list) {
    for (int32_t& t : list) {
      if (t >= 0) t = renumbered[static_cast<size_t>(t)];
    }
  };
  for (size_t o = 0; o < ops.size(); ++o) {
    if (!keep_op[o]) continue;
    Operator op = ops[o];
    renumber(op.inputs);
    renumber(op.outputs);
    renumber(op.intermediates);
    if (op.custom_options) {
      op.custom_options = model.adopt_bytes(op.custom_options, op.custom_options_size);
    }
    model.add_operator(std::move(op));
  }
  std::vector<int32_t> inputs;
  for (int32_t t : graph_inputs) {
    if (used[static_cast<size_t>(t)]) inputs.push_back(renumbered[static_cast<size_t>(t)]);
  }
  model.set_inputs(inputs);

  // The pooling head. Every new activation keeps the cut tensor's quantization.
  const int32_t band_width = width / options.bands;
  auto add_activation = [&](const std::string& name, Shape shape) {
    Tensor t;
    t.name = name;
    t.type = cut_tensor.type;
    t.shape = std::move(shape);
    t.quant = cut_tensor.quant;
    return model.add_tensor(std::move(t));
  };
  auto add_op = [&](Operator op) {
    op.version = converter_op_version(model, op);
    model.add_operator(std::move(op));
  };
  std::vector<int32_t> pooled;
  for (const Op kind : {Op::kAveragePool2D, Op::kMaxPool2D}) {
    if (!(kind == Op::kAveragePool2D ? options.mean : options.max)) continue;
    Pool2DOptions window;
    window.padding = Padding::kValid;
    window.filter_h = height;
    window.stride_h = height;
    window.filter_w = band_width;
    window.stride_w = band_width;
    Operator pool;
    pool.op = kind;
    pool.inputs = {renumbered[static_cast<size_t>(cut)]};
    pool.outputs = {add_activation(kind == Op::kAveragePool2D ? "embedding/mean" : "embedding/max",
                                   {batch, 1, options.bands, channels})};
    pool.options = window;
    add_op(std::move(pool));
    pooled.push_back(model.operators().back().outputs[0]);
  }
  int32_t features = pooled[0];
  const int32_t pooled_channels = channels * static_cast<int32_t>(pooled.size());
  if (pooled.size() > 1) {
    ConcatenationOptions along_channels;
    along_channels.axis = 3;
    Operator concat;
    concat.op = Op::kConcatenation;
    concat.inputs = pooled;
    concat.outputs = {
        add_activation("embedding/concat", {batch, 1, options.bands, pooled_channels})};
    concat.options = along_channels;
    add_op(std::move(concat));
    features = model.operators().back().outputs[0];
  }
  const std::vector<int32_t> new_shape = {batch, options.bands * pooled_channels};
  Tensor shape_tensor;
  shape_tensor.name = "embedding/shape";
  shape_tensor.type = DType::kInt32;
  shape_tensor.shape = {static_cast<int32_t>(new_shape.size())};
  ReshapeOptions flatten;
  flatten.has_new_shape = true;
  flatten.new_shape = new_shape;
  Operator reshape;
  reshape.op = Op::kReshape;
  reshape.inputs = {features, model.add_constant(std::move(shape_tensor), new_shape.data(),
                                                 new_shape.size() * sizeof(int32_t))};
  reshape.outputs = {add_activation("embedding", new_shape)};
  reshape.options = flatten;
  add_op(std::move(reshape));
  model.set_outputs({model.operators().back().outputs[0]});
  model.validate();
  return model;
}

}  // namespace edge::nn
