#include "signal/spectrum_params.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace edge {
namespace {

std::string check_even(const params::Value& v) {
  return v.i % 2 ? std::to_string(v.i) + " is odd" : std::string();
}

int samples(int explicit_samples, double seconds, int rate, const char* name) {
  if (explicit_samples > 0) return explicit_samples;
  const double n = std::round(seconds * rate);
  if (!(n >= 1 && n <= kSpectrumMaxSamples))  // also catches NaN
    throw Error(msg(name, "=", seconds, " s at ", rate, " Hz is ", n, " samples; expected 1..",
                    kSpectrumMaxSamples));
  return static_cast<int>(n);
}

}  // namespace

SpectrumConfig spectrum_config(const SpectrumSettings& s, int rate) {
  SpectrumConfig c;
  c.sample_rate = rate;
  c.frame_size = samples(s.frame_samples, s.frame_seconds, rate, "frame-size");
  c.hop_size = samples(s.hop_samples, s.hop_seconds, rate, "hop-size");
  c.n_fft = s.n_fft;
  c.window = s.window;
  c.center = s.center;
  c.mode = s.mode;
  c.mel_bands = s.mel_bands;
  c.fmin = s.fmin;
  c.fmax = s.fmax;
  c.mel_scale = s.mel_scale;
  c.mel_norm = s.mel_norm;
  c.log_scale = s.log_scale;
  c.top_db = static_cast<float>(s.top_db);
  c.db_reference = s.db_reference;
  c.log_offset = static_cast<float>(s.log_offset);
  c.n_mfcc = s.n_mfcc;
  return c;
}

const params::Table& spectrum_params() {
  static const params::Table table = [] {
    using S = SpectrumSettings;
    constexpr int kMax = kSpectrumMaxSamples;
    params::TableBuilder<S> b(
        "edgespectrum",
        "Magnitude/power spectrogram, log-mel and MFCC frames of mono audio (KissFFT)");
    b.choice("mode", "Mode", "What each frame holds", &S::mode, "GstEdgeSpectrumMode",
             {{int(SpectrumMode::kMagnitude), "magnitude", "Magnitude spectrogram |X|"},
              {int(SpectrumMode::kPower), "power", "Power spectrogram |X|^2"},
              {int(SpectrumMode::kLogMel), "logmel", "Log-mel spectrogram"},
              {int(SpectrumMode::kMfcc), "mfcc", "MFCC (DCT-II orthonormal of log-mel)"}});
    b.number("frame-size", "Frame size",
             "Frame (analysis window) length in seconds; frame-size-samples overrides it",
             &S::frame_seconds, 1e-6, 60.0);
    b.number("frame-size-samples", "Frame size in samples",
             "Frame length in samples (0: use frame-size in seconds)", &S::frame_samples, 0, kMax);
    b.number("hop-size", "Hop size", "Seconds between frame starts; hop-size-samples overrides it",
             &S::hop_seconds, 1e-6, 60.0);
    b.number("hop-size-samples", "Hop size in samples",
             "Samples between frame starts (0: use hop-size in seconds)", &S::hop_samples, 0, kMax);
    b.number("n-fft", "FFT size",
             "FFT length in samples, even and >= the frame (zero padded); 0: the next power of "
             "two. Powers of two are fastest",
             &S::n_fft, 0, kMax)
        .check(check_even, "even");
    b.choice("window", "Window function", "Window applied to each frame (periodic)", &S::window,
             "GstEdgeSpectrumWindow",
             {{int(WindowFunction::kHann), "hann", "Periodic Hann"},
              {int(WindowFunction::kHamming), "hamming", "Periodic Hamming"},
              {int(WindowFunction::kRectangular), "rect", "Rectangular (none)"}});
    b.choice("center", "Centre padding",
             "Padding of each tensor window so frame t is centred on sample t*hop (tensor input "
             "only; audio streams are never padded)",
             &S::center, "GstEdgeSpectrumCenter",
             {{int(CenterPadding::kNone), "none", "No padding: frames start at sample 0"},
              {int(CenterPadding::kReflect), "reflect",
               "Pad frame/2 mirrored samples each side (librosa center=True)"},
              {int(CenterPadding::kConstant), "constant", "Pad frame/2 zeros each side"}});
    b.number("mel-bands", "Mel bands", "Number of mel filters (logmel, mfcc)", &S::mel_bands, 1,
             4096);
    b.number("fmin", "Lowest frequency", "Lower edge of the first mel filter, Hz", &S::fmin, 0.0,
             1e6);
    b.number("fmax", "Highest frequency",
             "Upper edge of the last mel filter, Hz (0: sample rate / 2)", &S::fmax, 0.0, 1e6);
    b.choice("mel-scale", "Mel scale", "Hz to mel conversion", &S::mel_scale,
             "GstEdgeSpectrumMelScale",
             {{int(MelScale::kSlaney), "slaney", "Slaney (linear below 1 kHz, log above)"},
              {int(MelScale::kHtk), "htk", "HTK 2595 log10(1 + f/700)"}});
    b.choice("mel-norm", "Mel filter normalisation", "Scaling of each mel filter", &S::mel_norm,
             "GstEdgeSpectrumMelNorm",
             {{int(MelNorm::kSlaney), "slaney", "Equal-area filters (librosa norm=slaney)"},
              {int(MelNorm::kNone), "none", "Filters peak at 1"}});
    b.choice("log-scale", "Log scale", "Logarithm applied to the mel energies", &S::log_scale,
             "GstEdgeSpectrumLogScale",
             {{int(LogScale::kDecibel), "db",
               "10 log10(max(1e-10, mel)), clamped top-db below the peak (librosa power_to_db)"},
              {int(LogScale::kNatural), "natural", "ln(mel + log-offset)"}});
    b.number("top-db", "Top dB",
             "log-scale=db: raise values to at least (peak - top-db) dB over each output "
             "tensor; 0: no clamp",
             &S::top_db, 0.0, 1000.0);
    b.choice("db-reference", "dB reference",
             "log-scale=db: the level of 0 dB: power 1, or the peak of each output tensor "
             "(every value then <= 0, the recording level drops out)",
             &S::db_reference, "GstEdgeSpectrumDbReference",
             {{int(DbReference::kOne), "one", "0 dB is a power of 1 (librosa power_to_db ref=1)"},
              {int(DbReference::kPeak), "peak",
               "0 dB is each output's loudest value (librosa power_to_db ref=np.max)"}});
    b.number("log-offset", "Log offset", "log-scale=natural: added to the mel energy before ln()",
             &S::log_offset, 1e-30, 1e6);
    b.number("n-mfcc", "MFCC coefficients",
             "Number of MFCC coefficients kept (mode=mfcc), at most mel-bands", &S::n_mfcc, 1,
             4096);
    b.number("sample-rate", "Sample rate",
             "Sample rate of other/tensors input in Hz (tensor caps do not carry it; audio caps "
             "do and override it)",
             &S::sample_rate, 1, std::numeric_limits<int32_t>::max());
    b.number("patch-frames", "Frames per patch",
             "Audio input: frames per output tensor (49: 1 s of 20 ms hops, as micro_speech)",
             &S::patch_frames, 1, 1 << 20);
    b.number("patch-hop", "Frames between patches",
             "Audio input: new frames between output tensors (0: patch-frames, back to back; "
             "fewer: overlapping)",
             &S::patch_hop, 0, 1 << 20);
    b.boolean("mixdown", "Mix down",
              "Average multi-channel input to mono (otherwise it is refused)", &S::mixdown);
    return b.build();
  }();
  return table;
}

}  // namespace edge
