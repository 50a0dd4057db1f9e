#include "train/model_spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/text.h"
#include "train/activation.h"
#include "train/architectures.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/pool.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

constexpr int kMaxSize = 1 << 20;  // units, filters, kernels, dimensions

// Where a value sits, for messages: "pipelines/x/model.toml:12: models.dense.layers[2].units".
struct Where {
  std::string file;
  std::string path;
  std::string at(const toml::node& node, const std::string& key) const {
    std::string out = file;
    if (node.source().begin.line > 0) out += msg(":", node.source().begin.line);
    return msg(out, ": ", path.empty() ? key : path + "." + key);
  }
};

// Checks a table's keys against the allowed ones, in file order so the first bad key is named.
void check_keys(const toml::table& table, const Where& where, const std::set<std::string>& allowed,
                const std::set<std::string>& skipped = {}) {
  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    if (allowed.count(k) || skipped.count(k)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw Error(msg(where.at(node, k), ": unknown key (expected one of: ", list, ")"));
  }
}

int64_t get_int(const toml::table& t, const Where& where, const std::string& key, int64_t fallback,
                int64_t lo, int64_t hi) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  const auto value = node->value_exact<int64_t>();
  if (!value) throw Error(msg(where.at(*node, key), ": expected an integer"));
  if (*value < lo || *value > hi)
    throw Error(msg(where.at(*node, key), ": ", *value, " is out of range [", lo, ", ", hi, "]"));
  return *value;
}

double get_double(const toml::table& t, const Where& where, const std::string& key, double fallback,
                  double lo, double hi, bool hi_open = false) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  const auto value = node->value<double>();  // integers are accepted too
  if (!value || !std::isfinite(*value))
    throw Error(msg(where.at(*node, key), ": expected a number"));
  if (*value < lo || (hi_open ? *value >= hi : *value > hi))
    throw Error(msg(where.at(*node, key), ": ", *value, " is out of range [", lo, ", ", hi,
                    hi_open ? ")" : "]"));
  return *value;
}

bool get_bool(const toml::table& t, const Where& where, const std::string& key, bool fallback) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  const auto value = node->value_exact<bool>();
  if (!value) throw Error(msg(where.at(*node, key), ": expected true or false"));
  return *value;
}

std::string get_choice(const toml::table& t, const Where& where, const std::string& key,
                       const std::string& fallback, const std::vector<std::string>& choices) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  const auto value = node->value_exact<std::string>();
  if (!value) throw Error(msg(where.at(*node, key), ": expected a string"));
  if (!choices.empty() && std::find(choices.begin(), choices.end(), *value) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    throw Error(msg(where.at(*node, key), ": \"", *value, "\" is not one of: ", list));
  }
  return *value;
}

// An int or [h, w] pair.
void get_pair(const toml::table& t, const Where& where, const std::string& key, int* h, int* w,
              bool required) {
  const toml::node* node = t.get(key);
  if (!node) {
    if (required) throw Error(msg(where.path, ": missing key \"", key, "\" (", where.file, ")"));
    return;
  }
  if (const auto value = node->value_exact<int64_t>()) {
    if (*value < 1 || *value > kMaxSize)
      throw Error(msg(where.at(*node, key), ": ", *value, " is out of range [1, ", kMaxSize, "]"));
    *h = *w = int(*value);
    return;
  }
  const toml::array* array = node->as_array();
  if (array && array->size() == 2) {
    const auto a = (*array)[0].value_exact<int64_t>();
    const auto b = (*array)[1].value_exact<int64_t>();
    if (a && b && *a >= 1 && *b >= 1 && *a <= kMaxSize && *b <= kMaxSize) {
      *h = int(*a);
      *w = int(*b);
      return;
    }
  }
  throw Error(msg(where.at(*node, key), ": expected a positive integer or [height, width]"));
}

const std::vector<std::string> kLayerTypes = {
    "dense",   "conv2d",  "depthwise_conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool",
    "flatten", "dropout", "batchnorm",        "relu",       "relu6",      "fire"};

LayerSpec parse_layer(const toml::node& node, const Where& where) {
  const toml::table* t = node.as_table();
  if (!t)
    throw Error(
        msg(where.at(node, ""), ": a layer is a table, e.g. { type = \"dense\", units = 10 }"));
  LayerSpec layer;
  const toml::node* type = t->get("type");
  if (!type || !type->is_string())
    throw Error(msg(where.at(node, ""), ": missing \"type\" (one of: dense, conv2d, ...)"));
  layer.type = type->value_exact<std::string>().value();
  if (std::find(kLayerTypes.begin(), kLayerTypes.end(), layer.type) == kLayerTypes.end()) {
    std::string list;
    for (const auto& c : kLayerTypes) list += (list.empty() ? "" : ", ") + c;
    throw Error(msg(where.at(*type, "type"), ": unknown layer type \"", layer.type,
                    "\" (known: ", list, ")"));
  }
  std::set<std::string> keys = {"type", "name"};
  const std::string& k = layer.type;
  layer.name = get_choice(*t, where, "name", "", {});
  const std::vector<std::string> activations = {"none", "relu", "relu6"};
  if (k == "dense" || k == "conv2d") {
    const char* size_key = k == "dense" ? "units" : "filters";
    keys.insert({size_key, "activation", "use_bias"});
    const toml::node* size = t->get(size_key);
    if (!size) throw Error(msg(where.path, ": missing key \"", size_key, "\" (", where.file, ")"));
    if (size->value_exact<std::string>() == std::optional<std::string>("classes")) {
      layer.units_are_classes = true;
    } else {
      layer.units = int(get_int(*t, where, size_key, 0, 1, kMaxSize));
    }
    layer.activation = get_choice(*t, where, "activation", "none", activations);
    layer.use_bias = get_bool(*t, where, "use_bias", true);
  }
  if (k == "conv2d" || k == "depthwise_conv2d") {
    keys.insert({"kernel", "stride", "padding", "activation", "use_bias"});
    get_pair(*t, where, "kernel", &layer.kernel_h, &layer.kernel_w, true);
    get_pair(*t, where, "stride", &layer.stride_h, &layer.stride_w, false);
    layer.padding = get_choice(*t, where, "padding", "valid", {"valid", "same"});
    layer.activation = get_choice(*t, where, "activation", "none", activations);
    layer.use_bias = get_bool(*t, where, "use_bias", true);
  }
  if (k == "depthwise_conv2d") {
    keys.insert("depth_multiplier");
    layer.depth_multiplier = int(get_int(*t, where, "depth_multiplier", 1, 1, 1024));
  }
  if (k == "max_pool2d" || k == "avg_pool2d") {
    keys.insert({"pool", "stride", "padding"});
    get_pair(*t, where, "pool", &layer.kernel_h, &layer.kernel_w, true);
    layer.stride_h = layer.kernel_h;
    layer.stride_w = layer.kernel_w;
    get_pair(*t, where, "stride", &layer.stride_h, &layer.stride_w, false);
    layer.padding = get_choice(*t, where, "padding", "valid", {"valid", "same"});
  }
  if (k == "dropout") {
    keys.insert("rate");
    if (!t->get("rate")) throw Error(msg(where.path, ": missing key \"rate\" (", where.file, ")"));
    layer.rate = float(get_double(*t, where, "rate", 0.0, 0.0, 1.0, true));
  }
  if (k == "batchnorm") {
    keys.insert({"momentum", "epsilon"});
    layer.momentum = float(get_double(*t, where, "momentum", 0.99, 0.0, 1.0, true));
    layer.epsilon = float(get_double(*t, where, "epsilon", 1e-3, 1e-12, 1.0));
  }
  if (k == "fire") {
    keys.insert({"squeeze", "expand"});
    if (!t->get("squeeze") || !t->get("expand"))
      throw Error(
          msg(where.path, ": a fire module needs \"squeeze\" and \"expand\" (", where.file, ")"));
    layer.squeeze = int(get_int(*t, where, "squeeze", 0, 1, kMaxSize));
    layer.expand = int(get_int(*t, where, "expand", 0, 1, kMaxSize));
  }
  check_keys(*t, where, keys);
  return layer;
}

// augment = { type = "log-mel", ... } (audio_augment.h).
void parse_log_mel_augment(const toml::table& a, const Where& at, LogMelAugmentation* out) {
  check_keys(a, at,
             {"type", "time_shift", "freq_shift", "gain_db", "noise_probability", "noise_snr_db",
              "time_masks", "time_mask", "freq_masks", "freq_mask", "mixup", "eq_db",
              "freq_mixstyle", "freq_mixstyle_alpha"});
  LogMelAugmentation& g = *out;
  g.time_shift = int(get_int(a, at, "time_shift", g.time_shift, 0, 1 << 20));
  g.freq_shift = int(get_int(a, at, "freq_shift", g.freq_shift, 0, 1 << 20));
  g.gain_db = float(get_double(a, at, "gain_db", g.gain_db, 0.0, 120.0));
  g.noise_probability =
      float(get_double(a, at, "noise_probability", g.noise_probability, 0.0, 1.0));
  if (const toml::node* snr = a.get("noise_snr_db")) {
    const toml::array* range = snr->as_array();
    const auto lo = range && range->size() == 2 ? (*range)[0].value<double>() : std::nullopt;
    const auto hi = range && range->size() == 2 ? (*range)[1].value<double>() : std::nullopt;
    if (!lo || !hi || !std::isfinite(*lo) || !std::isfinite(*hi) || *lo > *hi || *lo < -100.0 ||
        *hi > 100.0)
      throw Error(msg(at.at(*snr, "noise_snr_db"),
                      ": expected [min, max] in dB with -100 <= min <= max <= 100, e.g. [0, 20]"));
    g.snr_min_db = float(*lo);
    g.snr_max_db = float(*hi);
  }
  g.time_masks = int(get_int(a, at, "time_masks", g.time_masks, 0, 64));
  g.time_mask = int(get_int(a, at, "time_mask", g.time_mask, 0, 1 << 20));
  g.freq_masks = int(get_int(a, at, "freq_masks", g.freq_masks, 0, 64));
  g.freq_mask = int(get_int(a, at, "freq_mask", g.freq_mask, 0, 1 << 20));
  g.mixup = float(get_double(a, at, "mixup", g.mixup, 0.0, 100.0));
  g.eq_db = float(get_double(a, at, "eq_db", g.eq_db, 0.0, 60.0));
  g.freq_mixstyle = float(get_double(a, at, "freq_mixstyle", g.freq_mixstyle, 0.0, 1.0));
  g.freq_mixstyle_alpha =
      float(get_double(a, at, "freq_mixstyle_alpha", g.freq_mixstyle_alpha, 1e-3, 100.0));
}

TrainingSpec parse_training(const toml::table& t, const Where& where) {
  check_keys(t, where,
             {"optimizer",
              "learning_rate",
              "momentum",
              "nesterov",
              "rho",
              "beta1",
              "beta2",
              "epsilon",
              "schedule",
              "pct_start",
              "div_factor",
              "final_div_factor",
              "epochs",
              "batch_size",
              "seed",
              "threads",
              "shards",
              "shuffle",
              "validation_split",
              "validation_groups",
              "patience",
              "min_delta",
              "restore_best_weights",
              "label_smoothing",
              "ema_momentum",
              "fine_tune_learning_rate",
              "augment"});
  TrainingSpec s;
  s.optimizer = get_choice(t, where, "optimizer", s.optimizer, {"sgd", "rmsprop", "adam"});
  s.learning_rate = float(get_double(t, where, "learning_rate", s.learning_rate, 1e-9, 10.0));
  s.momentum = float(get_double(t, where, "momentum", s.momentum, 0.0, 1.0, true));
  s.nesterov = get_bool(t, where, "nesterov", s.nesterov);
  s.rho = float(get_double(t, where, "rho", s.rho, 0.0, 1.0, true));
  s.beta1 = float(get_double(t, where, "beta1", s.beta1, 0.0, 1.0, true));
  s.beta2 = float(get_double(t, where, "beta2", s.beta2, 0.0, 1.0, true));
  s.epsilon = float(get_double(t, where, "epsilon", s.epsilon, 1e-12, 1.0));
  s.schedule = get_choice(t, where, "schedule", s.schedule, {"constant", "one-cycle"});
  s.pct_start = float(get_double(t, where, "pct_start", s.pct_start, 1e-3, 0.999));
  s.div_factor = float(get_double(t, where, "div_factor", s.div_factor, 1.0, 1e6));
  s.final_div_factor =
      float(get_double(t, where, "final_div_factor", s.final_div_factor, 1.0, 1e9));
  s.epochs = int(get_int(t, where, "epochs", s.epochs, 1, 1000000));
  s.batch_size = int(get_int(t, where, "batch_size", s.batch_size, 1, 1 << 20));
  s.seed =
      uint64_t(get_int(t, where, "seed", int64_t(s.seed), 0, std::numeric_limits<int64_t>::max()));
  s.threads = int(get_int(t, where, "threads", s.threads, 0, 1024));
  s.shards = int(get_int(t, where, "shards", s.shards, 1, 1024));
  s.shuffle = get_bool(t, where, "shuffle", s.shuffle);
  s.validation_split = get_double(t, where, "validation_split", s.validation_split, 0.0, 1.0, true);
  s.validation_groups = get_choice(t, where, "validation_groups", s.validation_groups, {});
  if (!s.validation_groups.empty()) {
    try {
      const std::regex pattern(s.validation_groups, std::regex::ECMAScript);
      if (pattern.mark_count() < 1)
        throw Error("it has no capture group ( ) to name the recording");
    } catch (const std::exception& e) {
      throw Error(msg(where.at(*t.get("validation_groups"), "validation_groups"), ": \"",
                      s.validation_groups, "\" is not a usable regular expression: ", e.what()));
    }
  }
  s.patience = int(get_int(t, where, "patience", s.patience, 0, 1000000));
  s.min_delta = float(get_double(t, where, "min_delta", s.min_delta, 0.0, 1e9));
  s.restore_best_weights = get_bool(t, where, "restore_best_weights", s.restore_best_weights);
  s.label_smoothing =
      float(get_double(t, where, "label_smoothing", s.label_smoothing, 0.0, 1.0, true));
  s.ema_momentum = float(get_double(t, where, "ema_momentum", s.ema_momentum, 0.0, 1.0, true));
  s.fine_tune_learning_rate =
      float(get_double(t, where, "fine_tune_learning_rate", s.fine_tune_learning_rate, 1e-9, 10.0));
  if (const toml::node* augment = t.get("augment")) {
    const toml::table* a = augment->as_table();
    if (!a)
      throw Error(msg(where.at(*augment, "augment"),
                      ": expected a table, e.g. { time_shift = 8, scale = 0.1 }"));
    Where at{where.file, where.path + ".augment"};
    const std::string kind = get_choice(*a, at, "type", "imu", {"imu", "log-mel"});
    if (kind == "log-mel") {
      parse_log_mel_augment(*a, at, &s.log_mel_augment);
    } else {
      check_keys(
          *a, at,
          {"type", "channels", "time_shift", "scale", "rotation_degrees", "noise", "center"});
      ImuAugmentation& g = s.augment;
      g.channels = int(get_int(*a, at, "channels", g.channels, 1, 1024));
      g.max_shift = int(get_int(*a, at, "time_shift", g.max_shift, 0, 1 << 20));
      g.scale = float(get_double(*a, at, "scale", g.scale, 0.0, 0.999, true));
      g.rotation_degrees =
          float(get_double(*a, at, "rotation_degrees", g.rotation_degrees, 0.0, 180.0));
      g.noise = float(get_double(*a, at, "noise", g.noise, 0.0, 1e9, true));
      g.center = float(get_double(*a, at, "center", g.center, -1e9, 1e9, true));
    }
  }
  if (s.patience > 0 && s.validation_split <= 0.0)
    throw Error(msg(where.file, ": ", where.path,
                    ": patience (early stopping) needs validation_split > 0 to watch val_loss"));
  if (!s.validation_groups.empty() && s.validation_split <= 0.0)
    throw Error(msg(where.file, ": ", where.path,
                    ": validation_groups chooses which clips are held out together; it needs "
                    "validation_split > 0"));
  return s;
}

PretrainedSpec parse_pretrained(const toml::node& node, const Where& model_where,
                                const std::vector<LayerSpec>& layers) {
  const toml::table* t = node.as_table();
  if (!t) throw Error(msg(model_where.at(node, "pretrained"), ": expected a table"));
  Where where{model_where.file, model_where.path + ".pretrained"};
  check_keys(*t, where, {"model", "layers"});
  PretrainedSpec spec;
  spec.model = get_choice(*t, where, "model", "", {});
  if (spec.model.empty())
    throw Error(
        msg(model_where.at(node, "pretrained"), ": missing key \"model\" (a .tflite path)"));
  const std::filesystem::path path(spec.model);
  if (path.is_relative())
    spec.model = (std::filesystem::path(model_where.file).parent_path() / path).string();
  const toml::node* list_node = t->get("layers");
  const toml::array* list = list_node ? list_node->as_array() : nullptr;
  if (!list || list->empty())
    throw Error(msg(model_where.at(node, "pretrained"),
                    ": \"layers\" must be a non-empty array of layer names"));
  for (const auto& item : *list) {
    const auto name = item.value_exact<std::string>();
    if (!name) throw Error(msg(where.at(item, "layers"), ": expected layer names (strings)"));
    const bool known = std::any_of(layers.begin(), layers.end(),
                                   [&](const LayerSpec& l) { return l.name == *name; });
    if (!known)
      throw Error(msg(where.at(item, "layers"), ": no layer is named \"", *name,
                      "\" (give the layer name = \"", *name, "\")"));
    if (std::count(spec.layers.begin(), spec.layers.end(), *name))
      throw Error(msg(where.at(item, "layers"), ": \"", *name, "\" is listed twice"));
    spec.layers.push_back(*name);
  }
  return spec;
}

ModelSpec parse_model(const std::string& name, const toml::table& t, const std::string& file) {
  Where where{file, "models." + name};
  check_keys(t, where, {"description", "input", "layers", "training", "pretrained"});
  ModelSpec spec;
  spec.file = file;
  spec.name = name;
  spec.description = get_choice(t, where, "description", "", {});
  const toml::node* input = t.get("input");
  if (!input) throw Error(msg(file, ": models.", name, ": missing key \"input\" (input shape)"));
  const toml::array* dims = input->as_array();
  if (!dims || dims->empty() || dims->size() > 3)
    throw Error(msg(where.at(*input, "input"),
                    ": expected 1 to 3 dimensions, e.g. [180] or "
                    "[173, 173, 1]"));
  for (const auto& d : *dims) {
    const auto v = d.value_exact<int64_t>();
    if (!v || *v < 1 || *v > kMaxSize)
      throw Error(
          msg(where.at(*input, "input"), ": dimensions must be integers in [1, ", kMaxSize, "]"));
    spec.input.push_back(*v);
  }
  const toml::node* layers = t.get("layers");
  const toml::array* list = layers ? layers->as_array() : nullptr;
  if (!list || list->empty())
    throw Error(msg(file, ": models.", name, ": \"layers\" must be a non-empty array of tables"));
  for (size_t i = 0; i < list->size(); ++i) {
    Where layer_where{file, msg("models.", name, ".layers[", i, "]")};
    spec.layers.push_back(parse_layer((*list)[i], layer_where));
  }
  if (const toml::node* training = t.get("training")) {
    const toml::table* table = training->as_table();
    if (!table) throw Error(msg(where.at(*training, "training"), ": expected a table"));
    spec.training = parse_training(*table, Where{file, "models." + name + ".training"});
  }
  if (const toml::node* pretrained = t.get("pretrained"))
    spec.pretrained = parse_pretrained(*pretrained, where, spec.layers);
  return spec;
}

std::string model_names(const ModelFile& file) {
  std::string list;
  for (const auto& m : file.models) list += (list.empty() ? "" : ", ") + m.name;
  return list;
}

}  // namespace

int64_t ModelSpec::input_elements() const {
  int64_t n = 1;
  for (int64_t d : input) n *= d;
  return n;
}

const ModelSpec& ModelFile::find(const std::string& name) const {
  const std::string wanted = name.empty() ? default_model : name;
  for (const auto& m : models)
    if (m.name == wanted) return m;
  throw Error(msg(path, ": no model \"", wanted, "\" (models: ", model_names(*this), ")"));
}

namespace {

// Merges `from` into `into`: tables key by key (so "augment.mixup" keeps the other keys of the
// augment table), anything else replaced.
void merge_table(toml::table& into, const toml::table& from) {
  for (const auto& [key, node] : from) {
    toml::table* target = into[key].as_table();
    const toml::table* source = node.as_table();
    if (target && source)
      merge_table(*target, *source);
    else
      into.insert_or_assign(key, node);
  }
}

// One --set KEY=VALUE as a TOML table {KEY: VALUE} whose nodes name the option. A VALUE that is
// not a TOML value is taken as a string (schedule=one-cycle).
toml::table parse_setting(const std::string& setting) {
  const size_t eq = setting.find('=');
  const std::string origin = "--set " + setting;
  for (char c : setting)
    if (static_cast<unsigned char>(c) < 0x20)
      throw Error(msg("--set: a setting holds a control character (one KEY=VALUE per --set)"));
  const std::string key = eq == std::string::npos ? "" : trim(setting.substr(0, eq));
  const std::string value = eq == std::string::npos ? "" : trim(setting.substr(eq + 1));
  if (key.empty() || value.empty())
    throw Error(msg(origin, ": expected KEY=VALUE, a key of the model's [training] table (or ",
                    "augment.KEY) and its value, e.g. learning_rate=0.005 or augment.mixup=0.4"));
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      throw Error(msg(origin, ": \"", key, "\" is not a key (letters, digits, _ and . only)"));
  try {
    return toml::parse(key + " = " + value, origin);
  } catch (const toml::parse_error&) {
  }
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  try {
    return toml::parse(key + " = " + quoted + "\"", origin);
  } catch (const toml::parse_error& err) {
    throw Error(msg(origin, ": not a TOML key/value: ", err.description()));
  }
}

}  // namespace

static ModelFile parse_model_table(const toml::table& root, const std::string& path);

ModelFile parse_model_text(const std::string& text, const std::string& path,
                           const TrainingSettings& settings) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& err) {
    throw Error(msg(path, ":", err.source().begin.line, ":", err.source().begin.column,
                    ": not valid TOML: ", err.description()));
  }
  ModelFile file = parse_model_table(root, path);
  if (settings.settings.empty()) return file;
  const std::string model = file.find(settings.model).name;
  // root with `applied` merged into the model's training table, checked as the file is.
  auto with = [&](const std::vector<std::string>& applied) {
    toml::table changed = root;
    toml::table& table = *changed["models"][model].as_table();
    if (!table.contains("training")) table.insert("training", toml::table{});
    toml::table* training = table["training"].as_table();
    if (!training) throw Error(msg(path, ": models.", model, ".training: expected a table"));
    for (const auto& setting : applied) merge_table(*training, parse_setting(setting));
    return parse_model_table(changed, path);
  };
  // The value is not on a line of the file: errors name the option instead of the file.
  auto named = [&](const std::string& options, const Error& e) {
    std::string text = e.what();
    if (text.rfind(path + ": ", 0) == 0) text = text.substr(path.size() + 2);
    return Error(msg(options, ": ", text));
  };
  try {
    return with(settings.settings);
  } catch (const Error& together) {
    // Settings are checked together (validation_split=0 with patience=0 is fine, either alone
    // is not); an error names the one setting that fails on its own, else all of them.
    for (const auto& setting : settings.settings) {
      try {
        with({setting});
      } catch (const Error& alone) {
        throw named("--set " + setting, alone);
      }
    }
    std::string all;
    for (const auto& setting : settings.settings)
      all += (all.empty() ? "--set " : " --set ") + setting;
    throw named(all, together);
  }
}

static ModelFile parse_model_table(const toml::table& root, const std::string& path) {
  check_keys(root, Where{path, ""}, {"default", "models"}, {"sequences"});
  ModelFile file;
  file.path = path;
  const toml::table* models = root["models"].as_table();
  if (!models || models->empty())
    throw Error(msg(path, ": no [models.NAME] table (a model file declares at least one model)"));
  // In file order, so the first model is the default when none is named.
  std::vector<std::pair<std::string, const toml::node*>> ordered;
  for (const auto& [key, node] : *models) ordered.push_back({std::string(key.str()), &node});
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second->source().begin.line < b.second->source().begin.line;
  });
  for (const auto& [name, node] : ordered) {
    const toml::table* table = node->as_table();
    if (!table) throw Error(msg(path, ": models.", name, ": expected a table"));
    file.models.push_back(parse_model(name, *table, path));
  }
  file.default_model = file.models.front().name;
  if (const toml::node* def = root.get("default")) {
    const auto value = def->value_exact<std::string>();
    if (!value) throw Error(msg(path, ": default: expected a model name"));
    file.default_model = *value;
    file.find("");  // names an existing model
  }
  return file;
}

ModelFile parse_model_file(const std::string& path, const TrainingSettings& settings) {
  std::ifstream in(path);
  if (!in) throw Error(msg("model file ", path, ": cannot be opened"));
  std::stringstream text;
  text << in.rdbuf();
  return parse_model_text(text.str(), path, settings);
}

Model build_model(const ModelSpec& spec, int classes) {
  if (classes < 1)
    throw Error(msg(spec.file, ": model ", spec.name, ": ", classes, " classes, expected >= 1"));
  Model model;
  NodeId x = model.input(Shape(spec.input.begin(), spec.input.end()));
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    const std::string name = l.name.empty() ? msg(l.type, "_", i + 1) : l.name;
    const Padding padding = l.padding == "same" ? Padding::kSame : Padding::kValid;
    const int units = l.units_are_classes ? classes : l.units;
    Window2D window;
    window.kernel_h = l.kernel_h;
    window.kernel_w = l.kernel_w;
    window.stride_h = l.stride_h;
    window.stride_w = l.stride_w;
    window.padding = padding;
    try {
      if (l.type == "dense") {
        x = model.add(std::make_unique<Dense>(units, l.use_bias), x, name);
      } else if (l.type == "conv2d") {
        x = model.add(std::make_unique<Conv2D>(units, window, l.use_bias), x, name);
      } else if (l.type == "depthwise_conv2d") {
        x = model.add(std::make_unique<DepthwiseConv2D>(window, l.depth_multiplier, l.use_bias), x,
                      name);
      } else if (l.type == "max_pool2d") {
        x = model.add(std::make_unique<MaxPool2D>(window), x, name);
      } else if (l.type == "avg_pool2d") {
        x = model.add(std::make_unique<AveragePool2D>(window), x, name);
      } else if (l.type == "global_avg_pool") {
        x = model.add(std::make_unique<GlobalAveragePool>(), x, name);
      } else if (l.type == "flatten") {
        x = model.add(std::make_unique<Flatten>(), x, name);
      } else if (l.type == "dropout") {
        x = model.add(std::make_unique<Dropout>(l.rate), x, name);
      } else if (l.type == "batchnorm") {
        x = model.add(std::make_unique<BatchNorm>(l.momentum, l.epsilon), x, name);
      } else if (l.type == "relu") {
        x = model.add(std::make_unique<ReLU>(), x, name);
      } else if (l.type == "relu6") {
        x = model.add(std::make_unique<ReLU6>(), x, name);
      } else if (l.type == "fire") {
        x = add_fire_module(model, x, l.squeeze, l.expand, name);
      } else {
        throw Error(msg("unknown layer type \"", l.type, "\""));
      }
      if (l.activation == "relu") x = model.add(std::make_unique<ReLU>(), x, name + "_relu");
      if (l.activation == "relu6") x = model.add(std::make_unique<ReLU6>(), x, name + "_relu6");
    } catch (const std::exception& e) {
      throw Error(msg(spec.file, ": model ", spec.name, ", layer ", i + 1, " (", l.type, " \"",
                      name, "\"): ", e.what()));
    }
  }
  const Shape& out = model.output_shape();
  if (out.size() != 1 || out[0] != classes)
    throw Error(msg(spec.file, ": model ", spec.name, ": the last layer gives shape ",
                    shape_to_string(out), ", expected [", classes,
                    "] (one logit per class; end with dense units = \"classes\", or conv2d "
                    "filters = \"classes\" + global_avg_pool)"));
  return model;
}

std::unique_ptr<Optimizer> make_optimizer(const TrainingSpec& t) {
  if (t.optimizer == "sgd") {
    SgdOptions o;
    o.learning_rate = t.learning_rate;
    o.momentum = t.momentum;
    o.nesterov = t.nesterov;
    return std::make_unique<Sgd>(o);
  }
  if (t.optimizer == "rmsprop") {
    RmsPropOptions o;
    o.learning_rate = t.learning_rate;
    o.rho = t.rho;
    o.epsilon = t.epsilon;
    return std::make_unique<RmsProp>(o);
  }
  if (t.optimizer == "adam") {
    AdamOptions o;
    o.learning_rate = t.learning_rate;
    o.beta1 = t.beta1;
    o.beta2 = t.beta2;
    o.epsilon = t.epsilon;
    return std::make_unique<Adam>(o);
  }
  throw Error(msg("optimizer \"", t.optimizer, "\": expected sgd, rmsprop or adam"));
}

}  // namespace edge::train
