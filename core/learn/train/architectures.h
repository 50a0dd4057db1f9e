// Reference architectures built with the trainer's layers.
//
// make_squeezenet_audio(): the SqueezeNet-style CNN used for the thesis's
// sound classifier on 173x173x1 log-mel images (1 s windows). The thesis
// stacks Fire modules; this is our concrete definition (per-sample shapes):
//   conv1    Conv2D 32, 3x3, stride 2, VALID      -> 86x86x32, BatchNorm, ReLU
//   pool1    MaxPool 3x3, stride 2, VALID          -> 42x42x32
//   fire2    squeeze 16 -> expand 32 (1x1) + 32 (3x3 SAME), ReLUs, concat -> 42x42x64
//   fire3    squeeze 16 -> expand 32 + 32                        -> 42x42x64
//   pool3    MaxPool 3x3, stride 2                               -> 20x20x64
//   fire4    squeeze 32 -> expand 64 + 64                        -> 20x20x128
//   fire5    squeeze 32 -> expand 64 + 64                        -> 20x20x128
//   pool5    MaxPool 3x3, stride 2                               -> 9x9x128
//   fire6    squeeze 48 -> expand 96 + 96                        -> 9x9x192
//   drop6    Dropout 0.5
//   conv10   Conv2D classes, 1x1                                 -> 9x9xclasses
//   gap      GlobalAveragePool                                   -> classes (logits)
// (SqueezeNet 1.1's layout scaled to one input channel and 10 classes; no ReLU
// after conv10 so the logits are not forced non-negative.)
#pragma once

#include "train/model.h"

namespace edge::train {

Model make_squeezenet_audio(int height = 173, int width = 173, int classes = 10);

// Adds a Fire module (squeeze 1x1 + ReLU, expand 1x1 and 3x3 SAME + ReLUs,
// concatenated 1x1 first) named name_*; returns the concatenation's node.
NodeId add_fire_module(Model& model, NodeId input, int squeeze, int expand,
                       const std::string& name);

}  // namespace edge::train
