// edgestream-inspect MODEL [--json] [--profile=N]: describes a .tflite model as
// edgestream's engine sees it: inputs, outputs, operators with their operand
// shapes and MACs, parameter bytes, MACs per invoke and the planned arena size
// (from the interpreter, which prepares every operator; nothing is invoked).
// --profile=N also invokes the model N times on one thread and reports the time
// of every operator, as TFLite's benchmark_model --enable_op_profiling does.
//
// Exit status: 0 on success, 1 when the file is refused (not a model the reader
// accepts; the reason goes to stderr), 2 on a usage error, 3 when it is a model but
// the engine cannot run it (an operator or type it does not support, or an operator
// whose Prepare fails, e.g. a quantization multiplier out of range): the report is
// printed with the reason, which also goes to stderr.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/interpreter.h"
#include "nn/model.h"
#include "nn/tflite_reader.h"

namespace {

using edge::nn::Model;
using edge::nn::Operator;
using edge::nn::Tensor;

// What preparing the model for the engine tells: arena, MACs (total and per
// operator), or why the engine cannot run it.
struct EngineFacts {
  bool runnable = false;
  std::string error;
  size_t arena_bytes = 0;
  size_t arena_lower_bound = 0;
  size_t kernel_bytes = 0;
  int64_t macs = 0;
  std::vector<int64_t> op_macs;
};

// Mean time of every operator over `invokes` invokes after one warm-up invoke.
struct OpTimes {
  int invokes = 0;
  std::vector<double> mean_us;  // per operator
  double total_us = 0.0;
};

OpTimes profile_operators(const Model& model, edge::nn::KernelSet kernels, int invokes) {
  edge::nn::InterpreterOptions options;
  options.kernels = kernels;
  options.threads = 1;
  options.profile = true;
  edge::nn::Interpreter interpreter(model, options);
  // A fixed input pattern: the time of these kernels does not depend on the values.
  for (size_t i = 0; i < model.inputs().size(); ++i) {
    const edge::nn::TensorView input = interpreter.input(i);
    uint8_t* bytes = static_cast<uint8_t*>(input.raw());
    for (size_t b = 0; b < input.bytes(); ++b) bytes[b] = static_cast<uint8_t>(b * 37 % 251);
  }
  interpreter.invoke();  // warm-up: first-touch page faults, caches
  std::vector<int64_t> warm_ns;
  for (const auto& p : interpreter.profile()) warm_ns.push_back(p.total_ns);
  for (int i = 0; i < invokes; ++i) interpreter.invoke();
  OpTimes times;
  times.invokes = invokes;
  for (size_t o = 0; o < interpreter.profile().size(); ++o) {
    const double us = double(interpreter.profile()[o].total_ns - warm_ns[o]) / 1e3 / invokes;
    times.mean_us.push_back(us);
    times.total_us += us;
  }
  return times;
}

// Constant bytes by element type, in type order: how much of a file is weights (int8 or
// float32), int32 biases and other constants, the part quantization shrinks or not.
std::map<std::string, size_t> parameter_bytes_by_type(const Model& model) {
  std::map<std::string, size_t> bytes;
  for (const auto& t : model.tensors())
    if (t.is_constant) bytes[edge::dtype_name(t.type)] += t.data_bytes;
  return bytes;
}

EngineFacts engine_facts(const Model& model, edge::nn::KernelSet kernels) {
  EngineFacts facts;
  try {
    edge::nn::InterpreterOptions options;
    options.kernels = kernels;
    options.profile = true;  // per-operator MACs
    const edge::nn::Interpreter interpreter(model, options);
    facts.runnable = true;
    facts.arena_bytes = interpreter.arena_bytes();
    facts.arena_lower_bound = interpreter.arena_lower_bound();
    facts.kernel_bytes = interpreter.kernel_bytes();
    facts.macs = interpreter.macs();
    for (const auto& p : interpreter.profile()) facts.op_macs.push_back(p.macs);
  } catch (const std::exception& e) {
    facts.error = e.what();
  }
  return facts;
}

void usage(std::ostream& out) {
  out << "usage: edgestream-inspect [--json] [--kernels=fast|ref] [--profile=N] MODEL.tflite\n"
         "Verifies a TFLite model as edgeinfer would and prints its inputs, outputs,\n"
         "operators, parameter bytes, MACs per invoke and arena size.\n"
         "Exit status: 0 ok, 1 not a model, 2 usage, 3 a model the engine cannot run.\n"
         "  --json           machine-readable output\n"
         "  --kernels=SET    kernel set whose extra memory (and --profile time) is reported\n"
         "                   (default fast)\n"
         "  --profile=N      invoke N times on one thread (after one warm-up) and report\n"
         "                   every operator's mean time, share and GMAC/s (N in 1..100000)\n";
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

nlohmann::json to_json(const Model& model, const EngineFacts& facts, const OpTimes& times) {
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
    if (o < facts.op_macs.size()) jo["macs"] = facts.op_macs[o];
    if (o < times.mean_us.size()) jo["mean_us"] = times.mean_us[o];
    j["operators"].push_back(jo);
  }
  j["tensors"] = model.tensors().size();
  j["parameter_bytes"] = model.parameter_bytes();
  j["parameter_bytes_by_type"] = parameter_bytes_by_type(model);
  j["runnable"] = facts.runnable;
  if (facts.runnable) {
    j["macs_per_invoke"] = facts.macs;
    j["arena_bytes"] = facts.arena_bytes;
    j["arena_lower_bound_bytes"] = facts.arena_lower_bound;
    j["kernel_bytes"] = facts.kernel_bytes;
    if (times.invokes > 0) {
      j["profile"] = {{"invokes", times.invokes}, {"threads", 1}, {"mean_us", times.total_us}};
    }
  } else {
    j["engine_error"] = facts.error;
  }
  j["labels"] = model.labels();
  j["metadata"] = nlohmann::json::array();
  for (const auto& entry : model.metadata())
    j["metadata"].push_back({{"name", entry.name}, {"bytes", entry.size}});
  return j;
}

// Operators by time, largest first, with their share of the invoke and MAC rate.
void print_profile(const Model& model, const EngineFacts& facts, const OpTimes& times,
                   std::ostream& out) {
  std::vector<size_t> order(times.mean_us.size());
  for (size_t o = 0; o < order.size(); ++o) order[o] = o;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return times.mean_us[a] > times.mean_us[b]; });
  char line[160];
  std::snprintf(line, sizeof line, "profile: %d invokes on one thread, mean %.1f us per invoke\n",
                times.invokes, times.total_us);
  out << line;
  out << "    op  operator               mean us   share        MACs   GMAC/s\n";
  for (size_t o : order) {
    const int64_t macs = o < facts.op_macs.size() ? facts.op_macs[o] : 0;
    const double us = times.mean_us[o];
    char rate[32] = "-";  // GMAC/s = MACs per microsecond / 1000
    if (macs > 0 && us > 0.0) std::snprintf(rate, sizeof rate, "%.2f", double(macs) / us / 1e3);
    std::snprintf(line, sizeof line, "  %4zu  %-20s %9.1f  %5.1f %%  %10lld   %s\n", o,
                  edge::nn::op_name(model.operators()[o].op), us,
                  times.total_us > 0.0 ? 100.0 * us / times.total_us : 0.0,
                  static_cast<long long>(macs), rate);
    out << line;
  }
}

void print_text(const Model& model, const EngineFacts& facts, std::ostream& out) {
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
    out << "  " << operand_list(model, op.inputs) << " -> " << operand_list(model, op.outputs);
    if (o < facts.op_macs.size() && facts.op_macs[o] > 0)
      out << "  " << facts.op_macs[o] << " MACs";
    out << "\n";
  }
  out << "tensors: " << model.tensors().size() << "\n";
  std::string by_type;
  for (const auto& [type, bytes] : parameter_bytes_by_type(model))
    by_type += (by_type.empty() ? " (" : ", ") + type + " " + std::to_string(bytes);
  out << "parameter bytes: " << model.parameter_bytes() << by_type << (by_type.empty() ? "" : ")")
      << "\n";
  if (facts.runnable) {
    out << "MACs per invoke: " << facts.macs << "\n";
    out << "arena bytes: " << facts.arena_bytes
        << " (largest set of live tensors: " << facts.arena_lower_bound << ")\n";
    out << "kernel bytes outside the arena: " << facts.kernel_bytes << "\n";
  } else {
    out << "engine: cannot run this model: " << facts.error << "\n";
  }
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
  int profile_invokes = 0;
  edge::nn::KernelSet kernels = edge::nn::KernelSet::kFast;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--kernels=fast") {
      kernels = edge::nn::KernelSet::kFast;
    } else if (arg == "--kernels=ref") {
      kernels = edge::nn::KernelSet::kReference;
    } else if (arg.rfind("--profile=", 0) == 0) {
      const std::string value = arg.substr(std::strlen("--profile="));
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > 100000) {
        std::cerr << "edgestream-inspect: --profile wants a number of invokes in 1..100000, got '"
                  << value << "'\n";
        return 2;
      }
      profile_invokes = int(n);
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
    const EngineFacts facts = engine_facts(model, kernels);
    OpTimes times;
    if (profile_invokes > 0) {
      if (!facts.runnable) {
        std::cerr << "edgestream-inspect: cannot profile " << path << ": " << facts.error << "\n";
        return 1;
      }
      times = profile_operators(model, kernels, profile_invokes);
    }
    if (json) {
      std::cout << to_json(model, facts, times).dump(2) << "\n";
    } else {
      print_text(model, facts, std::cout);
      if (times.invokes > 0) print_profile(model, facts, times, std::cout);
    }
    if (!facts.runnable) {
      std::cout.flush();
      std::cerr << "edgestream-inspect: the engine cannot run this model: " << facts.error << "\n";
      return 3;
    }
  } catch (const std::exception& e) {
    std::cerr << "edgestream-inspect: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
