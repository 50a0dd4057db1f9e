// The best classes of one result, as the label smoother and edgefuse rank them: highest score
// first, equal scores by lower class index, so the same scores always give the same order.
//
// Does not allocate once `out` has held `count` entries.
#pragma once

#include <cstddef>
#include <vector>

namespace edge::post {

// The indices of the `k` highest of scores[0..count) (all of them when k >= count), best
// first, ties by lower index.
void top_indices(const float* scores, size_t count, size_t k, std::vector<int>* out);
void top_indices(const double* scores, size_t count, size_t k, std::vector<int>* out);

}  // namespace edge::post
