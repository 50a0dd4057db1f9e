// The normalization loops, scalar and NEON: see normalize_neon.h.
#include "signal/normalize_neon.h"

#if defined(EDGE_SIGNAL_NEON)
#include <arm_neon.h>
#endif

#include "common/cpu_features.h"

// Clang contracts x * a + b into an FMA by default; the NEON path rounds twice.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace edge::signal::detail {

namespace {
// NaN compares false both ways: it stays NaN; -0.0 is neither < 0 nor > 1: it stays -0.0.
inline float clamp01(float y) { return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y); }
}  // namespace

void affine_uniform_scalar(const float* src, float* dst, size_t count, float scale, float offset,
                           bool clamp) {
  // Fixed 16-value blocks so the compiler vectorizes at -O2 too (GCC's default cost model
  // only vectorizes loops whose trip count it knows).
  size_t i = 0;
  if (clamp) {
    for (; i + 16 <= count; i += 16)
      for (size_t k = 0; k < 16; ++k) dst[i + k] = clamp01(src[i + k] * scale + offset);
    for (; i < count; ++i) dst[i] = clamp01(src[i] * scale + offset);
  } else {
    for (; i + 16 <= count; i += 16)
      for (size_t k = 0; k < 16; ++k) dst[i + k] = src[i + k] * scale + offset;
    for (; i < count; ++i) dst[i] = src[i] * scale + offset;
  }
}

void affine_channels_scalar(float* data, size_t frames, size_t channels, const float* scale,
                            const float* offset, bool clamp) {
  for (size_t f = 0; f < frames; ++f) {
    float* frame = data + f * channels;
    for (size_t c = 0; c < channels; ++c) {
      const float y = frame[c] * scale[c] + offset[c];
      frame[c] = clamp ? clamp01(y) : y;
    }
  }
}

bool normalize_neon_available() {
#if defined(EDGE_SIGNAL_NEON)
  return cpu_has_neon();
#else
  return false;
#endif
}

#if defined(EDGE_SIGNAL_NEON)

namespace {
template <bool kClamp>
inline float32x4_t affine4(float32x4_t x, float32x4_t scale, float32x4_t offset) {
  float32x4_t y = vaddq_f32(vmulq_f32(x, scale), offset);
  if (kClamp) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const float32x4_t one = vdupq_n_f32(1.0f);
    y = vbslq_f32(vcltq_f32(y, zero), zero, y);
    y = vbslq_f32(vcgtq_f32(y, one), one, y);
  }
  return y;
}

template <bool kClamp>
void uniform(const float* src, float* dst, size_t count, float scale, float offset) {
  const float32x4_t s = vdupq_n_f32(scale);
  const float32x4_t o = vdupq_n_f32(offset);
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    vst1q_f32(dst + i, affine4<kClamp>(vld1q_f32(src + i), s, o));
    vst1q_f32(dst + i + 4, affine4<kClamp>(vld1q_f32(src + i + 4), s, o));
  }
  for (; i + 4 <= count; i += 4) vst1q_f32(dst + i, affine4<kClamp>(vld1q_f32(src + i), s, o));
  affine_uniform_scalar(src + i, dst + i, count - i, scale, offset, kClamp);
}

// Up to this many channels, four frames (4 * channels floats, whole vectors) share one
// lane pattern of scale/offset built on the stack.
constexpr size_t kMaxPatternChannels = 16;

template <bool kClamp>
void channels_neon(float* data, size_t frames, size_t channels, const float* scale,
                   const float* offset) {
  size_t f = 0;
  if (channels <= kMaxPatternChannels) {
    float scale_pattern[4 * kMaxPatternChannels];
    float offset_pattern[4 * kMaxPatternChannels];
    for (size_t i = 0; i < 4 * channels; ++i) {
      scale_pattern[i] = scale[i % channels];
      offset_pattern[i] = offset[i % channels];
    }
    for (; f + 4 <= frames; f += 4) {
      float* block = data + f * channels;
      for (size_t v = 0; v < channels; ++v) {
        vst1q_f32(block + 4 * v,
                  affine4<kClamp>(vld1q_f32(block + 4 * v), vld1q_f32(scale_pattern + 4 * v),
                                  vld1q_f32(offset_pattern + 4 * v)));
      }
    }
  } else {
    for (; f < frames; ++f) {
      float* frame = data + f * channels;
      size_t c = 0;
      for (; c + 4 <= channels; c += 4) {
        vst1q_f32(frame + c, affine4<kClamp>(vld1q_f32(frame + c), vld1q_f32(scale + c),
                                             vld1q_f32(offset + c)));
      }
      for (; c < channels; ++c) {
        const float y = frame[c] * scale[c] + offset[c];
        frame[c] = kClamp ? clamp01(y) : y;
      }
    }
  }
  affine_channels_scalar(data + f * channels, frames - f, channels, scale, offset, kClamp);
}
}  // namespace

void affine_uniform_neon(const float* src, float* dst, size_t count, float scale, float offset,
                         bool clamp) {
  if (clamp) {
    uniform<true>(src, dst, count, scale, offset);
  } else {
    uniform<false>(src, dst, count, scale, offset);
  }
}

void affine_channels_neon(float* data, size_t frames, size_t channels, const float* scale,
                          const float* offset, bool clamp) {
  if (clamp) {
    channels_neon<true>(data, frames, channels, scale, offset);
  } else {
    channels_neon<false>(data, frames, channels, scale, offset);
  }
}

#endif  // EDGE_SIGNAL_NEON

}  // namespace edge::signal::detail
