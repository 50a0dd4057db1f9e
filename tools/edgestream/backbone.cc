// edgestream backbone MODEL.tflite --cut TENSOR [--bands N] [--pool mean,max|mean|max]
//                     --out FILE.tflite
//
// Cuts a pretrained model after an intermediate tensor and pools its feature map into a
// fixed-length embedding (core/runtime/nn/feature_extractor.h): a frozen feature extractor
// for transfer learning, which a graph runs with edgeinfer before a small trained head.
// The cut model is run once through the engine's interpreter before it is written, so a
// file that edgeinfer could not run is never written. `edgestream-inspect MODEL` lists the
// tensors to cut at.
#include <cstdio>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "nn/feature_extractor.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "tools/edgestream/commands.h"

namespace edge::cli {
namespace {

struct Options {
  std::string model, cut, pool = "mean,max", out;
  int bands = 1;
};

// "mean,max", "mean" or "max" (either order) into the options' two flags.
void parse_pools(const std::string& text, nn::FeatureExtractorOptions* options) {
  options->mean = options->max = false;
  std::istringstream words(text);
  std::string word;
  while (std::getline(words, word, ',')) {
    bool* flag = word == "mean" ? &options->mean : word == "max" ? &options->max : nullptr;
    if (!flag || *flag) {
      throw Error(msg("--pool ", text, ": expected mean, max or mean,max"));
    }
    *flag = true;
  }
  if (!options->mean && !options->max) {
    throw Error(msg("--pool ", text, ": expected mean, max or mean,max"));
  }
}

std::string tensor_line(const nn::Tensor& t) {
  std::string line = msg('"', t.name, "\" ", dtype_name(t.type), ' ', shape_to_string(t.shape));
  if (t.quant.scale.size() == 1) {
    line += msg(" scale ", t.quant.scale[0], " zero point ",
                t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0]);
  }
  return line;
}

void run(const Options& o) {
  nn::FeatureExtractorOptions options;
  options.tensor = o.cut;
  options.bands = o.bands;
  parse_pools(o.pool, &options);
  // The part after the cut may hold operators the engine does not run: the interpreter
  // below decides on what is kept.
  nn::ReadOptions read_options;
  read_options.allow_unsupported = true;
  const nn::Model source = nn::read_tflite_file(o.model, read_options);
  const nn::Model cut = nn::cut_feature_extractor(source, options);
  int64_t macs = 0;
  {
    nn::Interpreter interpreter(cut, {nn::KernelSet::kReference, 1});
    interpreter.invoke();  // once, so a kept kernel that cannot run fails here, not on a device
    macs = interpreter.macs();
  }
  nn::WriteOptions write_options;
  write_options.description = cut.description();
  // The kept operators keep the source's versions; the pooling's are the converter's already.
  write_options.keep_versions = true;
  nn::write_tflite_file(cut, o.out, write_options);

  // The pools, the concatenation when there are two, the reshape.
  const size_t pooling_ops = options.mean && options.max ? 4 : 2;
  const size_t kept = cut.operators().size() - pooling_ops;
  std::printf("%s: %s\n", o.out.c_str(), cut.description().c_str());
  std::printf(
      "  %zu of %zu operators kept, %zu added for the pooling; %zu parameter bytes, %lld "
      "MACs per invoke\n",
      kept, source.operators().size(), pooling_ops, cut.parameter_bytes(),
      static_cast<long long>(macs));
  for (size_t i = 0; i < cut.inputs().size(); ++i) {
    std::printf("  input %zu: %s\n", i, tensor_line(cut.input(i)).c_str());
  }
  std::printf("  output: %s\n", tensor_line(cut.output(0)).c_str());
}

}  // namespace

void add_backbone_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "backbone",
      "Cut a pretrained .tflite after an intermediate tensor into a frozen feature extractor "
      "whose output is the pooled embedding");
  cmd->add_option("model", o->model, "pretrained .tflite model")->required();
  cmd->add_option("--cut", o->cut,
                  "tensor to cut at: its name or index (edgestream-inspect MODEL lists them)")
      ->required();
  cmd->add_option("--bands", o->bands,
                  "pool over the whole H axis and this many equal groups of the W axis")
      ->capture_default_str();
  cmd->add_option("--pool", o->pool, "mean,max | mean | max: the pools, concatenated")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "the feature extractor .tflite to write")->required();
  cmd->callback([o] { run(*o); });
}

}  // namespace edge::cli
