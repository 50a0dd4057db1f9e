#include "train/clustering.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/rng.h"

namespace edge::train {
namespace {

int32_t nearest(const std::vector<float>& sorted, float v) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), v);
  if (it == sorted.begin()) return 0;
  if (it == sorted.end()) return int32_t(sorted.size() - 1);
  const int32_t hi = int32_t(it - sorted.begin());
  return (v - sorted[size_t(hi - 1)]) <= (sorted[size_t(hi)] - v) ? hi - 1 : hi;
}

}  // namespace

std::vector<float> kmeans_1d(const float* values, int64_t count, const ClusteringOptions& options,
                             std::vector<int32_t>* assignment) {
  const int k = options.clusters;
  if (k < 1) throw Error(msg("clustering: clusters must be >= 1, got ", k));
  if (int64_t(k) > count) {
    throw Error(msg("clustering: clusters ", k, " exceeds the ", count, " weights to cluster"));
  }
  if (options.iterations < 1) {
    throw Error(msg("clustering: iterations must be >= 1, got ", options.iterations));
  }
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) {
      throw Error(msg("clustering: weight ", i, " is not finite (", values[i], ")"));
    }
  }
  std::vector<float> c;
  if (options.init == CentroidInit::kLinear) {
    const auto [lo, hi] = std::minmax_element(values, values + count);
    for (int j = 0; j < k; ++j) {
      c.push_back(k == 1 ? (*lo + *hi) / 2 : *lo + (*hi - *lo) * float(j) / float(k - 1));
    }
  } else {
    Rng rng(options.seed);
    std::vector<double> d2(size_t(count), 0.0);
    c.push_back(values[std::min<int64_t>(count - 1, int64_t(rng.uniform() * double(count)))]);
    for (int j = 1; j < k; ++j) {
      double total = 0.0;
      for (int64_t i = 0; i < count; ++i) {
        double best = INFINITY;
        for (float cc : c) best = std::min(best, double(values[i] - cc) * (values[i] - cc));
        d2[size_t(i)] = best;
        total += best;
      }
      int64_t pick = 0;
      if (total > 0.0) {
        double r = rng.uniform() * total;
        while (pick < count - 1 && (r -= d2[size_t(pick)]) > 0.0) ++pick;
      }
      c.push_back(values[pick]);
    }
  }
  std::sort(c.begin(), c.end());
  assignment->assign(size_t(count), -1);
  std::vector<double> sum(static_cast<size_t>(k));
  std::vector<int64_t> n(static_cast<size_t>(k));
  for (int iter = 0; iter < options.iterations; ++iter) {
    bool changed = false;
    for (int64_t i = 0; i < count; ++i) {
      const int32_t a = nearest(c, values[i]);
      if (a != (*assignment)[size_t(i)]) {
        (*assignment)[size_t(i)] = a;
        changed = true;
      }
    }
    if (!changed) break;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(n.begin(), n.end(), 0);
    for (int64_t i = 0; i < count; ++i) {
      sum[size_t((*assignment)[size_t(i)])] += values[i];
      ++n[size_t((*assignment)[size_t(i)])];
    }
    for (int j = 0; j < k; ++j) {
      if (n[size_t(j)] > 0) c[size_t(j)] = float(sum[size_t(j)] / double(n[size_t(j)]));
    }
    // Means of nearest-assigned sorted clusters stay sorted, but equal values
    // may collapse two centroids; re-sort keeps nearest() valid.
    std::sort(c.begin(), c.end());
  }
  for (int64_t i = 0; i < count; ++i) (*assignment)[size_t(i)] = nearest(c, values[i]);
  return c;
}

WeightClusterer::WeightClusterer(Model& model, const ClusteringOptions& options,
                                 const std::vector<std::string>& layers) {
  if (layers.empty()) {
    for (size_t i = 0; i < model.num_layers(); ++i) {
      const Layer& l = model.layer(i);
      if (dynamic_cast<const Dense*>(&l) || dynamic_cast<const Conv2D*>(&l) ||
          dynamic_cast<const DepthwiseConv2D*>(&l)) {
        names_.push_back(l.name());
      }
    }
  } else {
    names_ = layers;
  }
  if (names_.empty()) throw Error("clustering: the model has no Dense, Conv2D or Depthwise layer");
  for (const std::string& name : names_) {
    Layer& layer = model.layer(name);
    if (!dynamic_cast<const Dense*>(&layer) && !dynamic_cast<const Conv2D*>(&layer) &&
        !dynamic_cast<const DepthwiseConv2D*>(&layer)) {
      throw Error(
          msg("clustering: layer '", name, "' (", layer.kind(), ") has no kernel to cluster"));
    }
    Target t;
    t.kernel = layer.param("kernel").value.get();
    try {
      t.centroids = kmeans_1d(t.kernel->data(), t.kernel->size(), options, &t.assignment);
    } catch (const Error& e) {
      throw Error(msg("layer '", name, "': ", e.what()));
    }
    t.sizes.assign(t.centroids.size(), 0);
    for (int32_t a : t.assignment) ++t.sizes[size_t(a)];
    t.delta.assign(t.centroids.size(), 0.0);
    tie(t);
    targets_.push_back(std::move(t));
  }
}

void WeightClusterer::tie(Target& t) {
  float* w = t.kernel->data();
  for (size_t i = 0; i < t.assignment.size(); ++i) w[i] = t.centroids[size_t(t.assignment[i])];
}

void WeightClusterer::after_step() {
  for (Target& t : targets_) {
    std::fill(t.delta.begin(), t.delta.end(), 0.0);
    const float* w = t.kernel->data();
    for (size_t i = 0; i < t.assignment.size(); ++i) {
      const size_t a = size_t(t.assignment[i]);
      t.delta[a] += double(w[i]) - t.centroids[a];
    }
    for (size_t j = 0; j < t.centroids.size(); ++j) {
      if (t.sizes[j] > 0) t.centroids[j] += float(t.delta[j] / double(t.sizes[j]));
    }
    tie(t);
  }
}

}  // namespace edge::train
