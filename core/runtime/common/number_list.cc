#include "common/number_list.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace edge {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

std::vector<std::string> split_trimmed(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    size_t end = text.find(sep, begin);
    parts.push_back(trim(text.substr(begin, end == std::string::npos ? end : end - begin)));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return parts;
}

double parse_number(const std::string& text, const std::string& what) {
  const std::string part = trim(text);
  if (part.empty()) throw Error(msg(what, ": empty number"));
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(part.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw Error(msg(what, ": \"", part, "\" is not a finite number"));
  return v;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& what) {
  std::vector<double> values;
  for (const std::string& item : split_trimmed(text, ',')) {
    try {
      values.push_back(parse_number(item, what));
    } catch (const Error& e) {
      throw NumberListError(e.what(), values.size() + 1, item);
    }
  }
  return values;
}

}  // namespace edge
