// The shared GStreamer contracts: tensor caps, clip and class metas, the clip event, and the
// small element helpers (element_util.h).
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "plugins/common/edgemeta.h"
#include "plugins/common/element_util.h"
#include "plugins/common/tensorcaps.h"

namespace edge::gst {
namespace {

TEST(TensorCaps, DimsAreInnermostFirst) {
  Shape shape;
  ASSERT_TRUE(dims_from_string("1:173:173", &shape));
  EXPECT_EQ(shape, (Shape{173, 173, 1}));
  EXPECT_EQ(dims_to_string({1, 96, 96, 1}), "1:96:96:1");
  EXPECT_EQ(dims_to_string({}), "1");
  for (const char* bad : {"", ":", "1::2", "0:3", "-1", "a:2", "2:3x", "99999999999"})
    EXPECT_FALSE(dims_from_string(bad, &shape)) << bad;
}

TEST(TensorCaps, ShapesMatchIgnoringLeadingOnes) {
  EXPECT_TRUE(shapes_match({1, 173, 173, 1}, {173, 173, 1}));
  EXPECT_TRUE(shapes_match({1, 1, 30000}, {30000}));
  EXPECT_FALSE(shapes_match({173, 173}, {173, 173, 1}));
  EXPECT_FALSE(shapes_match({2, 30000}, {30000}));
}

TEST(TensorCaps, RoundTripTwoTensors) {
  TensorsInfo info;
  info.tensors = {{DType::kFloat32, {1, 173, 173, 1}}, {DType::kInt8, {2}}};
  info.rate_n = 2;
  info.rate_d = 1;
  GstCaps* caps = tensors_caps_new(info);
  gchar* text = gst_caps_to_string(caps);
  EXPECT_STREQ(text,
               "other/tensors, format=(string)static, num_tensors=(int)2, "
               "types=(string)\"float32\\,int8\", dimensions=(string)\"1:173:173:1\\,2\", "
               "framerate=(fraction)2/1");
  g_free(text);

  TensorsInfo parsed;
  std::string error;
  ASSERT_TRUE(tensors_caps_parse(caps, &parsed, &error)) << error;
  ASSERT_EQ(parsed.tensors.size(), 2u);
  EXPECT_EQ(parsed.tensors[0].shape, (Shape{1, 173, 173, 1}));
  EXPECT_EQ(parsed.tensors[1].type, DType::kInt8);
  EXPECT_EQ(parsed.tensors[0].byte_size(), 173u * 173u * 4u);
  EXPECT_EQ(parsed.rate_n, 2);
  EXPECT_EQ(tensors_info_to_string(parsed), "float32 1:173:173:1, int8 2 @ 2/1");

  GstCaps* tmpl = gst_caps_from_string(EDGE_TENSORS_TEMPLATE_CAPS);
  EXPECT_TRUE(gst_caps_can_intersect(caps, tmpl));
  gst_caps_unref(tmpl);
  gst_caps_unref(caps);
}

TEST(TensorCaps, ParseErrorsSayWhatIsWrong) {
  struct Case {
    const char* caps;
    const char* expected_error_part;
  } cases[] = {
      {"audio/x-raw", "expected other/tensors"},
      {"other/tensors, format=flexible, num_tensors=1, types=float32, dimensions=4",
       "format=flexible tensors (each buffer says its own shape): put NNStreamer's "
       "tensor_converter in front"},
      {"other/tensors, format=sparse, num_tensors=1, types=float32, dimensions=4",
       "tensor_sparse_dec"},
      {"other/tensors, num_tensors=1, types=float32", "need num_tensors, types and dimensions"},
      {"other/tensors, num_tensors=2, types=float32, dimensions=4", "num_tensors=2"},
      {"other/tensors, num_tensors=1, types=float64, dimensions=4", "unknown tensor type"},
      {"other/tensors, num_tensors=1, types=float32, dimensions=4:0", "bad tensor dimensions"},
  };
  for (const Case& c : cases) {
    GstCaps* caps = gst_caps_from_string(c.caps);
    ASSERT_NE(caps, nullptr) << c.caps;
    TensorsInfo info;
    std::string error;
    EXPECT_FALSE(tensors_caps_parse(caps, &info, &error)) << c.caps;
    EXPECT_NE(error.find(c.expected_error_part), std::string::npos) << c.caps << " -> " << error;
    gst_caps_unref(caps);
  }
}

TEST(TensorCaps, BufferHasOneMemoryPerTensor) {
  TensorsInfo info;
  info.tensors = {{DType::kFloat32, {30000}}, {DType::kInt16, {3, 5}}};
  GstBuffer* buffer = tensors_buffer_new(info);
  ASSERT_EQ(gst_buffer_n_memory(buffer), 2u);
  EXPECT_EQ(gst_memory_get_sizes(gst_buffer_peek_memory(buffer, 0), nullptr, nullptr), 120000u);
  EXPECT_EQ(gst_memory_get_sizes(gst_buffer_peek_memory(buffer, 1), nullptr, nullptr), 30u);
  gst_buffer_unref(buffer);
}

ClipInfo sample_clip() {
  ClipInfo info;
  info.clip_id = "101415-3-0-2.wav";
  info.label = "dog_bark";
  info.label_index = 3;
  info.fold = 1;
  info.source = "audio/fold1/101415-3-0-2.wav";
  return info;
}

TEST(FrameFormat, AudioAndOneTensorOfFrames) {
  FrameFormat f;
  std::string error;
  GstCaps* caps =
      gst_caps_from_string("audio/x-raw, format=S16LE, layout=interleaved, rate=16000, channels=2");
  ASSERT_TRUE(frame_format_from_caps(caps, &f, &error)) << error;
  gst_caps_unref(caps);
  EXPECT_EQ(f.channels, 2);
  EXPECT_EQ(f.rate, 16000);
  EXPECT_EQ(f.type, DType::kInt16);
  EXPECT_FALSE(f.tensors);
  // NNStreamer's audio tensor: "C:N", framerate = frames per second whatever N is.
  caps = gst_caps_from_string(
      "other/tensors, format=static, num_tensors=1, types=int8, dimensions=(string)6:25, "
      "framerate=100/1");
  ASSERT_TRUE(frame_format_from_caps(caps, &f, &error)) << error;
  gst_caps_unref(caps);
  EXPECT_EQ(f.channels, 6);
  EXPECT_EQ(f.rate, 100);
  EXPECT_EQ(f.type, DType::kInt8);
  EXPECT_TRUE(f.tensors);
  EXPECT_FALSE(f.flexible);
  caps = gst_caps_from_string("other/tensors, format=flexible, framerate=16000/1");
  ASSERT_TRUE(frame_format_from_caps(caps, &f, &error)) << error;
  gst_caps_unref(caps);
  EXPECT_TRUE(f.flexible);
  EXPECT_EQ(f.channels, 0);
  EXPECT_EQ(f.rate, 16000);
}

TEST(FrameFormat, RefusesWhatIsNotAFrameStream) {
  FrameFormat f;
  std::string error;
  GstCaps* caps = gst_caps_from_string(
      "other/tensors, format=static, num_tensors=1, types=float32, dimensions=(string)1:100, "
      "framerate=30000/7");
  EXPECT_FALSE(frame_format_from_caps(caps, &f, &error));
  gst_caps_unref(caps);
  EXPECT_NE(error.find("whole number of frames per second"), std::string::npos) << error;
  EXPECT_NE(error.find("framerate=30000/7"), std::string::npos) << error;
  caps = gst_caps_from_string(
      "other/tensors, format=static, num_tensors=2, types=\"float32,float32\", "
      "dimensions=\"1:100,1:100\", framerate=100/1");
  EXPECT_FALSE(frame_format_from_caps(caps, &f, &error));
  gst_caps_unref(caps);
  EXPECT_EQ(error, "expected one tensor, got 2");
  caps = gst_caps_from_string("audio/x-raw, format=F32LE, layout=interleaved, rate=16000");
  EXPECT_FALSE(frame_format_from_caps(caps, &f, &error));
  gst_caps_unref(caps);
  EXPECT_EQ(error, "audio caps without rate or channels");
}

TEST(FrameFormat, FlexibleBuffersSayTheirChannels) {
  const int16_t samples[6] = {1, 2, 3, 4, 5, 6};
  GstBuffer* buffer = gst_buffer_new();
  gst_buffer_append_memory(buffer, flexible_memory_new({DType::kInt16, {3, 2}}, samples));
  int channels = 0;
  DType type = DType::kFloat32;
  gsize header = 0;
  std::string error;
  ASSERT_TRUE(flexible_frames(buffer, &channels, &type, &header, &error)) << error;
  EXPECT_EQ(channels, 2);
  EXPECT_EQ(type, DType::kInt16);
  EXPECT_EQ(header, 128u);
  gst_buffer_append_memory(buffer, flexible_memory_new({DType::kInt16, {3, 2}}, samples));
  EXPECT_FALSE(flexible_frames(buffer, &channels, &type, &header, &error));
  EXPECT_EQ(error, "expected one tensor per buffer, got 2");
  gst_buffer_unref(buffer);
}

TEST(FrameFormat, DurationFollowsTheFramesPerSecondRule) {
  GstClockTime expected = 0;
  // 1600 frames at 16 kHz last 100 ms; 1 ms + 1% either way is jitter.
  EXPECT_TRUE(frames_duration_fits(100 * GST_MSECOND, 1600, 16000, &expected));
  EXPECT_EQ(expected, 100 * GST_MSECOND);
  EXPECT_TRUE(frames_duration_fits(102 * GST_MSECOND, 1600, 16000, &expected));
  EXPECT_FALSE(frames_duration_fits(103 * GST_MSECOND, 1600, 16000, &expected));
  EXPECT_FALSE(frames_duration_fits(GST_SECOND / 10 * 1600, 1600, 16000, &expected));
  EXPECT_TRUE(frames_duration_fits(GST_CLOCK_TIME_NONE, 1600, 16000, &expected));
  EXPECT_TRUE(frames_duration_fits(5 * GST_SECOND, 1, 16000, &expected));
}

TEST(FrameFormat, CapsTakeAnotherStreamsFramerate) {
  GstCaps* from = gst_caps_from_string("other/tensors, framerate=(fraction)[0/1,100/1]");
  GstCaps* caps = gst_caps_from_string("other/tensors, num_tensors=1; other/tensor");
  GstCaps* kept = gst_caps_ref(caps);  // not writable: a copy is made
  caps = caps_with_framerate_of(caps, gst_caps_get_structure(from, 0));
  EXPECT_NE(caps, kept);
  GstCaps* want = gst_caps_from_string(
      "other/tensors, num_tensors=1, framerate=(fraction)[0/1,100/1]; "
      "other/tensor, framerate=(fraction)[0/1,100/1]");
  EXPECT_TRUE(gst_caps_is_strictly_equal(caps, want));
  EXPECT_EQ(caps_with_framerate_of(caps, nullptr), caps);
  GstCaps* none = gst_caps_from_string("other/tensors");
  EXPECT_EQ(caps_with_framerate_of(caps, gst_caps_get_structure(none, 0)), caps);
  for (GstCaps* c : {from, caps, kept, want, none}) gst_caps_unref(c);
}

TEST(FrameFormat, OneTensorEveryHop) {
  TensorsInfo info;
  ASSERT_TRUE(set_tensor_every(&info, 8000, 16000));
  EXPECT_EQ(info.rate_n, 2);
  EXPECT_EQ(info.rate_d, 1);
  ASSERT_TRUE(set_tensor_every(&info, 441, 44100));
  EXPECT_EQ(info.rate_n, 100);
  EXPECT_EQ(info.rate_d, 1);
  ASSERT_TRUE(set_tensor_every(&info, 3000, 16000));
  EXPECT_EQ(info.rate_n, 16);
  EXPECT_EQ(info.rate_d, 3);
  EXPECT_FALSE(set_tensor_every(&info, int64_t{1} << 40, 16001));
  EXPECT_EQ(info.rate_n, 16);  // untouched
}

TEST(ClipMeta, SetGetAndCopy) {
  GstBuffer* a = gst_buffer_new_allocate(nullptr, 16, nullptr);
  ClipInfo out;
  EXPECT_FALSE(clip_meta_get(a, &out));
  clip_meta_set(a, sample_clip());
  gint64 window = 0;
  ASSERT_TRUE(clip_meta_get(a, &out, &window));
  EXPECT_EQ(out.clip_id, "101415-3-0-2.wav");
  EXPECT_EQ(out.label, "dog_bark");
  EXPECT_EQ(out.label_index, 3);
  EXPECT_EQ(out.fold, 1);
  EXPECT_EQ(out.source, "audio/fold1/101415-3-0-2.wav");
  EXPECT_EQ(window, -1);

  // Setting twice replaces rather than stacking a second meta.
  clip_meta_set(a, sample_clip(), 4);
  guint count = 0;
  gpointer state = nullptr;
  while (gst_buffer_iterate_meta_filtered(a, &state, EDGE_CLIP_META_API_TYPE)) ++count;
  EXPECT_EQ(count, 1u);

  GstBuffer* b = gst_buffer_new_allocate(nullptr, 4, nullptr);
  clip_meta_copy(a, b, 6);
  ASSERT_TRUE(clip_meta_get(b, &out, &window));
  EXPECT_EQ(out.label, "dog_bark");
  EXPECT_EQ(window, 6);

  // gst_buffer_copy carries it through the meta's transform function.
  GstBuffer* c = gst_buffer_copy(a);
  ASSERT_TRUE(clip_meta_get(c, &out, &window));
  EXPECT_EQ(out.clip_id, "101415-3-0-2.wav");
  EXPECT_EQ(window, 4);
  gst_buffer_unref(a);
  gst_buffer_unref(b);
  gst_buffer_unref(c);
}

// Stock elements must keep the meta: that is why it is registered without tags.
TEST(ClipMeta, SurvivesAudioconvert) {
  GstHarness* h = gst_harness_new_parse("audioconvert");
  gst_harness_set_src_caps_str(
      h, "audio/x-raw, format=S16LE, rate=16000, channels=1, layout=interleaved");
  gst_harness_set_sink_caps_str(
      h, "audio/x-raw, format=F32LE, rate=16000, channels=1, layout=interleaved");
  GstBuffer* in = gst_buffer_new_allocate(nullptr, 320, nullptr);
  gst_buffer_memset(in, 0, 0, 320);
  clip_meta_set(in, sample_clip());
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  ClipInfo info;
  EXPECT_TRUE(clip_meta_get(out, &info));
  EXPECT_EQ(info.label_index, 3);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(ClassMeta, SetGetCopy) {
  GstBuffer* a = gst_buffer_new();
  std::vector<ClassEntry> entries = {{"flex", 0, 0.9f}, {"punch", 1, 0.1f}};
  class_meta_set(a, entries, 1500);
  std::vector<ClassEntry> got;
  guint64 latency = 0;
  ASSERT_TRUE(class_meta_get(a, &got, &latency));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].label, "flex");
  EXPECT_FLOAT_EQ(got[1].score, 0.1f);
  EXPECT_EQ(latency, 1500u);
  GstBuffer* b = gst_buffer_copy(a);
  ASSERT_TRUE(class_meta_get(b, &got));
  EXPECT_EQ(got[1].label, "punch");
  class_meta_set(b, {}, 0);  // empty is valid
  ASSERT_TRUE(class_meta_get(b, &got));
  EXPECT_TRUE(got.empty());
  gst_buffer_unref(a);
  gst_buffer_unref(b);
}

TEST(ClipEvent, RoundTripAndIsSerialized) {
  GstEvent* event = clip_event_new(sample_clip());
  EXPECT_TRUE(GST_EVENT_IS_SERIALIZED(event));
  EXPECT_TRUE(GST_EVENT_IS_DOWNSTREAM(event));
  ClipInfo info;
  ASSERT_TRUE(clip_event_parse(event, &info));
  EXPECT_EQ(info.clip_id, "101415-3-0-2.wav");
  EXPECT_EQ(info.fold, 1);
  EXPECT_EQ(info.label_index, 3);
  gst_event_unref(event);

  GstEvent* eos = gst_event_new_eos();
  EXPECT_FALSE(clip_event_parse(eos, &info));
  gst_event_unref(eos);
  GstEvent* other = gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty("x"));
  EXPECT_FALSE(clip_event_parse(other, nullptr));
  gst_event_unref(other);
}

TEST(ElementUtil, RunningTimeNeedsAClock) {
  GstElement* e = gst_element_factory_make("identity", nullptr);
  GstClockTime now = 42;
  EXPECT_FALSE(running_time_now(e, &now));
  EXPECT_EQ(now, 42u);
  GstClock* clock = gst_system_clock_obtain();
  gst_element_set_clock(e, clock);
  gst_element_set_base_time(e, gst_clock_get_time(clock) - 5 * GST_SECOND);
  ASSERT_TRUE(running_time_now(e, &now));
  EXPECT_GE(now, 5 * GST_SECOND);
  EXPECT_LT(now, 60 * GST_SECOND);
  gst_element_set_base_time(e, gst_clock_get_time(clock) + 100 * GST_SECOND);
  ASSERT_TRUE(running_time_now(e, &now));
  EXPECT_EQ(now, 0u);  // before the base time
  gst_object_unref(clock);
  gst_object_unref(e);
}

TEST(ElementUtil, PropertiesAndMessageSources) {
  GstElement* bin = gst_bin_new("outer");
  GstElement* inner = gst_element_factory_make("identity", "inner");
  GstElement* other = gst_element_factory_make("identity", "other");
  gst_bin_add(GST_BIN(bin), inner);
  EXPECT_TRUE(has_property(inner, "silent"));
  EXPECT_FALSE(has_property(inner, "target-object"));
  GstMessage* m = gst_message_new_eos(GST_OBJECT(inner));
  EXPECT_TRUE(message_from(m, inner));
  EXPECT_TRUE(message_from(m, bin));
  EXPECT_FALSE(message_from(m, other));
  EXPECT_FALSE(message_from(m, nullptr));
  gst_message_unref(m);
  gst_object_unref(other);
  gst_object_unref(bin);
}

TEST(ElementUtil, ErrorTextTakesTheDebugTextsLastLine) {
  GError* error = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                                      "Could not open audio device for recording.");
  std::string details;
  GstMessage* m = gst_message_new_error(
      nullptr, error, "gstalsasrc.c(744): gst_alsasrc_open ():\nsnd_pcm_open: No such file");
  EXPECT_EQ(error_message_text(m, &details),
            "Could not open audio device for recording. (snd_pcm_open: No such file)");
  EXPECT_EQ(details, "gstalsasrc.c(744): gst_alsasrc_open ():\nsnd_pcm_open: No such file");
  gst_message_unref(m);
  m = gst_message_new_error(nullptr, error, "one line");
  EXPECT_EQ(error_message_text(m, &details), "Could not open audio device for recording.");
  EXPECT_EQ(details, "one line");
  gst_message_unref(m);
  m = gst_message_new_error(nullptr, error, nullptr);
  EXPECT_EQ(error_message_text(m, &details), "Could not open audio device for recording.");
  EXPECT_EQ(details, "");
  gst_message_unref(m);
  g_error_free(error);
}

}  // namespace
}  // namespace edge::gst
