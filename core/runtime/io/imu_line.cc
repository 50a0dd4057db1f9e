#include "io/imu_line.h"

#include <locale.h>
#include <stdlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "common/error.h"

namespace edge::io {
namespace {

// The C locale, created once: strtof_l then reads '.' as the decimal point
// whatever setlocale() the application made.
locale_t c_locale() {
  static locale_t loc = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return loc;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool equals_ignore_case(std::string_view a, const char* b) {
  size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// [+-]? (digits (. digits*)? | . digits) ([eE] [+-]? digits)?
bool is_decimal_number(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0;
  while (i < n && is_digit(s[i])) ++i, ++int_digits;
  size_t frac_digits = 0;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

bool is_name(std::string_view s) {
  if (s.empty() || !(is_alpha(s[0]) || s[0] == '_')) return false;
  if (equals_ignore_case(s, "nan") || equals_ignore_case(s, "inf") ||
      equals_ignore_case(s, "infinity"))
    return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  return true;
}

// Parses a validated-or-not field; false with *why set when it is not a finite float.
bool parse_float(std::string_view field, float* value, const char** why) {
  if (field.empty()) {
    *why = "is empty";
    return false;
  }
  if (!is_decimal_number(field)) {
    *why = "is not a decimal number";
    return false;
  }
  char buf[64];
  if (field.size() >= sizeof(buf)) {
    *why = "is too long for a number (63 characters at most)";
    return false;
  }
  std::memcpy(buf, field.data(), field.size());
  buf[field.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  float v = strtof_l(buf, &end, c_locale());
  if (end != buf + field.size()) {
    *why = "is not a decimal number";
    return false;
  }
  if (!std::isfinite(v)) {  // overflow gives +-HUGE_VALF (inf) with ERANGE
    *why = "is out of float range";
    return false;
  }
  *value = v;  // underflow: nearest float (0 or denormal), finite
  return true;
}

}  // namespace

const char* bad_reason_name(BadReason reason) {
  switch (reason) {
    case BadReason::kNone:
      return "none";
    case BadReason::kFieldCount:
      return "wrong field count";
    case BadReason::kNotANumber:
      return "not a number";
    case BadReason::kTooLong:
      return "line too long";
  }
  return "unknown";
}

ImuLineParser::ImuLineParser(const ImuLineConfig& config) : config_(config) {
  if (config.channels < 0 || config.channels > ImuLineConfig::kMaxChannels)
    throw Error(msg("IMU line parser: channels must be 0 (from the header or first line) to ",
                    ImuLineConfig::kMaxChannels, ", got ", config.channels));
  if (config.max_line_length < 8)
    throw Error(msg("IMU line parser: max-line-length must be at least 8 bytes, got ",
                    config.max_line_length));
  channels_ = config.channels;
  line_.resize(config.max_line_length + 1);
  values_.resize(ImuLineConfig::kMaxChannels);
  fields_.reserve(ImuLineConfig::kMaxChannels + 1);
  names_.reserve(ImuLineConfig::kMaxChannels);
}

void ImuLineParser::bad(ParsedLine* out, BadReason reason, std::string detail) {
  out->kind = LineKind::kBad;
  out->reason = reason;
  out->detail = std::move(detail);
  ++counters_.bad_lines;
}

size_t ImuLineParser::consume(const char* data, size_t size, ParsedLine* out) {
  out->kind = LineKind::kNone;
  out->reason = BadReason::kNone;
  out->values = nullptr;
  out->text = std::string_view();
  out->detail.clear();
  for (size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (c == '\n') {
      if (discarding_) {  // end of an overlong line, already reported
        discarding_ = false;
        line_size_ = 0;
        continue;
      }
      ++counters_.lines;
      out->line_number = counters_.lines;
      classify(out);
      line_size_ = 0;
      return i + 1;
    }
    if (discarding_) continue;
    // One '\r' may follow a full-length line (the first half of its CRLF).
    if (line_size_ >= config_.max_line_length &&
        !(c == '\r' && line_size_ == config_.max_line_length)) {
      discarding_ = true;
      ++counters_.lines;
      out->line_number = counters_.lines;
      out->text = std::string_view(line_.data(), line_size_);
      bad(out, BadReason::kTooLong,
          msg("more than ", config_.max_line_length, " bytes without a line end"));
      line_size_ = 0;
      return i + 1;
    }
    line_[line_size_++] = c;
  }
  return size;
}

bool ImuLineParser::finish(ParsedLine* out) {
  out->kind = LineKind::kNone;
  out->reason = BadReason::kNone;
  out->values = nullptr;
  out->text = std::string_view();
  out->detail.clear();
  if (discarding_) {
    discarding_ = false;
    line_size_ = 0;
    return false;
  }
  if (line_size_ == 0) return false;
  ++counters_.lines;
  out->line_number = counters_.lines;
  classify(out);
  line_size_ = 0;
  return true;
}

void ImuLineParser::drop_partial() {
  line_size_ = 0;
  discarding_ = false;
}

void ImuLineParser::classify(ParsedLine* out) {
  size_t n = line_size_;
  while (n > 0 && line_[n - 1] == '\r') --n;
  std::string_view line(line_.data(), n);
  out->text = line;

  if (trim(line).empty()) {
    out->kind = LineKind::kSeparator;
    ++counters_.separators;
    return;
  }

  // Split on ','; one trailing comma is tolerated.
  fields_.clear();
  size_t start = 0;
  const size_t limit = ImuLineConfig::kMaxChannels + 1;
  while (true) {
    size_t comma = line.find(',', start);
    std::string_view field =
        line.substr(start, comma == std::string_view::npos ? line.npos : comma - start);
    if (fields_.size() == limit) {
      bad(out, BadReason::kFieldCount, msg("more than ", ImuLineConfig::kMaxChannels, " fields"));
      return;
    }
    fields_.push_back(trim(field));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (fields_.size() > 1 && fields_.back().empty()) fields_.pop_back();
  const int count = static_cast<int>(fields_.size());

  bool all_names = true;
  for (auto f : fields_) {
    if (!is_name(f)) {
      all_names = false;
      break;
    }
  }
  if (all_names) {
    if (channels_ != 0 && count != channels_) {
      bad(out, BadReason::kFieldCount,
          msg("header has ", count, " names, expected ", channels_, " channels"));
      return;
    }
    if (count > ImuLineConfig::kMaxChannels) {
      bad(out, BadReason::kFieldCount, msg("more than ", ImuLineConfig::kMaxChannels, " fields"));
      return;
    }
    channels_ = count;
    names_.clear();
    for (auto f : fields_) names_.emplace_back(f);
    out->kind = LineKind::kHeader;
    ++counters_.headers;
    return;
  }

  if (channels_ != 0 && count != channels_) {
    bad(out, BadReason::kFieldCount, msg(count, " fields, expected ", channels_));
    return;
  }
  if (count > ImuLineConfig::kMaxChannels) {
    bad(out, BadReason::kFieldCount, msg("more than ", ImuLineConfig::kMaxChannels, " fields"));
    return;
  }
  for (int i = 0; i < count; ++i) {
    const char* why = "";
    if (!parse_float(fields_[i], &values_[i], &why)) {
      bad(out, BadReason::kNotANumber,
          msg("field ", i + 1, " '", escape_for_message(fields_[i], 24), "' ", why));
      return;
    }
  }
  channels_ = count;
  out->kind = LineKind::kFrame;
  out->values = values_.data();
  ++counters_.frames;
}

std::string escape_for_message(std::string_view text, size_t max_bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  const size_t n = text.size() < max_bytes ? text.size() : max_bytes;
  out.reserve(n + 8);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < text.size()) out += "...";
  return out;
}

bool RateLimiter::allow(uint64_t now_ns, uint64_t* suppressed_before) {
  if (!any_ || now_ns - last_ns_ >= interval_ns_ || now_ns < last_ns_) {
    any_ = true;
    last_ns_ = now_ns;
    if (suppressed_before) *suppressed_before = suppressed_;
    suppressed_ = 0;
    return true;
  }
  ++suppressed_;
  return false;
}

void RateMeter::add(uint64_t now_ns, uint64_t frames) {
  if (!started_) {
    // The first arrival opens the window; its frames mark time zero.
    started_ = true;
    start_ns_ = now_ns;
    frames_ = 0;
    return;
  }
  frames_ += frames;
  if (now_ns > start_ns_ && now_ns - start_ns_ >= window_ns_) {
    rate_ = static_cast<double>(frames_) * 1e9 / static_cast<double>(now_ns - start_ns_);
    start_ns_ = now_ns;
    frames_ = 0;
  }
}

void RateMeter::reset() {
  started_ = false;
  frames_ = 0;
}

}  // namespace edge::io
