#include "tools/edgestream/classify_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include "common/error.h"
#include "graph/graph.h"
#include "io/serial_port.h"

namespace edge::cli {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The live audio source: edgemicsrc with an explicit API (or probing, never a silent
// fallback). `api` is pulse, pipewire, alsa or auto; `device` may be empty.
Source mic_source(const std::string& api, const std::string& device, bool end_on_disconnect) {
  Source s{SourceKind::kAudio, {"edgemicsrc"}};
  if (api != "auto") s.words.push_back("api=" + api);
  if (!device.empty()) s.words.push_back("device=" + device);
  if (end_on_disconnect) s.words.push_back("on-disconnect=error");
  return s;
}

// A profile's [audio] source: a capture element edgemicsrc wraps, or any other element.
Source profile_mic_source(const graph::Profile& profile, bool end_on_disconnect) {
  static const std::map<std::string, std::string> apis = {
      {"autoaudiosrc", "auto"},    {"edgemicsrc", "auto"},
      {"pulsesrc", "pulse"},       {"pulse", "pulse"},
      {"pipewiresrc", "pipewire"}, {"pipewire", "pipewire"},
      {"alsasrc", "alsa"},         {"alsa", "alsa"}};
  const auto api = apis.find(profile.audio_source);
  if (api != apis.end()) {
    if (api->second == "auto" && !profile.audio_device.empty())
      throw Error(msg("profile ", profile.name, ": [audio] device = \"", profile.audio_device,
                      "\" needs a source that says what it is: alsasrc, pulsesrc or pipewiresrc"));
    return mic_source(api->second, profile.audio_device, end_on_disconnect);
  }
  Source s{SourceKind::kAudio, {profile.audio_source}};
  if (!profile.audio_device.empty()) s.words.push_back("device=" + profile.audio_device);
  return s;
}

}  // namespace

Source make_source(const std::string& spec, const graph::Profile* profile, bool end_on_disconnect) {
  const size_t colon = spec.find(':');
  const std::string form = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (form == "mic") {
    if (colon == std::string::npos)
      return profile ? profile_mic_source(*profile, end_on_disconnect)
                     : mic_source("auto", "", end_on_disconnect);
    const size_t second = arg.find(':');
    const std::string api = arg.substr(0, second);
    const std::string device = second == std::string::npos ? "" : arg.substr(second + 1);
    if (api == "pulse" || api == "pipewire" || api == "alsa")
      return mic_source(api, device, end_on_disconnect);
    if (arg.empty())
      throw Error(
          "--source mic: needs an API after the colon: mic:pulse[:SOURCE], "
          "mic:pipewire[:TARGET] or mic:alsa:DEVICE (or plain mic)");
    // mic:plughw:1,0 - the ALSA name of the earlier releases.
    return mic_source("alsa", arg, end_on_disconnect);
  }
  if (form == "serial") {
    std::string device = arg;
    if (device.empty() && profile) device = profile->serial_device;
    if (device.empty())
      throw Error("--source serial needs a device: serial:/dev/ttyACM0 (or --profile NAME)");
    struct stat st;
    if (::stat(device.c_str(), &st) != 0)
      throw Error(msg("--source serial:", device, ": ", std::strerror(errno),
                      " (no such device; is the board plugged in? ls /dev/ttyACM* /dev/ttyUSB*)"));
    if (!S_ISCHR(st.st_mode))
      throw Error(msg("--source serial:", device,
                      ": not a character device (expected a serial port such as /dev/ttyACM0)"));
    io::require_terminal(device);  // /dev/null is a character device but no serial port
    Source s{SourceKind::kImu,
             {"edgeimusrc", "device=" + device,
              "baud=" + std::to_string(profile ? profile->baud : 9600)}};
    if (end_on_disconnect) s.words.push_back("on-disconnect=eos");
    return s;
  }
  if (form == "file") {
    if (arg.empty()) throw Error("--source file: needs a path, e.g. file:recording.wav");
    graph::Placeholder placeholder;
    placeholder.name = "--source file";
    placeholder.kind = graph::ValueKind::kFile;
    graph::check_value(placeholder, arg);
    if (ends_with(lower(arg), ".csv")) return {SourceKind::kImu, {"edgeimusrc", "location=" + arg}};
    return {SourceKind::kAudio, {"filesrc", "location=" + arg, "!", "decodebin"}};
  }
  throw Error(msg("--source ", spec,
                  ": expected mic, mic:pulse[:SOURCE], mic:pipewire[:TARGET], mic:alsa:DEVICE, "
                  "serial[:DEVICE] or file:PATH (WAV/FLAC/... audio or a .csv IMU recording)"));
}

}  // namespace edge::cli
