#include "train/augment.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"

namespace edge::train {

void ImuAugmentation::check(int64_t elements) const {
  if (channels < 1) throw Error(msg("augment: channels must be >= 1, got ", channels));
  if (max_shift < 0) throw Error(msg("augment: time_shift must be >= 0, got ", max_shift));
  if (!(scale >= 0.0f && scale < 1.0f))
    throw Error(msg("augment: scale must be in [0, 1), got ", scale));
  if (!(rotation_degrees >= 0.0f && rotation_degrees <= 180.0f))
    throw Error(msg("augment: rotation_degrees must be in [0, 180], got ", rotation_degrees));
  if (!(noise >= 0.0f && std::isfinite(noise)))
    throw Error(msg("augment: noise must be >= 0, got ", noise));
  if (elements % channels != 0)
    throw Error(msg("augment: a sample of ", elements, " values is not T x ", channels,
                    " channels (augment channels = ", channels, ")"));
  if (rotation_degrees > 0.0f && channels % 3 != 0)
    throw Error(msg("augment: rotation_degrees turns 3-axis groups; channels = ", channels,
                    " is not a multiple of 3"));
  if (max_shift >= elements / channels)
    throw Error(msg("augment: time_shift ", max_shift, " is not shorter than the window (",
                    elements / channels, " samples)"));
}

void ImuAugmentation::apply(float* x, int64_t elements, Rng& rng) const {
  const int64_t c = channels;
  const int64_t frames = elements / c;
  if (max_shift > 0) {
    const int64_t k = int64_t(rng.below(uint64_t(2 * max_shift + 1))) - max_shift;
    const size_t row_bytes = sizeof(float) * size_t(c);
    if (k > 0) {  // later: rows move down, row 0 repeats
      std::memmove(x + k * c, x, row_bytes * size_t(frames - k));
      for (int64_t t = 0; t < k; ++t) std::memcpy(x + t * c, x + k * c, row_bytes);
    } else if (k < 0) {  // earlier: rows move up, the last row repeats
      const int64_t m = -k;
      std::memmove(x, x + m * c, row_bytes * size_t(frames - m));
      for (int64_t t = frames - m; t < frames; ++t)
        std::memcpy(x + t * c, x + (frames - m - 1) * c, row_bytes);
    }
  }
  if (scale > 0.0f) {
    const float factor = 1.0f + scale * float(2.0 * rng.uniform() - 1.0);
    for (int64_t i = 0; i < elements; ++i) x[i] = center + (x[i] - center) * factor;
  }
  if (rotation_degrees > 0.0f) {
    // Axis uniform on the sphere (normalized Gaussian), angle uniform; Rodrigues' matrix.
    double ax = rng.normal(), ay = rng.normal(), az = rng.normal();
    const double norm = std::sqrt(ax * ax + ay * ay + az * az);
    if (norm > 1e-12) {
      ax /= norm, ay /= norm, az /= norm;
      const double angle = (2.0 * rng.uniform() - 1.0) * rotation_degrees * M_PI / 180.0;
      const double s = std::sin(angle), co = std::cos(angle), v = 1.0 - co;
      const float r[9] = {
          float(co + ax * ax * v),     float(ax * ay * v - az * s), float(ax * az * v + ay * s),
          float(ay * ax * v + az * s), float(co + ay * ay * v),     float(ay * az * v - ax * s),
          float(az * ax * v - ay * s), float(az * ay * v + ax * s), float(co + az * az * v)};
      for (int64_t t = 0; t < frames; ++t)
        for (int64_t g = 0; g + 3 <= c; g += 3) {
          float* p = x + t * c + g;
          const float u0 = p[0] - center, u1 = p[1] - center, u2 = p[2] - center;
          p[0] = center + r[0] * u0 + r[1] * u1 + r[2] * u2;
          p[1] = center + r[3] * u0 + r[4] * u1 + r[5] * u2;
          p[2] = center + r[6] * u0 + r[7] * u1 + r[8] * u2;
        }
    }
  }
  if (noise > 0.0f)
    for (int64_t i = 0; i < elements; ++i) x[i] += noise * float(rng.normal());
}

}  // namespace edge::train
