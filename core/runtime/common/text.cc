#include "common/text.h"

namespace edge {

std::string trim(const std::string& text, const char* blanks) {
  const size_t begin = text.find_first_not_of(blanks);
  if (begin == std::string::npos) return std::string();
  const size_t end = text.find_last_not_of(blanks);
  return text.substr(begin, end - begin + 1);
}

std::vector<std::string> split_trimmed(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    const size_t end = text.find(sep, begin);
    parts.push_back(trim(text.substr(begin, end == std::string::npos ? end : end - begin)));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return parts;
}

}  // namespace edge
