// Values given as text, read as gst-launch-1.0 reads a property (params.h: parse()). Apart
// from params.cc so that programs that never read text (the plugin) do not link it.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <locale>
#include <sstream>

#include "params/params.h"

namespace edge::params {
namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// Integers as gst-launch-1.0 reads them: C notation (decimal, 0x hex, 0 octal), optional sign.
bool parse_integer(const std::string& text, bool* negative, uint64_t* magnitude, std::string* why) {
  const char* s = text.c_str();
  *negative = *s == '-';
  if (*s == '-' || *s == '+') ++s;
  if (*s < '0' || *s > '9') {
    *why = quoted(text) + " is not an integer";
    return false;
  }
  errno = 0;
  char* end = nullptr;
  *magnitude = std::strtoull(s, &end, 0);
  if (*end != '\0') {
    *why = quoted(text) + " is not an integer";
    return false;
  }
  if (errno == ERANGE) {
    *why = quoted(text) + " is out of range";
    return false;
  }
  return true;
}

bool parse_real(const std::string& text, double* out, std::string* why) {
  // Independent of the process locale (gst_init sets it from the environment).
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  double v = 0.0;
  in >> v;
  if (text.empty() || in.fail() || in.peek() != std::char_traits<char>::eof() ||
      !std::isfinite(v)) {
    *why = quoted(text) + " is not a number";
    return false;
  }
  *out = v;
  return true;
}

bool equals_ignoring_case(const std::string& a, const char* b) {
  if (a.size() != std::strlen(b)) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

}  // namespace

std::string parse(const Param& p, const std::string& text, Value* out) {
  Value v;
  std::string why;
  switch (p.type) {
    case Type::kBool:
      // gst_value_deserialize_boolean's words.
      if (equals_ignoring_case(text, "true") || equals_ignoring_case(text, "yes") ||
          equals_ignoring_case(text, "t") || text == "1") {
        v.b = true;
      } else if (equals_ignoring_case(text, "false") || equals_ignoring_case(text, "no") ||
                 equals_ignoring_case(text, "f") || text == "0") {
        v.b = false;
      } else {
        return quoted(text) + " is not true or false";
      }
      break;
    case Type::kInt:
    case Type::kInt64:
    case Type::kUInt:
    case Type::kUInt64: {
      bool negative = false;
      uint64_t magnitude = 0;
      if (!parse_integer(text, &negative, &magnitude, &why)) return why;
      if (p.type == Type::kUInt || p.type == Type::kUInt64) {
        if (negative && magnitude != 0) return text + " is below the minimum " + to_text(p, p.min);
        v.u = magnitude;
      } else {
        constexpr uint64_t kMaxMagnitude = uint64_t(std::numeric_limits<int64_t>::max());
        if (magnitude > kMaxMagnitude + (negative ? 1 : 0))
          return text + (negative ? " is below the minimum " : " is above the maximum ") +
                 to_text(p, negative ? p.min : p.max);
        v.i = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
      }
      break;
    }
    case Type::kFloat:
    case Type::kDouble:
      if (!parse_real(text, &v.d, &why)) return why;
      break;
    case Type::kString:
      v.s = text;
      break;
    case Type::kEnum: {
      const Choice* c = p.choice(text);
      if (!c) {
        // A number, if it is one of the values (gst-launch-1.0 takes those too).
        bool negative = false;
        uint64_t magnitude = 0;
        std::string ignored;
        if (parse_integer(text, &negative, &magnitude, &ignored) && magnitude <= INT32_MAX)
          c = p.choice(negative ? -static_cast<int64_t>(magnitude)
                                : static_cast<int64_t>(magnitude));
      }
      if (!c) return quoted(text) + " is not one of " + detail::choice_nicks(p);
      v.i = c->value;
      break;
    }
  }
  why = why_invalid(p, v);
  if (!why.empty()) return why;
  if (out) *out = std::move(v);
  return std::string();
}

}  // namespace edge::params
