// edgestream-inspect MODEL [--json]: describes a .tflite model as edgestream's
// engine sees it: inputs, outputs, operators with their operand shapes,
// parameter bytes, and (once the interpreter is built for it) MACs per invoke
// and the planned arena size. Later the `inspect` subcommand of `edgestream`.
//
// Exit status: 0 on success, 1 when the model is refused (the reason goes to
// stderr), 2 on a usage error.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/nn/model.h"
#include "core/nn/tflite_reader.h"

namespace {

using edge::nn::Model;
using edge::nn::Operator;
using edge::nn::Tensor;

void usage(std::ostream& out) {
  out << "usage: edgestream-inspect [--json] MODEL.tflite\n"
         "Prints the inputs, outputs, operators, parameter bytes of a TFLite model\n"
         "after verifying it as edgeinfer would.\n"
         "  --json   machine-readable output\n";
}

std::string quant_text(const Tensor& t) {
  if (t.quant.empty()) return "";
  std::ostringstream out;
  if (t.quant.per_channel()) {
    out << "per-channel " << t.quant.scale.size() << " scales on dim "
        << t.quant.quantized_dimension;
  } else {
    out << "scale " << t.quant.scale[0] << " zero_point " << t.quant.zero_point[0];
  }
  return out.str();
}

nlohmann::json tensor_json(const Model& model, int32_t index) {
  const Tensor& t = model.tensor(index);
  nlohmann::json j;
  j["index"] = index;
  j["name"] = t.name;
  j["type"] = edge::dtype_name(t.type);
  j["shape"] = t.shape;
  j["bytes"] = t.byte_size();
  j["constant"] = t.is_constant;
  j["variable"] = t.is_variable;
  if (!t.quant.empty()) {
    j["quantization"] = {{"scale", t.quant.scale},
                         {"zero_point", t.quant.zero_point},
                         {"quantized_dimension", t.quant.quantized_dimension}};
  }
  return j;
}

std::string operand_list(const Model& model, const std::vector<int32_t>& indices) {
  std::ostringstream out;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (k) out << ", ";
    if (indices[k] < 0) {
      out << "-";
      continue;
    }
    const Tensor& t = model.tensor(indices[k]);
    out << indices[k] << ':' << edge::dtype_name(t.type) << edge::shape_to_string(t.shape);
    if (t.is_constant) out << "c";
    if (t.is_variable) out << "v";
  }
  return out.str();
}

nlohmann::json to_json(const Model& model) {
  nlohmann::json j;
  j["model"] = model.source();
  j["schema_version"] = model.version();
  j["description"] = model.description();
  j["inputs"] = nlohmann::json::array();
  for (int32_t i : model.inputs()) j["inputs"].push_back(tensor_json(model, i));
  j["outputs"] = nlohmann::json::array();
  for (int32_t i : model.outputs()) j["outputs"].push_back(tensor_json(model, i));
  j["operators"] = nlohmann::json::array();
  for (size_t o = 0; o < model.operators().size(); ++o) {
    const Operator& op = model.operators()[o];
    nlohmann::json jo;
    jo["index"] = o;
    jo["op"] = edge::nn::op_name(op.op);
    jo["code"] = static_cast<int32_t>(op.op);
    jo["version"] = op.version;
    jo["supported"] = edge::nn::op_supported(op.op);
    jo["inputs"] = op.inputs;
    jo["outputs"] = op.outputs;
    j["operators"].push_back(jo);
  }
  j["tensors"] = model.tensors().size();
  j["parameter_bytes"] = model.parameter_bytes();
  j["labels"] = model.labels();
  j["metadata"] = nlohmann::json::array();
  for (const auto& entry : model.metadata())
    j["metadata"].push_back({{"name", entry.name}, {"bytes", entry.size}});
  return j;
}

void print_text(const Model& model, std::ostream& out) {
  out << "model: " << model.source() << "\n";
  out << "schema version " << model.version();
  if (!model.description().empty()) out << ", description \"" << model.description() << "\"";
  out << "\n";
  auto print_io = [&](const char* title, const std::vector<int32_t>& list) {
    out << title << ":\n";
    for (size_t i = 0; i < list.size(); ++i) {
      const Tensor& t = model.tensor(list[i]);
      out << "  " << i << ": tensor " << list[i] << " \"" << t.name << "\" "
          << edge::dtype_name(t.type) << ' ' << edge::shape_to_string(t.shape);
      const std::string q = quant_text(t);
      if (!q.empty()) out << ' ' << q;
      out << "\n";
    }
  };
  print_io("inputs", model.inputs());
  print_io("outputs", model.outputs());
  out << "operators (" << model.operators().size()
      << "; operands index:type[shape], c = constant, v = variable):\n";
  for (size_t o = 0; o < model.operators().size(); ++o) {
    const Operator& op = model.operators()[o];
    out << "  " << o << ": " << edge::nn::op_name(op.op) << " v" << op.version;
    if (!edge::nn::op_supported(op.op)) out << " (not supported)";
    out << "  " << operand_list(model, op.inputs) << " -> " << operand_list(model, op.outputs)
        << "\n";
  }
  out << "tensors: " << model.tensors().size() << "\n";
  out << "parameter bytes: " << model.parameter_bytes() << "\n";
  const auto labels = model.labels();
  if (!labels.empty()) {
    out << "labels (" << labels.size() << "):";
    for (const auto& l : labels) out << ' ' << l;
    out << "\n";
  }
  if (!model.metadata().empty()) {
    out << "metadata:";
    for (const auto& entry : model.metadata())
      out << " " << entry.name << " (" << entry.size << " B)";
    out << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help") {
      usage(std::cout);
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "edgestream-inspect: unknown option " << arg << "\n";
      usage(std::cerr);
      return 2;
    } else if (path.empty()) {
      path = arg;
    } else {
      std::cerr << "edgestream-inspect: one model at a time (got " << path << " and " << arg
                << ")\n";
      return 2;
    }
  }
  if (path.empty()) {
    usage(std::cerr);
    return 2;
  }
  try {
    edge::nn::ReadOptions options;
    options.allow_unsupported = true;  // describe any model; unsupported ops are marked
    const Model model = edge::nn::read_tflite_file(path, options);
    if (json) {
      std::cout << to_json(model).dump(2) << "\n";
    } else {
      print_text(model, std::cout);
    }
  } catch (const std::exception& e) {
    std::cerr << "edgestream-inspect: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
