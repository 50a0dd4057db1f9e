// edgemicsrc's parameters (declared once, see params/params.h) and counters.
#pragma once

#include <cstdint>
#include <string>

#include "params/params.h"

namespace edge::signal {

enum class CaptureApi : int { kAuto = 0, kPulse = 1, kPipeWire = 2, kAlsa = 3 };
enum class OnDisconnect : int { kReconnect = 0, kError = 1 };

// edgemicsrc's settings; the defaults are the declared defaults.
struct CaptureSettings {
  CaptureApi api = CaptureApi::kAuto;
  std::string device;  // empty: the API's default
  OnDisconnect on_disconnect = OnDisconnect::kReconnect;
  uint32_t reconnect_initial_ms = 100;
  uint32_t reconnect_max_ms = 5000;
  uint32_t gap_tolerance_ms = 50;
  uint32_t silence_timeout_ms = 5000;  // 0: never
};

// edgemicsrc's counters, published as they change.
struct CaptureStatistics {
  uint32_t reconnects = 0;      // times the capture came back after a loss
  uint64_t gaps = 0;            // times audio was dropped
  uint64_t dropped_frames = 0;  // frames of audio dropped in all gaps
  double dropped_seconds = 0;   // the same in seconds
};

const params::Table& capture_params();

// Counts a gap of `frames` at `rate` frames per second (gaps, dropped frames and seconds),
// published for readers on other threads; one thread writes. Returns the gap in seconds.
double count_gap(CaptureStatistics* statistics, int64_t frames, int rate);

}  // namespace edge::signal
