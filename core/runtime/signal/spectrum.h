// Short-time spectra of mono audio: magnitude and power spectrograms, log-mel
// and MFCC frames, computed with RealFft (KissFFT) as librosa and
// tf.signal define them. tests/golden/spectrum_golden.py is the reference.
//
// Per frame (frame_size samples, hop_size apart):
//   1. multiply by a periodic window of frame_size samples (scipy
//      get_window(name, frame_size, fftbins=True): hann, hamming, rectangular)
//   2. zero pad at the end to n_fft samples (n_fft >= frame_size; only the
//      phase would differ from centring the frame in n_fft, and phase is dropped)
//   3. real FFT, n_fft / 2 + 1 bins, unscaled (numpy.fft.rfft)
//   4. kMagnitude: |X|            kPower: |X|^2
//      kLogMel:    log of mel(|X|^2)   (librosa.feature.melspectrogram, power=2)
//      kMfcc:      first n_mfcc of DCT-II orthonormal of the log-mel frame
//                  (librosa.feature.mfcc, dct_type=2, norm="ortho")
// Log:
//   kDecibel  10 * log10(max(1e-10, mel)) (librosa.power_to_db, ref=1, amin=1e-10);
//             then, if top_db > 0, every value of one output (a whole signal
//             given to compute(), or one patch of SpectrogramStream) is raised
//             to at least (its maximum - top_db), before the DCT for MFCC;
//             with DbReference::kPeak every value then has that maximum
//             subtracted (librosa.power_to_db with ref=np.max): 0 dB at the
//             loudest bin, so recording level drops out of the features.
//   kNatural  ln(mel + log_offset) (TensorFlow's log-mel recipe); top_db unused.
//
// Centre padding (compute() only; a stream is framed from its first sample):
//   kNone      frame t covers samples [t*hop, t*hop + frame_size): frames =
//              1 + (n - frame_size) / hop, 0 if n < frame_size (tf.signal.stft;
//              librosa center=False differs when frame_size < n_fft because it
//              frames n_fft samples).
//   kReflect   the signal is extended by frame_size / 2 samples on each side,
//              mirrored without repeating the edge sample (numpy.pad "reflect";
//              a one-sample signal repeats), so frame t is centred on sample
//              t*hop: frames = 1 + n / hop for even frame_size. Identical to
//              librosa center=True, pad_mode="reflect" when n_fft - frame_size
//              is even.
//   kConstant  the same with zeros (librosa center=True, pad_mode="constant").
//   An empty signal gives no frames.
//
// Layout of every output: frames outermost, values innermost
// (out[t * bins() + k]), float32.
//
// Thread safety: a Spectrogram holds scratch buffers, so one instance serves
// one thread at a time; make one per thread. The constructor validates and
// precomputes everything (window, FFT plan, mel filterbank, DCT matrix,
// scratch); analyze_frame() and finish() never allocate, compute() allocates
// only when given more samples than reserve() prepared for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "signal/fft.h"
#include "signal/mel.h"

namespace edge {

enum class WindowFunction { kHann, kHamming, kRectangular };
// Periodic ("DFT-even") window of n samples: hann 0.5 - 0.5 cos(2 pi i / n),
// hamming 0.54 - 0.46 cos(2 pi i / n), rectangular 1. n = 1 gives {1}.
std::vector<float> make_window(WindowFunction function, int n);

enum class SpectrumMode { kMagnitude, kPower, kLogMel, kMfcc };
enum class CenterPadding { kNone, kReflect, kConstant };
enum class LogScale { kDecibel, kNatural };
enum class DbReference { kOne, kPeak };  // 0 dB: power 1, or each output's peak

struct SpectrumConfig {
  int sample_rate = 16000;  // Hz
  int frame_size = 480;     // samples per frame (30 ms at 16 kHz)
  int hop_size = 320;       // samples between frame starts (20 ms at 16 kHz)
  int n_fft = 0;            // FFT size, even, >= frame_size; 0: next power of two
  WindowFunction window = WindowFunction::kHann;
  CenterPadding center = CenterPadding::kNone;
  SpectrumMode mode = SpectrumMode::kLogMel;
  int mel_bands = 40;
  double fmin = 0.0;  // Hz
  double fmax = 0.0;  // Hz; 0: sample_rate / 2
  MelScale mel_scale = MelScale::kSlaney;
  MelNorm mel_norm = MelNorm::kSlaney;
  LogScale log_scale = LogScale::kDecibel;
  float top_db = 80.0f;      // dB below each output's peak to clamp at; 0: no clamp
  float log_offset = 1e-6f;  // added before ln() with LogScale::kNatural, > 0
  int n_mfcc = 13;           // MFCC coefficients, 1..mel_bands
  // LogScale::kDecibel: 0 dB is a power of 1, or the peak of each output.
  DbReference db_reference = DbReference::kOne;
};

// Frames a signal of n samples gives (see "Centre padding").
int64_t spectrum_frames(const SpectrumConfig& config, int64_t n);

class Spectrogram {
 public:
  // Validates config (throws edge::Error naming the parameter, with the
  // property names of edgespectrum: frame-size, hop-size, n-fft, mel-bands,
  // fmin, fmax, n-mfcc, top-db, log-offset) and precomputes everything.
  explicit Spectrogram(const SpectrumConfig& config);

  // The configuration with n_fft and fmax resolved.
  const SpectrumConfig& config() const { return config_; }
  // Output values per frame: n_fft/2 + 1, mel_bands or n_mfcc.
  int bins() const;
  // Values per frame after analyze_frame(): n_fft/2 + 1 or mel_bands.
  int stage_values() const;
  int64_t frames_for(int64_t n_samples) const { return spectrum_frames(config_, n_samples); }
  const MelFilterbank& filterbank() const { return mel_; }

  // Step 1 for one frame: frame_size samples in, stage_values() out: the
  // spectrum for kMagnitude/kPower, the log-mel frame (before top_db) for
  // kLogMel/kMfcc.
  void analyze_frame(const float* frame, float* stage);
  // Step 2 for a block of frames analysed one by one: applies top_db over the
  // whole block and the DCT. stage: frames x stage_values(), may be modified;
  // out: frames x bins(). For kMagnitude/kPower/kLogMel out may equal stage.
  void finish(float* stage, int64_t frames, float* out);

  // Whole signal: centre padding, every frame, finish().
  // out: frames_for(n) x bins() values.
  void compute(const float* samples, int64_t n, float* out);
  // Prepares compute() and compute_overlapping() for signals of up to n samples without
  // allocating.
  void reserve(int64_t n);

  // compute() for windows cut from one stream, where a window may overlap the previous one
  // given to compute_overlapping(): `shift` is how many samples later it starts (<= 0 when
  // unknown: nothing is reused). A frame whose samples lie, unpadded, in the part both windows
  // share takes the previous window's analysed values instead of being analysed again (half
  // the frames for windows overlapping by half), but only after the shared samples were
  // compared and found equal: the output is always compute()'s, bit for bit.
  void compute_overlapping(const float* samples, int64_t n, int64_t shift, float* out);
  // The next compute_overlapping() reuses nothing.
  void forget_previous() { previous_n_ = 0; }
  // Frames compute_overlapping() took from the previous window instead of analysing, in all.
  int64_t frames_reused() const { return frames_reused_; }

 private:
  // compute(), taking frame t from the previous window's frame t + frame_shift where both are
  // unpadded when frame_shift > 0 (the caller compared the shared samples); keep_stage keeps
  // this window's analysed frames for the next compute_overlapping().
  void compute_frames(const float* samples, int64_t n, float* out, int64_t frame_shift,
                      bool keep_stage);

  SpectrumConfig config_;
  RealFft fft_;
  MelFilterbank mel_;
  DctII dct_;
  std::vector<float> window_;
  std::vector<float> fft_in_;                 // n_fft, tail stays zero
  std::vector<std::complex<float>> fft_out_;  // n_fft/2 + 1
  std::vector<float> power_;                  // n_fft/2 + 1
  std::vector<float> frame_;                  // frame_size, centre-padded frames
  std::vector<float> clamped_;                // mel_bands, MFCC with top_db
  std::vector<float> stage_block_;            // compute() for MFCC
  // compute_overlapping(): the previous window's samples and analysed frames.
  std::vector<float> previous_samples_, previous_stage_;
  int64_t previous_n_ = 0;  // 0: none
  int64_t frames_reused_ = 0;
};

// A live mono stream cut into frames and grouped into patches of
// patch_frames frames, one every patch_hop frames (patch_hop == patch_frames:
// back to back; smaller: overlapping, e.g. a 1 s keyword-spotting view
// refreshed every 5 frames). Frame j starts at stream sample j * hop_size.
// No centre padding. Allocates only in the constructor.
class SpectrogramStream {
 public:
  // Throws edge::Error for a bad config or patch_frames / patch_hop < 1.
  SpectrogramStream(const SpectrumConfig& config, int patch_frames, int patch_hop);

  const Spectrogram& spectrogram() const { return spectrogram_; }
  int patch_frames() const { return patch_frames_; }
  int patch_hop() const { return patch_hop_; }
  // Values of one patch: patch_frames x bins.
  size_t patch_values() const;

  // Consumes samples until the end of the input or until a patch is ready,
  // whichever comes first; returns how many were consumed. Call again with
  // the rest after take().
  size_t push(const float* samples, size_t n);
  bool ready() const { return frames_until_ready_ == 0; }
  // Writes the ready patch (patch_values() floats) and returns the stream
  // sample index where its first frame starts. Only when ready().
  int64_t take(float* out);
  // Forgets buffered samples and frames; the next sample is stream sample 0.
  void reset();

 private:
  Spectrogram spectrogram_;
  int patch_frames_, patch_hop_;
  std::vector<float> samples_;  // frame_size: the frame being filled
  int filled_ = 0;              // samples in samples_
  int64_t skip_ = 0;            // samples to drop before the next frame (hop > frame)
  std::vector<float> ring_;     // patch_frames x stage_values, oldest at ring_head_
  int ring_head_ = 0;           // slot the next frame goes to
  int64_t frames_done_ = 0;     // frames analysed since reset
  int frames_until_ready_ = 0;
  std::vector<float> ordered_;  // one patch of stage values, oldest first
};

}  // namespace edge
