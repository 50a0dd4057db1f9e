// edgeimusrc's parameters (declared once, see params/params.h) and counters.
#pragma once

#include <cstdint>
#include <string>

#include "params/params.h"

namespace edge::io {

enum class TimestampMode {
  kNominal,  // first arrival after (re)connect + n / rate (recordings: n / rate)
  kArrival,  // the running time when the line was read (live only)
};

enum class OnDisconnect {
  kReconnect,  // reopen with exponential backoff, resume with a discontinuity and a new clip
  kEos,        // end the stream (a device missing at start is an error)
};

// edgeimusrc's settings; the defaults are the declared defaults.
struct ImuSourceSettings {
  std::string device;    // serial port (live); exclusive with location
  std::string location;  // recorded CSV file (not live)
  int32_t baud = 115200;
  int32_t channels = 0;  // 0: from the header or the first good line
  TimestampMode timestamp_mode = TimestampMode::kNominal;
  uint32_t rate = 100;  // nominal frames per second
  OnDisconnect on_disconnect = OnDisconnect::kReconnect;
  uint32_t reconnect_initial_ms = 100;
  uint32_t reconnect_max_ms = 5000;
  uint32_t frames_per_buffer = 1;
  uint32_t max_line_length = 1024;
  bool separators_as_clips = false;
  bool realtime = false;  // pace a recording at the nominal rate
  std::string label;      // class label of every clip; empty: unknown
};

// edgeimusrc's counters since start, published by the reading thread (params::publish) and
// read from any thread.
struct ImuSourceStatistics {
  uint64_t lines = 0;  // every line: good, bad, headers, blank
  uint64_t bad_lines = 0;
  uint64_t frames = 0;  // good sample lines
  uint64_t headers = 0;
  uint64_t separators = 0;
  double measured_rate = 0.0;  // frames per second over the last second (live)
  uint32_t reconnects = 0;     // successful reopenings of the device
};

const params::Table& imu_source_params();

}  // namespace edge::io
