#include "signal/window_params.h"

#include <cmath>
#include <limits>

#include "common/error.h"
#include "common/number_list.h"

namespace edge::signal {
namespace {

constexpr double kMaxSeconds = 3600.0;
constexpr uint32_t kMaxFrames = std::numeric_limits<int32_t>::max();

std::string check_trigger_channels(const params::Value& v) {
  try {
    parse_trigger_channels(v.s);
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

int64_t seconds_to_frames(double seconds, int rate) {
  return static_cast<int64_t>(std::llround(seconds * rate));
}

}  // namespace

std::vector<int> parse_trigger_channels(const std::string& text) {
  std::vector<int> out;
  if (text.find_first_not_of(" \t") == std::string::npos) return out;
  for (double v : parse_number_list(text, "trigger-channels")) {
    if (v < 0 || v > 65535 || v != std::floor(v))
      throw Error(msg("trigger-channels: \"", v, "\" is not a channel number (0, 1, ...)"));
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::unique_ptr<Windower> make_windower(const WindowSettings& s, int channels, int rate) {
  if (s.mode == WindowMode::kSliding) {
    SlidingWindowConfig c;
    c.channels = channels;
    c.size = s.size_samples ? s.size_samples : seconds_to_frames(s.size, rate);
    c.hop = s.hop_samples ? s.hop_samples : seconds_to_frames(s.hop, rate);
    c.tail = s.tail;
    if (c.size < 1) throw Error(msg("size=", s.size, " s is less than one frame at ", rate, " Hz"));
    if (c.hop < 1) throw Error(msg("hop=", s.hop, " s is less than one frame at ", rate, " Hz"));
    return std::make_unique<SlidingWindower>(c);
  }
  TriggeredWindowConfig c;
  c.channels = channels;
  c.length = s.length;
  c.pre_trigger = s.pre_trigger;
  c.threshold = s.threshold;
  c.trigger_channels = parse_trigger_channels(s.trigger_channels);
  c.measure = s.trigger_measure;
  c.tail = s.tail;
  return std::make_unique<TriggeredWindower>(c);
}

const params::Table& window_params() {
  static const params::Table table = [] {
    using S = WindowSettings;
    params::TableBuilder<S> b(
        "edgewindow",
        "Cuts interleaved audio or sensor frames into sliding or triggered float32 tensor "
        "windows");
    b.choice("mode", "Mode",
             "sliding: windows of size every hop; triggered: one window of length frames each "
             "time the magnitude reaches threshold",
             &S::mode, "GstEdgeWindowMode",
             {{int(WindowMode::kSliding), "sliding", "Windows of size every hop"},
              {int(WindowMode::kTriggered), "triggered",
               "A window of length when the magnitude reaches threshold"}});
    b.number("size", "Size (s)",
             "Sliding window length in seconds (rounded to whole frames); size-samples "
             "overrides it",
             &S::size, 1e-6, kMaxSeconds);
    b.number("hop", "Hop (s)",
             "Seconds between the starts of two sliding windows (rounded to whole frames); "
             "hop-samples overrides it",
             &S::hop, 1e-6, kMaxSeconds);
    b.number("size-samples", "Size (frames)",
             "Sliding window length in frames; 0 = use size (seconds)", &S::size_samples, 0,
             kMaxFrames);
    b.number("hop-samples", "Hop (frames)",
             "Frames between the starts of two sliding windows; 0 = use hop (seconds)",
             &S::hop_samples, 0, kMaxFrames);
    b.choice("tail", "Tail policy",
             "Last partial window of a clip: pad (zero-padded, only when it holds frames no "
             "full window covered) or drop",
             &S::tail, "GstEdgeWindowTail",
             {{int(TailPolicy::kPad), "pad", "Zero-pad the last partial window of a clip"},
              {int(TailPolicy::kDrop), "drop", "Drop the last partial window of a clip"}});
    b.number("length", "Length (frames)",
             "Triggered window length in frames, pre-trigger frames included", &S::length, 1,
             kMaxFrames);
    b.number("threshold", "Threshold",
             "Triggered mode: a window starts at the first frame whose magnitude "
             "(trigger-measure over trigger-channels, in the input's units, e.g. g) is >= "
             "threshold",
             &S::threshold, -std::numeric_limits<double>::max(),
             std::numeric_limits<double>::max());
    b.text("trigger-channels", "Trigger channels",
           "Comma-separated channel numbers (from 0) in the trigger magnitude, e.g. \"0,1,2\" "
           "for an IMU's accelerometer; empty = all channels",
           &S::trigger_channels)
        .check(check_trigger_channels, "comma-separated channel numbers such as 0,1,2");
    b.number("pre-trigger", "Pre-trigger (frames)",
             "Triggered mode: frames before the trigger frame kept at the start of the window "
             "(must be < length)",
             &S::pre_trigger, 0, kMaxFrames);
    b.choice("trigger-measure", "Trigger measure",
             "Magnitude compared with threshold: sum-abs (sum of |x|, as the paper's sketch) or "
             "euclidean (sqrt of the sum of squares)",
             &S::trigger_measure, "GstEdgeTriggerMeasure",
             {{int(TriggerMeasure::kSumAbs), "sum-abs",
               "Sum of absolute values (the paper's Arduino sketch)"},
              {int(TriggerMeasure::kEuclidean), "euclidean", "Euclidean norm"}});
    return b.build();
  }();
  return table;
}

}  // namespace edge::signal
