// Weight clustering (TF-MOT's cluster_weights): the kernel of each chosen
// Dense, Conv2D and DepthwiseConv2D layer is replaced by N shared values
// (centroids) found by 1-D k-means over its weights, so the exported kernel
// has at most N distinct values and compresses well.
//
// Initialization: k-means++ (seeded, reproducible) or linear (TF-MOT's LINEAR:
// N values evenly spaced from the kernel's minimum to its maximum). Then Lloyd
// iterations until no assignment changes (or `iterations`); an empty cluster
// keeps its centroid.
//
// Fine-tuning: call after_step() after each optimizer step (see
// fit_with_step_hook in pruning.h). The optimizer has moved every weight by
// its own update; each centroid moves by the mean of the updates of its
// weights (for SGD: the centroid's gradient is the accumulated gradient of its
// weights, scaled by 1/cluster size so a large cluster does not take a huge
// step under RMSprop/Adam), and every weight is tied back to its centroid.
// Assignments stay fixed during fine-tuning, as in TF-MOT.
//
// Errors (edge::Error naming the setting or layer): clusters < 1, clusters
// greater than a kernel's weight count, unknown layer or a layer without a
// kernel, iterations < 1, non-finite weights.
// Lifetime: keeps pointers to the model's kernels; the model must outlive it.
// Thread safety: used by one thread, between optimizer steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/model.h"

namespace edge::train {

enum class CentroidInit { kKMeansPlusPlus, kLinear };

struct ClusteringOptions {
  int clusters = 16;
  CentroidInit init = CentroidInit::kKMeansPlusPlus;
  uint64_t seed = 1;
  int iterations = 100;
};

// 1-D k-means of values: returns sorted centroids and, in *assignment, the
// centroid index of each value. Throws as described above.
std::vector<float> kmeans_1d(const float* values, int64_t count, const ClusteringOptions& options,
                             std::vector<int32_t>* assignment);

class WeightClusterer {
 public:
  // Clusters the named layers (every Dense/Conv2D/DepthwiseConv2D when empty)
  // and ties their kernels to the centroids at once.
  WeightClusterer(Model& model, const ClusteringOptions& options,
                  const std::vector<std::string>& layers = {});

  void after_step();
  const std::vector<float>& centroids(size_t layer) const { return targets_.at(layer).centroids; }
  const std::vector<std::string>& layer_names() const { return names_; }

 private:
  struct Target {
    Tensor* kernel;
    std::vector<float> centroids;
    std::vector<int32_t> assignment;
    std::vector<int64_t> sizes;
    std::vector<double> delta;  // scratch
  };
  void tie(Target& t);
  std::vector<std::string> names_;
  std::vector<Target> targets_;
};

}  // namespace edge::train
