// edgegate through GstHarness: loud windows pass untouched (same memory), quiet ones become a
// GAP event for the same span that carries the level and the clip; counters; and
// edgelabelsink's line for such a window.
#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"

namespace {

constexpr const char* kWindowCaps =
    "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)1:16000,"
    "framerate=2/1";

GstBuffer* window(float amplitude, GstClockTime pts) {
  std::vector<float> v(16000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i % 2 ? amplitude : -amplitude;
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, v.size() * sizeof(float), nullptr);
  gst_buffer_fill(buffer, 0, v.data(), v.size() * sizeof(float));
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = GST_SECOND;
  return buffer;
}

// The next GAP event the harness received, or nullptr.
GstEvent* next_gap(GstHarness* h) {
  while (GstEvent* e = gst_harness_try_pull_event(h)) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_GAP) return e;
    gst_event_unref(e);
  }
  return nullptr;
}

guint64 counter(GstHarness* h, const char* name) {
  GstElement* gate = gst_harness_find_element(h, "edgegate");
  guint64 value = 0;
  g_object_get(gate, name, &value, nullptr);
  gst_object_unref(gate);
  return value;
}

}  // namespace

TEST(EdgeGate, LoudWindowsPassUntouched) {
  GstHarness* h = gst_harness_new_parse("edgegate min-level-db=-60");
  gst_harness_set_src_caps_str(h, kWindowCaps);
  GstBuffer* in = window(0.01f, 0);  // -40 dBFS
  gst_buffer_ref(in);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(out, in);  // in place, no copy
  EXPECT_EQ(next_gap(h), nullptr);
  gst_buffer_unref(out);
  gst_buffer_unref(in);
  EXPECT_EQ(counter(h, "windows"), 1u);
  EXPECT_EQ(counter(h, "gated"), 0u);
  gst_harness_teardown(h);
}

TEST(EdgeGate, QuietWindowsBecomeAGapThatSaysWhy) {
  GstHarness* h = gst_harness_new_parse("edgegate min-level-db=-60");
  gst_harness_set_src_caps_str(h, kWindowCaps);
  GstBuffer* quiet = window(0.0001f, 3 * GST_SECOND / 2);  // -80 dBFS
  edge::gst::clip_meta_set(quiet, {"a.wav", "siren", 8, 2, "fold2/a.wav"}, 3);
  ASSERT_EQ(gst_harness_push(h, quiet), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(h, window(0.5f, 2 * GST_SECOND)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(h), 1u);
  GstBuffer* loud = gst_harness_pull(h);
  EXPECT_EQ(GST_BUFFER_PTS(loud), 2 * GST_SECOND);
  gst_buffer_unref(loud);
  GstEvent* gap = next_gap(h);
  ASSERT_NE(gap, nullptr);
  edge::gst::GateInfo info;
  ASSERT_TRUE(edge::gst::gate_event_parse(gap, &info));
  EXPECT_EQ(info.pts, 3 * GST_SECOND / 2);
  EXPECT_EQ(info.duration, GST_SECOND);
  EXPECT_EQ(info.reason, "silence");
  EXPECT_NEAR(info.level_db, -80.0, 1e-3);
  EXPECT_TRUE(info.has_clip);
  EXPECT_EQ(info.clip.clip_id, "a.wav");
  EXPECT_EQ(info.clip.label, "siren");
  EXPECT_EQ(info.window_index, 3);
  gst_event_unref(gap);
  EXPECT_EQ(counter(h, "windows"), 2u);
  EXPECT_EQ(counter(h, "gated"), 1u);
  gst_harness_teardown(h);
}

TEST(EdgeGate, AStockGapIsNotAGateEvent) {
  GstEvent* gap = gst_event_new_gap(0, GST_SECOND);
  EXPECT_FALSE(edge::gst::gate_event_parse(gap, nullptr));
  gst_event_unref(gap);
}

TEST(EdgeGate, MinusOneHundredTwentyGatesOnlyDigitalSilenceAtTheFloor) {
  GstHarness* h = gst_harness_new_parse("edgegate min-level-db=-120");
  gst_harness_set_src_caps_str(h, kWindowCaps);
  ASSERT_EQ(gst_harness_push(h, window(1e-5f, 0)), GST_FLOW_OK);          // -100 dBFS: kept
  ASSERT_EQ(gst_harness_push(h, window(0.0f, GST_SECOND)), GST_FLOW_OK);  // floor: kept
  EXPECT_EQ(gst_harness_buffers_received(h), 2u);
  gst_harness_teardown(h);
}

TEST(EdgeGate, LabelSinkWritesTheGatedWindowsLine) {
  gchar* path = g_build_filename(g_get_tmp_dir(), "edge_gate_labels_XXXXXX", nullptr);
  const int fd = g_mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string launch = std::string("edgelabelsink post-messages=false location=") + path;
  GstHarness* h = gst_harness_new_parse(launch.c_str());
  gst_harness_set_src_caps_str(
      h,
      "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)3,"
      "framerate=2/1");
  edge::gst::GateInfo info;
  info.pts = GST_SECOND;
  info.duration = GST_SECOND;
  info.level_db = -84.25;
  info.has_clip = true;
  info.clip.clip_id = "silence_1000ms.wav";
  info.clip.label = "silence";
  info.window_index = 0;
  EXPECT_TRUE(gst_harness_push_event(h, edge::gst::gate_event_new(info)));
  gst_harness_teardown(h);  // stops the sink: the file is complete
  gchar* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(path, &text, nullptr, nullptr));
  EXPECT_STREQ(text,
               "{\"pts\":1.0,\"duration\":1.0,\"clip\":\"silence_1000ms.wav\",\"window\":0,"
               "\"truth\":\"silence\",\"label\":null,\"score\":null,\"top\":[],\"gate\":"
               "\"silence\",\"level_db\":-84.25,\"latency_ms\":{\"invoke\":null,\"pipeline\":"
               "null}}\n");
  g_free(text);
  g_unlink(path);
  g_free(path);
}
