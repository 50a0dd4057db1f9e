#include "optimize/float16.h"

#include <cmath>
#include <cstring>

#include "common/error.h"
#include "optimize/model_draft.h"

namespace edge::optimize {

uint16_t float_to_half(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t exponent = (bits >> 23) & 0xffu;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) {  // Inf or NaN (keep a quiet NaN)
    return static_cast<uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0u));
  }
  const int32_t e = static_cast<int32_t>(exponent) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow: Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit bit in.
    if (e < -10) return sign;
    mantissa |= 0x800000u;
    const int shift = 14 - e;  // 24 bits down to (10 + e) bits
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(e) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into Inf: right
  return static_cast<uint16_t>(sign | half);
}

float half_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: value = mantissa * 2^-24
      const float value = std::ldexp(static_cast<float>(mantissa), -24);
      std::memcpy(&bits, &value, 4);
      bits |= sign;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

nn::Model convert_to_float16(const nn::Model& model) {
  if (model.operators().empty()) throw Error(msg(model.source(), ": the model has no operators"));
  Draft source = draft_from(model);
  Draft out = source;
  out.operators.clear();
  // DEQUANTIZE ops first: their outputs replace the constants everywhere.
  std::vector<int32_t> replacement(source.tensors.size(), -1);
  for (size_t i = 0; i < source.tensors.size(); ++i) {
    DraftTensor& t = out.tensors[i];
    if (!t.tensor.is_constant || t.tensor.type != DType::kFloat32) continue;
    const int64_t count = t.tensor.elements();
    std::vector<uint8_t> halves(static_cast<size_t>(count) * 2);
    for (int64_t k = 0; k < count; ++k) {
      float value;
      std::memcpy(&value, source.tensors[i].data.data() + k * 4, 4);
      const uint16_t h = float_to_half(value);
      if (std::isfinite(value) && !std::isfinite(half_to_float(h))) {
        throw Error(msg(model.source(), ": tensor ", i, " \"", t.tensor.name, "\" value ", k,
                        " is ", value, ", beyond the float16 range (+-65504)"));
      }
      std::memcpy(halves.data() + k * 2, &h, 2);
    }
    DraftTensor dequantized;
    dequantized.tensor = t.tensor;
    dequantized.tensor.is_constant = false;
    t.tensor.type = DType::kFloat16;
    t.data = std::move(halves);
    dequantized.tensor.name = t.tensor.name;
    t.tensor.name += "_fp16";
    const int32_t index = out.add(std::move(dequantized));
    replacement[i] = index;
    nn::Operator op;
    op.op = nn::Op::kDequantize;
    op.version = 3;
    op.inputs = {static_cast<int32_t>(i)};
    op.outputs = {index};
    out.operators.push_back(op);
  }
  if (out.operators.empty()) {
    throw Error(
        msg(model.source(), ": the model has no float32 constant tensor to store as float16"));
  }
  for (nn::Operator op : source.operators) {
    for (int32_t& in : op.inputs) {
      if (in >= 0 && replacement[static_cast<size_t>(in)] >= 0)
        in = replacement[static_cast<size_t>(in)];
    }
    out.operators.push_back(std::move(op));
  }
  return build(out);
}

}  // namespace edge::optimize
