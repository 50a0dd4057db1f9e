// edgestream export MODEL.tflite --out DIR [--name NAME] [--c]
//
// Everything a microcontroller build needs from a model (docs/microcontrollers.md):
//   DIR/NAME.h, DIR/NAME.cc   the model as a 16-byte aligned C array
//   (core/learn/optimize/c_array.h;
//                             .c instead of .cc with --c)
//   DIR/NAME_model_info.h     the operators it needs as TensorFlow Lite Micro resolver calls
//                             (a template over the resolver, so the header compiles without
//                             TFLM and in C), the resolver size, the arena size and the input
//                             and output tensors
//   DIR/NAME_model_info.md    the same for a person: builtin names and versions, the
//                             `tflite::MicroMutableOpResolver<N>` lines, the arena
// The arena is edgestream's engine planner's (TFLM's greedy planner, core/runtime/nn/planner.h)
// over the model's activations; TFLM adds its own bookkeeping on top (see the guide).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "optimize/c_array.h"
#include "optimize/model_metadata.h"
#include "tools/edgestream/commands.h"

namespace edge::cli {
namespace {

// TensorFlow Lite Micro's MicroMutableOpResolver method of each builtin operator.
const char* resolver_method(nn::Op op) {
  switch (op) {
    case nn::Op::kAdd:
      return "AddAdd";
    case nn::Op::kAveragePool2D:
      return "AddAveragePool2D";
    case nn::Op::kConcatenation:
      return "AddConcatenation";
    case nn::Op::kConv2D:
      return "AddConv2D";
    case nn::Op::kDepthwiseConv2D:
      return "AddDepthwiseConv2D";
    case nn::Op::kDequantize:
      return "AddDequantize";
    case nn::Op::kFullyConnected:
      return "AddFullyConnected";
    case nn::Op::kLogistic:
      return "AddLogistic";
    case nn::Op::kMaxPool2D:
      return "AddMaxPool2D";
    case nn::Op::kMul:
      return "AddMul";
    case nn::Op::kRelu:
      return "AddRelu";
    case nn::Op::kRelu6:
      return "AddRelu6";
    case nn::Op::kReshape:
      return "AddReshape";
    case nn::Op::kSoftmax:
      return "AddSoftmax";
    case nn::Op::kSvdf:
      return "AddSvdf";
    case nn::Op::kTanh:
      return "AddTanh";
    case nn::Op::kPad:
      return "AddPad";
    case nn::Op::kTranspose:
      return "AddTranspose";
    case nn::Op::kMean:
      return "AddMean";
    case nn::Op::kSub:
      return "AddSub";
    case nn::Op::kDiv:
      return "AddDiv";
    case nn::Op::kSqueeze:
      return "AddSqueeze";
    case nn::Op::kStridedSlice:
      return "AddStridedSlice";
    case nn::Op::kCast:
      return "AddCast";
    case nn::Op::kPadV2:
      return "AddPadV2";
    case nn::Op::kSlice:
      return "AddSlice";
    case nn::Op::kExpandDims:
      return "AddExpandDims";
    case nn::Op::kSum:
      return "AddSum";
    case nn::Op::kQuantize:
      return "AddQuantize";
    case nn::Op::kHardSwish:
      return "AddHardSwish";
    case nn::Op::kBatchMatMul:
      return "AddBatchMatMul";
    default:
      return nullptr;
  }
}

std::string upper(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  return name;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw Error(msg(path, ": cannot write the file"));
}

struct UsedOp {
  nn::Op op;
  int32_t version;  // highest version of the op in the model
  int count;
};

std::string tensor_line(const nn::Tensor& t) {
  std::string line = msg(dtype_name(t.type), " ", shape_to_string(t.shape));
  if (!t.quant.empty() && t.quant.scale.size() == 1) {
    line += msg(", scale ", t.quant.scale[0], ", zero point ",
                t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0]);
  }
  return line;
}

void run(const std::string& model_path, const std::string& out_dir, std::string name, bool c) {
  std::ifstream file(model_path, std::ios::binary);
  if (!file) throw Error(msg(model_path, ": cannot open the model file"));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  const nn::Model model = nn::read_tflite_buffer(bytes.data(), bytes.size(), model_path);
  // Refuses a model whose metadata hash does not match its preprocess and statistics.
  const nn::EdgeMetadata meta = nn::read_edge_metadata(model);

  if (name.empty()) name = optimize::c_identifier(base_name(model_path));
  if (name != optimize::c_identifier(name)) {
    throw Error(msg("--name '", name,
                    "' is not a C identifier (letters, digits and _, not "
                    "starting with a digit), e.g. '",
                    optimize::c_identifier(name), "'"));
  }
  struct stat st;
  if (::stat(out_dir.c_str(), &st) != 0 && ::mkdir(out_dir.c_str(), 0755) != 0) {
    throw Error(msg("--out ", out_dir, ": cannot create the folder"));
  }

  // Operators, in first-use order, with the highest version used.
  std::vector<UsedOp> ops;
  std::vector<std::string> unknown;
  for (const nn::Operator& op : model.operators()) {
    auto it = std::find_if(ops.begin(), ops.end(), [&](const UsedOp& u) { return u.op == op.op; });
    if (it == ops.end()) {
      ops.push_back({op.op, op.version, 1});
      if (!resolver_method(op.op)) unknown.push_back(nn::op_name_or_code(int32_t(op.op)));
    } else {
      it->version = std::max(it->version, op.version);
      ++it->count;
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    throw Error(msg(model_path,
                    ": operators without a TensorFlow Lite Micro resolver method "
                    "known to edgestream: ",
                    list));
  }

  // The engine's arena for one invoke (reference kernels: no packed-weight scratch).
  size_t arena = 0;
  std::string arena_note;
  try {
    nn::Interpreter interpreter(model, {nn::KernelSet::kReference, 1});
    arena = interpreter.arena_bytes();
  } catch (const Error& e) {
    arena_note = e.what();
  }

  optimize::write_c_array(bytes, name + ".tflite", out_dir, name, c ? ".c" : ".cc");
  const std::string array = optimize::c_identifier(name + ".tflite");
  const std::string macro = upper(name);

  std::ostringstream h;
  h << "// " << name << "_model_info.h: what " << base_name(model_path)
    << ".tflite needs on a microcontroller.\n"
    << "// Generated by `edgestream export`; see docs/microcontrollers.md.\n"
    << "#ifndef " << macro << "_MODEL_INFO_H\n#define " << macro << "_MODEL_INFO_H\n\n"
    << "#include \"" << name << ".h\"  // " << array << "[], " << array << "_len\n\n"
    << "// Distinct builtin operators: the N of tflite::MicroMutableOpResolver<N>.\n"
    << "#define " << macro << "_OP_COUNT " << ops.size() << "\n";
  if (arena_note.empty()) {
    h << "// Tensor arena bytes of edgestream's planner (TFLM's greedy planner over the\n"
      << "// activations). TFLM keeps more in its arena (tensor and node structures, the\n"
      << "// kernels' per-channel quantization data): add a margin, then trim it with\n"
      << "// MicroInterpreter::arena_used_bytes().\n"
      << "#define " << macro << "_ARENA_BYTES " << arena << "\n";
  }
  h << "\n// Operators (builtin name, version, uses):\n";
  for (const UsedOp& u : ops) {
    h << "//   " << nn::op_name(u.op) << " v" << u.version << " x" << u.count << "\n";
  }
  h << "\n#ifdef __cplusplus\n"
    << "// Adds every operator the model needs to a TFLM resolver:\n"
    << "//   tflite::MicroMutableOpResolver<" << macro << "_OP_COUNT> resolver;\n"
    << "//   if (" << name << "_add_ops(resolver) != 0) { /* resolver too small */ }\n"
    << "// Returns 0 (kTfLiteOk) when every Add call succeeded.\n"
    << "template <typename Resolver>\ninline int " << name << "_add_ops(Resolver& resolver) {\n";
  for (const UsedOp& u : ops) {
    h << "  if (resolver." << resolver_method(u.op) << "() != 0) return 1;\n";
  }
  h << "  return 0;\n}\n#endif\n\n#endif  // " << macro << "_MODEL_INFO_H\n";
  write_text(out_dir + "/" + name + "_model_info.h", h.str());

  std::ostringstream md;
  md << "# " << name << ": model info for microcontrollers\n\n"
     << "Generated by `edgestream export " << model_path << "`. Model: " << bytes.size()
     << " bytes, " << model.operators().size() << " operators, " << model.tensors().size()
     << " tensors.\n\n"
     << "Files: `" << name << ".h` / `" << name << (c ? ".c" : ".cc") << "` (the model as `"
     << array << "[]`, 16-byte aligned, length `" << array << "_len`), `" << name
     << "_model_info.h` (this information as macros and an op-registration template).\n\n"
     << "## Operators\n\n| builtin | version | uses | resolver call |\n|---|---:|---:|---|\n";
  for (const UsedOp& u : ops) {
    md << "| " << nn::op_name(u.op) << " | " << u.version << " | " << u.count << " | `resolver."
       << resolver_method(u.op) << "();` |\n";
  }
  md << "\n```cpp\ntflite::MicroMutableOpResolver<" << ops.size() << "> resolver;\n";
  for (const UsedOp& u : ops) md << "resolver." << resolver_method(u.op) << "();\n";
  md << "```\n\n## Arena\n\n";
  if (arena_note.empty()) {
    md << arena << " bytes: edgestream's engine planner (TFLM's greedy planner) over the "
       << "activations of one invoke. TensorFlow Lite Micro needs more than this: it also "
          "keeps its tensor and node structures, the persistent buffers of the kernels "
          "(per-channel "
          "quantization multipliers grow with the channel count) and their scratch buffers in "
          "the arena. Give it a margin, then read `interpreter.arena_used_bytes()` after "
          "`AllocateTensors()` and trim the arena to that.\n";
  } else {
    md << "Not computed: edgestream's engine cannot plan this model (" << arena_note << ").\n";
  }
  md << "\n## Inputs and outputs\n\n";
  for (size_t i = 0; i < model.inputs().size(); ++i) {
    md << "- input " << i << " `" << model.input(i).name << "`: " << tensor_line(model.input(i))
       << "\n";
  }
  for (size_t i = 0; i < model.outputs().size(); ++i) {
    md << "- output " << i << " `" << model.output(i).name << "`: " << tensor_line(model.output(i))
       << "\n";
  }
  const std::vector<std::string> labels = model.labels();
  if (!labels.empty()) {
    md << "\nLabels (output index order): ";
    for (size_t i = 0; i < labels.size(); ++i)
      md << (i ? ", " : "") << i << " `" << labels[i] << "`";
    md << "\n";
  }
  if (!meta.preprocess.empty() || !meta.statistics.empty()) {
    md << "\n## Preprocessing the device must repeat\n\nThe model was trained on windows made by "
          "this preprocess segment (`edgestream.preprocess`); the device must compute the same "
          "window, in the same order, before quantizing it into the input.\n\n```\n"
       << meta.preprocess << "\n```\n";
    if (!meta.statistics.empty()) {
      md << "\nNormalization statistics (`edgestream.statistics`):\n\n```json\n"
         << meta.statistics << "\n```\n";
    }
  }
  write_text(out_dir + "/" + name + "_model_info.md", md.str());

  std::printf("%s/%s.h, %s/%s%s: %zu bytes as %s[]\n", out_dir.c_str(), name.c_str(),
              out_dir.c_str(), name.c_str(), c ? ".c" : ".cc", bytes.size(), array.c_str());
  std::printf("%s/%s_model_info.{h,md}: %zu operators", out_dir.c_str(), name.c_str(), ops.size());
  if (arena_note.empty()) std::printf(", arena %zu bytes (engine planner)", arena);
  std::printf("\n");
  for (const UsedOp& u : ops) {
    std::printf("  %-20s v%d  resolver.%s();\n", nn::op_name(u.op), u.version,
                resolver_method(u.op));
  }
  if (!arena_note.empty()) std::printf("arena not computed: %s\n", arena_note.c_str());
}

}  // namespace

void add_export_command(CLI::App& app) {
  struct Options {
    std::string model, out, name;
    bool c = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write a model as a C array plus its microcontroller operator list and arena size");
  cmd->add_option("model", o->model, ".tflite model")->required();
  cmd->add_option("--out", o->out, "output folder (created when absent)")->required();
  cmd->add_option("--name", o->name,
                  "base name of the files and the C array (default: from the model file name)");
  cmd->add_flag("--c", o->c, "write the array source as .c (default .cc)");
  cmd->callback([o] { run(o->model, o->out, o->name, o->c); });
}

}  // namespace edge::cli
