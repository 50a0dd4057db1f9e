#include "nn/classifier.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "nn/parity.h"

namespace edge::nn {

namespace {

using Kind = ClassifierError::Kind;

bool per_tensor_or_none(const QuantParams& q) { return !q.per_channel(); }

}  // namespace

Classifier Classifier::from_file(const std::string& path, const ClassifierOptions& options,
                                 const ReadOptions& read_options) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
    throw ClassifierError(Kind::kModelMissing, msg(path, ": no such file"));
  try {
    return Classifier(std::make_shared<const Model>(read_tflite_file(path, read_options)), options);
  } catch (const ClassifierError&) {
    throw;
  } catch (const Error& e) {
    throw ClassifierError(Kind::kModelFile, e.what());
  }
}

Classifier::Classifier(std::shared_ptr<const Model> model, const ClassifierOptions& options)
    : owned_(std::move(model)), model_(owned_.get()), options_(options) {
  prepare();
}

Classifier::Classifier(const Model& model, const ClassifierOptions& options)
    : model_(&model), options_(options) {
  prepare();
}

Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;
Classifier::~Classifier() = default;

void Classifier::prepare() {
  const Model& model = *model_;
  if (model.inputs().size() != 1) {
    throw ClassifierError(Kind::kUnsupported,
                          msg(model.source(), ": the model has ", model.inputs().size(),
                              " inputs; a classifier feeds one tensor stream into a "
                              "one-input model"));
  }
  for (size_t i = 0; i < model.outputs().size(); ++i) {
    const Tensor& t = model.output(i);
    if (!float_readable(t.type) || !per_tensor_or_none(t.quant)) {
      throw ClassifierError(Kind::kUnsupported,
                            msg(model.source(), ": output ", i, ' ', t.describe(),
                                " cannot be read as scores (per-channel quantized outputs are "
                                "not supported)"));
    }
  }
  try {
    metadata_ = read_edge_metadata(model);
  } catch (const Error& e) {
    throw ClassifierError(Kind::kModelFile, e.what());
  }
  if (!options_.labels) {
    labels_.clear();
  } else if (!options_.labels_file.empty()) {
    try {
      labels_ = read_labels_file(options_.labels_file);
    } catch (const Error& e) {
      throw ClassifierError(Kind::kLabelsFile, e.what());
    }
  } else {
    labels_ = metadata_.labels;
  }
  const auto classes = static_cast<size_t>(model.output(0).elements());
  if (!labels_.empty() && labels_.size() != classes) {
    const std::string from = options_.labels_file.empty()
                                 ? std::string("the model's edgestream.labels metadata")
                                 : options_.labels_file;
    throw ClassifierError(Kind::kUnsupported,
                          msg(from, " has ", labels_.size(), " labels but output 0 of model ",
                              model.source(), " has ", classes, " values"));
  }
  try {
    InterpreterOptions interpreter_options;
    interpreter_options.kernels = options_.kernels;
    interpreter_options.threads = options_.threads;
    interpreter_ = std::make_unique<Interpreter>(model, interpreter_options);
  } catch (const std::exception& e) {
    throw ClassifierError(Kind::kEngine, e.what());
  }
  set_stream(input().type, input().shape);
  // Everything classify() writes is sized here: it allocates nothing.
  scores_.resize(classes);
  const size_t k = std::min(options_.top_k, classes);
  best_.reserve(k);
  result_.top.reserve(k);
}

ParityCheck Classifier::check_preprocess(const std::string& preprocess,
                                         const std::string& statistics_file) const {
  ParityCheck check;
  check.model_preprocess = metadata_.preprocess;
  const bool graph_states = !preprocess.empty() || !statistics_file.empty();
  const bool model_states = !metadata_.preprocess.empty() || !metadata_.statistics.empty();
  if (!graph_states) {
    check.outcome = model_states ? ParityCheck::Outcome::kGraphStatesNone
                                 : ParityCheck::Outcome::kNeitherStates;
    return check;
  }
  std::string statistics;
  if (!statistics_file.empty()) {
    try {
      statistics = read_text_file(statistics_file, "statistics");
    } catch (const Error& e) {
      throw ClassifierError(Kind::kStatistics, e.what());
    }
  }
  if (!model_states) {
    check.outcome = ParityCheck::Outcome::kModelStatesNone;
    return check;
  }
  check.difference = preprocess_difference(
      preprocess, statistics, metadata_.preprocess, metadata_.statistics,
      statistics_file.empty() ? "graph" : "graph (statistics " + statistics_file + ")", "model");
  check.outcome =
      check.difference.empty() ? ParityCheck::Outcome::kMatch : ParityCheck::Outcome::kDiffers;
  return check;
}

std::string ParityCheck::message(const std::string& model, bool check) const {
  switch (outcome) {
    case Outcome::kMatch:
    case Outcome::kNeitherStates:
      return std::string();
    case Outcome::kGraphStatesNone:
      return msg("model ", model,
                 " was trained with stated preprocessing, but this graph states none (properties "
                 "preprocess and statistics), so it is not checked; the model expects:\n",
                 model_preprocess);
    case Outcome::kModelStatesNone:
      return msg("model ", model,
                 " carries no edgestream preprocess metadata; the graph's preprocessing cannot be "
                 "checked against it");
    case Outcome::kDiffers:
      break;
  }
  return check ? msg("the graph's preprocessing is not the one model ", model,
                     " was trained with (set check-preprocess=false to run anyway):\n", difference)
               : msg("running with check-preprocess=false although the graph's preprocessing is "
                     "not the one model ",
                     model, " was trained with:\n", difference);
}

bool Classifier::fits(DType type, const Shape& shape, std::string* why) const {
  try {
    fit_input(type, shape, input(), 0, model_->source());
  } catch (const Error& e) {
    *why = e.what();
    return false;
  }
  return true;
}

InputConversion Classifier::set_stream(DType type, const Shape& shape) {
  try {
    conversion_ = fit_input(type, shape, input(), 0, model_->source());
  } catch (const Error& e) {
    throw ClassifierError(Kind::kStream, e.what());
  }
  stream_type_ = type;
  stream_bytes_ = nn::stream_bytes(type, input());
  return conversion_;
}

DType Classifier::output_type(size_t i) const {
  return options_.output_type == OutputType::kFloat32 ? DType::kFloat32 : model_->output(i).type;
}

size_t Classifier::output_bytes(size_t i) const {
  return static_cast<size_t>(model_->output(i).elements()) * dtype_size(output_type(i));
}

const Classification& Classifier::classify(const void* window, const WindowContext&) {
  Interpreter& interpreter = *interpreter_;
  write_input(conversion_, window, input(), interpreter.input(0).raw());
  const auto start = std::chrono::steady_clock::now();
  interpreter.invoke();
  const auto end = std::chrono::steady_clock::now();
  result_.latency_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  result_.answer = Answer::kEngine;
  tensor_to_float(model_->output(0), interpreter.output(0).raw(), scores_.data());
  result_.top.clear();
  if (options_.top_k > 0) {
    top_k(scores_.data(), scores_.size(), options_.top_k, &best_);
    for (const ScoredClass& c : best_) {
      const auto index = static_cast<size_t>(c.index);
      result_.top.push_back(
          {c.index, c.score, index < labels_.size() ? labels_[index] : std::string_view()});
    }
  }
  return result_;
}

void Classifier::read_output(size_t i, void* dst, size_t bytes) const {
  const TensorView view = interpreter_->output(i);
  if (options_.output_type == OutputType::kFloat32 && view.type() != DType::kFloat32) {
    if (bytes < output_bytes(i)) return;  // cannot hold the whole tensor: nothing written
    tensor_to_float(model_->output(i), view.raw(), static_cast<float*>(dst));
  } else {
    std::memcpy(dst, view.raw(), std::min(bytes, view.bytes()));
  }
}

}  // namespace edge::nn
