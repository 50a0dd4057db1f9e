// edgewindow through GstHarness: caps, window counts, exact PTS and durations, clip
// boundaries, discontinuities, flushing, metadata, errors, and triggered mode on the
// paper's real gesture recordings.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "tests/common/test_util.h"

namespace {

GstBuffer* float_buffer(const std::vector<float>& values, GstClockTime pts, bool discont = false) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, values.size() * sizeof(float), nullptr);
  gst_buffer_fill(buffer, 0, values.data(), values.size() * sizeof(float));
  GST_BUFFER_PTS(buffer) = pts;
  if (discont) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  return buffer;
}

std::vector<float> ramp(size_t n, float first) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = first + static_cast<float>(i);
  return v;
}

std::vector<float> read_floats(GstBuffer* buffer) {
  std::vector<float> out(gst_buffer_get_size(buffer) / sizeof(float));
  gst_buffer_extract(buffer, 0, out.data(), out.size() * sizeof(float));
  return out;
}

std::string src_caps_string(GstHarness* h) {
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return "";
  gchar* text = gst_caps_to_string(caps);
  std::string out = text;
  g_free(text);
  gst_caps_unref(caps);
  return out;
}

// Harness on an edgewindow with the given properties ("size-samples=4 hop-samples=2").
GstHarness* window_harness(const std::string& properties, const char* caps) {
  GstHarness* h = gst_harness_new_parse(("edgewindow " + properties).c_str());
  gst_harness_set_src_caps_str(h, caps);
  return h;
}

std::vector<GstBuffer*> pull_all(GstHarness* h) {
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  return out;
}

void unref_all(std::vector<GstBuffer*>& buffers) {
  for (GstBuffer* b : buffers) gst_buffer_unref(b);
  buffers.clear();
}

// Watches the element's bus for error messages.
struct BusWatch {
  GstBus* bus;
  explicit BusWatch(GstHarness* h) : bus(gst_bus_new()) { gst_element_set_bus(h->element, bus); }
  ~BusWatch() { gst_object_unref(bus); }
  // The first error's domain and code; false when none.
  bool error(GQuark* domain, int* code, std::string* text) {
    while (GstMessage* m = gst_bus_pop(bus)) {
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        GError* err = nullptr;
        gst_message_parse_error(m, &err, nullptr);
        *domain = err->domain;
        *code = err->code;
        *text = err->message;
        g_error_free(err);
        gst_message_unref(m);
        return true;
      }
      gst_message_unref(m);
    }
    return false;
  }
};

constexpr const char* kMono1k = "audio/x-raw,format=F32LE,layout=interleaved,rate=1000,channels=1";

}  // namespace

TEST(EdgeWindow, CapsForSlidingWindows) {
  GstHarness* h = window_harness("size=1.0 hop=0.5", kMono1k);
  EXPECT_EQ(gst_harness_push(h, float_buffer(ramp(1000, 0), 0)), GST_FLOW_OK);
  std::string caps = src_caps_string(h);
  EXPECT_NE(caps.find("other/tensors"), std::string::npos) << caps;
  EXPECT_NE(caps.find("dimensions=(string)1:1000"), std::string::npos) << caps;
  EXPECT_NE(caps.find("types=(string)float32"), std::string::npos) << caps;
  EXPECT_NE(caps.find("framerate=(fraction)2/1"), std::string::npos) << caps;
  gst_harness_teardown(h);
}

TEST(EdgeWindow, FourSecondClipGivesSevenWindowsWithExactTimes) {
  GstHarness* h = window_harness("size=1.0 hop=0.5", kMono1k);
  const GstClockTime base = 10 * GST_SECOND;
  // 4000 frames in chunks of 333 (odd sizes straddle every window edge).
  for (size_t pos = 0; pos < 4000; pos += 333) {
    size_t n = std::min<size_t>(333, 4000 - pos);
    GstClockTime pts = base + gst_util_uint64_scale_int(pos, GST_SECOND, 1000);
    ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(n, static_cast<float>(pos)), pts)),
              GST_FLOW_OK);
  }
  gst_harness_push_event(h, gst_event_new_eos());
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 7u);
  for (size_t k = 0; k < windows.size(); ++k) {
    EXPECT_EQ(GST_BUFFER_PTS(windows[k]), base + k * GST_SECOND / 2) << k;
    EXPECT_EQ(GST_BUFFER_DURATION(windows[k]), GST_SECOND) << k;
    EXPECT_EQ(GST_BUFFER_OFFSET(windows[k]), k);
    EXPECT_EQ(GST_BUFFER_FLAG_IS_SET(windows[k], GST_BUFFER_FLAG_DISCONT), k == 0);
    std::vector<float> data = read_floats(windows[k]);
    ASSERT_EQ(data.size(), 1000u);
    EXPECT_EQ(data.front(), 500.0f * k);
    EXPECT_EQ(data.back(), 500.0f * k + 999.0f);
  }
  unref_all(windows);
  gst_harness_teardown(h);
}

// Sliding windows leave edgewindow without a copy, as read-only views of its storage: a
// downstream writer gets its own copy (GStreamer copies a read-only memory mapped for
// writing), and the overlapping neighbour, which shares the frames, is unchanged.
TEST(EdgeWindow, SlidingWindowsAreReadOnlyViewsThatWritersCopy) {
  GstHarness* h = window_harness("size=1.0 hop=0.5", kMono1k);
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(2000, 0), 0)), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 3u);
  for (GstBuffer* w : windows) {
    ASSERT_EQ(gst_buffer_n_memory(w), 1u);
    EXPECT_TRUE(GST_MEMORY_IS_READONLY(gst_buffer_peek_memory(w, 0)));
  }
  GstBuffer* written = gst_buffer_make_writable(windows[0]);  // ours alone: the same buffer
  windows[0] = written;
  GstMapInfo map;
  ASSERT_TRUE(gst_buffer_map(written, &map, GST_MAP_WRITE));
  std::fill_n(reinterpret_cast<float*>(map.data), 1000, -1.0f);
  gst_buffer_unmap(written, &map);
  EXPECT_EQ(read_floats(written)[600], -1.0f);
  const std::vector<float> second = read_floats(windows[1]);  // frames 500..1499
  EXPECT_EQ(second.front(), 500.0f);
  EXPECT_EQ(second[100], 600.0f);
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, TimestampsAreComputedNotAccumulated) {
  // 3-frame hops at 30 kHz are 100 us exactly, 7-frame windows 233333.33 ns: each PTS and
  // duration must be the rounding of the exact time, with no drift.
  GstHarness* h =
      window_harness("size-samples=7 hop-samples=3",
                     "audio/x-raw,format=F32LE,layout=interleaved,rate=30000,channels=1");
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(30001, 0), 0)), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 9999u);  // floor((30001-7)/3)+1
  for (size_t k = 0; k < windows.size(); k += 1111) {
    GstClockTime start = gst_util_uint64_scale_int(3 * k, GST_SECOND, 30000);
    GstClockTime end = gst_util_uint64_scale_int(3 * k + 7, GST_SECOND, 30000);
    EXPECT_EQ(GST_BUFFER_PTS(windows[k]), start) << k;
    EXPECT_EQ(GST_BUFFER_DURATION(windows[k]), end - start) << k;
  }
  EXPECT_NE(src_caps_string(h).find("framerate=(fraction)10000/1"), std::string::npos);
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, TailPolicy) {
  for (const char* tail : {"pad", "drop"}) {
    GstHarness* h =
        window_harness(std::string("size-samples=4 hop-samples=2 tail=") + tail, kMono1k);
    ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(3, 1), 0)), GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    auto windows = pull_all(h);
    if (std::string(tail) == "pad") {
      ASSERT_EQ(windows.size(), 1u);
      EXPECT_EQ(read_floats(windows[0]), (std::vector<float>{1, 2, 3, 0}));
      EXPECT_EQ(GST_BUFFER_DURATION(windows[0]), 4 * GST_MSECOND);  // the window's length
    } else {
      EXPECT_TRUE(windows.empty());
    }
    unref_all(windows);
    gst_harness_teardown(h);
  }
}

TEST(EdgeWindow, ClipBoundaryRestartsAndCarriesMeta) {
  GstHarness* h = window_harness("size-samples=4 hop-samples=2", kMono1k);
  edge::gst::ClipInfo a{"a.wav", "dog", 3, 1, "fold1/a.wav"};
  edge::gst::ClipInfo b{"b.wav", "siren", 8, 2, "fold2/b.wav"};
  ASSERT_TRUE(gst_harness_push_event(h, edge::gst::clip_event_new(a)));
  GstBuffer* first = float_buffer(ramp(5, 0), 0, true);
  edge::gst::clip_meta_set(first, a);
  ASSERT_EQ(gst_harness_push(h, first), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(h, edge::gst::clip_event_new(b)));
  GstBuffer* second = float_buffer(ramp(4, 100), GST_SECOND, true);
  edge::gst::clip_meta_set(second, b);
  ASSERT_EQ(gst_harness_push(h, second), GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());

  auto windows = pull_all(h);
  // Clip a: 5 frames -> window at 0 and a padded one at 2; clip b: exactly one window.
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(read_floats(windows[1]), (std::vector<float>{2, 3, 4, 0}));
  EXPECT_EQ(read_floats(windows[2]), (std::vector<float>{100, 101, 102, 103}));
  EXPECT_EQ(GST_BUFFER_PTS(windows[2]), GST_SECOND);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(windows[2], GST_BUFFER_FLAG_DISCONT));
  const char* ids[] = {"a.wav", "a.wav", "b.wav"};
  const gint64 index[] = {0, 1, 0};
  for (size_t k = 0; k < 3; ++k) {
    edge::gst::ClipInfo info;
    gint64 window_index = -1;
    ASSERT_TRUE(edge::gst::clip_meta_get(windows[k], &info, &window_index)) << k;
    EXPECT_EQ(info.clip_id, ids[k]);
    EXPECT_EQ(window_index, index[k]);
  }
  edge::gst::ClipInfo info;
  ASSERT_TRUE(edge::gst::clip_meta_get(windows[2], &info));
  EXPECT_EQ(info.label, "siren");
  EXPECT_EQ(info.label_index, 8);
  EXPECT_EQ(info.fold, 2);
  EXPECT_EQ(info.source, "fold2/b.wav");
  unref_all(windows);

  // Both clip events went downstream, in order.
  int clip_events = 0;
  while (GstEvent* e = gst_harness_try_pull_event(h)) {
    edge::gst::ClipInfo c;
    if (edge::gst::clip_event_parse(e, &c)) {
      EXPECT_EQ(c.clip_id, clip_events++ ? "b.wav" : "a.wav");
    }
    gst_event_unref(e);
  }
  EXPECT_EQ(clip_events, 2);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, ClipEventInfoWhenBuffersHaveNoMeta) {
  GstHarness* h = window_harness("size-samples=2 hop-samples=2", kMono1k);
  ASSERT_TRUE(
      gst_harness_push_event(h, edge::gst::clip_event_new({"c.wav", "car", 1, 3, "c.wav"})));
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(4, 0), 0)), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 2u);
  edge::gst::ClipInfo info;
  gint64 window_index = -1;
  ASSERT_TRUE(edge::gst::clip_meta_get(windows[1], &info, &window_index));
  EXPECT_EQ(info.clip_id, "c.wav");
  EXPECT_EQ(window_index, 1);
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, DiscontinuityWithGapRestartsTheRun) {
  GstHarness* h = window_harness("size=1.0 hop=0.5", kMono1k);
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(700, 0), 0)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(1000, 5000), 5 * GST_SECOND, true)), GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 2u);  // the 0.7 s run padded, then the 1 s run
  EXPECT_EQ(GST_BUFFER_PTS(windows[0]), 0u);
  EXPECT_EQ(read_floats(windows[0])[699], 699.0f);
  EXPECT_EQ(read_floats(windows[0])[700], 0.0f);
  EXPECT_EQ(GST_BUFFER_PTS(windows[1]), 5 * GST_SECOND);
  EXPECT_EQ(read_floats(windows[1])[0], 5000.0f);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(windows[1], GST_BUFFER_FLAG_DISCONT));
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, DiscontinuityAtTheExpectedTimeContinues) {
  GstHarness* h = window_harness("size=1.0 hop=0.5", kMono1k);
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(700, 0), 0)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(1000, 700), 700 * GST_MSECOND, true)),
            GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 3u);  // 1700 frames in one run: at 0, 0.5 s and a padded 1.0 s
  EXPECT_EQ(GST_BUFFER_PTS(windows[2]), GST_SECOND);
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, FlushDropsPartialData) {
  GstHarness* h = window_harness("size-samples=4 hop-samples=4", kMono1k);
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(3, 0), 0)), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&segment)));
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(4, 10), 0)), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(read_floats(windows[0]), (std::vector<float>{10, 11, 12, 13}));
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, ChannelsStayInterleavedAndTensorInput) {
  GstHarness* h = window_harness(
      "size-samples=2 hop-samples=1",
      "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)3:1,"
      "framerate=50/1");
  for (int f = 0; f < 3; ++f)
    ASSERT_EQ(
        gst_harness_push(h, float_buffer({1.0f * f, 10.0f * f, 100.0f * f}, f * 20 * GST_MSECOND)),
        GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(read_floats(windows[1]), (std::vector<float>{1, 10, 100, 2, 20, 200}));
  EXPECT_EQ(GST_BUFFER_PTS(windows[1]), 20 * GST_MSECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(windows[1]), 40 * GST_MSECOND);
  std::string caps = src_caps_string(h);
  EXPECT_NE(caps.find("dimensions=(string)3:2"), std::string::npos) << caps;
  EXPECT_NE(caps.find("framerate=(fraction)50/1"), std::string::npos) << caps;
  unref_all(windows);
  gst_harness_teardown(h);
}

// Sliding windows keep the input's sample type: int16 audio (TFLM's 480-sample frames every
// 320) and int8 feature frames (micro_speech's 49 x 40), byte for byte; the triggered mode
// needs float32 and says so.
TEST(EdgeWindow, Int16AudioAndInt8FeatureFramesKeepTheirType) {
  GstHarness* h =
      window_harness("size-samples=480 hop-samples=320 tail=drop",
                     "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1");
  std::vector<int16_t> pcm(1000);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(i * 31 - 15000);
  GstBuffer* in = gst_buffer_new_allocate(nullptr, pcm.size() * 2, nullptr);
  gst_buffer_fill(in, 0, pcm.data(), pcm.size() * 2);
  GST_BUFFER_PTS(in) = 0;
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 2u);  // 0..479 and 320..799; 640..999 is partial and dropped
  std::vector<int16_t> second(480);
  ASSERT_EQ(gst_buffer_get_size(windows[1]), 960u);
  gst_buffer_extract(windows[1], 0, second.data(), 960);
  EXPECT_TRUE(std::equal(second.begin(), second.end(), pcm.begin() + 320));
  EXPECT_EQ(GST_BUFFER_PTS(windows[1]), 20 * GST_MSECOND);
  std::string caps = src_caps_string(h);
  EXPECT_NE(caps.find("types=(string)int16"), std::string::npos) << caps;
  EXPECT_NE(caps.find("dimensions=(string)1:480"), std::string::npos) << caps;
  EXPECT_NE(caps.find("framerate=(fraction)50/1"), std::string::npos) << caps;
  unref_all(windows);
  gst_harness_teardown(h);

  h = window_harness("size-samples=49 hop-samples=49 tail=drop",
                     "other/tensors,format=static,num_tensors=1,types=int8,"
                     "dimensions=(string)40,framerate=50/1");
  std::vector<int8_t> frames(49 * 40);
  for (size_t i = 0; i < frames.size(); ++i) frames[i] = static_cast<int8_t>(i % 251 - 125);
  for (int f = 0; f < 49; ++f) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, 40, nullptr);
    gst_buffer_fill(b, 0, frames.data() + f * 40, 40);
    GST_BUFFER_PTS(b) = f * 20 * GST_MSECOND;
    ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  }
  windows = pull_all(h);
  ASSERT_EQ(windows.size(), 1u);
  std::vector<int8_t> window(49 * 40);
  ASSERT_EQ(gst_buffer_get_size(windows[0]), window.size());
  gst_buffer_extract(windows[0], 0, window.data(), window.size());
  EXPECT_EQ(window, frames);
  caps = src_caps_string(h);
  EXPECT_NE(caps.find("types=(string)int8"), std::string::npos) << caps;
  EXPECT_NE(caps.find("dimensions=(string)40:49"), std::string::npos) << caps;
  unref_all(windows);
  gst_harness_teardown(h);

  h = gst_harness_new_parse("edgewindow mode=triggered length=5");
  BusWatch watch(h);
  gst_harness_play(h);
  GstCaps* int16_caps =
      gst_caps_from_string("audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1");
  gst_pad_push_event(h->srcpad, gst_event_new_caps(int16_caps));
  gst_caps_unref(int16_caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(h->srcpad, gst_event_new_segment(&segment));
  EXPECT_EQ(gst_pad_push(h->srcpad, gst_buffer_new_allocate(nullptr, 10, nullptr)),
            GST_FLOW_NOT_NEGOTIATED);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(code, GST_LIBRARY_ERROR_SETTINGS);
  EXPECT_NE(text.find("mode=triggered needs float32 frames"), std::string::npos) << text;
  gst_harness_teardown(h);
}

// NNStreamer's tensor_converter on 30 kHz audio with frames-per-tensor=1500: tensors "1:1500"
// at framerate=30000/1 (the sample rate, whatever the frames per tensor), each 50 ms long.
constexpr const char* kConverterCaps =
    "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)1:1500,"
    "framerate=30000/1";

GstBuffer* converter_buffer(int index) {
  GstBuffer* b = float_buffer(ramp(1500, 1500.0f * index), index * 50 * GST_MSECOND);
  GST_BUFFER_DURATION(b) = 50 * GST_MSECOND;
  return b;
}

TEST(EdgeWindow, TensorFramerateIsFramesPerSecondAsNnstreamerMeansIt) {
  GstHarness* h = window_harness("size=1.0 hop=0.5", kConverterCaps);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(gst_harness_push(h, converter_buffer(i)), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 3u);  // 2 s: windows at 0, 0.5 and 1.0 s
  EXPECT_EQ(gst_buffer_get_size(windows[0]), 30000u * 4u);
  EXPECT_EQ(GST_BUFFER_PTS(windows[1]), GST_SECOND / 2);
  EXPECT_EQ(GST_BUFFER_DURATION(windows[1]), GST_SECOND);
  EXPECT_EQ(read_floats(windows[1])[0], 15000.0f);
  const std::string caps = src_caps_string(h);
  EXPECT_NE(caps.find("dimensions=(string)1:30000"), std::string::npos) << caps;
  EXPECT_NE(caps.find("framerate=(fraction)2/1"), std::string::npos) << caps;
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, TensorsPerSecondInFramerateIsRefusedSayingWhy) {
  // tensor_rate framerate=20/1 after the converter: 20 tensors of 1500 frames a second.
  GstHarness* h = window_harness(
      "size=1.0 hop=0.5",
      "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)1:1500,"
      "framerate=20/1");
  BusWatch watch(h);
  EXPECT_EQ(gst_harness_push(h, converter_buffer(0)), GST_FLOW_ERROR);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(domain, GST_STREAM_ERROR);
  EXPECT_EQ(code, GST_STREAM_ERROR_FORMAT);
  EXPECT_NE(text.find("a tensor of 1500 frames lasts 0:00:00.050000000, but its framerate (20 "
                      "frames per second) says 0:01:15.000000000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("framerate as frames per second, NNStreamer's rule"), std::string::npos)
      << text;
  gst_harness_teardown(h);
}

TEST(EdgeWindow, LegacyOtherTensorCapsAreRead) {
  GstHarness* h = window_harness(
      "size=1.0 hop=0.5", "other/tensor,type=float32,dimension=(string)1:1500,framerate=30000/1");
  for (int i = 0; i < 20; ++i) ASSERT_EQ(gst_harness_push(h, converter_buffer(i)), GST_FLOW_OK);
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(gst_buffer_get_size(windows[0]), 30000u * 4u);
  unref_all(windows);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, FlexibleTensorsTakeTheShapeFromEachHeader) {
  GstHarness* h = window_harness("size-samples=4 hop-samples=4",
                                 "other/tensors,format=flexible,framerate=1000/1");
  BusWatch watch(h);
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> frames = {1.0f + 4 * i, 2, 3, 4, 5, 6};  // 3 frames of 2 channels
    GstBuffer* b = gst_buffer_new();
    gst_buffer_append_memory(
        b, edge::gst::flexible_memory_new({edge::DType::kFloat32, {3, 2}}, frames.data()));
    GST_BUFFER_PTS(b) = i * 3 * GST_MSECOND;
    GST_BUFFER_DURATION(b) = 3 * GST_MSECOND;
    ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  }
  auto windows = pull_all(h);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(read_floats(windows[0]), (std::vector<float>{1, 2, 3, 4, 5, 6, 5, 2}));
  EXPECT_NE(src_caps_string(h).find("dimensions=(string)2:4"), std::string::npos);
  unref_all(windows);
  // A tensor of another channel count in the same stream is refused.
  const std::vector<float> three = {1, 2, 3};
  GstBuffer* b = gst_buffer_new();
  gst_buffer_append_memory(
      b, edge::gst::flexible_memory_new({edge::DType::kFloat32, {1, 3}}, three.data()));
  EXPECT_EQ(gst_harness_push(h, b), GST_FLOW_ERROR);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_NE(text.find("a flexible tensor of 3 channels after 2"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(EdgeWindow, AFramerateThatIsNoWholeNumberOfFramesIsRefusedSayingWhy) {
  GstHarness* h = gst_harness_new("edgewindow");
  BusWatch watch(h);
  gst_harness_play(h);
  GstCaps* caps = gst_caps_from_string(
      "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)1:10,"
      "framerate=30000/7");
  gst_pad_push_event(h->srcpad, gst_event_new_caps(caps));  // stored although refused
  gst_caps_unref(caps);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(code, GST_CORE_ERROR_NEGOTIATION);
  EXPECT_NE(text.find("framerate=30000/7"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(EdgeWindow, BufferBeforeCapsIsNotNegotiated) {
  GstHarness* h = gst_harness_new("edgewindow");
  EXPECT_EQ(gst_harness_push(h, float_buffer({1, 2}, 0)), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown(h);
}

TEST(EdgeWindow, PartialFrameIsAStreamFormatError) {
  GstHarness* h =
      window_harness("size-samples=2 hop-samples=2",
                     "audio/x-raw,format=F32LE,layout=interleaved,rate=1000,channels=2");
  BusWatch watch(h);
  EXPECT_EQ(gst_harness_push(h, float_buffer({1, 2, 3}, 0)), GST_FLOW_ERROR);
  GQuark domain = 0;
  int code = 0;
  std::string text;
  ASSERT_TRUE(watch.error(&domain, &code, &text));
  EXPECT_EQ(domain, GST_STREAM_ERROR);
  EXPECT_EQ(code, GST_STREAM_ERROR_FORMAT);
  EXPECT_NE(text.find("12 bytes"), std::string::npos) << text;
  gst_harness_teardown(h);
}

TEST(EdgeWindow, InvalidSettingsAreRefusedAtCaps) {
  struct Case {
    const char* properties;
    const char* expect;
  } cases[] = {
      {"mode=triggered length=5 pre-trigger=5", "pre-trigger"},
      {"mode=triggered trigger-channels=0,7", "trigger channel 7"},
      {"size=0.0001", "size"},
  };
  for (const Case& c : cases) {
    GstHarness* h = gst_harness_new_parse((std::string("edgewindow ") + c.properties).c_str());
    BusWatch watch(h);
    gst_harness_play(h);
    GstCaps* caps =
        gst_caps_from_string("audio/x-raw,format=F32LE,layout=interleaved,rate=1000,channels=6");
    // A sticky event is stored even when refused; the refusal shows on the bus and in the
    // next buffer's flow.
    gst_pad_push_event(h->srcpad, gst_event_new_caps(caps));
    gst_caps_unref(caps);
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_pad_push_event(h->srcpad, gst_event_new_segment(&segment));
    EXPECT_EQ(gst_pad_push(h->srcpad, float_buffer(std::vector<float>(6, 0.0f), 0)),
              GST_FLOW_NOT_NEGOTIATED);
    GQuark domain = 0;
    int code = 0;
    std::string text;
    ASSERT_TRUE(watch.error(&domain, &code, &text)) << c.properties;
    EXPECT_EQ(domain, GST_LIBRARY_ERROR);
    EXPECT_EQ(code, GST_LIBRARY_ERROR_SETTINGS);
    EXPECT_NE(text.find(c.expect), std::string::npos) << text;
    gst_harness_teardown(h);
  }
}

TEST(EdgeWindow, WrongPropertyValueIsRefused) {
  GstElement* w = gst_element_factory_make("edgewindow", nullptr);
  ASSERT_NE(w, nullptr);
  g_object_set(w, "trigger-channels", "0,1,2", nullptr);
  g_object_set(w, "trigger-channels", "x,1", nullptr);  // refused with a warning naming it
  gchar* value = nullptr;
  g_object_get(w, "trigger-channels", &value, nullptr);
  EXPECT_STREQ(value, "0,1,2");
  g_free(value);
  gst_object_unref(w);
}

// ---------------------------------------------------------------------------------------
// Triggered mode on the paper's recordings (MPU6050, g and deg/s).

namespace {
std::vector<float> read_gesture_csv(const std::string& path, size_t* frames) {
  std::ifstream in(path);
  std::vector<float> values;
  std::string line;
  std::getline(in, line);  // header aX,aY,aZ,gX,gY,gZ
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) values.push_back(std::strtof(field.c_str(), nullptr));
  }
  *frames = values.size() / 6;
  return values;
}
}  // namespace

TEST(EdgeWindow, TriggeredOnRealGestures) {
  EDGE_REQUIRE_SHARED(path, "imu/paper-mpu6050-punch-flex/punch.csv");
  size_t frames = 0;
  std::vector<float> data = read_gesture_csv(path, &frames);
  ASSERT_EQ(frames, 17u * 30u);  // 17 recorded punches of 30 samples

  // The recordings run back to back; trigger as the sketch does on |aX|+|aY|+|aZ| >= 2.5 g.
  GstHarness* h = window_harness(
      "mode=triggered length=30 threshold=2.5 trigger-channels=0,1,2 trigger-measure=sum-abs",
      "audio/x-raw,format=F32LE,layout=interleaved,rate=100,channels=6,channel-mask=(bitmask)0");
  for (size_t f = 0; f < frames; f += 7) {  // chunks of 7 frames, timestamps at 100 Hz
    size_t n = std::min<size_t>(7, frames - f);
    std::vector<float> chunk(data.begin() + 6 * f, data.begin() + 6 * (f + n));
    ASSERT_EQ(gst_harness_push(h, float_buffer(chunk, f * 10 * GST_MSECOND)), GST_FLOW_OK);
  }
  gst_harness_push_event(h, gst_event_new_eos());
  auto windows = pull_all(h);

  // Independent reference: scan frames, trigger, skip the window's 30 frames, re-arm.
  std::vector<size_t> starts;
  for (size_t f = 0; f < frames;) {
    double sum = std::fabs(data[6 * f]) + std::fabs(data[6 * f + 1]) + std::fabs(data[6 * f + 2]);
    if (sum >= 2.5) {
      starts.push_back(f);
      f += 30;
    } else {
      ++f;
    }
  }
  ASSERT_GE(starts.size(), 10u);  // most punches pass 2.5 g
  ASSERT_EQ(windows.size(), starts.size());
  std::string caps = src_caps_string(h);
  EXPECT_NE(caps.find("dimensions=(string)6:30"), std::string::npos) << caps;
  EXPECT_NE(caps.find("framerate=(fraction)0/1"), std::string::npos) << caps;
  for (size_t k = 0; k < windows.size(); ++k) {
    EXPECT_EQ(GST_BUFFER_PTS(windows[k]), starts[k] * 10 * GST_MSECOND) << k;
    EXPECT_EQ(GST_BUFFER_DURATION(windows[k]), 300 * GST_MSECOND) << k;
    std::vector<float> w = read_floats(windows[k]);
    ASSERT_EQ(w.size(), 180u);
    const size_t valid = std::min<size_t>(30, frames - starts[k]);
    for (size_t i = 0; i < valid * 6; ++i) ASSERT_EQ(w[i], data[6 * starts[k] + i]) << k;
    for (size_t i = valid * 6; i < 180; ++i) ASSERT_EQ(w[i], 0.0f) << k;  // padded tail
  }
  unref_all(windows);
  gst_harness_teardown(h);
}
