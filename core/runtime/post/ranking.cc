#include "post/ranking.h"

#include <algorithm>

namespace edge::post {
namespace {

// One ranking for float scores (edgefuse) and double sums (the smoother).
template <typename Score>
void rank(const Score* scores, size_t count, size_t k, std::vector<int>* out) {
  out->resize(count);
  for (size_t i = 0; i < count; ++i) (*out)[i] = static_cast<int>(i);
  const size_t n = std::min(k, count);
  std::partial_sort(out->begin(), out->begin() + static_cast<std::ptrdiff_t>(n), out->end(),
                    [scores](int a, int b) {
                      return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
                    });
  out->resize(n);
}

}  // namespace

void top_indices(const float* scores, size_t count, size_t k, std::vector<int>* out) {
  rank(scores, count, k, out);
}

void top_indices(const double* scores, size_t count, size_t k, std::vector<int>* out) {
  rank(scores, count, k, out);
}

}  // namespace edge::post
