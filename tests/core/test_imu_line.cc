// IMU CSV line parser: chunking, line ends, header, separators, garbage kinds,
// long lines, counters; plus the rate limiter and rate meter.
#include <gtest/gtest.h>

#include <clocale>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/imu_line.h"
#include "tests/common/test_util.h"

namespace edge::io {
namespace {

struct Seen {
  LineKind kind;
  BadReason reason;
  std::vector<float> values;
  std::string text;
  std::string detail;
};

// Feeds `input` in chunks of `chunk` bytes (0 = all at once), then finish().
std::vector<Seen> parse_all(ImuLineParser& parser, const std::string& input, size_t chunk = 0,
                            bool finish = true) {
  std::vector<Seen> out;
  ParsedLine line;
  auto record = [&](const ParsedLine& l) {
    Seen s{l.kind, l.reason, {}, std::string(l.text), l.detail};
    if (l.kind == LineKind::kFrame) s.values.assign(l.values, l.values + parser.channels());
    out.push_back(std::move(s));
  };
  size_t pos = 0;
  while (pos < input.size()) {
    size_t len = chunk == 0 ? input.size() - pos : std::min(chunk, input.size() - pos);
    const char* data = input.data() + pos;
    size_t off = 0;
    while (off < len) {
      off += parser.consume(data + off, len - off, &line);
      if (line.kind != LineKind::kNone) record(line);
    }
    pos += len;
  }
  if (finish && parser.finish(&line)) record(line);
  return out;
}

std::vector<Seen> parse_all(const std::string& input, int channels = 0, size_t chunk = 0) {
  ImuLineConfig cfg;
  cfg.channels = channels;
  ImuLineParser parser(cfg);
  return parse_all(parser, input, chunk);
}

TEST(ImuLine, HeaderThenFramesCrlf) {
  ImuLineParser parser(ImuLineConfig{});
  auto seen = parse_all(parser, "aX,aY,aZ\r\n1,2.5,-3\r\n0.017,-1.430,-0.000\r\n");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].kind, LineKind::kHeader);
  EXPECT_EQ(parser.channels(), 3);
  EXPECT_EQ(parser.names(), (std::vector<std::string>{"aX", "aY", "aZ"}));
  ASSERT_EQ(seen[1].kind, LineKind::kFrame);
  EXPECT_EQ(seen[1].values, (std::vector<float>{1.0f, 2.5f, -3.0f}));
  EXPECT_EQ(seen[1].text, "1,2.5,-3");  // CR stripped
  ASSERT_EQ(seen[2].kind, LineKind::kFrame);
  EXPECT_EQ(seen[2].values[0], 0.017f);
  EXPECT_EQ(seen[2].values[1], -1.430f);
  EXPECT_EQ(seen[2].values[2], 0.0f);
  EXPECT_TRUE(std::signbit(seen[2].values[2]));  // "-0.000" keeps its sign
  EXPECT_EQ(parser.counters().lines, 3u);
  EXPECT_EQ(parser.counters().frames, 2u);
  EXPECT_EQ(parser.counters().headers, 1u);
  EXPECT_EQ(parser.counters().bad_lines, 0u);
}

TEST(ImuLine, EmptyInputGivesNothing) {
  ImuLineParser parser(ImuLineConfig{});
  EXPECT_TRUE(parse_all(parser, "").empty());
  EXPECT_EQ(parser.counters().lines, 0u);
  EXPECT_EQ(parser.channels(), 0);
}

TEST(ImuLine, LfAndCrlfMixedGiveSameFrames) {
  auto lf = parse_all("1,2\n3,4\n");
  auto crlf = parse_all("1,2\r\n3,4\r\n");
  ASSERT_EQ(lf.size(), 2u);
  ASSERT_EQ(crlf.size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(lf[i].values, crlf[i].values);
}

TEST(ImuLine, OneByteAtATimeEqualsWhole) {
  const std::string input = "aX,aY\r\n1.5,2\r\n\r\nx,1\r\n3,4\n5,6";
  auto whole = parse_all(input, 0, 0);
  for (size_t chunk : {1u, 2u, 3u, 7u}) {
    auto pieces = parse_all(input, 0, chunk);
    ASSERT_EQ(pieces.size(), whole.size()) << "chunk " << chunk;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(pieces[i].kind, whole[i].kind) << "chunk " << chunk << " line " << i;
      EXPECT_EQ(pieces[i].values, whole[i].values);
      EXPECT_EQ(pieces[i].text, whole[i].text);
    }
  }
  ASSERT_EQ(whole.size(), 6u);
  EXPECT_EQ(whole[2].kind, LineKind::kSeparator);
  EXPECT_EQ(whole[3].kind, LineKind::kBad);
  EXPECT_EQ(whole[5].kind, LineKind::kFrame);  // final line without newline, via finish()
  EXPECT_EQ(whole[5].values, (std::vector<float>{5.0f, 6.0f}));
}

TEST(ImuLine, ChannelsFromFirstGoodLineWithoutHeader) {
  ImuLineParser parser(ImuLineConfig{});
  auto seen = parse_all(parser, "1,2,3,4\n1,2,3\n5,6,7,8\n");
  EXPECT_EQ(parser.channels(), 4);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].kind, LineKind::kBad);
  EXPECT_EQ(seen[1].reason, BadReason::kFieldCount);
  EXPECT_EQ(seen[1].detail, "3 fields, expected 4");
  EXPECT_EQ(seen[2].kind, LineKind::kFrame);
}

TEST(ImuLine, FixedChannelsRefuseOtherCountsAndHeaders) {
  auto seen = parse_all("a,b\n1,2\n1,2,3\n", 3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].kind, LineKind::kBad);
  EXPECT_EQ(seen[0].detail, "header has 2 names, expected 3 channels");
  EXPECT_EQ(seen[1].kind, LineKind::kBad);
  EXPECT_EQ(seen[2].kind, LineKind::kFrame);
}

TEST(ImuLine, HeaderAgainAfterDataIsAccepted) {
  ImuLineParser parser(ImuLineConfig{});
  auto seen = parse_all(parser, "a,b\n1,2\na,b\n3,4\n");
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[2].kind, LineKind::kHeader);
  EXPECT_EQ(parser.counters().headers, 2u);
  EXPECT_EQ(parser.counters().frames, 2u);
}

TEST(ImuLine, SeparatorsBlankAndWhitespaceOnly) {
  ImuLineParser parser(ImuLineConfig{});
  auto seen = parse_all(parser, "\n\r\n \t\r\n1\n");
  ASSERT_EQ(seen.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(seen[i].kind, LineKind::kSeparator);
  EXPECT_EQ(parser.counters().separators, 3u);
  EXPECT_EQ(parser.channels(), 1);
}

TEST(ImuLine, SpacesAroundFieldsAndOneTrailingComma) {
  auto seen = parse_all(" 1 ,\t2.5,  -3 \n1,2,3,\n1,2,3,,\n", 3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].values, (std::vector<float>{1.0f, 2.5f, -3.0f}));
  EXPECT_EQ(seen[1].kind, LineKind::kFrame);
  EXPECT_EQ(seen[1].values, (std::vector<float>{1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(seen[2].kind, LineKind::kBad);  // two trailing commas: an empty field
}

TEST(ImuLine, NumberGrammar) {
  struct Case {
    const char* field;
    bool ok;
    float value;
  };
  const Case cases[] = {
      {"0", true, 0.0f},      {"+1.5", true, 1.5f},
      {"-.5", true, -0.5f},   {"5.", true, 5.0f},
      {"1e3", true, 1000.0f}, {"1.5E-2", true, 0.015f},
      {"1e-400", true, 0.0f}, {"1e400", false, 0},
      {"nan", false, 0},      {"NaN", false, 0},
      {"inf", false, 0},      {"-inf", false, 0},
      {"1.2.3", false, 0},    {"", false, 0},
      {"0x10", false, 0},     {"1e", false, 0},
      {".", false, 0},        {"-", false, 0},
      {"1,5", false, 0},      {"12abc", false, 0},
      {"1 2", false, 0},      {"3.4028235e38", true, 3.4028235e38f},
  };
  for (const auto& c : cases) {
    // Two channels so that a lone field is never taken for a header.
    std::string line = std::string("7,") + c.field + "\n";
    auto seen = parse_all(line, 2);
    ASSERT_EQ(seen.size(), 1u) << c.field;
    if (c.ok) {
      ASSERT_EQ(seen[0].kind, LineKind::kFrame) << c.field << ": " << seen[0].detail;
      EXPECT_EQ(seen[0].values[1], c.value) << c.field;
    } else {
      EXPECT_EQ(seen[0].kind, LineKind::kBad) << c.field;
    }
  }
}

TEST(ImuLine, BadNumberDetailNamesFieldAndContent) {
  auto seen = parse_all("1,abc,3\n", 3);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].reason, BadReason::kNotANumber);
  EXPECT_EQ(seen[0].detail, "field 2 'abc' is not a decimal number");
  seen = parse_all("1,1e99,3\n", 3);
  EXPECT_EQ(seen[0].detail, "field 2 '1e99' is out of float range");
}

TEST(ImuLine, NanLineIsNotAHeader) {
  ImuLineParser parser(ImuLineConfig{});
  auto seen = parse_all(parser, "nan,inf\n");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, LineKind::kBad);
  EXPECT_EQ(parser.channels(), 0);
}

TEST(ImuLine, LocaleWithCommaDecimalPointDoesNotMatter) {
  // de_DE may be missing; the test is still meaningful in the C locale.
  const char* old = std::setlocale(LC_NUMERIC, nullptr);
  std::string saved = old ? old : "C";
  std::setlocale(LC_NUMERIC, "de_DE.UTF-8");
  auto seen = parse_all("1.25,2\n", 2);
  std::setlocale(LC_NUMERIC, saved.c_str());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].values[0], 1.25f);
}

TEST(ImuLine, OverlongLineIsOneBadLineReportedAtTheLimit) {
  ImuLineConfig cfg;
  cfg.channels = 2;
  cfg.max_line_length = 16;
  ImuLineParser parser(cfg);
  ParsedLine line;
  // 17 bytes without newline: reported on the 17th byte, before any newline.
  std::string endless(17, 'x');
  size_t used = parser.consume(endless.data(), endless.size(), &line);
  EXPECT_EQ(used, 17u);
  EXPECT_EQ(line.kind, LineKind::kBad);
  EXPECT_EQ(line.reason, BadReason::kTooLong);
  EXPECT_EQ(line.text, std::string(16, 'x'));
  // More garbage, then the end of that line: nothing more reported.
  std::string more(1000, 'y');
  more += "\n1,2\n";
  auto seen = parse_all(parser, more);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, LineKind::kFrame);
  EXPECT_EQ(parser.counters().bad_lines, 1u);
  EXPECT_EQ(parser.counters().lines, 2u);
}

TEST(ImuLine, LineOfExactlyMaxLengthWithCrlfIsAccepted) {
  ImuLineConfig cfg;
  cfg.channels = 2;
  cfg.max_line_length = 8;
  ImuLineParser parser(cfg);
  auto seen = parse_all(parser, "1.25,2.5\r\n1.25,2.50\r\n");  // 8 bytes, then 9 bytes
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, LineKind::kFrame);
  EXPECT_EQ(seen[1].kind, LineKind::kBad);
  EXPECT_EQ(seen[1].reason, BadReason::kTooLong);
}

TEST(ImuLine, TooManyFieldsIsBadNotOverflow) {
  std::string line;
  for (int i = 0; i < 100; ++i) line += "1,";
  line += "1\n";
  ImuLineConfig cfg;
  cfg.max_line_length = 4096;
  ImuLineParser parser(cfg);
  auto seen = parse_all(parser, line);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, LineKind::kBad);
  EXPECT_EQ(seen[0].reason, BadReason::kFieldCount);
  EXPECT_EQ(parser.channels(), 0);
}

TEST(ImuLine, BinaryGarbageAndNulBytesAreBadLines) {
  const char kGarbage[] = "1,\0\xff\x01,2\n3,4,5\n";
  std::string garbage(kGarbage, sizeof(kGarbage) - 1);
  auto seen = parse_all(garbage, 3);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, LineKind::kBad);
  EXPECT_EQ(seen[1].kind, LineKind::kFrame);
}

TEST(ImuLine, DropPartialDiscardsStaleBytes) {
  ImuLineParser parser(ImuLineConfig{});
  ParsedLine line;
  std::string stale = "1.5,2";
  parser.consume(stale.data(), stale.size(), &line);
  EXPECT_EQ(line.kind, LineKind::kNone);
  parser.drop_partial();
  auto seen = parse_all(parser, "3,4\n");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].values, (std::vector<float>{3.0f, 4.0f}));
}

TEST(ImuLine, InvalidConfigIsRefused) {
  ImuLineConfig cfg;
  cfg.channels = 65;
  EXPECT_THROW(ImuLineParser{cfg}, Error);
  cfg.channels = -1;
  EXPECT_THROW(ImuLineParser{cfg}, Error);
  cfg.channels = 6;
  cfg.max_line_length = 4;
  EXPECT_THROW(ImuLineParser{cfg}, Error);
}

TEST(ImuLine, EscapeForMessage) {
  EXPECT_EQ(escape_for_message("ab\r\t\\c"), "ab\\r\\t\\\\c");
  EXPECT_EQ(escape_for_message(std::string("\x01\xff", 2)), "\\x01\\xff");
  EXPECT_EQ(escape_for_message("abcdef", 3), "abc...");
  EXPECT_EQ(escape_for_message(""), "");
}

TEST(ImuLine, RealRecordingGivesThirtyFramesPerGesture) {
  EDGE_REQUIRE_SHARED(path, "imu/paper-mpu6050-punch-flex/punch.csv");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  ImuLineParser parser(ImuLineConfig{});
  auto seen = parse_all(parser, ss.str(), 13);
  EXPECT_EQ(parser.channels(), 6);
  EXPECT_EQ(parser.names(), (std::vector<std::string>{"aX", "aY", "aZ", "gX", "gY", "gZ"}));
  EXPECT_EQ(parser.counters().frames, 17u * 30u);
  EXPECT_EQ(parser.counters().separators, 17u);
  EXPECT_EQ(parser.counters().headers, 1u);
  EXPECT_EQ(parser.counters().bad_lines, 0u);
  // First sample line: 0.017,-1.430,-0.000,126.771,463.763,-37.985
  ASSERT_EQ(seen[1].kind, LineKind::kFrame);
  EXPECT_EQ(seen[1].values,
            (std::vector<float>{0.017f, -1.430f, -0.0f, 126.771f, 463.763f, -37.985f}));
  // Gestures: 30 frames then one separator.
  int frames_in_gesture = 0;
  for (size_t i = 1; i < seen.size(); ++i) {
    if (seen[i].kind == LineKind::kFrame) {
      ++frames_in_gesture;
    } else {
      ASSERT_EQ(seen[i].kind, LineKind::kSeparator);
      EXPECT_EQ(frames_in_gesture, 30);
      frames_in_gesture = 0;
    }
  }
}

TEST(RateLimiter, OnePerIntervalAndCountsSuppressed) {
  RateLimiter limiter(1000);
  uint64_t before = 99;
  EXPECT_TRUE(limiter.allow(0, &before));
  EXPECT_EQ(before, 0u);
  EXPECT_FALSE(limiter.allow(10, &before));
  EXPECT_FALSE(limiter.allow(999, &before));
  EXPECT_EQ(limiter.suppressed(), 2u);
  EXPECT_TRUE(limiter.allow(1000, &before));
  EXPECT_EQ(before, 2u);
  EXPECT_EQ(limiter.suppressed(), 0u);
}

TEST(RateMeter, FramesPerSecondOverWindow) {
  RateMeter meter(1000000000ull);
  EXPECT_EQ(meter.rate(), 0.0);
  meter.add(0, 1);                                                         // opens the window
  for (int i = 1; i <= 100; ++i) meter.add(uint64_t(i) * 10000000ull, 1);  // 100 Hz for 1 s
  EXPECT_DOUBLE_EQ(meter.rate(), 100.0);
  meter.reset();
  EXPECT_DOUBLE_EQ(meter.rate(), 100.0);  // last value kept across a gap
  meter.add(5000000000ull, 3);
  meter.add(5500000000ull, 25);  // half a window: no new value yet
  EXPECT_DOUBLE_EQ(meter.rate(), 100.0);
  meter.add(6000000000ull, 25);
  EXPECT_DOUBLE_EQ(meter.rate(), 50.0);
}

}  // namespace
}  // namespace edge::io
