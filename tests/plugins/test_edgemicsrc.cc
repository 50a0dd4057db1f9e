// edgemicsrc without a sound card or server: it never falls back to a silent source. A start
// with nothing to capture from is an error that names each API tried and why; a device
// without an API is refused; defaults. (Capture itself, gaps and reconnects run against a
// real PulseAudio in tests/e2e/live_audio.sh; the timeline in tests/core.)
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

struct Failure {
  GQuark domain = 0;
  int code = 0;
  std::string message;
};

// Starts `launch` and returns the first error posted (empty message when none came).
Failure start_error(const char* launch) {
  GError* parse_error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch, &parse_error);
  EXPECT_EQ(parse_error, nullptr) << (parse_error ? parse_error->message : "");
  Failure failure;
  if (!pipeline) return failure;
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  if (m) {
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    failure.domain = err->domain;
    failure.code = err->code;
    failure.message = err->message;
    g_error_free(err);
    gst_message_unref(m);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return failure;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// No server and no card: a private runtime dir and a PulseAudio address nobody listens at.
class NoCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = g_dir_make_tmp("edge_micsrc_XXXXXX", nullptr);
    const std::string server = std::string("unix:") + dir_ + "/native";
    setenv("PULSE_SERVER", server.c_str(), 1);
    setenv("XDG_RUNTIME_DIR", dir_, 1);
    setenv("PIPEWIRE_RUNTIME_DIR", dir_, 1);
  }
  void TearDown() override {
    unsetenv("PULSE_SERVER");
    g_rmdir(dir_);
    g_free(dir_);
  }
  gchar* dir_ = nullptr;
};

}  // namespace

TEST_F(NoCapture, PulseWithoutAServerIsAnErrorNamingIt) {
  const Failure f = start_error("edgemicsrc api=pulse ! fakesink");
  EXPECT_EQ(f.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(f.code, GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_TRUE(contains(f.message, "No capture device or sound server answers")) << f.message;
  EXPECT_TRUE(contains(f.message, std::string("PulseAudio (PULSE_SERVER=unix:") + dir_))
      << f.message;
  // Either the server did not answer or the element is missing; both are named.
  EXPECT_TRUE(contains(f.message, "start PulseAudio") || contains(f.message, "not installed"))
      << f.message;
}

TEST_F(NoCapture, AutoTriesEveryApiAndSaysWhyEachFailed) {
  const Failure f = start_error("edgemicsrc ! fakesink");
  EXPECT_EQ(f.code, GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_TRUE(contains(f.message, "\n  PulseAudio")) << f.message;
  EXPECT_TRUE(contains(f.message, "\n  PipeWire")) << f.message;
  EXPECT_TRUE(contains(f.message, "\n  ALSA")) << f.message;
}

TEST_F(NoCapture, AlsaDeviceThatDoesNotExistIsNamed) {
  const Failure f = start_error("edgemicsrc api=alsa device=hw:97,0 ! fakesink");
  EXPECT_EQ(f.code, GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_TRUE(contains(f.message, "ALSA device hw:97,0")) << f.message;
}

TEST(EdgeMicSrc, ADeviceNeedsAnApi) {
  const Failure f = start_error("edgemicsrc device=plughw:1,0 ! fakesink");
  EXPECT_EQ(f.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(f.code, GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_TRUE(contains(f.message, "device=plughw:1,0 needs api=pulse, pipewire or alsa"))
      << f.message;
}

TEST(EdgeMicSrc, DefaultsAndCounters) {
  GstElement* src = gst_element_factory_make("edgemicsrc", nullptr);
  ASSERT_NE(src, nullptr);
  gint api = -1, on_disconnect = -1;
  guint initial = 0, max = 0, tolerance = 0, silence = 0, reconnects = 1;
  guint64 gaps = 1, dropped = 1;
  gchar* current = nullptr;
  g_object_get(src, "api", &api, "on-disconnect", &on_disconnect, "reconnect-initial-ms", &initial,
               "reconnect-max-ms", &max, "gap-tolerance-ms", &tolerance, "silence-timeout-ms",
               &silence, "reconnects", &reconnects, "gaps", &gaps, "dropped-frames", &dropped,
               "current-api", &current, nullptr);
  EXPECT_EQ(api, 0);            // auto
  EXPECT_EQ(on_disconnect, 0);  // reconnect
  EXPECT_EQ(initial, 100u);
  EXPECT_EQ(max, 5000u);
  EXPECT_EQ(tolerance, 50u);
  EXPECT_EQ(silence, 5000u);
  EXPECT_EQ(reconnects, 0u);
  EXPECT_EQ(gaps, 0u);
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(current, nullptr);
  // It never provides the pipeline clock (a server's sample counter would hide gaps).
  EXPECT_EQ(gst_element_provide_clock(src), nullptr);
  gst_object_unref(src);
}
