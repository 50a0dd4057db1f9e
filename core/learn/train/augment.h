// Augmentation of IMU windows in the trainer's input pipeline (FitOptions::augment): each
// training sample is perturbed afresh every time it is drawn; nothing is stored in the dataset.
//
// A sample is read as T x C row-major (C = channels, e.g. 6 for aX,aY,aZ,gX,gY,gZ; any sample
// shape with T * C values, [714], [119, 6] or [119, 1, 6]). In this order, each with its own
// draw:
//   time shift   by k in [-max_shift, max_shift] samples, the vacated rows repeating the
//                edge row (the gesture starts a little earlier or later in the window);
//   scaling      of (x - center) by one factor in [1 - scale, 1 + scale] per sample;
//   rotation     of every 3-axis group (channels 0-2, 3-5, ...) about `center` by the same
//                random rotation: a uniformly random axis, an angle in
//                [-rotation_degrees, rotation_degrees] (the board held a little differently;
//                accelerometer and gyroscope turn together);
//   noise        Gaussian, standard deviation `noise`, on every value.
// `center` is where a value of 0 lies after the preprocessing: 0.5 for the min-max scaling
// to [0, 1] of symmetric sensor ranges (the gesture applications), 0 for raw or z-scored data
// (only the same scale per 3-axis group keeps a rotation a rotation).
//
// Determinism: the draws come only from the Rng given, which the trainer seeds per step and
// shard (trainer.h), so results do not depend on threads. apply() allocates nothing.
#pragma once

#include <cstdint>
#include <string>

#include "train/rng.h"

namespace edge::train {

struct ImuAugmentation {
  int channels = 6;
  int max_shift = 0;              // samples
  float scale = 0.0f;             // relative, [0, 1)
  float rotation_degrees = 0.0f;  // [0, 180]
  float noise = 0.0f;             // standard deviation, in the data's units
  float center = 0.0f;

  bool enabled() const {
    return max_shift > 0 || scale > 0.0f || rotation_degrees > 0.0f || noise > 0.0f;
  }
  // Throws edge::Error naming the setting that is out of range, or when `elements` (values
  // per sample) is not a multiple of channels, or rotation is asked of a channel count that
  // is not a multiple of 3.
  void check(int64_t elements) const;
  // Perturbs one sample of `elements` values in place.
  void apply(float* sample, int64_t elements, Rng& rng) const;
};

}  // namespace edge::train
