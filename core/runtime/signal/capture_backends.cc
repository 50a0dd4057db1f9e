#include "signal/capture_backends.h"

#include "common/error.h"

namespace edge::signal {

namespace {

const CaptureBackend kBackends[] = {
    {CaptureApi::kPulse, "pulse", "PulseAudio", "pulsesrc", "gstreamer1.0-pulseaudio",
     "start PulseAudio (or PipeWire's pipewire-pulse), or check PULSE_SERVER"},
    {CaptureApi::kPipeWire, "pipewire", "PipeWire", "pipewiresrc", "gstreamer1.0-pipewire",
     "start pipewire and a session manager (wireplumber)"},
    {CaptureApi::kAlsa, "alsa", "ALSA", "alsasrc", "gstreamer1.0-alsa",
     "check the card and device (arecord -l, arecord -L)"},
};

}  // namespace

std::vector<const CaptureBackend*> capture_backends(CaptureApi api) {
  std::vector<const CaptureBackend*> out;
  for (const CaptureBackend& b : kBackends)
    if (api == CaptureApi::kAuto || api == b.api) out.push_back(&b);
  return out;
}

std::string describe_capture(const CaptureBackend& backend, const std::string& device,
                             const char* pulse_server) {
  std::string out = backend.what;
  if (!device.empty()) out += " device " + device;
  if (backend.api == CaptureApi::kPulse && pulse_server && *pulse_server)
    out += std::string(" (PULSE_SERVER=") + pulse_server + ")";
  return out;
}

const char* device_property(const CaptureBackend& backend, bool has_target_object) {
  if (backend.api != CaptureApi::kPipeWire) return "device";
  return has_target_object ? "target-object" : "path";
}

std::string why_invalid(const CaptureSettings& s) {
  if (s.reconnect_max_ms < s.reconnect_initial_ms)
    return msg("reconnect-max-ms=", s.reconnect_max_ms,
               " is below reconnect-initial-ms=", s.reconnect_initial_ms);
  if (s.api == CaptureApi::kAuto && !s.device.empty())
    return msg("device=", s.device,
               " needs api=pulse, pipewire or alsa (a device name means something else to "
               "each)");
  return "";
}

}  // namespace edge::signal
