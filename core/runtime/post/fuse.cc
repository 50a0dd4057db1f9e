#include "post/fuse.h"

#include <algorithm>

#include "common/error.h"
#include "common/number_list.h"

namespace edge::post {
namespace {

// The numbers of a comma-separated list, each >= 0, not all 0; throws naming `weights`, the
// whole value and the bad entry.
std::vector<double> parse_weights(const std::string& text) {
  std::vector<double> weights;
  try {
    weights = parse_number_list(text, "weights");
  } catch (const NumberListError& e) {
    // edgefuse's own wording: it quotes the whole value, as the element's other errors do.
    if (e.item().empty())
      throw Error(msg("weights=\"", text, "\": entry ", e.entry(), " is empty"));
    throw Error(msg("weights=\"", text, "\": \"", e.item(), "\" is not a number"));
  }
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i] < 0)  // named as written ("-1.50"), not as the double prints
      throw Error(msg("weights=\"", text, "\": ", split_trimmed(text, ',')[i], " is negative"));
  double sum = 0.0;
  for (double w : weights) sum += w;
  if (!(sum > 0)) throw Error(msg("weights=\"", text, "\": all weights are 0"));
  return weights;
}

}  // namespace

std::vector<double> fuse_weights(const std::string& text, size_t inputs) {
  if (text.empty()) return std::vector<double>(inputs, 1.0);
  std::vector<double> weights = parse_weights(text);
  if (weights.size() != inputs)
    throw Error(msg("weights=\"", text, "\" gives ", weights.size(), " weight",
                    weights.size() == 1 ? "" : "s", " for ", inputs,
                    " sink pads: give one per pad"));
  return weights;
}

std::string check_fuse_weights(const std::string& text) {
  if (text.empty()) return std::string();
  try {
    parse_weights(text);
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

void fuse_scores(const std::vector<const float*>& inputs, const std::vector<double>& weights,
                 size_t count, float* out) {
  double total = 0.0;
  for (double w : weights) total += w;
  for (size_t i = 0; i < count; ++i) {
    double sum = 0.0;
    for (size_t k = 0; k < inputs.size(); ++k) sum += weights[k] * inputs[k][i];
    out[i] = static_cast<float>(sum / total);
  }
}

FuseLabels::FuseLabels(size_t inputs, size_t count)
    : names_(inputs, std::vector<std::string>(count)) {}

bool FuseLabels::note(size_t input, int index, const std::string& label, LabelConflict* conflict) {
  if (label.empty() || index < 0 || input >= names_.size() ||
      static_cast<size_t>(index) >= names_[input].size())
    return true;
  for (size_t other = 0; other < names_.size(); ++other) {
    const std::string& known = names_[other][index];
    if (other == input || known.empty() || known == label) continue;
    conflict->input_a = std::min(other, input);
    conflict->input_b = std::max(other, input);
    conflict->index = index;
    conflict->label_a = other < input ? known : label;
    conflict->label_b = other < input ? label : known;
    return false;
  }
  if (names_[input][index] != label) names_[input][index] = label;
  return true;
}

const std::string& FuseLabels::name(int index) const {
  static const std::string kNone;
  if (index < 0) return kNone;
  for (const auto& input : names_)
    if (static_cast<size_t>(index) < input.size() && !input[index].empty()) return input[index];
  return kNone;
}

}  // namespace edge::post
