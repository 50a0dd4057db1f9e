#include "common/number_list.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/text.h"

namespace edge {

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
