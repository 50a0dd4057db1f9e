// The capture APIs edgemicsrc opens and how it opens them, without GStreamer: the factories
// are names here, the element makes them.
//
// capture_backends(api) lists what api= selects: for auto, PulseAudio, then PipeWire, then
// ALSA (the order in which a desktop or a board usually answers: pipewire-pulse serves
// PulseAudio clients too, and ALSA's default device is taken by a running server), else the
// one asked for. Each entry says what a person needs when it does not answer: the Debian
// package that has the factory and what to start or check.
#pragma once

#include <string>
#include <vector>

#include "signal/capture_params.h"

namespace edge::signal {

struct CaptureBackend {
  CaptureApi api;
  const char* name;     // api= value
  const char* what;     // for messages: "PulseAudio"
  const char* factory;  // GStreamer element
  const char* package;  // Debian package with the factory
  const char* hint;     // what to do when it does not answer
};

std::vector<const CaptureBackend*> capture_backends(CaptureApi api);

// "PulseAudio device mic (PULSE_SERVER=tcp:host)" for messages: the device when set, and for
// PulseAudio the server named by `pulse_server` ($PULSE_SERVER; null or empty: none).
std::string describe_capture(const CaptureBackend& backend, const std::string& device,
                             const char* pulse_server);

// The capture element's property that names `device`: "device" for pulsesrc and alsasrc;
// pipewiresrc's "target-object", or "path" on an older pipewiresrc without target-object
// (`has_target_object`).
const char* device_property(const CaptureBackend& backend, bool has_target_object);

// Why settings cannot open a capture, for a person ("" when they can): reconnect delays out
// of order, or a device without an api (a device name means something else to each).
std::string why_invalid(const CaptureSettings& settings);

}  // namespace edge::signal
