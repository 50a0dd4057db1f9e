#include "optimize/sequence.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/text.h"
#include "optimize/float16.h"
#include "train/pruning.h"
#include "train/qat.h"

namespace edge::optimize {
namespace {

struct ConversionName {
  const char* name;
  Conversion conversion;
};
constexpr ConversionName kConversions[] = {
    {"float32", Conversion::kFloat32},
    {"float16", Conversion::kFloat16},
    {"dynamic-range", Conversion::kDynamicRange},
    {"int8", Conversion::kInt8},
    {"int8-only", Conversion::kInt8Only},
    {"16x8", Conversion::kInt16x8},
};

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// A step's text may span lines in the model file (a TOML multi-line string).
std::string trim_space(const std::string& s) { return trim(s, " \t\r\n"); }

class StepParser {
 public:
  StepParser(const std::string& sequence, const std::string& text)
      : sequence_(sequence), text_(text) {}

  SequenceStep parse() {
    const std::vector<std::string> words = split_words(text_);
    if (words.empty()) fail("", "is empty; expected a step name such as prune or int8");
    step_.text = trim_space(text_);
    const std::string& name = words[0];
    for (size_t i = 1; i < words.size(); ++i) {
      const size_t eq = words[i].find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == words[i].size()) {
        fail("", "setting '", words[i], "' is not key=value");
      }
      const std::string key = words[i].substr(0, eq);
      if (!settings_.emplace(key, words[i].substr(eq + 1)).second) {
        fail(key, "is given twice");
      }
    }
    if (name == "prune") {
      step_.kind = StepKind::kPrune;
      step_.sparsity = real("sparsity", true, 0.0f);
      step_.epochs = integer("epochs", 10);
      step_.begin_epoch = integer("begin", 0);
      step_.end_epoch = integer("end", step_.epochs);
      step_.initial_sparsity = real("initial", false, 0.0f);
      step_.frequency = integer("frequency", 1);
      step_.power = real("power", false, 3.0f);
      in_unit_range("sparsity", step_.sparsity);
      in_unit_range("initial", step_.initial_sparsity);
      if (step_.initial_sparsity > step_.sparsity) {
        fail("initial", "must not exceed sparsity ", step_.sparsity, ", got ",
             step_.initial_sparsity);
      }
      at_least("epochs", step_.epochs, 0);
      at_least("begin", step_.begin_epoch, 0);
      if (step_.epochs > 0 &&
          (step_.end_epoch <= step_.begin_epoch || step_.end_epoch > step_.epochs)) {
        fail("end", "must be after begin (", step_.begin_epoch, ") and at most epochs (",
             step_.epochs, "), got ", step_.end_epoch);
      }
      at_least("frequency", int(std::min<int64_t>(step_.frequency, 1 << 30)), 1);
      if (!(step_.power > 0.0f)) fail("power", "must be > 0, got ", step_.power);
    } else if (name == "prune-units") {
      step_.kind = StepKind::kPruneUnits;
      step_.fraction = real("fraction", true, 0.0f);
      step_.epochs = integer("epochs", 5);
      in_unit_range("fraction", step_.fraction);
      at_least("epochs", step_.epochs, 0);
    } else if (name == "cluster") {
      step_.kind = StepKind::kCluster;
      step_.clusters = integer("clusters", -1, true);
      step_.epochs = integer("epochs", 5);
      at_least("clusters", step_.clusters, 1);
      at_least("epochs", step_.epochs, 0);
      const std::string init = text("init", "kmeans++");
      if (init == "kmeans++") {
        step_.init = train::CentroidInit::kKMeansPlusPlus;
      } else if (init == "linear") {
        step_.init = train::CentroidInit::kLinear;
      } else {
        fail("init", "must be kmeans++ or linear, got '", init, "'");
      }
    } else if (name == "qat") {
      step_.kind = StepKind::kQat;
      step_.epochs = integer("epochs", 5);
      at_least("epochs", step_.epochs, 1);
    } else {
      bool found = false;
      for (const ConversionName& c : kConversions) {
        if (name == c.name) {
          step_.kind = StepKind::kConvert;
          step_.conversion = c.conversion;
          found = true;
        }
      }
      if (found &&
          (step_.conversion == Conversion::kInt8 || step_.conversion == Conversion::kInt8Only ||
           step_.conversion == Conversion::kInt16x8)) {
        step_.calibration_samples = integer("samples", 0);
        if (settings_.count("samples")) at_least("samples", step_.calibration_samples, 1);
        step_.percentile = real("percentile", false, 100.0f);
        if (!(step_.percentile > 50.0 && step_.percentile <= 100.0)) {
          fail("percentile", "must be in (50, 100] (100 keeps min/max), got ", step_.percentile);
        }
      }
      if (!found) {
        fail("", "unknown step '", name,
             "'; steps are prune, prune-units, cluster, qat and the conversions float32, "
             "float16, dynamic-range, int8, int8-only, 16x8");
      }
    }
    if (step_.kind != StepKind::kConvert) {
      step_.distill = real("distill", false, 0.0f);
      step_.temperature = real("temperature", false, 2.0f);
      if (!(step_.distill >= 0.0f && step_.distill <= 1.0f)) {
        fail("distill", "must be in [0, 1] (the teacher's weight; 0 is off), got ", step_.distill);
      }
      if (!(step_.temperature > 0.0f)) fail("temperature", "must be > 0, got ", step_.temperature);
      step_.learning_rate = real("lr", false, 0.0f);
      if (settings_.count("lr") && !(step_.learning_rate > 0.0f && step_.learning_rate <= 10.0f)) {
        fail("lr", "must be in (0, 10], got ", step_.learning_rate);
      }
    }
    for (const auto& [key, value] : settings_) {
      if (!used_.count(key)) fail(key, "is not a setting of ", name);
    }
    return step_;
  }

 private:
  template <typename... Parts>
  [[noreturn]] void fail(const std::string& key, Parts&&... parts) const {
    throw Error(msg("sequence '", sequence_, "', step '", trim_space(text_), "'",
                    key.empty() ? "" : ": key '" + key + "'", key.empty() ? ": " : " ",
                    std::forward<Parts>(parts)...));
  }

  const std::string* value(const std::string& key, bool required) {
    used_.insert(key);
    const auto it = settings_.find(key);
    if (it == settings_.end()) {
      if (required) fail(key, "is required");
      return nullptr;
    }
    return &it->second;
  }

  float real(const std::string& key, bool required, float fallback) {
    const std::string* v = value(key, required);
    if (!v) return fallback;
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0' || errno != 0 || !std::isfinite(d)) {
      fail(key, "must be a number, got '", *v, "'");
    }
    return float(d);
  }

  int integer(const std::string& key, int fallback, bool required = false) {
    const std::string* v = value(key, required);
    if (!v) return fallback;
    errno = 0;
    char* end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0' || errno != 0 || n < -1000000000L || n > 1000000000L) {
      fail(key, "must be a whole number, got '", *v, "'");
    }
    return int(n);
  }

  std::string text(const std::string& key, const std::string& fallback) {
    const std::string* v = value(key, false);
    return v ? *v : fallback;
  }

  void in_unit_range(const std::string& key, float v) const {
    if (!(v >= 0.0f && v < 1.0f)) fail(key, "must be in [0, 1), got ", v);
  }
  void at_least(const std::string& key, int v, int min) const {
    if (v < min) fail(key, "must be >= ", min, ", got ", v);
  }

  const std::string& sequence_;
  const std::string& text_;
  SequenceStep step_;
  std::map<std::string, std::string> settings_;
  std::set<std::string> used_;
};

bool is_weighted(const train::Layer& layer) {
  const std::string kind = layer.kind();
  return kind == "Dense" || kind == "Conv2D" || kind == "DepthwiseConv2D";
}

// Float value of element i of a weight tensor (float32, float16 or int8).
bool is_zero(const nn::Tensor& t, int64_t i) {
  switch (t.type) {
    case DType::kFloat32: {
      float v;
      std::memcpy(&v, t.data + size_t(i) * 4, 4);
      return v == 0.0f;
    }
    case DType::kFloat16: {
      uint16_t v;
      std::memcpy(&v, t.data + size_t(i) * 2, 2);
      return (v & 0x7fff) == 0;
    }
    case DType::kInt8: {
      const int32_t zp = t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0];
      return int32_t(int8_t(t.data[i])) == zp;
    }
    default:
      return false;
  }
}

class Runner {
 public:
  Runner(train::Model model, const Sequence& sequence, const SequenceOptions& options)
      : sequence_(sequence), options_(options) {
    result_.trained = std::move(model);
  }

  SequenceResult run() {
    if (sequence_.steps.empty()) throw Error(msg("sequence '", sequence_.name, "' has no steps"));
    // The teacher is the model as it came, before any step changes it.
    for (const SequenceStep& step : sequence_.steps) {
      if (step.kind != StepKind::kConvert && step.distill > 0.0f && step.epochs > 0) {
        teacher_logits_ = train::predict_logits(result_.trained, training_data());
        log(msg("teacher: the starting model's logits on ", training_data().size(),
                " training samples (distillation)"));
        break;
      }
    }
    bool converted = false;
    for (const SequenceStep& step : sequence_.steps) {
      try {
        run_step(step);
      } catch (const Error& e) {
        throw Error(msg("sequence '", sequence_.name, "', step '", step.text, "': ", e.what()));
      }
      converted |= step.kind == StepKind::kConvert;
    }
    if (!converted) {
      SequenceStep float32;
      float32.text = "float32";
      run_step(float32);
    }
    return std::move(result_);
  }

 private:
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  const train::Dataset& training_data() const {
    if (!options_.train || options_.train->size() == 0) {
      throw Error("needs training data (the training split is empty)");
    }
    return *options_.train;
  }

  int steps_per_epoch() const {
    const int n = training_data().size();
    const int batch = std::max(1, options_.fit.batch_size);
    return (n + batch - 1) / batch;
  }

  void fine_tune(train::Model& model, const SequenceStep& step,
                 const std::function<void(int64_t)>& hook) {
    const int epochs = step.epochs;
    if (epochs < 1) return;
    std::unique_ptr<train::Optimizer> optimizer;
    if (options_.make_optimizer) {
      optimizer = options_.make_optimizer(step.learning_rate);
    } else {
      train::AdamOptions adam;
      adam.learning_rate = step.learning_rate > 0.0f ? step.learning_rate : 1e-4f;
      optimizer = std::make_unique<train::Adam>(adam);
    }
    train::FitOptions fit = options_.fit;
    fit.epochs = epochs;
    fit.early_stopping = train::EarlyStopping{};
    if (step.distill > 0.0f) {
      fit.distillation.teacher_logits = &teacher_logits_;
      fit.distillation.weight = step.distill;
      fit.distillation.temperature = step.temperature;
    }
    train::Trainer trainer(model, *optimizer, fit);
    train::StepHookOptions hook_options;
    hook_options.epochs = epochs;
    hook_options.batch_size = fit.batch_size;
    hook_options.seed = fit.seed;
    const std::vector<train::EpochLog> logs =
        train::fit_with_step_hook(trainer, training_data(), hook_options, hook);
    log(msg("  fine-tuned ", epochs, " epochs",
            step.learning_rate > 0.0f ? msg(" at learning rate ", step.learning_rate) : "",
            ": last epoch loss ", logs.back().loss, ", training accuracy ", logs.back().accuracy,
            step.distill > 0.0f
                ? msg(" (distilled: weight ", step.distill, ", temperature ", step.temperature, ")")
                : ""));
  }

  void run_step(const SequenceStep& step) {
    train::Model& model = result_.trained;
    log(msg("step '", step.text, "'"));
    switch (step.kind) {
      case StepKind::kPrune:
        return prune(model, step);
      case StepKind::kPruneUnits:
        return prune_units(step);
      case StepKind::kCluster: {
        train::ClusteringOptions c;
        c.clusters = step.clusters;
        c.init = step.init;
        c.seed = options_.fit.seed;
        train::WeightClusterer clusterer(model, c);
        fine_tune(model, step, [&](int64_t) { clusterer.after_step(); });
        log(msg("  ", clusterer.layer_names().size(), " kernels tied to ", step.clusters,
                " centroids each"));
        return;
      }
      case StepKind::kQat:
        return qat(step);
      case StepKind::kConvert:
        return convert(step);
    }
  }

  void prune(train::Model& model, const SequenceStep& step) {
    train::PolynomialDecay decay;
    decay.initial_sparsity = step.initial_sparsity;
    decay.final_sparsity = step.sparsity;
    decay.power = step.power;
    decay.frequency = step.frequency;
    if (step.epochs == 0) {
      train::MagnitudePruner pruner(model, decay);
      pruner.prune_to(step.sparsity);
      log(msg("  one-shot pruning: sparsity ", pruner.sparsity()));
      return;
    }
    const int64_t spe = steps_per_epoch();
    const int end_epoch = step.end_epoch < 0 ? step.epochs : step.end_epoch;
    decay.begin_step = int64_t(step.begin_epoch) * spe;
    decay.end_step = std::max(int64_t(end_epoch) * spe - 1, decay.begin_step + 1);
    train::MagnitudePruner pruner(model, decay);
    fine_tune(model, step, [&](int64_t s) { pruner.on_step(s); });
    const int64_t total = int64_t(step.epochs) * spe;
    if (total <= decay.end_step || (decay.end_step - decay.begin_step) % decay.frequency != 0) {
      pruner.prune_to(step.sparsity);  // the schedule's last update fell short of the target
    }
    log(msg("  sparsity of the pruned kernels: ", pruner.sparsity()));
  }

  void prune_units(const SequenceStep& step) {
    std::vector<std::string> names;
    for (size_t i = 0; i < result_.trained.num_layers(); ++i) {
      const std::string kind = result_.trained.layer(i).kind();
      if (kind == "Dense" || kind == "Conv2D") names.push_back(result_.trained.layer(i).name());
    }
    int pruned = 0;
    const int64_t before = result_.trained.parameter_count();
    for (const std::string& name : names) {
      try {
        train::StructuredResult r = train::remove_units(result_.trained, name, step.fraction);
        log(msg("  ", name, ": kept ", r.kept.size(), " units"));
        result_.trained = std::move(r.model);
        ++pruned;
      } catch (const Error& e) {
        log(msg("  ", name, " keeps all its units: ", e.what()));
      }
    }
    if (pruned == 0) {
      throw Error("no Dense or Conv2D layer of the model can be structurally pruned");
    }
    log(msg("  parameters ", before, " -> ", result_.trained.parameter_count()));
    fine_tune(result_.trained, step, nullptr);
  }

  void qat(const SequenceStep& step) {
    train::Model qat = train::insert_fake_quant(result_.trained);
    // Pruned weights (exactly zero) stay zero: masked before the shadow update.
    struct Mask {
      train::Tensor* kernel;
      std::vector<int64_t> zeros;
    };
    std::vector<Mask> masks;
    for (size_t i = 0; i < qat.num_layers(); ++i) {
      if (!is_weighted(qat.layer(i))) continue;
      train::Tensor& k = *qat.layer(i).param("kernel").value;
      Mask m{&k, {}};
      for (int64_t j = 0; j < k.size(); ++j) {
        if (k[j] == 0.0f) m.zeros.push_back(j);
      }
      if (!m.zeros.empty()) masks.push_back(std::move(m));
    }
    train::WeightFakeQuantizer weights(qat);
    fine_tune(qat, step, [&](int64_t) {
      for (Mask& m : masks)
        for (int64_t j : m.zeros) (*m.kernel)[j] = 0.0f;
      weights.after_step();
    });
    weights.finish();
    has_qat_ = true;
    result_.trained = std::move(qat);
  }

  std::vector<Sample> representative(size_t wanted) const {
    const train::Dataset& data = training_data();
    const int batch = options_.export_options.batch;
    const int64_t per_sample = data.x.inner_size();
    const int groups = data.size() / batch;
    if (groups < 1) throw Error(msg("needs at least ", batch, " training samples"));
    const size_t count = std::min<size_t>(size_t(groups), wanted);
    std::vector<Sample> samples;
    for (size_t k = 0; k < count; ++k) {
      const int64_t group = int64_t(k) * groups / int64_t(count);
      const float* begin = data.x.data() + group * batch * per_sample;
      samples.push_back({std::vector<float>(begin, begin + batch * per_sample)});
    }
    return samples;
  }

  void convert(const SequenceStep& step) {
    const Conversion conversion = step.conversion;
    nn::Model ir = train::export_ir(result_.trained, options_.export_options);
    PtqOptions ptq = options_.ptq;
    switch (conversion) {
      case Conversion::kFloat32:
        result_.model = std::move(ir);
        log("  float32 model");
        return;
      case Conversion::kFloat16:
        ptq.mode = QuantMode::kFloat16;
        break;
      case Conversion::kDynamicRange:
        ptq.mode = QuantMode::kDynamicRange;
        break;
      case Conversion::kInt8:
        ptq.mode = QuantMode::kFullInteger;
        break;
      case Conversion::kInt8Only:
        ptq.mode = QuantMode::kIntegerOnly;
        break;
      case Conversion::kInt16x8:
        ptq.mode = QuantMode::kInt16x8;
        break;
    }
    const bool integer = ptq.mode == QuantMode::kFullInteger ||
                         ptq.mode == QuantMode::kIntegerOnly || ptq.mode == QuantMode::kInt16x8;
    if (integer) {
      ptq.representative =
          representative(step.calibration_samples > 0 ? size_t(step.calibration_samples)
                                                      : options_.representative_samples);
      ptq.calibration.percentile = step.percentile;
      if (has_qat_) ptq.activation_ranges = qat_activation_ranges(result_.trained);
    }
    PtqResult q = quantize(ir, ptq);
    result_.float_ops = q.float_ops;
    result_.ranges_from_qat = q.ranges_from_options;
    result_.model = std::move(q.model);
    log(msg(
        "  ", conversion_name(conversion), " model", integer ? ": calibrated on " : "",
        integer ? std::to_string(q.calibration_samples) + " training samples" : "",
        integer && step.percentile < 100.0 ? msg(", ranges at percentile ", step.percentile) : "",
        q.ranges_from_options ? msg(", ", q.ranges_from_options, " ranges from QAT") : "",
        q.float_ops.empty() ? "" : msg(", ", q.float_ops.size(), " ops kept float32")));
  }

  const Sequence& sequence_;
  const SequenceOptions& options_;
  SequenceResult result_;
  bool has_qat_ = false;
  train::Tensor teacher_logits_;  // [training samples, classes] when a step distills
};

}  // namespace

const char* conversion_name(Conversion conversion) {
  for (const ConversionName& c : kConversions) {
    if (c.conversion == conversion) return c.name;
  }
  return "unknown";
}

Conversion Sequence::conversion() const {
  for (const SequenceStep& s : steps) {
    if (s.kind == StepKind::kConvert) return s.conversion;
  }
  return Conversion::kFloat32;
}

bool Sequence::has_qat() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const SequenceStep& s) { return s.kind == StepKind::kQat; });
}

Sequence parse_sequence(const std::string& name, const std::vector<std::string>& steps) {
  if (name.empty()) throw Error("a sequence needs a name");
  if (steps.empty()) throw Error(msg("sequence '", name, "' has no steps"));
  Sequence sequence;
  sequence.name = name;
  const SequenceStep* conversion = nullptr;
  const SequenceStep* qat = nullptr;
  for (const std::string& text : steps) {
    sequence.steps.push_back(StepParser(name, text).parse());
  }
  for (const SequenceStep& step : sequence.steps) {
    if (conversion) {
      throw Error(msg("sequence '", name, "', step '", step.text, "' comes after the conversion '",
                      conversion->text, "'; the conversion must be the last step and only one"));
    }
    if (step.kind == StepKind::kConvert) {
      conversion = &step;
    } else if (qat && step.kind != StepKind::kQat) {
      throw Error(msg("sequence '", name, "', step '", step.text,
                      "' comes after 'qat'; qat must be the last training step"));
    } else if (step.kind == StepKind::kQat) {
      if (qat) throw Error(msg("sequence '", name, "' has qat twice"));
      qat = &step;
    }
  }
  return sequence;
}

Sequence parse_steps(const std::string& semicolon_separated, const std::string& name) {
  std::vector<std::string> steps;
  std::string part;
  std::istringstream in(semicolon_separated);
  while (std::getline(in, part, ';')) {
    if (trim_space(part).empty()) {
      throw Error(msg("sequence '", name, "': empty step in '", semicolon_separated,
                      "' (steps are separated by ';')"));
    }
    steps.push_back(part);
  }
  return parse_sequence(name, steps);
}

std::vector<Sequence> load_sequences(const std::string& toml_path) {
  std::ifstream file(toml_path, std::ios::binary);
  if (!file) throw Error(msg(toml_path, ": cannot open the file"));
  std::stringstream text;
  text << file.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), toml_path);
  } catch (const toml::parse_error& err) {
    throw Error(msg(toml_path, ":", err.source().begin.line, ": ", err.description()));
  }
  std::vector<Sequence> sequences;
  const toml::node* node = root.get("sequences");
  if (!node) return sequences;
  const toml::table* table = node->as_table();
  if (!table) throw Error(msg(toml_path, ": [sequences] must be a table"));
  struct Entry {
    std::string name;
    const toml::node* node;
  };
  std::vector<Entry> entries;
  for (const auto& [key, value] : *table) entries.push_back({std::string(key.str()), &value});
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.node->source().begin.line < b.node->source().begin.line;
  });
  for (const Entry& e : entries) {
    const toml::array* array = e.node->as_array();
    const auto line = e.node->source().begin.line;
    if (!array) {
      throw Error(
          msg(toml_path, ":", line, ": sequences.", e.name,
              " must be an array of step strings, e.g. [\"prune sparsity=0.5\", \"int8\"]"));
    }
    std::vector<std::string> steps;
    for (const toml::node& item : *array) {
      const auto* s = item.as_string();
      if (!s) throw Error(msg(toml_path, ":", line, ": sequences.", e.name, " holds a non-string"));
      steps.push_back(s->get());
    }
    try {
      sequences.push_back(parse_sequence(e.name, steps));
    } catch (const Error& err) {
      throw Error(msg(toml_path, ":", line, ": ", err.what()));
    }
  }
  return sequences;
}

std::map<std::string, TensorRange> qat_activation_ranges(const train::Model& qat_model) {
  std::map<std::string, TensorRange> ranges;
  for (size_t i = 0; i < qat_model.num_layers(); ++i) {
    const train::Layer& layer = qat_model.layer(i);
    if (std::string(layer.kind()) != "FakeQuant") continue;
    // Walk back over layers export_ir drops (Dropout, other FakeQuants).
    train::NodeId node = qat_model.layer_inputs(i)[0];
    while (node > 0) {
      const std::string kind = qat_model.layer(size_t(node - 1)).kind();
      if (kind != "Dropout" && kind != "FakeQuant") break;
      node = qat_model.layer_inputs(size_t(node - 1))[0];
    }
    const std::string name = node == 0 ? "input" : qat_model.layer(size_t(node - 1)).name();
    const auto& fq = static_cast<const train::FakeQuant&>(layer);
    ranges[name] = TensorRange{true, fq.range_min(), fq.range_max()};
  }
  return ranges;
}

double weight_sparsity(const nn::Model& model) {
  // float16 models feed float16 constants through DEQUANTIZE to the weights.
  std::vector<int32_t> dequantized_from(model.tensors().size(), -1);
  for (const nn::Operator& op : model.operators()) {
    if (op.op == nn::Op::kDequantize && op.inputs.size() == 1 && op.outputs.size() == 1)
      dequantized_from[size_t(op.outputs[0])] = op.inputs[0];
  }
  int64_t zeros = 0, total = 0;
  for (const nn::Operator& op : model.operators()) {
    if (op.op != nn::Op::kFullyConnected && op.op != nn::Op::kConv2D &&
        op.op != nn::Op::kDepthwiseConv2D)
      continue;
    if (op.inputs.size() < 2 || op.inputs[1] < 0) continue;
    int32_t index = op.inputs[1];
    if (!model.tensor(index).is_constant && dequantized_from[size_t(index)] >= 0)
      index = dequantized_from[size_t(index)];
    const nn::Tensor& w = model.tensor(index);
    if (!w.is_constant || !w.data) continue;
    for (int64_t i = 0; i < w.elements(); ++i) zeros += is_zero(w, i);
    total += w.elements();
  }
  return total == 0 ? 0.0 : double(zeros) / double(total);
}

SequenceResult run_sequence(train::Model model, const Sequence& sequence,
                            const SequenceOptions& options) {
  return Runner(std::move(model), sequence, options).run();
}

}  // namespace edge::optimize
