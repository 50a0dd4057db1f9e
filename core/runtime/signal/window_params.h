// edgewindow's parameters (declared once, see params/params.h) and the windower they make.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "params/params.h"
#include "signal/window.h"

namespace edge::signal {

enum class WindowMode { kSliding, kTriggered };

// edgewindow's settings; the defaults are the declared defaults.
struct WindowSettings {
  WindowMode mode = WindowMode::kSliding;
  double size = 1.0;          // seconds
  double hop = 0.5;           // seconds
  uint32_t size_samples = 0;  // > 0 overrides size
  uint32_t hop_samples = 0;   // > 0 overrides hop
  TailPolicy tail = TailPolicy::kPad;
  uint32_t length = 30;          // the paper's sketch: 30 samples per gesture
  double threshold = 2.5;        // g, summed |aX|+|aY|+|aZ| as in the sketch
  std::string trigger_channels;  // "" = all
  uint32_t pre_trigger = 0;
  TriggerMeasure trigger_measure = TriggerMeasure::kSumAbs;
};

const params::Table& window_params();

// "0,1,2" -> {0, 1, 2}; "" (or blanks) -> {} (all channels). Throws edge::Error naming
// trigger-channels and the offending entry.
std::vector<int> parse_trigger_channels(const std::string& text);

// The windower `settings` describe for `channels` interleaved channels at `rate` frames per
// second: seconds rounded to whole frames (size-samples and hop-samples override them).
// Throws edge::Error with a message for a person (a window shorter than a frame, ...).
std::unique_ptr<Windower> make_windower(const WindowSettings& settings, int channels, int rate);

}  // namespace edge::signal
