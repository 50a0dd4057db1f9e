// The FlexBuffers reader (core/runtime/nn/flexbuffers.h) and the signal operators' option
// parser (core/runtime/nn/custom_options.h): TFLM's own option bytes and those of the
// real audio_preprocessor models read as TFLM reads them; maps written by the FlatBuffers
// library's own FlexBuffers builder read back value for value; every prefix, byte flip and
// hostile offset refused with an edge::Error and never read out of bounds (ASan in CI).
#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"
#include "nn/custom_options.h"
#include "nn/flexbuffers.h"
#include "nn/tflite_reader.h"
#include "tests/common/test_util.h"

namespace edge::nn {
namespace {

// TFLM's generated option bytes (signal/micro/kernels/*_flexbuffers_generated_data.cc).
const std::vector<uint8_t> kWindowShift12 = {0x73, 0x68, 0x69, 0x66, 0x74, 0x00, 0x01, 0x07,
                                             0x01, 0x01, 0x01, 0x0c, 0x04, 0x02, 0x24, 0x01};
const std::vector<uint8_t> kEnergyStart2End4 = {
    0x73, 0x74, 0x61, 0x72, 0x74, 0x5f, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x00,
    0x65, 0x6e, 0x64, 0x5f, 0x69, 0x6e, 0x64, 0x65, 0x78, 0x00, 0x02, 0x0b,
    0x18, 0x02, 0x01, 0x02, 0x04, 0x02, 0x04, 0x04, 0x04, 0x24, 0x01};
// A map of 4-byte values under a 1-byte root.
const std::vector<uint8_t> kLogScale32768Bits5 = {
    0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x5f, 0x73, 0x63, 0x61, 0x6c, 0x65, 0x00,
    0x69, 0x6e, 0x70, 0x75, 0x74, 0x5f, 0x63, 0x6f, 0x72, 0x72, 0x65, 0x63, 0x74,
    0x69, 0x6f, 0x6e, 0x5f, 0x62, 0x69, 0x74, 0x73, 0x00, 0x02, 0x17, 0x25, 0x00,
    0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x05, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x06, 0x06, 0x0a, 0x26, 0x01};
// Nine 2-byte values, "clamping" an int (TFLM's test) where the converter writes a bool.
const std::vector<uint8_t> kSpectralSubtraction32 = {
    0x6e, 0x75, 0x6d, 0x5f, 0x63, 0x68, 0x61, 0x6e, 0x6e, 0x65, 0x6c, 0x73, 0x00, 0x73, 0x6d,
    0x6f, 0x6f, 0x74, 0x68, 0x69, 0x6e, 0x67, 0x00, 0x6f, 0x6e, 0x65, 0x5f, 0x6d, 0x69, 0x6e,
    0x75, 0x73, 0x5f, 0x73, 0x6d, 0x6f, 0x6f, 0x74, 0x68, 0x69, 0x6e, 0x67, 0x00, 0x61, 0x6c,
    0x74, 0x65, 0x72, 0x6e, 0x61, 0x74, 0x65, 0x5f, 0x73, 0x6d, 0x6f, 0x6f, 0x74, 0x68, 0x69,
    0x6e, 0x67, 0x00, 0x61, 0x6c, 0x74, 0x65, 0x72, 0x6e, 0x61, 0x74, 0x65, 0x5f, 0x6f, 0x6e,
    0x65, 0x5f, 0x6d, 0x69, 0x6e, 0x75, 0x73, 0x5f, 0x73, 0x6d, 0x6f, 0x6f, 0x74, 0x68, 0x69,
    0x6e, 0x67, 0x00, 0x73, 0x6d, 0x6f, 0x6f, 0x74, 0x68, 0x69, 0x6e, 0x67, 0x5f, 0x62, 0x69,
    0x74, 0x73, 0x00, 0x6d, 0x69, 0x6e, 0x5f, 0x73, 0x69, 0x67, 0x6e, 0x61, 0x6c, 0x5f, 0x72,
    0x65, 0x6d, 0x61, 0x69, 0x6e, 0x69, 0x6e, 0x67, 0x00, 0x63, 0x6c, 0x61, 0x6d, 0x70, 0x69,
    0x6e, 0x67, 0x00, 0x73, 0x70, 0x65, 0x63, 0x74, 0x72, 0x61, 0x6c, 0x5f, 0x73, 0x75, 0x62,
    0x74, 0x72, 0x61, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x62, 0x69, 0x74, 0x73, 0x00, 0x09,
    0x66, 0x7b, 0x26, 0x3c, 0xa9, 0x93, 0x9e, 0x4f, 0x23, 0x09, 0x00, 0x01, 0x00, 0x09, 0x00,
    0x71, 0x3d, 0x8f, 0x02, 0x00, 0x00, 0x33, 0x03, 0x20, 0x00, 0x71, 0x3d, 0x8f, 0x02, 0x00,
    0x00, 0x0e, 0x00, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x1b, 0x25, 0x01};

int64_t int_of(const flexbuf::Value& map, const std::string& key) {
  flexbuf::Value v = map;
  EXPECT_TRUE(map.find(key, &v)) << key;
  return v.as_int64();
}

// The error of f(), or "" when it returned.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FlexBuffers, ReadsTflmOptionBytes) {
  const flexbuf::Value window = flexbuf::root(kWindowShift12.data(), kWindowShift12.size());
  ASSERT_TRUE(window.is_map());
  ASSERT_EQ(window.size(), 1u);
  EXPECT_EQ(window.key_at(0), "shift");
  EXPECT_EQ(int_of(window, "shift"), 12);

  const flexbuf::Value energy = flexbuf::root(kEnergyStart2End4.data(), kEnergyStart2End4.size());
  ASSERT_EQ(energy.size(), 2u);
  EXPECT_EQ(energy.key_at(0), "end_index");  // keys sorted, as TFLM indexes them
  EXPECT_EQ(energy.key_at(1), "start_index");
  EXPECT_EQ(int_of(energy, "start_index"), 2);
  EXPECT_EQ(int_of(energy, "end_index"), 4);

  const flexbuf::Value log = flexbuf::root(kLogScale32768Bits5.data(), kLogScale32768Bits5.size());
  EXPECT_EQ(int_of(log, "output_scale"), 32768);
  EXPECT_EQ(int_of(log, "input_correction_bits"), 5);
  EXPECT_EQ(flexbuf::describe(log), "{\"input_correction_bits\": 5, \"output_scale\": 32768}");

  const flexbuf::Value ss =
      flexbuf::root(kSpectralSubtraction32.data(), kSpectralSubtraction32.size());
  ASSERT_EQ(ss.size(), 9u);
  EXPECT_EQ(int_of(ss, "num_channels"), 32);
  EXPECT_EQ(int_of(ss, "smoothing"), 655);
  EXPECT_EQ(int_of(ss, "one_minus_smoothing"), 15729);
  EXPECT_EQ(int_of(ss, "spectral_subtraction_bits"), 14);
  flexbuf::Value clamping = ss;
  ASSERT_TRUE(ss.find("clamping", &clamping));
  EXPECT_FALSE(clamping.as_bool());
  flexbuf::Value absent = ss;
  EXPECT_FALSE(ss.find("no_such_key", &absent));
  flexbuf::verify(ss);
}

TEST(FlexBuffers, ReadsWhatTheFlatBuffersBuilderWrites) {
  flexbuffers::Builder b;
  b.Map([&] {
    b.Int("small", -3);
    b.Int("wide", int64_t{-5000000000});
    b.UInt("unsigned", uint64_t{4000000000});
    b.Bool("flag", true);
    b.Double("ratio", 0.25);
    b.Float("f", 1.5f);
    b.String("name", "SignalRfft");
    b.Vector("list", [&] {
      b.Int(1);
      b.String("two");
      b.Double(3.5);
    });
    b.TypedVector("ints", [&] {
      for (int i = 0; i < 5; ++i) b.Int(i * 1000);
    });
    b.Map("nested", [&] { b.Int("depth", 2); });
    b.Blob("blob", "abc", 3);
  });
  b.Finish();
  const std::vector<uint8_t>& bytes = b.GetBuffer();
  const flexbuf::Value m = flexbuf::root(bytes.data(), bytes.size());
  flexbuf::verify(m);
  flexbuf::Value v = m;
  ASSERT_TRUE(m.find("small", &v));
  EXPECT_EQ(v.as_int64(), -3);
  ASSERT_TRUE(m.find("wide", &v));
  EXPECT_EQ(v.as_int64(), -5000000000);
  ASSERT_TRUE(m.find("unsigned", &v));
  EXPECT_EQ(v.as_uint64(), 4000000000u);
  ASSERT_TRUE(m.find("flag", &v));
  EXPECT_TRUE(v.as_bool());
  ASSERT_TRUE(m.find("ratio", &v));
  EXPECT_EQ(v.as_double(), 0.25);
  ASSERT_TRUE(m.find("f", &v));
  EXPECT_EQ(v.as_double(), 1.5);
  ASSERT_TRUE(m.find("name", &v));
  EXPECT_EQ(v.as_string(), "SignalRfft");
  ASSERT_TRUE(m.find("list", &v));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v.at(0).as_int64(), 1);
  EXPECT_EQ(v.at(1).as_string(), "two");
  EXPECT_EQ(v.at(2).as_double(), 3.5);
  ASSERT_TRUE(m.find("ints", &v));
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v.at(4).as_int64(), 4000);
  ASSERT_TRUE(m.find("nested", &v));
  EXPECT_EQ(int_of(v, "depth"), 2);
  ASSERT_TRUE(m.find("blob", &v));
  EXPECT_EQ(v.size(), 3u);
  // Asking a value for what it is not names both.
  ASSERT_TRUE(m.find("name", &v));
  const std::string wrong = error_of([&] { (void)v.as_int64(); });
  EXPECT_NE(wrong.find("expected an integer, found a string"), std::string::npos) << wrong;
}

// Every prefix of a real option buffer is refused or read without touching a byte past it.
TEST(FlexBuffers, TruncationsAndFlipsAreRefusedNeverOverread) {
  for (const auto* source :
       {&kWindowShift12, &kEnergyStart2End4, &kLogScale32768Bits5, &kSpectralSubtraction32}) {
    for (size_t n = 0; n < source->size(); ++n) {
      // A copy of exactly n bytes, so ASan sees any read past it.
      std::vector<uint8_t> prefix(source->begin(), source->begin() + static_cast<long>(n));
      const std::string e = error_of([&] {
        const flexbuf::Value v = flexbuf::root(prefix.data(), prefix.size());
        flexbuf::verify(v);
      });
      (void)e;  // refused or (rarely) a different valid buffer: both fine, no overread
    }
    for (size_t at = 0; at < source->size(); ++at) {
      for (uint8_t flip : {0x01, 0x80, 0xff}) {
        std::vector<uint8_t> bytes = *source;
        bytes[at] ^= flip;
        (void)error_of([&] {
          const flexbuf::Value v = flexbuf::root(bytes.data(), bytes.size());
          flexbuf::verify(v);
          (void)flexbuf::describe(v);
        });
      }
    }
  }
}

TEST(FlexBuffers, HostileBuffersGiveClearErrors) {
  auto refused = [](std::vector<uint8_t> bytes, const char* part) {
    const std::string e = error_of([&] {
      const flexbuf::Value v = flexbuf::root(bytes.data(), bytes.size());
      flexbuf::verify(v);
    });
    EXPECT_NE(e.find(part), std::string::npos) << "expected \"" << part << "\" in: " << e;
  };
  refused({}, "too short");
  refused({0x00, 0x24, 0x03}, "root width 3");
  refused({0x00, 0x04 | (27 << 2), 0x01}, "unknown type code 27");
  // A map right at the start: its size field would be before the buffer.
  refused({0x00, 0x24, 0x01}, "the size field of a map is before byte 0");
  // A vector of one int whose offset 0 makes it overlap the root that refers to it.
  refused({0x01, 0x00, 0x28, 0x01}, "overlaps the value that refers to it");
  // A string pointing 9 bytes back from byte 1.
  refused({0x00, 0x09, 0x14, 0x01}, "points before byte 0");
  // A string claiming 200 bytes in a 6-byte buffer.
  refused({200, 'a', 0x00, 0x02, 0x14, 0x01}, "runs past the end");
  // The window options with the map's size field changed to 5 values.
  std::vector<uint8_t> wide = kWindowShift12;
  wide[10] = 5;
  refused(wide, "map");
}

TEST(CustomOptions, ParsesEverySignalOperator) {
  const auto window = std::get<SignalWindowOptions>(
      parse_custom_options(CustomOp::kSignalWindow, kWindowShift12.data(), kWindowShift12.size()));
  EXPECT_EQ(window.shift, 12);
  const auto energy = std::get<SignalEnergyOptions>(parse_custom_options(
      CustomOp::kSignalEnergy, kEnergyStart2End4.data(), kEnergyStart2End4.size()));
  EXPECT_EQ(energy.start_index, 2);
  EXPECT_EQ(energy.end_index, 4);
  const auto log = std::get<SignalFilterBankLogOptions>(parse_custom_options(
      CustomOp::kSignalFilterBankLog, kLogScale32768Bits5.data(), kLogScale32768Bits5.size()));
  EXPECT_EQ(log.output_scale, 32768);
  EXPECT_EQ(log.input_correction_bits, 5);
  const auto ss = std::get<SignalSpectralSubtractionOptions>(
      parse_custom_options(CustomOp::kSignalFilterBankSpectralSubtraction,
                           kSpectralSubtraction32.data(), kSpectralSubtraction32.size()));
  EXPECT_EQ(ss.num_channels, 32);
  EXPECT_EQ(ss.smoothing, 655u);
  EXPECT_EQ(ss.one_minus_smoothing, 15729u);
  EXPECT_EQ(ss.alternate_smoothing, 655u);
  EXPECT_EQ(ss.alternate_one_minus_smoothing, 15729u);
  EXPECT_EQ(ss.min_signal_remaining, 819u);
  EXPECT_EQ(ss.smoothing_bits, 0);
  EXPECT_EQ(ss.spectral_subtraction_bits, 14);
  EXPECT_FALSE(ss.clamping);
  // No options at all for the two operators that take none.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      parse_custom_options(CustomOp::kSignalFftAutoScale, nullptr, 0)));
}

std::vector<uint8_t> map_of(const std::function<void(flexbuffers::Builder&)>& fill) {
  flexbuffers::Builder b;
  const size_t start = b.StartMap();
  fill(b);
  b.EndMap(start);
  b.Finish();
  return b.GetBuffer();
}

TEST(CustomOptions, RefusesWhatTflmWouldMisread) {
  auto refusal = [](CustomOp op, const std::vector<uint8_t>& bytes) {
    return error_of([&] { parse_custom_options(op, bytes.data(), bytes.size()); });
  };
  // A missing key, an unexpected one (TFLM reads by position: it would take the wrong value).
  std::string e = refusal(CustomOp::kSignalWindow, map_of([](auto& b) { b.Int("shif", 3); }));
  EXPECT_NE(e.find("SignalWindow options: unexpected key \"shif\""), std::string::npos) << e;
  e = refusal(CustomOp::kSignalEnergy, map_of([](auto& b) { b.Int("end_index", 3); }));
  EXPECT_NE(e.find("SignalEnergy options: missing \"start_index\""), std::string::npos) << e;
  // Values outside the range TFLM's arithmetic is defined for.
  e = refusal(CustomOp::kSignalWindow, map_of([](auto& b) { b.Int("shift", 32); }));
  EXPECT_NE(e.find("\"shift\" is 32 (expected 0..31)"), std::string::npos) << e;
  e = refusal(CustomOp::kSignalRfft, map_of([](auto& b) {
                b.Int("T", 7);
                b.Int("fft_length", 14);
              }));
  EXPECT_NE(e.find("\"fft_length\" is 14"), std::string::npos) << e;
  e = refusal(CustomOp::kSignalRfft, map_of([](auto& b) {
                b.Int("T", 9);
                b.Int("fft_length", 512);
              }));
  EXPECT_NE(e.find("\"T\" is TensorType 9"), std::string::npos) << e;
  e = refusal(CustomOp::kSignalEnergy, map_of([](auto& b) {
                b.Int("end_index", 3);
                b.Int("start_index", 5);
              }));
  EXPECT_NE(e.find("before \"start_index\" 5"), std::string::npos) << e;
  e = refusal(CustomOp::kSignalPcan, map_of([](auto& b) { b.String("snr_shift", "six"); }));
  EXPECT_NE(e.find("\"snr_shift\": FlexBuffer: expected an integer, found a string"),
            std::string::npos)
      << e;
  e = refusal(CustomOp::kSignalFilterBank, {});
  EXPECT_NE(e.find("missing (expected a FlexBuffers map with \"num_channels\")"), std::string::npos)
      << e;
  e = refusal(CustomOp::kSignalFftAutoScale, map_of([](auto& b) { b.Int("x", 1); }));
  EXPECT_NE(e.find("SignalFftAutoScale takes no options"), std::string::npos) << e;
}

// The options of the real front end models, through the reader.
TEST(CustomOptions, AudioPreprocessorModelsReadAsTflmReadsThem) {
  for (const char* name : {"audio_preprocessor_int8.tflite", "audio_preprocessor_float.tflite"}) {
    EDGE_REQUIRE_SHARED(path, std::string("models/tflm/") + name);
    const Model model = read_tflite_file(path);
    std::vector<std::string> codes;
    for (const Operator& op : model.operators()) {
      if (op.op != Op::kCustom) continue;
      codes.push_back(op.custom_code);
      EXPECT_TRUE(op_supported(op)) << op.custom_code;
      if (const auto* o = op.options_as<SignalWindowOptions>()) {
        EXPECT_EQ(o->shift, 12);
      }
      if (const auto* o = op.options_as<SignalRfftOptions>()) {
        EXPECT_EQ(o->fft_length, 512);
        EXPECT_EQ(o->type, DType::kInt16);
      }
      if (const auto* o = op.options_as<SignalEnergyOptions>()) {
        EXPECT_EQ(o->start_index, 5);  // the 236 bins the model slices out next
        EXPECT_EQ(o->end_index, 241);
      }
      if (const auto* o = op.options_as<SignalFilterBankOptions>()) {
        EXPECT_EQ(o->num_channels, 40);
      }
      if (const auto* o = op.options_as<SignalPcanOptions>()) {
        EXPECT_EQ(o->snr_shift, 6);
      }
      if (const auto* o = op.options_as<SignalFilterBankLogOptions>()) {
        EXPECT_EQ(o->output_scale, 64);
        EXPECT_EQ(o->input_correction_bits, 3);
      }
      if (const auto* o = op.options_as<SignalSpectralSubtractionOptions>()) {
        EXPECT_EQ(o->num_channels, 40);
        EXPECT_FALSE(o->clamping);
      }
    }
    EXPECT_EQ(codes,
              (std::vector<std::string>{
                  "SignalWindow", "SignalFftAutoScale", "SignalRfft", "SignalEnergy",
                  "SignalFilterBank", "SignalFilterBankSquareRoot",
                  "SignalFilterBankSpectralSubtraction", "SignalPCAN", "SignalFilterBankLog"}));
  }
}

}  // namespace
}  // namespace edge::nn
