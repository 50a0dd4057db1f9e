// signal/capture_backends.h: what edgemicsrc's api= opens, in which order, and the settings
// it refuses before opening anything; and how its gap counters add up (capture_params.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signal/capture_backends.h"

namespace edge::signal {
namespace {

std::vector<std::string> names(CaptureApi api) {
  std::vector<std::string> out;
  for (const CaptureBackend* b : capture_backends(api)) out.push_back(b->name);
  return out;
}

TEST(CaptureBackends, AutoProbesPulseThenPipeWireThenAlsa) {
  EXPECT_EQ(names(CaptureApi::kAuto), (std::vector<std::string>{"pulse", "pipewire", "alsa"}));
  EXPECT_EQ(names(CaptureApi::kPipeWire), (std::vector<std::string>{"pipewire"}));
  EXPECT_EQ(names(CaptureApi::kAlsa), (std::vector<std::string>{"alsa"}));
  for (const CaptureBackend* b : capture_backends(CaptureApi::kAuto)) {
    EXPECT_NE(std::string(b->package).find("gstreamer1.0-"), std::string::npos) << b->name;
    EXPECT_GT(std::string(b->hint).size(), 10u) << b->name;
  }
  EXPECT_STREQ(capture_backends(CaptureApi::kAlsa)[0]->factory, "alsasrc");
}

TEST(CaptureBackends, DescriptionNamesDeviceAndPulseServer) {
  const CaptureBackend& pulse = *capture_backends(CaptureApi::kPulse)[0];
  const CaptureBackend& alsa = *capture_backends(CaptureApi::kAlsa)[0];
  EXPECT_EQ(describe_capture(pulse, "", nullptr), "PulseAudio");
  EXPECT_EQ(describe_capture(pulse, "", ""), "PulseAudio");
  EXPECT_EQ(describe_capture(pulse, "mic", "tcp:board"),
            "PulseAudio device mic (PULSE_SERVER=tcp:board)");
  EXPECT_EQ(describe_capture(alsa, "plughw:1,0", "tcp:board"), "ALSA device plughw:1,0");
}

TEST(CaptureBackends, DeviceProperty) {
  const CaptureBackend& pipewire = *capture_backends(CaptureApi::kPipeWire)[0];
  EXPECT_STREQ(device_property(pipewire, true), "target-object");
  EXPECT_STREQ(device_property(pipewire, false), "path");
  EXPECT_STREQ(device_property(*capture_backends(CaptureApi::kAlsa)[0], true), "device");
  EXPECT_STREQ(device_property(*capture_backends(CaptureApi::kPulse)[0], false), "device");
}

TEST(CaptureBackends, RefusesSettingsThatCannotOpen) {
  CaptureSettings s;
  EXPECT_EQ(why_invalid(s), "");
  s.reconnect_initial_ms = 200;
  s.reconnect_max_ms = 100;
  EXPECT_EQ(why_invalid(s), "reconnect-max-ms=100 is below reconnect-initial-ms=200");
  s = CaptureSettings();
  s.device = "plughw:1,0";
  EXPECT_EQ(why_invalid(s),
            "device=plughw:1,0 needs api=pulse, pipewire or alsa (a device name means something "
            "else to each)");
  s.api = CaptureApi::kAlsa;
  EXPECT_EQ(why_invalid(s), "");
}

TEST(CaptureStatistics, GapsAddUp) {
  CaptureStatistics c;
  EXPECT_DOUBLE_EQ(count_gap(&c, 4800, 48000), 0.1);
  EXPECT_DOUBLE_EQ(count_gap(&c, 16000, 16000), 1.0);
  EXPECT_EQ(c.gaps, 2u);
  EXPECT_EQ(c.dropped_frames, 20800u);
  EXPECT_DOUBLE_EQ(c.dropped_seconds, 1.1);
  EXPECT_EQ(c.reconnects, 0u);
}

}  // namespace
}  // namespace edge::signal
