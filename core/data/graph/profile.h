// Edge board profiles (edge/profiles/<name>.toml): what `edgestream classify --profile NAME`
// needs to run a real-time graph on one board without further flags.
//
// File format (every table and key optional unless marked; unknown keys are errors so a typo
// does not silently fall back to a default):
//   [board]      name (required, = file name without .toml), description, arch
//   [audio]      source  GStreamer source element for the microphone (default autoaudiosrc)
//                device  ALSA device name given to the source's device= (e.g. "hw:1,0";
//                        empty: the element's default)
//   [serial]     device  IMU serial port (e.g. /dev/ttyACM0), baud (bit/s, default 9600)
//   [inference]  threads (1..64, default 1), kernels ("fast" or "ref", default fast; fast
//                uses the NEON variants on arm builds)
//   [clock]      governor (CPU frequency governor assumed, e.g. performance), cores (CPU cores
//                of the board), notes (free text: what the latency figures assume)
//
// Thread safety: plain values; functions are reentrant.
#pragma once

#include <string>

namespace edge::graph {

struct Profile {
  std::string name, description, arch;
  std::string audio_source = "autoaudiosrc";
  std::string audio_device;
  std::string serial_device;
  int baud = 9600;
  int threads = 1;
  std::string kernels = "fast";
  std::string governor;
  int cores = 0;
  std::string clock_notes;
};

// Parses profile text; throws edge::Error naming `origin` (and the line for TOML errors) on
// a missing board name, an unknown table or key, or a value out of range.
Profile parse_profile(const std::string& text, const std::string& origin);
// Reads and parses a file.
Profile load_profile(const std::string& path);

}  // namespace edge::graph
