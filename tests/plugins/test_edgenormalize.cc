// edgenormalize through GstHarness: z-score and min-max goldens on audio and tensors, the
// statistics pass (file, message, NaN counting) and reading it back, and errors.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "signal/stats.h"

namespace {

GstBuffer* float_buffer(const std::vector<float>& values, GstClockTime pts) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, values.size() * sizeof(float), nullptr);
  gst_buffer_fill(buffer, 0, values.data(), values.size() * sizeof(float));
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = GST_MSECOND;
  return buffer;
}

std::vector<float> read_floats(GstBuffer* buffer) {
  std::vector<float> out(gst_buffer_get_size(buffer) / sizeof(float));
  gst_buffer_extract(buffer, 0, out.data(), out.size() * sizeof(float));
  return out;
}

// Pushes one buffer through a harnessed edgenormalize and returns the output values.
std::vector<float> normalize(const std::string& properties, const char* caps,
                             const std::vector<float>& in) {
  GstHarness* h = gst_harness_new_parse(("edgenormalize " + properties).c_str());
  gst_harness_set_src_caps_str(h, caps);
  std::vector<float> out;
  if (gst_harness_push(h, float_buffer(in, 0)) == GST_FLOW_OK) {
    GstBuffer* b = gst_harness_pull(h);
    out = read_floats(b);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
  return out;
}

struct BusWatch {
  GstBus* bus;
  explicit BusWatch(GstHarness* h) : bus(gst_bus_new()) { gst_element_set_bus(h->element, bus); }
  ~BusWatch() { gst_object_unref(bus); }
  GstMessage* pop(GstMessageType type) {
    while (GstMessage* m = gst_bus_pop(bus)) {
      if (GST_MESSAGE_TYPE(m) == type) return m;
      gst_message_unref(m);
    }
    return nullptr;
  }
  bool error(GQuark* domain, int* code, std::string* text) {
    GstMessage* m = pop(GST_MESSAGE_ERROR);
    if (!m) return false;
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    *domain = err->domain;
    *code = err->code;
    *text = err->message;
    g_error_free(err);
    gst_message_unref(m);
    return true;
  }
};

std::string temp_path() {
  char tmpl[] = "/tmp/edge_normalize_XXXXXX";
  int fd = mkstemp(tmpl);
  close(fd);
  return tmpl;
}

constexpr const char* kMono = "audio/x-raw,format=F32LE,layout=interleaved,rate=8000,channels=1";
constexpr const char* kStereo = "audio/x-raw,format=F32LE,layout=interleaved,rate=8000,channels=2";

}  // namespace

TEST(EdgeNormalize, ZScoreAudioInPlaceKeepsTimestampsAndMeta) {
  GstHarness* h = gst_harness_new_parse("edgenormalize mode=zscore mean=2 std=4");
  gst_harness_set_src_caps_str(h, kMono);
  GstBuffer* in = float_buffer({6, -2, 2, 4}, 3 * GST_SECOND);
  edge::gst::clip_meta_set(in, {"x.wav", "dog", 3, 1, "fold1/x.wav"}, 5);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(read_floats(out), (std::vector<float>{1, -1, 0, 0.5f}));
  EXPECT_EQ(GST_BUFFER_PTS(out), 3 * GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out), GST_MSECOND);
  edge::gst::ClipInfo info;
  gint64 window = -1;
  ASSERT_TRUE(edge::gst::clip_meta_get(out, &info, &window));
  EXPECT_EQ(info.clip_id, "x.wav");
  EXPECT_EQ(window, 5);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

// A writable buffer is normalized in place (the same buffer comes out); a read-only one (a
// view such as edgewindow's windows, or a buffer another holder still references) is read
// once into a new buffer: its bytes are never written, and the output keeps its timestamps
// and metas.
TEST(EdgeNormalize, ReadOnlyInputGoesToANewBufferWritableOneStaysInPlace) {
  GstHarness* h = gst_harness_new_parse("edgenormalize mode=zscore mean=2 std=4");
  gst_harness_set_src_caps_str(h, kMono);

  GstBuffer* writable = float_buffer({6, -2, 2, 4}, 0);
  const GstBuffer* pushed = writable;
  ASSERT_EQ(gst_harness_push(h, writable), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(out, pushed);
  gst_buffer_unref(out);

  static const float kView[] = {6, -2, 2, 4, 10, -6};
  GstBuffer* view = gst_buffer_new();
  gst_buffer_append_memory(
      view, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, const_cast<float*>(kView),
                                   sizeof kView, 0, sizeof kView, nullptr, nullptr));
  GST_BUFFER_PTS(view) = 7 * GST_SECOND;
  edge::gst::clip_meta_set(view, {"v.wav", "dog", 3, 1, "fold1/v.wav"}, 2);
  ASSERT_EQ(gst_harness_push(h, view), GST_FLOW_OK);
  out = gst_harness_pull(h);
  EXPECT_NE(out, view);
  EXPECT_EQ(read_floats(out), (std::vector<float>{1, -1, 0, 0.5f, 2, -2}));
  EXPECT_EQ(kView[0], 6.0f);  // the view was not written
  EXPECT_EQ(GST_BUFFER_PTS(out), 7 * GST_SECOND);
  edge::gst::ClipInfo info;
  gint64 window = -1;
  ASSERT_TRUE(edge::gst::clip_meta_get(out, &info, &window));
  EXPECT_EQ(info.clip_id, "v.wav");
  EXPECT_EQ(window, 2);
  gst_buffer_unref(out);

  GstBuffer* shared = float_buffer({6, -2}, 0);
  gst_buffer_ref(shared);  // a second holder: not writable
  ASSERT_EQ(gst_harness_push(h, shared), GST_FLOW_OK);
  out = gst_harness_pull(h);
  EXPECT_NE(out, shared);
  EXPECT_EQ(read_floats(out), (std::vector<float>{1, -1}));
  EXPECT_EQ(read_floats(shared), (std::vector<float>{6, -2}));
  gst_buffer_unref(out);
  gst_buffer_unref(shared);
  gst_harness_teardown(h);
}

TEST(EdgeNormalize, ThesisStatisticsOnAWindowTensor) {
  auto out = normalize("mode=zscore mean=-0.0008 std=0.2161",
                       "other/tensors,format=static,num_tensors=1,types=float32,"
                       "dimensions=(string)1:3,framerate=2/1",
                       {-0.0008f, 0.2153f, -0.2169f});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_NEAR(out[0], 0.0f, 1e-5f);
  EXPECT_NEAR(out[1], 1.0f, 1e-5f);
  EXPECT_NEAR(out[2], -1.0f, 1e-5f);
}

TEST(EdgeNormalize, PerChannelLists) {
  auto out = normalize("mean=0,10 std=1,5", kStereo, {3, 20, -1, 0});
  EXPECT_EQ(out, (std::vector<float>{3, 2, -1, -2}));
}

TEST(EdgeNormalize, MinMaxPaperRangesOnSixChannels) {
  const char* ranges = "ranges=-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000";
  const char* caps =
      "audio/x-raw,format=F32LE,layout=interleaved,rate=100,channels=6,channel-mask=(bitmask)0";
  auto out = normalize(std::string("mode=minmax ") + ranges, caps, {-4, 0, 4, -2000, 1000, 5000});
  EXPECT_EQ(out, (std::vector<float>{0, 0.5f, 1, 0, 0.75f, 1.75f}));
  out = normalize(std::string("mode=minmax clamp=true ") + ranges, caps,
                  {-4, 0, 4, -2000, 1000, 5000});
  EXPECT_EQ(out, (std::vector<float>{0, 0.5f, 1, 0, 0.75f, 1}));
}

TEST(EdgeNormalize, StatsPassWritesTheFileAndCountsNonFinite) {
  const std::string path = temp_path();
  GstHarness* h = gst_harness_new_parse(("edgenormalize mode=stats stats-file=" + path).c_str());
  BusWatch watch(h);
  gst_harness_set_src_caps_str(h, kStereo);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ASSERT_EQ(gst_harness_push(h, float_buffer({1, 10, 3, 20}, 0)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(h, float_buffer({nan, 30, 5, INFINITY}, GST_SECOND)), GST_FLOW_OK);
  // Pass-through: buffers unchanged.
  GstBuffer* first = gst_harness_pull(h);
  EXPECT_EQ(read_floats(first), (std::vector<float>{1, 10, 3, 20}));
  gst_buffer_unref(first);
  gst_buffer_unref(gst_harness_pull(h));
  guint64 nonfinite = 0;
  GstElement* element = gst_harness_find_element(h, "edgenormalize");
  g_object_get(element, "nonfinite", &nonfinite, nullptr);
  gst_object_unref(element);
  EXPECT_EQ(nonfinite, 2u);
  GstMessage* warning = watch.pop(GST_MESSAGE_WARNING);
  ASSERT_NE(warning, nullptr);  // said once, in words
  gst_message_unref(warning);
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));

  auto stats = edge::signal::StatsAccumulator::load(path);
  ASSERT_EQ(stats.channels(), 2);
  EXPECT_EQ(stats.channel(0).count, 3u);  // 1, 3, 5
  EXPECT_DOUBLE_EQ(stats.channel(0).mean, 3.0);
  EXPECT_EQ(stats.channel(1).count, 3u);  // 10, 20, 30
  EXPECT_DOUBLE_EQ(stats.channel(1).mean, 20.0);
  EXPECT_EQ(stats.nonfinite(), 2u);
  GstMessage* message = watch.pop(GST_MESSAGE_ELEMENT);
  ASSERT_NE(message, nullptr);
  const GstStructure* s = gst_message_get_structure(message);
  EXPECT_TRUE(gst_structure_has_name(s, "edgestream-stats"));
  EXPECT_NE(std::string(gst_structure_get_string(s, "json")).find("\"population\""),
            std::string::npos);
  gst_message_unref(message);
  gst_harness_teardown(h);

  // The file drives z-score: global (pooled) and per channel.
  auto global = normalize("mode=zscore stats-file=" + path, kStereo, {3, 20});
  ASSERT_EQ(global.size(), 2u);
  const auto pooled = stats.global();
  EXPECT_NEAR(global[0], (3 - pooled.mean) / pooled.stddev(), 1e-6);
  auto per = normalize("mode=zscore per-channel=true stats-file=" + path, kStereo, {3, 20});
  EXPECT_NEAR(per[0], 0.0f, 1e-6f);
  EXPECT_NEAR(per[1], 0.0f, 1e-6f);
  auto mm = normalize("mode=minmax per-channel=true stats-file=" + path, kStereo, {5, 10});
  EXPECT_EQ(mm, (std::vector<float>{1, 0}));
  std::remove(path.c_str());
}

TEST(EdgeNormalize, MissingStatsFileIsAResourceError) {
  GstHarness* h =
      gst_harness_new_parse("edgenormalize mode=zscore stats-file=/nonexistent/stats.json");
  BusWatch watch(h);
  gst_harness_play(h);
  GstCaps* caps = gst_caps_from_string(kMono);
  gst_pad_push_event(h->srcpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(code, GST_RESOURCE_ERROR_OPEN_READ);
  EXPECT_NE(text.find("/nonexistent/stats.json"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(EdgeNormalize, ChannelCountMismatchIsASettingsError) {
  GstHarness* h = gst_harness_new_parse("edgenormalize mean=1,2,3 std=1");
  BusWatch watch(h);
  gst_harness_play(h);
  GstCaps* caps = gst_caps_from_string(kStereo);
  gst_pad_push_event(h->srcpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(domain, GST_LIBRARY_ERROR);
  EXPECT_EQ(code, GST_LIBRARY_ERROR_SETTINGS);
  EXPECT_NE(text.find("mean"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(EdgeNormalize, PartialFrameIsAStreamFormatError) {
  GstHarness* h = gst_harness_new("edgenormalize");
  BusWatch watch(h);
  gst_harness_set_src_caps_str(h, kStereo);
  EXPECT_EQ(gst_harness_push(h, float_buffer({1, 2, 3}, 0)), GST_FLOW_ERROR);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(domain, GST_STREAM_ERROR);
  EXPECT_EQ(code, GST_STREAM_ERROR_FORMAT);
  gst_harness_teardown(h);
}

TEST(EdgeNormalize, WrongPropertyValuesAreRefused) {
  GstElement* n = gst_element_factory_make("edgenormalize", nullptr);
  ASSERT_NE(n, nullptr);
  g_object_set(n, "std", "0.5", "ranges", "-4:4", nullptr);
  g_object_set(n, "std", "0", nullptr);        // refused: std must be > 0
  g_object_set(n, "mean", "abc", nullptr);     // refused: not a number
  g_object_set(n, "ranges", "4:-4", nullptr);  // refused: min >= max
  gchar *std_value = nullptr, *mean = nullptr, *ranges = nullptr;
  g_object_get(n, "std", &std_value, "mean", &mean, "ranges", &ranges, nullptr);
  EXPECT_STREQ(std_value, "0.5");
  EXPECT_STREQ(mean, "0");
  EXPECT_STREQ(ranges, "-4:4");
  g_free(std_value);
  g_free(mean);
  g_free(ranges);
  gst_object_unref(n);
}
