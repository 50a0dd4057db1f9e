// The sources of `edgestream classify --source`: the gst-launch words of the element that
// reads each form.
//   mic                    edgemicsrc (the profile's [audio] source and device, else
//                          api=auto: PulseAudio, PipeWire, ALSA, the first that opens)
//   mic:pulse[:SOURCE]     edgemicsrc api=pulse [device=SOURCE]
//   mic:pipewire[:TARGET]  edgemicsrc api=pipewire [device=TARGET]
//   mic:alsa[:DEVICE]      edgemicsrc api=alsa [device=DEVICE]; mic:DEVICE: the same (the
//                          ALSA form of earlier releases)
//   serial[:DEVICE]        edgeimusrc device= (the profile's device and baud when none given)
//   file:PATH              edgeimusrc location= for a .csv recording, else filesrc ! decodebin
// With end_on_disconnect a mic fails (on-disconnect=error) and a serial device ends (EOS)
// when it goes away; otherwise both reconnect with backoff.
//
// Thread safety: plain functions.
#pragma once

#include <string>
#include <vector>

#include "graph/profile.h"

namespace edge::cli {

enum class SourceKind { kAudio, kImu };

struct Source {
  SourceKind kind;
  std::vector<std::string> words;  // gst-launch words, the element first
};

// Throws edge::Error for a person: an unknown form, a missing or wrong device or file, a
// profile whose audio device has no API.
Source make_source(const std::string& spec, const graph::Profile* profile, bool end_on_disconnect);

}  // namespace edge::cli
