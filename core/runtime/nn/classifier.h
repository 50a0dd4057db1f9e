// Classifying windows with a model: the one place that turns a stream window into the model's
// input, invokes, and reads the output as class scores. edgeinfer, `edgestream eval`,
// `edgestream optimize` and bench_models all go through it.
//
//   nn::Classifier classifier = nn::Classifier::from_file("gesture_int8.tflite", options);
//   classifier.set_stream(DType::kFloat32, {30, 6});  // once, when the stream's tensor is known
//   for (each window) {
//     const nn::Classification& c = classifier.classify(window);  // allocates nothing
//     c.top[0].label, c.top[0].score, c.latency_ns ...
//   }
//
// Prepared once (TFLite Micro's Prepare/Eval split): the constructor verifies that the model is
// a classifier edgestream can feed (one input; outputs readable as scores: float, or int
// quantized per tensor), reads its edgestream metadata (nn/metadata.h; a corrupt hash is
// refused), resolves its labels (a labels file, else the model's edgestream.labels entry; the
// count must equal output 0's values) and builds the interpreter (every operator prepared, one
// arena planned). set_stream() decides how a stream tensor fits the input (nn/stream_adapter.h:
// copied, or float32 quantized with the input's scale and zero point, rounding half away from
// zero as TFLite's QUANTIZE). classify() then converts, invokes, dequantizes output 0 into
// scores() and picks the top k, into storage sized in the constructor: it allocates nothing.
//
// Preprocess parity (check_preprocess): compares the preprocessing a graph states with the
// model's edgestream.preprocess/statistics metadata (nn/parity.h) and says which of five cases
// it is; the caller decides what is an error.
//
// WindowClassifier is the interface edgeinfer talks to: the engine (Classifier) and remote
// inference with a local fallback (plugins/edgeinfer_remote.h) implement it.
//
// Errors: ClassifierError (an edge::Error) naming the model or file and what is wrong, with a
// Kind that says which part failed (GStreamer elements map it to their error codes).
// classify() does not throw.
//
// Ownership and threads: a Classifier owns its model (from_file, or a shared_ptr) or borrows
// one (the Model& constructor: the model must outlive it). One thread at a time per object;
// results are valid until the next classify().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "nn/interpreter.h"
#include "nn/metadata.h"
#include "nn/model.h"
#include "nn/stream_adapter.h"
#include "nn/tflite_reader.h"
#include "tensor/tensor.h"

namespace edge::nn {

class ClassifierError : public Error {
 public:
  enum class Kind {
    kModelMissing,  // no file at the model path
    kModelFile,     // the file is not a model edgestream reads, or its metadata is corrupt
    kUnsupported,   // a model, but not a classifier it can feed (inputs, outputs, label count)
    kLabelsFile,    // the labels file cannot be read, is not a regular file, or is too large
    kEngine,        // the engine refuses the model (an operator's Prepare)
    kStatistics,    // the statistics file of a parity check cannot be read
    kStream,        // the stream's tensor does not fit the model's input
  };
  ClassifierError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

enum class OutputType {  // int-sized: edgeinfer's output-type parameter (classifier_params.h)
  kNative,               // outputs as the model gives them (e.g. int8)
  kFloat32,              // every output dequantized to float32
};

struct ClassifierOptions {
  KernelSet kernels = KernelSet::kFast;
  int threads = 1;   // >= 1: threads per invoke for the CONV/DWCONV/FC kernels
  size_t top_k = 5;  // best classes of output 0 per window; 0: none (scores() only)
  OutputType output_type = OutputType::kNative;  // what read_output() writes
  std::string labels_file;  // one label per line; empty: the model's edgestream.labels
  bool labels = true;       // false: no labels at all (a model whose input is a batch)
};

struct ClassScore {
  int32_t index = 0;       // into output 0
  float score = 0.0f;      // output 0's value there, dequantized
  std::string_view label;  // empty when the classifier has no labels
};

// Who answered a window.
enum class Answer : uint8_t {
  kEngine,    // the local engine (no remote configured)
  kRemote,    // a remote server, in time
  kFallback,  // the local engine, because the remote server did not answer usably in time
};

struct Classification {
  std::vector<ClassScore> top;  // best first (equal scores: lower index first; NaN last)
  uint64_t latency_ns = 0;      // the model's invoke time (a remote answer: the server's)
  Answer answer = Answer::kEngine;
};

// Where a window sits in its stream (EdgeClipMeta and buffer fields). The engine ignores it;
// a remote classifier sends it with the window so the server's graph sees the same timestamps
// and clip. Strings are borrowed for the duration of classify() (nullptr: absent).
struct WindowClip {
  const char* clip_id = nullptr;
  const char* label = nullptr;
  int32_t label_index = -1;
  int32_t fold = -1;
  const char* source = nullptr;
  int64_t window_index = -1;
};
struct WindowContext {
  static constexpr uint64_t kNone = UINT64_MAX;  // GST_CLOCK_TIME_NONE, GST_BUFFER_OFFSET_NONE
  uint64_t pts = kNone, dts = kNone, duration = kNone, offset = kNone, offset_end = kNone;
  uint32_t buffer_flags = 0;
  const WindowClip* clip = nullptr;
};

// One window in, its classification and output tensors out.
class WindowClassifier {
 public:
  virtual ~WindowClassifier() = default;
  // `window` holds one stream tensor as negotiated (Classifier::stream_bytes()).
  virtual const Classification& classify(const void* window, const WindowContext& context) = 0;
  // Output tensor i of the last classify() into dst, which holds `bytes` bytes (at most the
  // output's size is written).
  virtual void read_output(size_t i, void* dst, size_t bytes) const = 0;
};

// How the preprocessing a graph states compares with the one the model was trained with.
struct ParityCheck {
  enum class Outcome {
    kMatch,            // both state it, and it is the same
    kDiffers,          // both state it, and it differs: `difference` shows both sides
    kModelStatesNone,  // the graph states it; the model carries no preprocess metadata
    kGraphStatesNone,  // the model carries it; the graph states nothing (not checked)
    kNeitherStates,    // nothing to compare
  };
  Outcome outcome = Outcome::kNeitherStates;
  std::string difference;
  std::string model_preprocess;  // what the model was trained with (its metadata)

  // True when the caller must not run: the preprocessing differs and `check` is on.
  bool refused(bool check) const { return outcome == Outcome::kDiffers && check; }
  // For a person, naming `model` and the switch `check` (edgeinfer's check-preprocess): what
  // differs, or why nothing was checked; empty for kMatch and kNeitherStates.
  std::string message(const std::string& model, bool check) const;
};

class Classifier final : public WindowClassifier {
 public:
  // Reads and verifies the model at `path` (a regular file; ClassifierError::kModelMissing when
  // there is none), then as the constructor.
  static Classifier from_file(const std::string& path, const ClassifierOptions& options = {},
                              const ReadOptions& read_options = {});
  explicit Classifier(std::shared_ptr<const Model> model, const ClassifierOptions& options = {});
  // Borrows `model`, which must outlive the classifier.
  explicit Classifier(const Model& model, const ClassifierOptions& options = {});
  Classifier(Classifier&&) noexcept;
  Classifier& operator=(Classifier&&) noexcept;
  ~Classifier() override;

  const Model& model() const { return *model_; }
  const Tensor& input() const { return model_->input(0); }
  const EdgeMetadata& metadata() const { return metadata_; }
  // The labels of output 0's values (from the labels file or the model); may be empty.
  const std::vector<std::string>& labels() const { return labels_; }
  const ClassifierOptions& options() const { return options_; }
  Interpreter& interpreter() { return *interpreter_; }
  const Interpreter& interpreter() const { return *interpreter_; }

  // Compares the graph's stated preprocessing (canonical text; empty: not stated) and its
  // statistics file (empty: none) with the model's metadata. Throws ClassifierError
  // (kStatistics) when the statistics file cannot be read.
  ParityCheck check_preprocess(const std::string& preprocess,
                               const std::string& statistics_file) const;

  // The stream's tensor type and shape: throws ClassifierError (kStream) naming both when it
  // does not fit the input. Until it is called the stream is the input's own type and shape.
  InputConversion set_stream(DType type, const Shape& shape);
  // Whether set_stream() would take it, without changing anything; *why says why not.
  bool fits(DType type, const Shape& shape, std::string* why) const;
  DType stream_type() const { return stream_type_; }
  InputConversion conversion() const { return conversion_; }
  size_t stream_bytes() const { return stream_bytes_; }

  // Output i as read_output() writes it (options().output_type applied).
  DType output_type(size_t i) const;
  size_t output_bytes(size_t i) const;

  const Classification& classify(const void* window, const WindowContext& context) override;
  const Classification& classify(const void* window) { return classify(window, WindowContext{}); }
  void read_output(size_t i, void* dst, size_t bytes) const override;
  // Output 0 of the last classify() as floats (dequantized), all of its values.
  const std::vector<float>& scores() const { return scores_; }

 private:
  void prepare();

  std::shared_ptr<const Model> owned_;
  const Model* model_ = nullptr;
  ClassifierOptions options_;
  EdgeMetadata metadata_;
  std::vector<std::string> labels_;
  std::unique_ptr<Interpreter> interpreter_;
  DType stream_type_ = DType::kFloat32;
  InputConversion conversion_ = InputConversion::kCopy;
  size_t stream_bytes_ = 0;
  std::vector<float> scores_;
  std::vector<ScoredClass> best_;
  Classification result_;
};

}  // namespace edge::nn
