#include "post/open_set.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"

namespace edge::post {

namespace {
std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}
}  // namespace

std::vector<std::string> conventional_background_labels(const std::vector<std::string>& labels) {
  static const std::vector<std::string> names = {
      "background", "_background_noise_", "silence", "_silence_",
      "unknown",    "_unknown_",          "noise",   "none"};
  std::vector<std::string> found;
  for (const std::string& label : labels)
    if (std::find(names.begin(), names.end(), lower(label)) != names.end()) found.push_back(label);
  return found;
}

std::vector<std::string> parse_background_labels(const std::string& list,
                                                 const std::vector<std::string>& labels) {
  std::vector<std::string> chosen;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string label = list.substr(start, comma - start);
    start = comma + 1;
    if (label.empty()) continue;
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
      std::string known;
      for (const std::string& l : labels) known += (known.empty() ? "" : ", ") + l;
      throw Error(
          msg("background class \"", label, "\" is not one of the model's labels (", known, ")"));
    }
    chosen.push_back(label);
  }
  return chosen;
}

}  // namespace edge::post
