#include "eval/evaluate.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "nn/classifier.h"

namespace edge::eval {
namespace {

std::string list_text(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

void make_directories(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      partial = path.substr(0, i);
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(msg("cannot create directory ", partial, ": ", std::strerror(errno)));
    }
  }
}

}  // namespace

SplitChoice choose_split(const store::LoadedDataset& data, const std::string& test_folds,
                         double test_fraction, uint64_t seed, bool needs_training) {
  SplitChoice choice;
  if (!test_folds.empty()) {
    const auto folds = store::parse_fold_list(test_folds, "--test-folds");
    choice.split = store::split_by_folds(data, folds, needs_training);
    choice.description =
        needs_training
            ? msg("train on folds other than ", nlohmann::json(folds).dump(), " (",
                  choice.split.train.size(), " windows), test on folds ",
                  nlohmann::json(folds).dump(), " (", choice.split.test.size(), " windows)")
            : msg("test on folds ", nlohmann::json(folds).dump(), " (", choice.split.test.size(),
                  " windows)");
  } else {
    choice.split = store::split_by_clip(data, test_fraction, seed);
    choice.description =
        msg("stratified split by clip, seed ", seed, ": ", int(std::lround(test_fraction * 100)),
            " % of each class's clips held out (", choice.split.train.size(), " train / ",
            choice.split.test.size(), " test windows)");
  }
  if (choice.split.test.empty())
    throw Error(msg(data.directory, ": the test split is empty (", choice.description, ")"));
  return choice;
}

train::Dataset make_train_dataset(const store::LoadedDataset& data,
                                  const std::vector<int64_t>& indices,
                                  const std::vector<int64_t>& input_shape) {
  int64_t elements = 1;
  for (int64_t d : input_shape) elements *= d;
  if (size_t(elements) != data.window_elements())
    throw Error(msg("the model's input ", nlohmann::json(input_shape).dump(), " holds ", elements,
                    " values but the windows of ", data.directory, " are ",
                    nlohmann::json(data.window_shape).dump(), " (", data.window_elements(),
                    " values): this model was made for other preprocessing"));
  train::Dataset out;
  Shape shape{int32_t(indices.size())};
  for (int64_t d : input_shape) shape.push_back(int32_t(d));
  out.x.resize(shape);
  float* dst = out.x.data();
  const size_t n = data.window_elements();
  for (size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(dst + i * n, data.window(indices[i]), n * sizeof(float));
    out.labels.push_back(data.y[size_t(indices[i])]);
  }
  return out;
}

void check_labels(const std::vector<std::string>& model_labels, const std::string& model_name,
                  const std::vector<std::string>& dataset_labels, const std::string& dataset_dir) {
  if (model_labels.empty())
    throw Error(msg(model_name,
                    ": the model has no edgestream.labels metadata, so its outputs "
                    "cannot be matched to the classes of ",
                    dataset_dir, " ", list_text(dataset_labels)));
  if (model_labels != dataset_labels)
    throw Error(msg("classes differ: model ", model_name, " has ", list_text(model_labels),
                    ", dataset ", dataset_dir, " has ", list_text(dataset_labels)));
}

EngineResult run_engine(const nn::Model& model, const store::LoadedDataset& data,
                        const std::vector<int64_t>& indices) {
  if (model.inputs().size() != 1 || model.outputs().size() != 1)
    throw Error(msg(model.source(), ": ", model.inputs().size(), " inputs and ",
                    model.outputs().size(), " outputs; a classifier has one of each"));
  const nn::Tensor& input = model.input(0);
  const nn::Tensor& output = model.output(0);
  const size_t window = data.window_elements();
  if (size_t(input.elements()) != window)
    throw Error(msg(model.source(), ": input ", shape_to_string(input.shape), " holds ",
                    input.elements(), " values but the windows of ", data.directory, " are ",
                    nlohmann::json(data.window_shape).dump(), " (", window, " values)"));
  if (input.type != DType::kFloat32 && input.type != DType::kInt8 && input.type != DType::kInt16)
    throw Error(msg(model.source(), ": input type ", dtype_name(input.type),
                    " (expected float32, int8 or int16)"));
  nn::ClassifierOptions options;
  options.top_k = 0;  // every class's probability is read from scores()
  nn::Classifier classifier(model, options);
  // The windows are float32, copied in row-major order whatever the input's layout; int8 and
  // int16 inputs are quantized as edgeinfer does it.
  classifier.set_stream(DType::kFloat32, input.shape);
  const int classes = int(output.elements());

  std::vector<float> log_probabilities(indices.size() * size_t(classes));
  std::vector<int32_t> labels;
  labels.reserve(indices.size());
  std::vector<float> probabilities;
  probabilities.reserve(indices.size() * size_t(classes));
  double seconds = 0.0;
  for (size_t i = 0; i < indices.size(); ++i) {
    seconds += 1e-9 * double(classifier.classify(data.window(indices[i])).latency_ns);
    const std::vector<float>& p = classifier.scores();
    for (int c = 0; c < classes; ++c) {
      // softmax(log p) = p: the metrics' cross-entropy of these "logits" is that of p. p is
      // clipped at Keras's epsilon (1e-7) as its categorical cross-entropy does: an int8
      // softmax gives exact zeros below 1/512, which would otherwise weigh log(1e-12).
      log_probabilities[i * size_t(classes) + size_t(c)] =
          std::log(std::max(p[size_t(c)], static_cast<float>(kProbabilityEpsilon)));
    }
    labels.push_back(data.y[size_t(indices[i])]);
    probabilities.insert(probabilities.end(), p.begin(), p.begin() + classes);
  }
  EngineResult result;
  result.metrics = eval::compute_metrics_from_logits(labels, log_probabilities, classes);
  for (size_t i = 0; i < indices.size(); ++i) {
    const float* row = log_probabilities.data() + i * size_t(classes);
    result.predicted.push_back(int32_t(std::max_element(row, row + classes) - row));
  }
  std::vector<std::string> clips;
  clips.reserve(indices.size());
  for (int64_t i : indices) clips.push_back(data.clip[size_t(i)]);
  if (std::none_of(clips.begin(), clips.end(), [](const std::string& c) { return c.empty(); }))
    result.clips = eval::score_clips(clips, labels, probabilities, classes);
  result.probabilities = std::move(probabilities);
  result.latency_us = indices.empty() ? std::nan("") : 1e6 * seconds / double(indices.size());
  result.arena_bytes = int64_t(classifier.interpreter().arena_bytes());
  result.macs = classifier.interpreter().macs();
  return result;
}

std::optional<Report::ClipSection> clip_section(const EngineResult& result) {
  if (!result.clips) return std::nullopt;
  Report::ClipSection section;
  section.metrics = result.clips->metrics;
  const auto& windows = result.clips->windows;
  if (!windows.empty()) {
    section.min_windows = *std::min_element(windows.begin(), windows.end());
    section.max_windows = *std::max_element(windows.begin(), windows.end());
  }
  return section;
}

std::string clip_summary(const EngineResult& result) {
  const auto section = clip_section(result);
  if (!section) return "";
  const Metrics& m = section->metrics;
  char accuracy[32];
  std::snprintf(accuracy, sizeof accuracy, "%.4f", m.accuracy);
  return msg("by clip: accuracy ", accuracy, " on ", m.samples, " clips (", section->description(),
             ")");
}

namespace {

// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

void write_predictions_csv(const std::string& path, const store::LoadedDataset& data,
                           const std::vector<int64_t>& indices, const EngineResult& result) {
  const size_t classes = data.labels.size();
  if (result.predicted.size() != indices.size() ||
      result.probabilities.size() != indices.size() * classes)
    throw Error(msg(path, ": ", result.predicted.size(), " predictions and ",
                    result.probabilities.size(), " probabilities for ", indices.size(),
                    " windows of ", classes, " classes"));
  std::string text = "window,clip,fold,label,predicted";
  for (const auto& label : data.labels) text += "," + csv_field("p_" + label);
  text += "\n";
  char number[32];
  for (size_t k = 0; k < indices.size(); ++k) {
    const size_t i = size_t(indices[k]);
    text += msg(indices[k], ",", csv_field(data.clip[i]), ",", data.fold[i], ",", data.y[i], ",",
                result.predicted[k]);
    for (size_t c = 0; c < classes; ++c) {
      // %.9g round-trips a float.
      std::snprintf(number, sizeof number, ",%.9g", double(result.probabilities[k * classes + c]));
      text += number;
    }
    text += "\n";
  }
  eval::write_text_file(path, text);
}

int64_t parameter_count(const nn::Model& model) {
  int64_t count = 0;
  for (const auto& op : model.operators()) {
    if (op.op != nn::Op::kConv2D && op.op != nn::Op::kDepthwiseConv2D &&
        op.op != nn::Op::kFullyConnected)
      continue;
    for (size_t k = 1; k < op.inputs.size() && k < 3; ++k)
      if (op.inputs[k] >= 0 && model.tensor(op.inputs[k]).is_constant)
        count += model.tensor(op.inputs[k]).elements();
  }
  return count;
}

void write_report_directory(const std::string& directory, const eval::Report& report,
                            const std::string& extra_markdown) {
  make_directories(directory);
  eval::write_text_file(directory + "/report.md", eval::to_markdown(report) + extra_markdown);
  eval::write_text_file(directory + "/report.json", eval::to_json(report));
  if (!report.metrics.confusion.empty())
    eval::write_text_file(directory + "/confusion.svg",
                          eval::confusion_svg(report.metrics, report.class_names));
  if (!report.history.empty())
    eval::write_text_file(directory + "/training_curves.svg",
                          eval::training_curves_svg(report.history));
}

std::string run_log_path(const std::string& explicit_path, const std::string& report_directory) {
  if (!explicit_path.empty()) return explicit_path;
  if (report_directory.empty()) return "";
  std::string dir = report_directory;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : dir.substr(0, slash ? slash : 1);
  return parent + "/runs.jsonl";
}

int64_t file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Error(msg(path, ": cannot be read (", std::strerror(errno), ")"));
  return int64_t(st.st_size);
}

}  // namespace edge::eval
