#include "optimize/ptq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "common/error.h"
#include "optimize/float16.h"
#include "optimize/model_draft.h"

namespace edge::optimize {

namespace {

using nn::Op;

struct QParams {
  float scale = 1.f;
  int32_t zero_point = 0;
};

// TFLite's asymmetric int8 activation parameters: [min, max] widened to hold
// 0, mapped on [-128, 127], zero point rounded ("nudged") so 0 is exact.
QParams int8_params(float min, float max) {
  min = std::min(min, 0.f);
  max = std::max(max, 0.f);
  const double range = static_cast<double>(max) - min;
  if (!(range > 0.0)) return QParams{1.f, 0};
  const double scale = range / 255.0;
  if (!(static_cast<float>(scale) > 0.f)) return QParams{1.f, 0};  // underflows float
  const double zero_point_from_min = -128.0 - min / scale;
  const auto zp = static_cast<int32_t>(std::lround(std::clamp(zero_point_from_min, -128.0, 127.0)));
  return QParams{static_cast<float>(scale), zp};
}

// Symmetric int16 activation parameters (16x8 mode): zero point 0.
QParams int16_params(float min, float max) {
  const double bound =
      std::max(std::fabs(static_cast<double>(min)), std::fabs(static_cast<double>(max)));
  if (!(static_cast<float>(bound / 32767.0) > 0.f)) return QParams{1.f, 0};
  return QParams{static_cast<float>(bound / 32767.0), 0};
}

bool int8_capable(Op op) {
  switch (op) {
    case Op::kFullyConnected:
    case Op::kConv2D:
    case Op::kDepthwiseConv2D:
    case Op::kAveragePool2D:
    case Op::kMaxPool2D:
    case Op::kMean:
    case Op::kReshape:
    case Op::kSqueeze:
    case Op::kSoftmax:
    case Op::kLogistic:
    case Op::kTanh:
    case Op::kRelu:
    case Op::kRelu6:
    case Op::kAdd:
    case Op::kMul:
    case Op::kConcatenation:
    case Op::kPad:
      return true;
    default:
      return false;
  }
}

bool int16_capable(Op op) {
  switch (op) {
    case Op::kFullyConnected:
    case Op::kConv2D:
    case Op::kDepthwiseConv2D:
    case Op::kAveragePool2D:
    case Op::kMaxPool2D:
    case Op::kReshape:
    case Op::kSqueeze:
    case Op::kSoftmax:
    case Op::kRelu:
    case Op::kRelu6:
    case Op::kConcatenation:
    case Op::kPad:
      return true;
    default:
      return false;
  }
}

// Ops whose output must carry the input's parameters.
bool same_scale(Op op) {
  return op == Op::kMaxPool2D || op == Op::kAveragePool2D || op == Op::kReshape ||
         op == Op::kSqueeze || op == Op::kPad;
}

bool fixed_output(Op op) { return op == Op::kSoftmax || op == Op::kLogistic || op == Op::kTanh; }

bool has_weights(Op op) {
  return op == Op::kFullyConnected || op == Op::kConv2D || op == Op::kDepthwiseConv2D;
}

std::vector<float> read_floats(const DraftTensor& t) {
  std::vector<float> values(static_cast<size_t>(t.tensor.elements()));
  if (!values.empty()) std::memcpy(values.data(), t.data.data(), values.size() * sizeof(float));
  return values;
}

template <typename T>
std::vector<uint8_t> to_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// Symmetric int8 weights, per channel along dim (or per tensor when dim < 0):
// scale = max|w| / 127, q = round(w / scale) in [-127, 127]; an all-zero
// channel gets scale 1.
DraftTensor quantize_weights(const DraftTensor& src, int32_t dim, const std::string& where) {
  const std::vector<float> w = read_floats(src);
  const Shape& shape = src.tensor.shape;
  int64_t channels = 1;
  int64_t inner = static_cast<int64_t>(w.size());
  if (dim >= 0) {
    channels = shape[static_cast<size_t>(dim)];
    inner = 1;
    for (size_t d = static_cast<size_t>(dim) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  std::vector<float> max_abs(static_cast<size_t>(channels), 0.f);
  for (size_t e = 0; e < w.size(); ++e) {
    if (!std::isfinite(w[e])) {
      throw Error(msg(where, ": weight ", e, " of \"", src.tensor.name, "\" is ", w[e]));
    }
    const auto c = static_cast<size_t>((static_cast<int64_t>(e) / inner) % channels);
    max_abs[c] = std::max(max_abs[c], std::fabs(w[e]));
  }
  std::vector<float> scales(static_cast<size_t>(channels));
  for (size_t c = 0; c < scales.size(); ++c)
    // An all-zero (or denormal-only) channel: scale 1, every weight 0.
    scales[c] = max_abs[c] / 127.f > 0.f ? max_abs[c] / 127.f : 1.f;
  std::vector<int8_t> q(w.size());
  for (size_t e = 0; e < w.size(); ++e) {
    const auto c = static_cast<size_t>((static_cast<int64_t>(e) / inner) % channels);
    const float v = std::round(w[e] / scales[c]);
    q[e] = static_cast<int8_t>(std::clamp(v, -127.f, 127.f));
  }
  DraftTensor out;
  out.tensor = src.tensor;
  out.tensor.type = DType::kInt8;
  out.tensor.quant.scale = scales;
  out.tensor.quant.zero_point.assign(scales.size(), 0);
  out.tensor.quant.quantized_dimension = dim >= 0 ? dim : 0;
  out.data = to_bytes(q);
  return out;
}

// Bias with scale input_scale x weight_scale[c], zero point 0: int32 (int8
// mode) or int64 (16x8 mode).
DraftTensor quantize_bias(const DraftTensor& src, float input_scale,
                          const std::vector<float>& weight_scales, bool wide,
                          const std::string& where) {
  std::vector<float> b = read_floats(src);
  for (size_t c = 0; c < b.size(); ++c) {
    if (!std::isfinite(b[c])) {
      throw Error(msg(where, ": bias ", c, " of \"", src.tensor.name, "\" is ", b[c]));
    }
  }
  std::vector<float> scales(b.size());
  for (size_t c = 0; c < b.size(); ++c) {
    scales[c] = input_scale * (weight_scales.size() > 1 ? weight_scales[c] : weight_scales[0]);
  }
  DraftTensor out;
  out.tensor = src.tensor;
  out.tensor.type = wide ? DType::kInt64 : DType::kInt32;
  if (weight_scales.size() > 1) {
    out.tensor.quant.scale = scales;
    out.tensor.quant.zero_point.assign(scales.size(), 0);
  } else {
    out.tensor.quant.scale = {scales.empty() ? input_scale * weight_scales[0] : scales[0]};
    out.tensor.quant.zero_point = {0};
  }
  out.tensor.quant.quantized_dimension = 0;
  const double lo = wide ? -9.2e18 : static_cast<double>(std::numeric_limits<int32_t>::min());
  const double hi = wide ? 9.2e18 : static_cast<double>(std::numeric_limits<int32_t>::max());
  // A scale that underflowed to 0 (tiny input and weight scales) maps to 0.
  auto level = [&](size_t c) {
    return scales[c] > 0.f ? std::clamp(std::round(double{b[c]} / scales[c]), lo, hi) : 0.0;
  };
  if (wide) {
    std::vector<int64_t> q(b.size());
    for (size_t c = 0; c < b.size(); ++c) q[c] = static_cast<int64_t>(level(c));
    out.data = to_bytes(q);
  } else {
    std::vector<int32_t> q(b.size());
    for (size_t c = 0; c < b.size(); ++c) q[c] = static_cast<int32_t>(level(c));
    out.data = to_bytes(q);
  }
  return out;
}

// Any other float constant operand of a quantized op, per tensor.
DraftTensor quantize_constant(const DraftTensor& src, bool int16, const std::string& where) {
  const std::vector<float> v = read_floats(src);
  float lo = 0.f, hi = 0.f;
  for (float x : v) {
    if (!std::isfinite(x)) {
      throw Error(msg(where, ": constant \"", src.tensor.name, "\" holds ", x));
    }
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const QParams p = int16 ? int16_params(lo, hi) : int8_params(lo, hi);
  DraftTensor out;
  out.tensor = src.tensor;
  out.tensor.type = int16 ? DType::kInt16 : DType::kInt8;
  out.tensor.quant.scale = {p.scale};
  out.tensor.quant.zero_point = {p.zero_point};
  const double qmin = int16 ? -32768 : -128, qmax = int16 ? 32767 : 127;
  if (int16) {
    std::vector<int16_t> q(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      q[i] = static_cast<int16_t>(
          std::clamp(std::round(v[i] / double{p.scale}) + p.zero_point, qmin, qmax));
    out.data = to_bytes(q);
  } else {
    std::vector<int8_t> q(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      q[i] = static_cast<int8_t>(
          std::clamp(std::round(v[i] / double{p.scale}) + p.zero_point, qmin, qmax));
    out.data = to_bytes(q);
  }
  return out;
}

std::string op_where(const nn::Model& model, size_t i) {
  return msg(model.source(), ": operator ", i, " (", nn::op_name(model.operators()[i].op), ")");
}

void check_float_model(const nn::Model& model) {
  if (model.operators().empty()) throw Error(msg(model.source(), ": the model has no operators"));
  for (size_t i = 0; i < model.tensors().size(); ++i) {
    const nn::Tensor& t = model.tensors()[i];
    if (!t.quant.empty() || t.type == DType::kInt8 || t.type == DType::kInt16 ||
        t.type == DType::kFloat16) {
      throw Error(msg(model.source(), ": tensor ", i, " \"", t.name, "\" is ", dtype_name(t.type),
                      t.quant.empty() ? "" : " with quantization parameters",
                      "; post-training quantization needs a float32 model"));
    }
  }
}

class IntegerQuantizer {
 public:
  IntegerQuantizer(const nn::Model& model, const PtqOptions& options)
      : src_(model),
        options_(options),
        int16_(options.mode == QuantMode::kInt16x8),
        qtype_(int16_ ? DType::kInt16 : DType::kInt8) {}

  PtqResult run() {
    check_float_model(src_);
    if (options_.representative.empty()) {
      throw Error(msg(src_.source(), ": ", quant_mode_name(options_.mode),
                      " quantization needs a representative dataset (calibration samples), none "
                      "was given"));
    }
    const size_t n_ops = src_.operators().size();
    std::vector<bool> denied(n_ops, false);
    for (int32_t i : options_.float_ops) {
      if (i < 0 || static_cast<size_t>(i) >= n_ops) {
        throw Error(msg(src_.source(), ": float_ops lists operator ", i, ", the model has ", n_ops,
                        " operators (0..", n_ops - 1, ")"));
      }
      if (options_.mode == QuantMode::kIntegerOnly) {
        throw Error(msg(op_where(src_, static_cast<size_t>(i)),
                        " is listed in float_ops, but integer-only quantization keeps no "
                        "operator in float (use full-integer)"));
      }
      denied[static_cast<size_t>(i)] = true;
    }
    const Calibration calibration = calibrate(src_, options_.representative, options_.calibration);
    range_ = calibration.ranges;
    result_.calibration_samples = calibration.samples;
    apply_given_ranges();

    decide_ops(denied);
    find_producers();
    unify_concatenations();
    assign_params();
    emit();
    remove_unused_tensors(out_);
    result_.model = build(out_);
    return std::move(result_);
  }

 private:
  bool activation(int32_t index) const {
    if (index < 0) return false;
    const nn::Tensor& t = src_.tensor(index);
    return !t.is_constant && t.type == DType::kFloat32;
  }

  // PtqOptions::activation_ranges (QAT) replace the calibrated ranges.
  void apply_given_ranges() {
    std::map<std::string, int32_t> by_name;
    for (size_t t = 0; t < src_.tensors().size(); ++t) {
      if (activation(static_cast<int32_t>(t))) by_name[src_.tensors()[t].name] = int32_t(t);
    }
    for (const auto& [name, r] : options_.activation_ranges) {
      const auto it = by_name.find(name);
      if (it == by_name.end()) {
        throw Error(msg(src_.source(), ": activation_ranges names tensor \"", name,
                        "\", which is not a float32 activation of the model"));
      }
      if (!r.seen || !std::isfinite(r.min) || !std::isfinite(r.max) || r.min > r.max) {
        throw Error(msg(src_.source(), ": activation range of tensor \"", name, "\" is [", r.min,
                        ", ", r.max, "]; expected finite min <= max"));
      }
      range_[static_cast<size_t>(it->second)] = r;
      ++result_.ranges_from_options;
    }
  }

  void decide_ops(const std::vector<bool>& denied) {
    const size_t n_ops = src_.operators().size();
    quantized_op_.assign(n_ops, false);
    for (size_t i = 0; i < n_ops; ++i) {
      const nn::Operator& op = src_.operators()[i];
      std::string why;
      if (denied[i]) {
        why = "listed in float_ops";
      } else if (!(int16_ ? int16_capable(op.op) : int8_capable(op.op))) {
        why = msg("has no ", int16_ ? "16x8" : "int8", " kernel in edgestream");
      } else if (has_weights(op.op)) {
        const nn::Tensor& w = src_.tensor(op.inputs.at(1));
        const bool bias_ok =
            op.inputs.size() < 3 || op.inputs[2] < 0 || src_.tensor(op.inputs[2]).is_constant;
        if (!w.is_constant || !bias_ok) why = "its weights or bias are not constant";
      }
      if (why.empty()) {
        quantized_op_[i] = true;
        continue;
      }
      if (options_.mode == QuantMode::kIntegerOnly) {
        throw Error(msg(op_where(src_, i), " ", why,
                        "; integer-only quantization needs every operator in int8 (full-integer "
                        "keeps such operators in float32)"));
      }
      result_.float_ops.push_back(msg("operator ", i, " (", nn::op_name(op.op), "): ", why));
    }
  }

  void find_producers() {
    producer_.assign(src_.tensors().size(), -1);
    consumers_.assign(src_.tensors().size(), 0);
    for (size_t i = 0; i < src_.operators().size(); ++i) {
      const nn::Operator& op = src_.operators()[i];
      for (int32_t o : op.outputs) producer_[static_cast<size_t>(o)] = static_cast<int32_t>(i);
      for (int32_t in : op.inputs) {
        if (in >= 0) ++consumers_[static_cast<size_t>(in)];
      }
    }
    is_graph_output_.assign(src_.tensors().size(), false);
    for (int32_t o : src_.outputs()) is_graph_output_[static_cast<size_t>(o)] = true;
  }

  // CONCATENATION: give the inputs the output's range where the converter
  // would, so the op is a plain copy.
  void unify_concatenations() {
    for (size_t i = 0; i < src_.operators().size(); ++i) {
      const nn::Operator& op = src_.operators()[i];
      if (op.op != Op::kConcatenation || !quantized_op_[i]) continue;
      TensorRange& out = range_[static_cast<size_t>(op.outputs[0])];
      for (int32_t in : op.inputs) {
        const TensorRange& r = range_[static_cast<size_t>(in)];
        if (!r.seen) continue;
        out.min = std::min(out.min, r.min);
        out.max = std::max(out.max, r.max);
      }
      for (int32_t in : op.inputs) {
        const auto t = static_cast<size_t>(in);
        const int32_t p = producer_[t];
        if (p < 0 || !quantized_op_[static_cast<size_t>(p)] || consumers_[t] != 1 ||
            is_graph_output_[t])
          continue;
        const Op producer_op = src_.operators()[static_cast<size_t>(p)].op;
        if (fixed_output(producer_op) || same_scale(producer_op)) continue;
        range_[t] = out;
      }
    }
  }

  QParams from_range(int32_t index) const {
    const TensorRange& r = range_[static_cast<size_t>(index)];
    return int16_ ? int16_params(r.min, r.max) : int8_params(r.min, r.max);
  }

  void assign_params() {
    params_.assign(src_.tensors().size(), QParams{});
    for (int32_t in : src_.inputs()) params_[static_cast<size_t>(in)] = from_range(in);
    for (size_t i = 0; i < src_.operators().size(); ++i) {
      const nn::Operator& op = src_.operators()[i];
      for (int32_t o : op.outputs) {
        if (!activation(o)) continue;
        QParams p = from_range(o);
        if (quantized_op_[i] && fixed_output(op.op)) {
          if (int16_) {
            p = QParams{1.f / 32768, 0};
          } else if (op.op == Op::kTanh) {
            p = QParams{1.f / 128, 0};
          } else {
            p = QParams{1.f / 256, -128};
          }
        } else if (quantized_op_[i] && same_scale(op.op) && activation(op.inputs[0])) {
          p = params_[static_cast<size_t>(op.inputs[0])];
        }
        params_[static_cast<size_t>(o)] = p;
      }
    }
  }

  bool in_quantized_domain(int32_t index) const {
    const int32_t p = producer_[static_cast<size_t>(index)];
    if (p < 0) return options_.mode == QuantMode::kIntegerOnly;  // a graph input
    return quantized_op_[static_cast<size_t>(p)];
  }

  const char* suffix() const { return int16_ ? "_int16" : "_int8"; }

  void set_quantized(nn::Tensor& t, int32_t index) const {
    t.type = qtype_;
    const QParams& p = params_[static_cast<size_t>(index)];
    t.quant.scale = {p.scale};
    t.quant.zero_point = {p.zero_point};
    t.quant.quantized_dimension = 0;
  }

  // The version of activation `index` in the wanted domain, converting it with a
  // QUANTIZE or DEQUANTIZE (once) when it lives in the other one.
  int32_t operand(int32_t index, bool want_quantized) {
    if (in_quantized_domain(index) == want_quantized) return index;
    auto& cache = want_quantized ? quantized_copy_ : float_copy_;
    int32_t& copy = cache[static_cast<size_t>(index)];
    if (copy >= 0) return copy;
    DraftTensor t;
    t.tensor = src_.tensor(index);
    t.tensor.data = nullptr;
    t.tensor.data_bytes = 0;
    t.tensor.quant = QuantParams{};
    t.tensor.type = DType::kFloat32;
    if (want_quantized) {
      set_quantized(t.tensor, index);
      t.tensor.name += suffix();
    } else {
      t.tensor.name += "_float";
    }
    copy = out_.add(std::move(t));
    nn::Operator op;
    op.op = want_quantized ? Op::kQuantize : Op::kDequantize;
    op.inputs = {index};
    op.outputs = {copy};
    out_.operators.push_back(std::move(op));
    return copy;
  }

  void emit() {
    const size_t n = src_.tensors().size();
    out_ = draft_from(src_);
    out_.operators.clear();
    quantized_copy_.assign(n, -1);
    float_copy_.assign(n, -1);
    for (size_t t = 0; t < n; ++t) {
      if (activation(static_cast<int32_t>(t)) && in_quantized_domain(static_cast<int32_t>(t)))
        set_quantized(out_.tensors[t].tensor, static_cast<int32_t>(t));
    }
    for (size_t i = 0; i < src_.operators().size(); ++i) {
      nn::Operator op = src_.operators()[i];
      const bool q = quantized_op_[i];
      std::vector<float> weight_scales;
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        const int32_t index = op.inputs[k];
        if (index < 0) continue;
        const nn::Tensor& t = src_.tensor(index);
        if (activation(index)) {
          op.inputs[k] = operand(index, q);
          continue;
        }
        if (!q || !t.is_constant || t.type != DType::kFloat32) continue;
        const DraftTensor& original = out_.tensors[static_cast<size_t>(index)];
        DraftTensor replaced;
        if (has_weights(op.op) && k == 1) {
          int32_t dim = 0;
          if (op.op == Op::kDepthwiseConv2D) dim = 3;
          if (op.op == Op::kFullyConnected && !options_.per_channel_dense) dim = -1;
          replaced = quantize_weights(original, dim, op_where(src_, i));
          weight_scales = replaced.tensor.quant.scale;
        } else if (has_weights(op.op) && k == 2) {
          const float input_scale =
              params_[static_cast<size_t>(src_.operators()[i].inputs[0])].scale;
          replaced = quantize_bias(original, input_scale, weight_scales, int16_, op_where(src_, i));
        } else {
          replaced = quantize_constant(original, int16_, op_where(src_, i));
        }
        op.inputs[k] = out_.add(std::move(replaced));
      }
      out_.operators.push_back(std::move(op));
    }
    // Graph outputs: int8 in integer-only mode, float32 otherwise.
    for (int32_t& o : out_.outputs) {
      if (!activation(o)) continue;
      if (options_.mode == QuantMode::kIntegerOnly || !in_quantized_domain(o)) continue;
      const int32_t original = o;
      o = operand(original, false);
      // The float output keeps the name users see; the internal tensor is renamed.
      std::swap(out_.tensors[static_cast<size_t>(o)].tensor.name,
                out_.tensors[static_cast<size_t>(original)].tensor.name);
      out_.tensors[static_cast<size_t>(original)].tensor.name =
          src_.tensor(original).name + suffix();
    }
    // Float graph inputs feeding quantized ops: the QUANTIZE copy is internal.
  }

  const nn::Model& src_;
  const PtqOptions& options_;
  const bool int16_;
  const DType qtype_;
  std::vector<TensorRange> range_;
  std::vector<bool> quantized_op_;
  std::vector<int32_t> producer_;
  std::vector<int32_t> consumers_;
  std::vector<bool> is_graph_output_;
  std::vector<QParams> params_;
  std::vector<int32_t> quantized_copy_;
  std::vector<int32_t> float_copy_;
  Draft out_;
  PtqResult result_;
};

PtqResult dynamic_range(const nn::Model& model, const PtqOptions& options) {
  check_float_model(model);
  Draft draft = draft_from(model);
  PtqResult result;
  bool any = false;
  for (size_t i = 0; i < draft.operators.size(); ++i) {
    nn::Operator& op = draft.operators[i];
    if (op.op != Op::kFullyConnected && op.op != Op::kConv2D) {
      if (op.op == Op::kDepthwiseConv2D)
        result.float_ops.push_back(
            msg("operator ", i, " (DEPTHWISE_CONV_2D): no hybrid kernel in edgestream"));
      continue;
    }
    const int32_t w = op.inputs.at(1);
    const DraftTensor& weights = draft.tensors[static_cast<size_t>(w)];
    if (!weights.tensor.is_constant || weights.tensor.type != DType::kFloat32) continue;
    if (weights.tensor.elements() < options.dynamic_range_min_elements) {
      result.float_ops.push_back(msg("operator ", i, " (", nn::op_name(op.op),
                                     "): ", weights.tensor.elements(), " weights, fewer than ",
                                     options.dynamic_range_min_elements));
      continue;
    }
    const int32_t dim = op.op == Op::kConv2D || options.per_channel_dense ? 0 : -1;
    op.inputs[1] = draft.add(quantize_weights(weights, dim, op_where(model, i)));
    if (auto* o = std::get_if<nn::FullyConnectedOptions>(&op.options))
      o->asymmetric_quantize_inputs = true;
    any = true;
  }
  if (!any) {
    throw Error(msg(model.source(),
                    ": dynamic-range quantization found no FULLY_CONNECTED or "
                    "CONV_2D with at least ",
                    options.dynamic_range_min_elements,
                    " constant float32 weights (lower dynamic_range_min_elements)"));
  }
  remove_unused_tensors(draft);
  result.model = build(draft);
  return result;
}

}  // namespace

const char* quant_mode_name(QuantMode mode) {
  switch (mode) {
    case QuantMode::kDynamicRange:
      return "dynamic-range";
    case QuantMode::kFullInteger:
      return "full-integer";
    case QuantMode::kIntegerOnly:
      return "integer-only";
    case QuantMode::kInt16x8:
      return "16x8";
    case QuantMode::kFloat16:
      return "float16";
  }
  return "unknown";
}

bool quant_mode_from_name(const std::string& name, QuantMode* mode) {
  for (QuantMode m : {QuantMode::kDynamicRange, QuantMode::kFullInteger, QuantMode::kIntegerOnly,
                      QuantMode::kInt16x8, QuantMode::kFloat16}) {
    if (name == quant_mode_name(m)) {
      *mode = m;
      return true;
    }
  }
  return false;
}

PtqResult quantize(const nn::Model& float_model, const PtqOptions& options) {
  switch (options.mode) {
    case QuantMode::kDynamicRange:
      return dynamic_range(float_model, options);
    case QuantMode::kFloat16: {
      check_float_model(float_model);
      PtqResult result;
      result.model = convert_to_float16(float_model);
      return result;
    }
    case QuantMode::kFullInteger:
    case QuantMode::kIntegerOnly:
    case QuantMode::kInt16x8:
      return IntegerQuantizer(float_model, options).run();
  }
  throw Error(
      msg(float_model.source(), ": unknown quantization mode ", static_cast<int>(options.mode)));
}

}  // namespace edge::optimize
