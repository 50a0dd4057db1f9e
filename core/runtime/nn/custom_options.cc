#include "nn/custom_options.h"

#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/flexbuffers.h"

namespace edge::nn {

namespace {

// The options map of one operator: every key looked up once, every other key refused.
class OptionMap {
 public:
  OptionMap(CustomOp op, const uint8_t* data, size_t size, std::vector<const char*> keys)
      : name_(custom_op_code(op)), keys_(std::move(keys)) {
    if (size == 0) {
      if (!keys_.empty()) fail(msg("missing (expected a FlexBuffers map with ", key_list(), ")"));
      return;
    }
    try {
      map_ = flexbuf::root(data, size);
      if (!map_.is_map())
        fail(msg("expected a FlexBuffers map, found a ", flexbuf::type_name(map_.type())));
      const size_t n = map_.size();
      for (size_t i = 0; i < n; ++i) {
        const std::string key = map_.key_at(i);
        bool known = false;
        for (const char* k : keys_) known = known || key == k;
        if (!known) {
          fail(msg("unexpected key \"", shown(key), "\" (", name_, " takes ",
                   keys_.empty() ? std::string("no options") : key_list(), ")"));
        }
      }
      have_map_ = true;
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind(name_, 0) == 0) throw;
      fail(what);
    }
  }

  int64_t integer(const char* key, int64_t lo, int64_t hi) const {
    const flexbuf::Value v = value(key);
    int64_t x = 0;
    try {
      x = v.as_int64();
    } catch (const Error& e) {
      fail(msg("\"", key, "\": ", e.what()));
    }
    if (x < lo || x > hi) fail(msg("\"", key, "\" is ", x, " (expected ", lo, "..", hi, ")"));
    return x;
  }

  bool boolean(const char* key) const {
    try {
      return value(key).as_bool();
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind(name_, 0) == 0) throw;
      fail(msg("\"", key, "\": ", what));
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(msg(name_, " options: ", what));
  }

 private:
  flexbuf::Value value(const char* key) const {
    flexbuf::Value v = map_;
    if (!have_map_ || !map_.find(key, &v))
      fail(msg("missing \"", key, "\" (expected ", key_list(), ")"));
    return v;
  }

  std::string key_list() const {
    std::string list;
    for (const char* k : keys_) list += msg(list.empty() ? "" : ", ", "\"", k, "\"");
    return list;
  }

  static std::string shown(const std::string& key) {
    std::string out;
    for (size_t i = 0; i < key.size() && i < 40; ++i) {
      const auto c = static_cast<unsigned char>(key[i]);
      out.push_back(c < 0x20 || c >= 0x7f ? '?' : static_cast<char>(c));
    }
    return key.size() > 40 ? out + "..." : out;
  }

  const char* name_;
  std::vector<const char*> keys_;
  flexbuf::Value map_ = flexbuf::root(kEmptyMap, sizeof(kEmptyMap));
  bool have_map_ = false;
  // A valid empty map, so map_ always holds a Value.
  static constexpr uint8_t kEmptyMap[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x24, 0x01};
};

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kUInt32Max = std::numeric_limits<uint32_t>::max();

// TFLite TensorType codes that SignalRfft's 'T' may take.
bool rfft_type(int64_t code, DType* out) {
  switch (code) {
    case 0:
      *out = DType::kFloat32;
      return true;
    case 2:
      *out = DType::kInt32;
      return true;
    case 7:
      *out = DType::kInt16;
      return true;
    default:
      return false;
  }
}

// Half of an RFFT length must factor into 2, 3 and 5: kiss_fft's other radices need a
// scratch buffer TFLM's build of it cannot allocate.
bool fft_length_supported(int64_t n) {
  if (n < 2 || n % 2 != 0) return false;
  int64_t m = n / 2;
  for (int64_t p : {2, 3, 5})
    while (m % p == 0) m /= p;
  return m == 1;
}

}  // namespace

OpOptions parse_custom_options(CustomOp op, const uint8_t* data, size_t size) {
  switch (op) {
    case CustomOp::kSignalWindow: {
      OptionMap m(op, data, size, {"shift"});
      SignalWindowOptions o;
      o.shift = static_cast<int32_t>(m.integer("shift", 0, 31));
      return o;
    }
    case CustomOp::kSignalFftAutoScale:
    case CustomOp::kSignalFilterBankSquareRoot: {
      OptionMap m(op, data, size, {});
      return std::monostate{};
    }
    case CustomOp::kSignalRfft: {
      OptionMap m(op, data, size, {"T", "fft_length"});
      SignalRfftOptions o;
      const int64_t t = m.integer("T", std::numeric_limits<int32_t>::min(), kInt32Max);
      if (!rfft_type(t, &o.type))
        m.fail(msg("\"T\" is TensorType ", t, " (expected 7 INT16, 2 INT32 or 0 FLOAT32)"));
      const int64_t n = m.integer("fft_length", 2, int64_t{1} << 16);
      if (!fft_length_supported(n))
        m.fail(msg("\"fft_length\" is ", n,
                   " (expected an even length whose half has only the factors 2, 3 and 5)"));
      o.fft_length = static_cast<int32_t>(n);
      return o;
    }
    case CustomOp::kSignalEnergy: {
      OptionMap m(op, data, size, {"end_index", "start_index"});
      SignalEnergyOptions o;
      o.start_index = static_cast<int32_t>(m.integer("start_index", 0, kInt32Max));
      o.end_index = static_cast<int32_t>(m.integer("end_index", 0, kInt32Max));
      if (o.end_index < o.start_index)
        m.fail(msg("\"end_index\" ", o.end_index, " is before \"start_index\" ", o.start_index));
      return o;
    }
    case CustomOp::kSignalFilterBank: {
      OptionMap m(op, data, size, {"num_channels"});
      SignalFilterBankOptions o;
      o.num_channels = static_cast<int32_t>(m.integer("num_channels", 1, 65535));
      return o;
    }
    case CustomOp::kSignalFilterBankSpectralSubtraction: {
      OptionMap m(op, data, size,
                  {"alternate_one_minus_smoothing", "alternate_smoothing", "clamping",
                   "min_signal_remaining", "num_channels", "one_minus_smoothing", "smoothing",
                   "smoothing_bits", "spectral_subtraction_bits"});
      SignalSpectralSubtractionOptions o;
      o.alternate_one_minus_smoothing =
          static_cast<uint32_t>(m.integer("alternate_one_minus_smoothing", 0, kUInt32Max));
      o.alternate_smoothing =
          static_cast<uint32_t>(m.integer("alternate_smoothing", 0, kUInt32Max));
      o.clamping = m.boolean("clamping");
      o.min_signal_remaining =
          static_cast<uint32_t>(m.integer("min_signal_remaining", 0, kUInt32Max));
      o.num_channels = static_cast<int32_t>(m.integer("num_channels", 1, 65535));
      o.one_minus_smoothing =
          static_cast<uint32_t>(m.integer("one_minus_smoothing", 0, kUInt32Max));
      o.smoothing = static_cast<uint32_t>(m.integer("smoothing", 0, kUInt32Max));
      o.smoothing_bits = static_cast<int32_t>(m.integer("smoothing_bits", 0, 31));
      o.spectral_subtraction_bits =
          static_cast<int32_t>(m.integer("spectral_subtraction_bits", 0, 63));
      return o;
    }
    case CustomOp::kSignalPcan: {
      OptionMap m(op, data, size, {"snr_shift"});
      SignalPcanOptions o;
      o.snr_shift = static_cast<int32_t>(m.integer("snr_shift", 0, 63));
      return o;
    }
    case CustomOp::kSignalFilterBankLog: {
      OptionMap m(op, data, size, {"input_correction_bits", "output_scale"});
      SignalFilterBankLogOptions o;
      o.input_correction_bits = static_cast<int32_t>(m.integer("input_correction_bits", 0, 31));
      o.output_scale = static_cast<int32_t>(m.integer("output_scale", 0, kInt32Max));
      return o;
    }
    case CustomOp::kNone:
    case CustomOp::kUnknown:
      break;
  }
  throw Error("custom options: not a custom operator the engine knows");
}

}  // namespace edge::nn
