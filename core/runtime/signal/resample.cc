#include "signal/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "common/error.h"
#include "signal/resample_kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace edge::signal {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kMaxCoefficients = int64_t{16} << 20;

// Modified Bessel function of the first kind, order 0 (power series; the Kaiser window's
// arguments stay below 30, where 60 terms reach double precision).
double bessel_i0(double x) {
  const double q = x * x / 4.0;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// Kaiser's formulas (Oppenheim & Schafer 7.6): beta from the attenuation, and the filter
// order for a transition of `width` (fraction of the Nyquist frequency).
double kaiser_beta(double attenuation_db) {
  if (attenuation_db > 50.0) return 0.1102 * (attenuation_db - 8.7);
  if (attenuation_db >= 21.0)
    return 0.5842 * std::pow(attenuation_db - 21.0, 0.4) + 0.07886 * (attenuation_db - 21.0);
  return 0.0;
}

double kaiser_order(double attenuation_db, double width) {
  return (attenuation_db - 7.95) / (2.285 * kPi * width);
}

ResampleKernel pick_kernel(ResampleKernel wanted) {
  if (wanted != ResampleKernel::kAuto) return wanted;
  if (detail::avx512_block_kernel()) return ResampleKernel::kAvx512;
  if (detail::avx2_block_kernel()) return ResampleKernel::kAvx2;
  if (detail::neon_block_kernel()) return ResampleKernel::kNeon;
  return ResampleKernel::kReference;
}

detail::BlockKernel block_kernel(ResampleKernel kernel) {
  switch (kernel) {
    case ResampleKernel::kAvx2:
      return detail::avx2_block_kernel();
    case ResampleKernel::kAvx512:
      return detail::avx512_block_kernel();
    case ResampleKernel::kNeon:
      return detail::neon_block_kernel();
    default:
      return nullptr;
  }
}

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

}  // namespace

const char* resample_kernel_name(ResampleKernel kernel) {
  switch (kernel) {
    case ResampleKernel::kAuto:
      return "auto";
    case ResampleKernel::kReference:
      return "reference";
    case ResampleKernel::kAvx2:
      return "avx2";
    case ResampleKernel::kAvx512:
      return "avx512";
    case ResampleKernel::kNeon:
      return "neon";
  }
  return "unknown";
}

bool resample_kernel_supported(ResampleKernel kernel) {
  if (kernel == ResampleKernel::kAuto || kernel == ResampleKernel::kReference) return true;
  return block_kernel(kernel) != nullptr;
}

Resampler::Resampler(int in_rate, int out_rate, int channels, const ResampleFilter& filter,
                     ResampleKernel kernel)
    : in_rate_(in_rate), out_rate_(out_rate), channels_(channels), filter_(filter) {
  if (in_rate < 1 || in_rate > kMaxRate)
    throw Error(msg("resampler: input rate ", in_rate, " Hz is outside 1..", kMaxRate, " Hz"));
  if (out_rate < 1 || out_rate > kMaxRate)
    throw Error(msg("resampler: output rate ", out_rate, " Hz is outside 1..", kMaxRate, " Hz"));
  if (channels < 1 || channels > kMaxChannels)
    throw Error(msg("resampler: ", channels, " channels is outside 1..", kMaxChannels));
  if (!(filter.passband > 0.0 && filter.passband < filter.stopband && filter.stopband <= 1.0))
    throw Error(msg("resampler: filter passband ", filter.passband, " and stopband ",
                    filter.stopband,
                    " must satisfy 0 < passband < stopband <= 1 (fractions of the lower Nyquist "
                    "frequency)"));
  if (!(filter.attenuation_db >= 40.0 && filter.attenuation_db <= 200.0))
    throw Error(
        msg("resampler: filter attenuation ", filter.attenuation_db, " dB is outside 40..200 dB"));
  if (!resample_kernel_supported(kernel))
    throw Error(
        msg("resampler: the ", resample_kernel_name(kernel), " kernel does not run on this CPU"));
  kernel_ = pick_kernel(kernel);
  lanes_ = kernel_ == ResampleKernel::kAvx512 ? detail::kWideBlockLanes : detail::kBlockLanes;

  const int common = std::gcd(in_rate, out_rate);
  up_ = out_rate / common;
  down_ = in_rate / common;
  if (up_ == 1 && down_ == 1) return;  // equal rates: a copy
  if (up_ > kMaxPhases)
    throw Error(msg("resampler: ", in_rate, " Hz -> ", out_rate, " Hz reduces to ", up_, "/", down_,
                    ", which needs ", up_, " filter phases (at most ", kMaxPhases,
                    "); resample from or to a standard rate"));

  // The filter, in input samples: cutoff and length scale with the lower rate.
  const double scale = std::min(1.0, static_cast<double>(up_) / down_);
  const double order =
      kaiser_order(filter.attenuation_db, filter.stopband - filter.passband) / scale;
  const double taps_wanted = std::ceil(order);
  if (taps_wanted * up_ > static_cast<double>(kMaxCoefficients))
    throw Error(msg("resampler: ", in_rate, " Hz -> ", out_rate, " Hz with this filter needs ",
                    taps_wanted, " taps x ", up_, " phases, more than ", kMaxCoefficients,
                    " coefficients"));
  taps_ = static_cast<int>(taps_wanted);
  taps_ += taps_ % 2;  // even: as many taps before the output time as after
  const double cutoff = scale * (filter.passband + filter.stopband) / 2.0;  // of input Nyquist
  const double beta = kaiser_beta(filter.attenuation_db);
  const double window_norm = 1.0 / bessel_i0(beta);
  const double half = taps_ / 2.0;

  phases_.assign(static_cast<size_t>(up_) * taps_, 0.0f);
  std::vector<double> h(static_cast<size_t>(taps_));
  for (int r = 0; r < up_; ++r) {
    const double frac = static_cast<double>(r) / up_;
    double sum = 0.0;
    for (int j = 0; j < taps_; ++j) {
      const double u = frac + half - 1.0 - j;  // output time minus input time, in inputs
      const double arg = cutoff * u;
      const double sinc = arg == 0.0 ? 1.0 : std::sin(kPi * arg) / (kPi * arg);
      const double w = u / half;
      const double window = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - w * w))) * window_norm;
      h[static_cast<size_t>(j)] = cutoff * sinc * window;
      sum += h[static_cast<size_t>(j)];
    }
    float* dst = &phases_[static_cast<size_t>(r) * taps_];
    for (int j = 0; j < taps_; ++j) dst[j] = static_cast<float>(h[static_cast<size_t>(j)] / sum);
  }

  // Block patterns: G = L / gcd(L, lanes) distinct phase sequences of `lanes` consecutive outputs.
  patterns_ = up_ / std::gcd(up_, lanes_);
  const int64_t period_outputs = static_cast<int64_t>(patterns_) * lanes_;
  period_inputs_ = period_outputs / up_ * down_;
  block_base_.resize(static_cast<size_t>(patterns_));
  std::vector<int> offsets(static_cast<size_t>(patterns_) * lanes_);
  int widest = 0;
  for (int g = 0; g < patterns_; ++g) {
    const int64_t first = static_cast<int64_t>(g) * lanes_;
    const int64_t q0 = first * down_ / up_;
    block_base_[static_cast<size_t>(g)] = q0 - taps_ / 2 + 1;
    for (int lane = 0; lane < lanes_; ++lane) {
      const int off = static_cast<int>((first + lane) * down_ / up_ - q0);
      offsets[static_cast<size_t>(g) * lanes_ + lane] = off;
      widest = std::max(widest, off);
    }
  }
  block_taps_ = (taps_ + widest + 3) / 4 * 4;
  if (kernel_ != ResampleKernel::kReference) {
    blocks_.assign(static_cast<size_t>(patterns_) * block_taps_ * lanes_, 0.0f);
    for (int g = 0; g < patterns_; ++g) {
      for (int lane = 0; lane < lanes_; ++lane) {
        const int64_t k = static_cast<int64_t>(g) * lanes_ + lane;
        const int r = static_cast<int>(k * down_ % up_);
        const int off = offsets[static_cast<size_t>(g) * lanes_ + lane];
        for (int j = 0; j < taps_; ++j)
          blocks_[(static_cast<size_t>(g) * block_taps_ + off + j) * lanes_ + lane] =
              phases_[static_cast<size_t>(r) * taps_ + j];
      }
    }
  }

  // History: what the next block needs (< T + the inputs of one block) plus a chunk.
  history_capacity_ = kChunkFrames + static_cast<size_t>(block_taps_) +
                      static_cast<size_t>(lanes_ * down_ / up_) + 2 * lanes_;
  history_.assign(static_cast<size_t>(channels_), std::vector<float>(history_capacity_, 0.0f));
  const size_t max_blocks = (history_capacity_ * up_ / down_) / lanes_ + 2;
  scratch_.assign(max_blocks * lanes_ * static_cast<size_t>(channels_), 0.0f);
  reset();
}

Resampler::~Resampler() = default;

int64_t Resampler::output_frames(int64_t in_frames) const {
  if (in_frames <= 0) return 0;
  return (in_frames * up_ + down_ - 1) / down_;
}

int64_t Resampler::latency_frames() const {
  if (taps_ == 0) return 0;
  return block_taps_ - taps_ / 2 + (static_cast<int64_t>(lanes_) * down_ + up_ - 1) / up_;
}

size_t Resampler::max_output(size_t frames) const {
  if (taps_ == 0) return frames;
  // Every block not computed yet lacks an input: `frames` more complete at most
  // (frames + 1) L / 8M + 1 of them, and the clip's end leaves fewer than (T + 2) L / M
  // frames (see ready_blocks()). One bound for both, with room for rounding.
  const size_t inputs = frames + static_cast<size_t>(block_taps_) + 2;
  return inputs * static_cast<size_t>(up_) / static_cast<size_t>(down_) + 2 * lanes_;
}

const float* Resampler::phase(int r) const {
  if (taps_ == 0 || r < 0 || r >= up_) return nullptr;
  return &phases_[static_cast<size_t>(r) * taps_];
}

void Resampler::reset() {
  clip_frames_ = 0;
  next_block_ = 0;
  rebased_blocks_ = 0;
  if (taps_ == 0) return;
  // Block 0 starts its window taps/2 - 1 inputs before the clip: zeros.
  origin_ = block_base_[0];
  fill_end_ = 0;
  for (auto& h : history_) std::fill(h.begin(), h.begin() + (fill_end_ - origin_), 0.0f);
}

void Resampler::feed(const float* in, size_t frames) {
  const size_t at = static_cast<size_t>(fill_end_ - origin_);
  if (!in) {
    for (auto& h : history_) std::fill(h.begin() + at, h.begin() + at + frames, 0.0f);
  } else if (channels_ == 1) {
    std::memcpy(history_[0].data() + at, in, frames * sizeof(float));
  } else {
    for (int c = 0; c < channels_; ++c) {
      float* dst = history_[static_cast<size_t>(c)].data() + at;
      const float* src = in + c;
      for (size_t f = 0; f < frames; ++f) dst[f] = src[f * static_cast<size_t>(channels_)];
    }
  }
  fill_end_ += static_cast<int64_t>(frames);
}

int64_t Resampler::ready_blocks() const {
  // Block b reads inputs floor(lanes b M / L) - N/2 + 1 ... + T - 1: all of them are in the
  // history when floor(lanes b M / L) <= fill_end - T + N/2 - 1 = R.
  const int64_t ready = fill_end_ - block_taps_ + taps_ / 2 - 1;
  if (ready < 0) return 0;
  const int64_t per_block = static_cast<int64_t>(lanes_) * down_;
  return ((ready + 1) * up_ + per_block - 1) / per_block;
}

size_t Resampler::emit(int64_t block_end, int64_t frame_end, float* out) {
  if (block_end <= next_block_) return 0;
  const int64_t first_frame = next_block_ * lanes_;
  const int64_t end_frame = std::min(block_end * lanes_, frame_end);
  const size_t frames = static_cast<size_t>(end_frame - first_frame);
  const size_t stride = scratch_.size() / static_cast<size_t>(channels_);
  const detail::BlockKernel simd = block_kernel(kernel_);
  // Mono output in whole blocks needs no interleaving: the blocks go straight to `out`.
  const bool direct =
      channels_ == 1 && frames == static_cast<size_t>(block_end - next_block_) * lanes_;
  for (int c = 0; c < channels_; ++c) {
    const float* x = history_[static_cast<size_t>(c)].data();
    float* dst = direct ? out : scratch_.data() + static_cast<size_t>(c) * stride;
    if (simd) {
      const detail::BlockPlan plan{blocks_.data(), block_base_.data(), patterns_, block_taps_,
                                   period_inputs_};
      simd(plan, x, origin_, next_block_, block_end, dst);
    } else {
      // The reference: each output on its own, std::fma in tap order from +0.
      for (int64_t k = first_frame; k < block_end * lanes_; ++k) {
        const int64_t q = k * down_ / up_;
        const int r = static_cast<int>(k * down_ % up_);
        const float* taps = &phases_[static_cast<size_t>(r) * taps_];
        const float* xs = x + (q - taps_ / 2 + 1 - origin_);
        float acc = 0.0f;
        for (int j = 0; j < taps_; ++j) acc = std::fma(xs[j], taps[j], acc);
        dst[k - first_frame] = acc;
      }
    }
  }
  if (direct) {
    // Already in `out`.
  } else if (channels_ == 1) {
    std::memcpy(out, scratch_.data(), frames * sizeof(float));
  } else {
    for (int c = 0; c < channels_; ++c) {
      const float* src = scratch_.data() + static_cast<size_t>(c) * stride;
      for (size_t f = 0; f < frames; ++f) out[f * static_cast<size_t>(channels_) + c] = src[f];
    }
  }
  next_block_ = block_end;
  return frames;
}

void Resampler::compact() {
  // Keep from the next block's first input on.
  const int64_t keep_from = floor_div(next_block_ * lanes_ * down_, up_) - taps_ / 2 + 1;
  const int64_t drop = keep_from - origin_;
  if (drop <= 0) return;
  const size_t kept = static_cast<size_t>(std::max<int64_t>(0, fill_end_ - keep_from));
  for (auto& h : history_) std::memmove(h.data(), h.data() + drop, kept * sizeof(float));
  origin_ = keep_from;
  if (fill_end_ < origin_) fill_end_ = origin_;
  // Count blocks from the latest whole period, so that the indices of an endless live stream
  // stay small (the phase pattern repeats every G blocks and period_inputs inputs).
  const int64_t periods = next_block_ / patterns_;
  if (periods > 0) {
    next_block_ -= periods * patterns_;
    rebased_blocks_ += periods * patterns_;
    origin_ -= periods * period_inputs_;
    fill_end_ -= periods * period_inputs_;
  }
}

size_t Resampler::process(const float* in, size_t frames, float* out) {
  if (taps_ == 0) {
    std::memcpy(out, in, frames * static_cast<size_t>(channels_) * sizeof(float));
    clip_frames_ += static_cast<int64_t>(frames);
    return frames;
  }
  size_t written = 0;
  while (frames > 0) {
    const size_t room = history_capacity_ - static_cast<size_t>(fill_end_ - origin_);
    const size_t n = std::min(frames, room);
    feed(in, n);
    clip_frames_ += static_cast<int64_t>(n);
    in += n * static_cast<size_t>(channels_);
    frames -= n;
    written += emit(ready_blocks(), INT64_MAX, out + written * static_cast<size_t>(channels_));
    compact();
  }
  return written;
}

size_t Resampler::finish(float* out) {
  if (taps_ == 0) {
    reset();
    return 0;
  }
  const int64_t total = output_frames(clip_frames_);
  const int64_t blocks = (total + lanes_ - 1) / lanes_;
  size_t written = 0;
  while (next_block_ + rebased_blocks_ < blocks) {
    // Block numbers and frames relative to the last rebase (compact() may move it).
    const int64_t last = blocks - rebased_blocks_;
    // Zeros after the clip, up to the last input the last block reads.
    const int64_t needed =
        floor_div((last - 1) * lanes_ * down_, up_) - taps_ / 2 + 1 + block_taps_;
    const size_t room = history_capacity_ - static_cast<size_t>(fill_end_ - origin_);
    const int64_t zeros = std::min<int64_t>(needed - fill_end_, static_cast<int64_t>(room));
    if (zeros > 0) feed(nullptr, static_cast<size_t>(zeros));
    written += emit(std::min(ready_blocks(), last), total - rebased_blocks_ * lanes_,
                    out + written * static_cast<size_t>(channels_));
    compact();
  }
  reset();
  return written;
}

ClipConverter::ClipConverter(int out_rate, int out_channels, const ResampleFilter& filter)
    : out_rate_(out_rate), out_channels_(out_channels), filter_(filter) {
  if (out_rate < 0 || out_rate > Resampler::kMaxRate)
    throw Error(msg("rate ", out_rate, " Hz is outside 0..", Resampler::kMaxRate,
                    " (0 keeps each clip's rate)"));
  if (out_channels != 0 && out_channels != 1)
    throw Error(msg("channels ", out_channels,
                    ": only 0 (keep each clip's channels) and 1 (mix down to mono) are supported"));
}

ClipConverter::~ClipConverter() = default;

void ClipConverter::begin(int rate, int channels) {
  if (channels < 1 || channels > Resampler::kMaxChannels)
    throw Error(msg(channels, " channels is outside 1..", Resampler::kMaxChannels));
  in_rate_ = rate;
  in_channels_ = channels;
  resampler_ = nullptr;
  const int out_rate = this->rate();
  if (out_rate != rate) {
    std::unique_ptr<Resampler>& r = resamplers_[{rate, this->channels()}];
    if (!r) r = std::make_unique<Resampler>(rate, out_rate, this->channels(), filter_);
    r->reset();
    resampler_ = r.get();
  }
  if (out_channels_ == 1 && channels > 1 && mixed_.empty()) mixed_.resize(Resampler::kChunkFrames);
}

int64_t ClipConverter::output_frames(int64_t in_frames) const {
  return resampler_ ? resampler_->output_frames(in_frames) : std::max<int64_t>(0, in_frames);
}

size_t ClipConverter::max_output(size_t frames) const {
  if (!resampler_) return frames;
  return resampler_->max_output(frames) + resampler_->max_output(0);
}

namespace {
// The general mixdown loop's sums for two channels, ((0 + left) + right) * scale per frame
// (the 0 + makes -0.0 +0.0 as the general loop's start does), four frames per step where the
// CPU has SIMD: GCC did not vectorize the strided loads at -O2.
void mix_stereo(const float* in, size_t frames, float scale, float* out) {
  size_t f = 0;
#if defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps(), s = _mm_set1_ps(scale);
  for (; f + 4 <= frames; f += 4) {
    const __m128 a = _mm_loadu_ps(in + 2 * f), b = _mm_loadu_ps(in + 2 * f + 4);
    const __m128 left = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    const __m128 right = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    _mm_storeu_ps(out + f, _mm_mul_ps(_mm_add_ps(_mm_add_ps(zero, left), right), s));
  }
#elif defined(__ARM_NEON)
  const float32x4_t zero = vdupq_n_f32(0.0f), s = vdupq_n_f32(scale);
  for (; f + 4 <= frames; f += 4) {
    const float32x4x2_t lr = vld2q_f32(in + 2 * f);
    vst1q_f32(out + f, vmulq_f32(vaddq_f32(vaddq_f32(zero, lr.val[0]), lr.val[1]), s));
  }
#endif
  for (; f < frames; ++f) out[f] = ((0.0f + in[2 * f]) + in[2 * f + 1]) * scale;
}
}  // namespace

size_t ClipConverter::process(const float* in, size_t frames, float* out) {
  const size_t out_ch = static_cast<size_t>(channels());
  if (out_channels_ != 1 || in_channels_ == 1) {
    if (resampler_) return resampler_->process(in, frames, out);
    std::memcpy(out, in, frames * out_ch * sizeof(float));
    return frames;
  }
  // Mix down a chunk at a time: the mean of the channels, summed in channel order.
  const size_t in_ch = static_cast<size_t>(in_channels_);
  const float scale = 1.0f / static_cast<float>(in_channels_);
  size_t written = 0;
  while (frames > 0) {
    const size_t n = std::min(frames, mixed_.size());
    if (in_ch == 2) {
      mix_stereo(in, n, scale, mixed_.data());
    } else {
      for (size_t f = 0; f < n; ++f) {
        float sum = 0.0f;
        for (size_t c = 0; c < in_ch; ++c) sum += in[f * in_ch + c];
        mixed_[f] = sum * scale;
      }
    }
    if (resampler_) {
      written += resampler_->process(mixed_.data(), n, out + written);
    } else {
      std::memcpy(out + written, mixed_.data(), n * sizeof(float));
      written += n;
    }
    in += n * in_ch;
    frames -= n;
  }
  return written;
}

size_t ClipConverter::finish(float* out) { return resampler_ ? resampler_->finish(out) : 0; }

std::vector<float> resample_clip(const float* in, size_t frames, int channels, int in_rate,
                                 int out_rate, const ResampleFilter& filter,
                                 ResampleKernel kernel) {
  Resampler r(in_rate, out_rate, channels, filter, kernel);
  std::vector<float> out(static_cast<size_t>(r.output_frames(static_cast<int64_t>(frames))) *
                         static_cast<size_t>(channels));
  std::vector<float> buffer(r.max_output(Resampler::kChunkFrames) * static_cast<size_t>(channels));
  size_t done = 0;
  auto append = [&](size_t n) {
    std::copy(buffer.begin(), buffer.begin() + static_cast<long>(n * channels),
              out.begin() + static_cast<long>(done * channels));
    done += n;
  };
  for (size_t at = 0; at < frames; at += Resampler::kChunkFrames) {
    const size_t n = std::min(Resampler::kChunkFrames, frames - at);
    append(r.process(in + at * static_cast<size_t>(channels), n, buffer.data()));
  }
  append(r.finish(buffer.data()));
  return out;
}

}  // namespace edge::signal
