// Late fusion: the weighted mean of several classifiers' scores for the same window (what
// edgefuse computes), the weights it is given, the best entries of the result, and the class
// names the inputs' classification metas give, which must agree.
//
// Each input is one classifier's scores for one window, `count` floats indexed by class (a
// model's softmax output). The fused score of class i is sum_k w_k * x_k[i] / sum_k w_k,
// accumulated in double and rounded once to float.
//
// Not thread-safe; FuseLabels is one instance per stream. fuse_scores does not allocate. The
// best entries are ranked by post/ranking.h, as the label smoother ranks its classes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace edge::post {

// The `weights` property of `inputs` inputs: empty means equal weights; otherwise
// comma-separated numbers, one per input, each finite and >= 0, not all 0. Throws edge::Error
// naming `weights`, the value and what is wrong (the count when it does not match `inputs`).
std::vector<double> fuse_weights(const std::string& text, size_t inputs);

// What can be checked before the input count is known (the property's check): empty when
// `text` is empty or numbers >= 0, not all 0; else why not.
std::string check_fuse_weights(const std::string& text);

// out[i] = sum_k weights[k] * inputs[k][i] / sum_k weights[k], for i < count.
// inputs.size() == weights.size(); out holds count floats.
void fuse_scores(const std::vector<const float*>& inputs, const std::vector<double>& weights,
                 size_t count, float* out);

// Two inputs naming one class differently.
struct LabelConflict {
  size_t input_a = 0, input_b = 0;
  int index = -1;
  std::string label_a, label_b;
};

// Class names by index, as each input's metas give them over the stream.
class FuseLabels {
 public:
  // `inputs` inputs of `count` classes each.
  FuseLabels(size_t inputs, size_t count);

  // Records that input `input` calls class `index` `label` (an empty label or an index outside
  // [0, count) is ignored). False, with *conflict filled, when another input has called that
  // class something else.
  bool note(size_t input, int index, const std::string& label, LabelConflict* conflict);

  // The name of class `index`: the first input's, else the next input's that gave one, else "".
  const std::string& name(int index) const;

 private:
  std::vector<std::vector<std::string>> names_;  // [input][index]
};

}  // namespace edge::post
