// CSV sample lines from an IMU (an Arduino's Serial.println, or a recording of
// it) turned into frames of N floats, from bytes that arrive in any chunking.
//
// Line format (what a sketch prints, one sample per line):
//   aX,aY,aZ,gX,gY,gZ          optional header: channel names
//   0.017,-1.430,-0.000,...    one frame: N decimal numbers separated by ','
//                              (blank line) a separator: recordings end here
//
// Rules, decided once and tested (tests/core/test_imu_line.cc):
// - A line ends at '\n'; every '\r' right before it is dropped (CRLF and LF both
//   work; lone-CR line ends are not supported).
// - Spaces and tabs around a field are ignored. One trailing ',' at the end of a
//   line is tolerated (the `Serial.print(v); Serial.print(',')` loop idiom).
// - A field is a plain decimal number: [+-]digits[.digits][(e|E)[+-]digits],
//   parsed in the C locale whatever the process locale is. Refused (bad line):
//   an empty field, "nan", "inf", hex floats, "1.2.3", "1e400" (overflows float),
//   any other character. Underflow ("1e-400") gives the nearest float (0 or a
//   denormal), which is finite and harmless.
// - A header is a line whose every field starts with a letter or '_' and is not
//   nan/inf. It may come again at any time (an Arduino resets and reprints it
//   when the port is opened); a header with a different field count than the
//   fixed channel count is a bad line.
// - A line with only spaces/tabs is a separator. Recordings use it between
//   gestures; the caller may turn it into a clip boundary.
// - Channel count: fixed by the config, or (channels == 0) by the first header
//   or first good frame, whichever comes first. Later lines with another field
//   count are bad lines.
// - A line longer than max_line_length bytes (without its line end) is one bad
//   line, reported as soon as the limit is passed (so endless bytes without a
//   newline are reported, not buffered); the rest up to the next '\n' is dropped.
//
// Thread safety: none; one parser per byte stream. The parser allocates only
// in its constructor; consume() and finish() never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edge::io {

struct ImuLineConfig {
  int channels = 0;               // frame size N; 0 = from the header or first good line
  size_t max_line_length = 1024;  // bytes, without the line end
  static constexpr int kMaxChannels = 64;
};

enum class LineKind {
  kNone,       // no complete line yet: feed more bytes
  kFrame,      // a good sample line: values() holds channels() floats
  kHeader,     // channel names: names() holds them
  kSeparator,  // a blank line
  kBad,        // a refused line: reason and text say why
};

enum class BadReason {
  kNone,
  kFieldCount,  // wrong number of fields
  kNotANumber,  // a field is empty, non-numeric, non-finite or out of float range
  kTooLong,     // more than max_line_length bytes without a line end
};

const char* bad_reason_name(BadReason reason);

// One complete line as classified by the parser. Views point into the parser
// and stay valid until its next consume()/finish()/reset().
struct ParsedLine {
  LineKind kind = LineKind::kNone;
  BadReason reason = BadReason::kNone;
  uint64_t line_number = 0;       // 1-based count of lines seen since construction
  std::string_view text;          // the raw line without its line end (a prefix for kTooLong)
  std::string detail;             // for kBad: what was wrong, for a person (small; see note)
  const float* values = nullptr;  // kFrame: channels() values
};

struct ImuLineCounters {
  uint64_t lines = 0;   // every complete line (and every overlong one)
  uint64_t frames = 0;  // good sample lines
  uint64_t headers = 0;
  uint64_t separators = 0;
  uint64_t bad_lines = 0;
};

class ImuLineParser {
 public:
  // Throws edge::Error on an invalid config (channels outside 0..64, max_line_length < 8).
  explicit ImuLineParser(const ImuLineConfig& config);

  // Reads bytes from [data, data + size) up to and including the first line end
  // and returns how many it consumed; *out describes that line. When the bytes
  // run out before a line end, returns size and out->kind == kNone (the partial
  // line is kept for the next call). An overlong line is reported (kBad,
  // kTooLong) at the byte that passes the limit.
  // Note: out->detail is a std::string that may allocate only for bad lines.
  size_t consume(const char* data, size_t size, ParsedLine* out);

  // End of input: classifies a final line that has no line end. Returns false
  // when there was none.
  bool finish(ParsedLine* out);

  // Drops a partial line (after a reconnect, the bytes before are stale). Keeps
  // the channel count, names and counters.
  void drop_partial();

  int channels() const { return channels_; }  // 0 until known
  const std::vector<std::string>& names() const { return names_; }
  const ImuLineCounters& counters() const { return counters_; }

 private:
  void classify(ParsedLine* out);
  void bad(ParsedLine* out, BadReason reason, std::string detail);

  ImuLineConfig config_;
  int channels_ = 0;
  std::vector<std::string> names_;
  std::vector<char> line_;  // current line, capacity max_line_length + 1
  size_t line_size_ = 0;
  bool discarding_ = false;               // dropping the tail of an overlong line
  std::vector<float> values_;             // kMaxChannels
  std::vector<std::string_view> fields_;  // kMaxChannels + 1
  ImuLineCounters counters_;
};

// Text of a line for a message: printable ASCII kept, everything else as \xNN
// (\r, \t as themselves escaped), cut at max_bytes of input with "..." appended.
std::string escape_for_message(std::string_view text, size_t max_bytes = 80);

// Lets through at most one message per interval; counts the ones held back so
// the next allowed message can say "(N more suppressed)". Times in ns, any
// monotonic origin. Not thread safe.
class RateLimiter {
 public:
  explicit RateLimiter(uint64_t interval_ns) : interval_ns_(interval_ns) {}
  // True when a message may be posted now; *suppressed_before receives how many
  // were held back since the last one that was let through.
  bool allow(uint64_t now_ns, uint64_t* suppressed_before);
  uint64_t suppressed() const { return suppressed_; }

 private:
  uint64_t interval_ns_;
  bool any_ = false;
  uint64_t last_ns_ = 0;
  uint64_t suppressed_ = 0;
};

// Measured frame rate from arrival times: frames counted over windows of at
// least `window_ns`; rate() is the last completed window's frames per second
// (0 before the first window completes). reset() after a gap (reconnect).
class RateMeter {
 public:
  explicit RateMeter(uint64_t window_ns = 1000000000ull) : window_ns_(window_ns) {}
  void add(uint64_t now_ns, uint64_t frames);
  double rate() const { return rate_; }
  void reset();  // keeps the last rate, restarts the window

 private:
  uint64_t window_ns_;
  bool started_ = false;
  uint64_t start_ns_ = 0;
  uint64_t frames_ = 0;
  double rate_ = 0.0;
};

}  // namespace edge::io
