// Cuts a pretrained model into a frozen feature extractor for transfer learning: the graph
// up to one intermediate tensor, then that tensor's feature map pooled into a fixed-length
// embedding a small head is trained on (`edgestream backbone`, docs/cli.md).
//
// The cut model keeps only the operators needed to compute the chosen tensor (in their
// source order and versions), only the tensors they use (renumbered, constants copied) and
// the graph inputs they read. After it come, for an NHWC tensor [N, H, W, C]:
//   AVERAGE_POOL_2D and/or MAX_POOL_2D  filter H x W/bands, stride the same, VALID
//                                       -> [N, 1, bands, C]
//   CONCATENATION on axis 3 (only when both pools) -> [N, 1, bands, 2C], mean first
//   RESHAPE -> [N, bands * C * pools], the output tensor "embedding"
// Element (band b, pool p, channel c) of the embedding is at b * pools * C + p * C + c.
// The new tensors keep the cut tensor's quantization: int8 pooling and a concatenation of
// equal scales are exact in TFLite, so the embedding is in the cut tensor's units. The
// RESHAPE carries its shape as option and as an int32 constant second input, as
// TensorFlow's converter writes it; the new operators get the converter's versions.
// No metadata is copied (the source's labels and preprocess describe its own output).
#pragma once

#include <string>

#include "nn/model.h"

namespace edge::nn {

struct FeatureExtractorOptions {
  std::string tensor;  // where to cut: a tensor name, or its index in decimal
  int bands = 1;       // equal groups of the W axis (W must divide by it)
  bool mean = true;    // AVERAGE_POOL_2D over each band
  bool max = true;     // MAX_POOL_2D over each band
};

// The feature extractor of `source` cut at options.tensor; validated (Model::validate()).
// Throws edge::Error naming source.source() when the tensor does not exist (the message says
// to list them with edgestream-inspect), is a constant, a graph input or not computed by an
// operator, is not 4-D, is neither int8 (per-tensor quantized) nor float32, when W does not
// divide into the bands, bands < 1, or neither pool is chosen.
Model cut_feature_extractor(const Model& source, const FeatureExtractorOptions& options);

}  // namespace edge::nn
