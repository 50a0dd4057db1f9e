// edgespectrum through GstHarness: caps out, frame and patch counts, values equal to the
// core's, timestamps and clip meta kept, clip events forwarded, errors with domain and code.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "signal/spectrum.h"

namespace edge::gst {
namespace {

const char kMonoWindowCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
    "dimensions=(string)1:16000, framerate=(fraction)1/1";
const char kAudioCaps[] =
    "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int)16000, "
    "channels=(int)1";

std::vector<float> test_signal(size_t n, double phase = 0.0) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i)
    x[i] = static_cast<float>(0.4 * std::sin(0.11 * i + phase) + 0.2 * std::sin(0.0003 * i * i));
  return x;
}

GstBuffer* float_buffer(const float* data, size_t n, GstClockTime pts, GstClockTime duration) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, n * sizeof(float), nullptr);
  gst_buffer_fill(b, 0, data, n * sizeof(float));
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = duration;
  return b;
}

std::vector<float> buffer_floats(GstBuffer* b) {
  std::vector<float> out(gst_buffer_get_size(b) / sizeof(float));
  gst_buffer_extract(b, 0, out.data(), out.size() * sizeof(float));
  return out;
}

std::string output_dims(GstHarness* h, int* rate_n = nullptr, int* rate_d = nullptr) {
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return "";
  TensorsInfo info;
  std::string why;
  EXPECT_TRUE(tensors_caps_parse(caps, &info, &why)) << why;
  gst_caps_unref(caps);
  if (rate_n) *rate_n = info.rate_n;
  if (rate_d) *rate_d = info.rate_d;
  return info.tensors.empty() ? "" : dims_to_string(info.tensors[0].shape);
}

ClipInfo clip(const char* id, const char* label) {
  ClipInfo info;
  info.clip_id = id;
  info.label = label;
  info.label_index = 7;
  info.fold = 2;
  info.source = std::string("yes/") + id;
  return info;
}

// Collects error messages posted by the element.
struct BusWatch {
  GstBus* bus;
  explicit BusWatch(GstHarness* h) : bus(gst_bus_new()) { gst_element_set_bus(h->element, bus); }
  ~BusWatch() { gst_object_unref(bus); }
  // First error's domain, code and message; false when none was posted.
  bool error(GQuark* domain, int* code, std::string* message) {
    bool found = false;
    while (GstMessage* m = gst_bus_pop(bus)) {
      if (!found && GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        GError* err = nullptr;
        gst_message_parse_error(m, &err, nullptr);
        *domain = err->domain;
        *code = err->code;
        *message = err->message;
        g_error_free(err);
        found = true;
      }
      gst_message_unref(m);
    }
    return found;
  }
};

TEST(EdgeSpectrum, DefaultsAreKeywordSpottingLogMel) {
  GstElement* e = gst_element_factory_make("edgespectrum", nullptr);
  ASSERT_NE(e, nullptr);
  gdouble frame = 0, hop = 0, top_db = 0;
  gint bands = 0, n_fft = -1, patch = 0, mode = -1, n_mfcc = 0;
  g_object_get(e, "frame-size", &frame, "hop-size", &hop, "mel-bands", &bands, "n-fft", &n_fft,
               "patch-frames", &patch, "mode", &mode, "top-db", &top_db, "n-mfcc", &n_mfcc,
               nullptr);
  EXPECT_DOUBLE_EQ(frame, 0.03);
  EXPECT_DOUBLE_EQ(hop, 0.02);
  EXPECT_EQ(bands, 40);
  EXPECT_EQ(n_fft, 0);
  EXPECT_EQ(patch, 49);
  EXPECT_EQ(mode, static_cast<int>(SpectrumMode::kLogMel));
  EXPECT_DOUBLE_EQ(top_db, 80.0);
  EXPECT_EQ(n_mfcc, 13);
  // An odd FFT size is refused where it is set (GLib warning naming n-fft), keeping the value.
  g_object_set(e, "n-fft", 511, nullptr);
  g_object_get(e, "n-fft", &n_fft, nullptr);
  EXPECT_EQ(n_fft, 0);
  gst_object_unref(e);
}

// One 1 s window of 16 kHz audio gives 49 x 40 log-mel (micro_speech), with its timestamps
// and clip meta, and the values the core computes.
TEST(EdgeSpectrum, TensorWindowGivesOneSpectrogramWithMetaAndTimestamps) {
  GstHarness* h = gst_harness_new("edgespectrum");
  gst_harness_set_src_caps_str(h, kMonoWindowCaps);
  std::vector<float> x = test_signal(16000);
  GstBuffer* in = float_buffer(x.data(), x.size(), 3 * GST_SECOND, GST_SECOND);
  GST_BUFFER_OFFSET(in) = 3;
  clip_meta_set(in, clip("a.wav", "yes"), 3);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  int rate_n = 0, rate_d = 0;
  EXPECT_EQ(output_dims(h, &rate_n, &rate_d), "40:49");
  EXPECT_EQ(rate_n, 1);
  EXPECT_EQ(rate_d, 1);
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(GST_BUFFER_PTS(out), 3 * GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out), GST_SECOND);
  EXPECT_EQ(GST_BUFFER_OFFSET(out), 3u);
  EXPECT_EQ(gst_buffer_n_memory(out), 1u);
  ClipInfo info;
  gint64 window_index = -1;
  ASSERT_TRUE(clip_meta_get(out, &info, &window_index));
  EXPECT_EQ(info.clip_id, "a.wav");
  EXPECT_EQ(info.label, "yes");
  EXPECT_EQ(info.label_index, 7);
  EXPECT_EQ(info.fold, 2);
  EXPECT_EQ(window_index, 3);

  Spectrogram reference{SpectrumConfig{}};
  std::vector<float> expected(49 * 40);
  reference.compute(x.data(), 16000, expected.data());
  std::vector<float> got = buffer_floats(out);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_FLOAT_EQ(got[i], expected[i]) << i;
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

// Windows 0.5 s apart (as edgewindow size=1.0 hop=0.5 cuts them) share 24 of their 49 frames,
// which edgespectrum takes from the previous window instead of analysing again: every output
// still equals compute() on its own window, bit for bit, also when a window's shared samples
// differ from what its PTS promises (then nothing is reused).
TEST(EdgeSpectrum, OverlappingWindowsEqualSpectrogramsComputedAlone) {
  GstHarness* h = gst_harness_new("edgespectrum");
  gst_harness_set_src_caps_str(h, kMonoWindowCaps);
  const std::vector<float> stream = test_signal(16000 * 4);
  Spectrogram reference{SpectrumConfig{}};
  std::vector<float> expected(49 * 40);
  for (size_t k = 0; k < 7; ++k) {
    std::vector<float> window(stream.begin() + 8000 * k, stream.begin() + 8000 * k + 16000);
    if (k == 4) window[10] = 0.5f;  // not the samples the previous window had there
    ASSERT_EQ(gst_harness_push(
                  h, float_buffer(window.data(), window.size(), k * GST_SECOND / 2, GST_SECOND)),
              GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h);
    ASSERT_NE(out, nullptr);
    reference.compute(window.data(), 16000, expected.data());
    const std::vector<float> got = buffer_floats(out);
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_EQ(0, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)))
        << "window " << k;
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
}

TEST(EdgeSpectrum, OutputShapePerMode) {
  struct Case {
    const char* properties;
    const char* dims;
  } cases[] = {
      {"mode=magnitude", "257:49"},
      {"mode=power n-fft=480", "241:49"},
      {"mode=mfcc", "13:49"},
      {"mode=mfcc n-mfcc=20 mel-bands=64", "20:49"},
      {"center=reflect", "40:51"},
      {"frame-size-samples=400 hop-size-samples=160 center=constant", "40:101"},
      {"frame-size=0.025 hop-size=0.01", "40:98"},
  };
  std::vector<float> x = test_signal(16000);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.properties);
    GstHarness* h = gst_harness_new_parse((std::string("edgespectrum ") + c.properties).c_str());
    gst_harness_set_src_caps_str(h, kMonoWindowCaps);
    ASSERT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_SECOND)), GST_FLOW_OK);
    EXPECT_EQ(output_dims(h), c.dims);
    GstBuffer* out = gst_harness_pull(h);
    TensorsInfo info;
    Shape shape;
    ASSERT_TRUE(dims_from_string(c.dims, &shape));
    EXPECT_EQ(gst_buffer_get_size(out), static_cast<size_t>(shape[0] * shape[1]) * sizeof(float));
    for (float v : buffer_floats(out)) ASSERT_TRUE(std::isfinite(v));
    gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
}

TEST(EdgeSpectrum, MixdownAveragesChannelsOfTensorWindows) {
  GstHarness* h = gst_harness_new_parse("edgespectrum mixdown=true");
  gst_harness_set_src_caps_str(
      h,
      "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
      "dimensions=(string)2:16000, framerate=(fraction)1/1");
  std::vector<float> mono = test_signal(16000), stereo(32000);
  for (size_t i = 0; i < mono.size(); ++i) {
    stereo[2 * i] = mono[i] + 0.25f;  // the average is mono[i]
    stereo[2 * i + 1] = mono[i] - 0.25f;
  }
  ASSERT_EQ(gst_harness_push(h, float_buffer(stereo.data(), stereo.size(), 0, GST_SECOND)),
            GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  Spectrogram reference{SpectrumConfig{}};
  std::vector<float> expected(49 * 40);
  reference.compute(mono.data(), 16000, expected.data());
  std::vector<float> got = buffer_floats(out);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-3) << i;
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(EdgeSpectrum, RefusesMultiChannelWithoutMixdown) {
  GstHarness* h = gst_harness_new("edgespectrum");
  BusWatch bus(h);
  gst_harness_set_src_caps_str(
      h,
      "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
      "dimensions=(string)3:16000, framerate=(fraction)1/1");
  std::vector<float> x(48000, 0.0f);
  EXPECT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_SECOND)),
            GST_FLOW_NOT_NEGOTIATED);
  GQuark domain = 0;
  int code = 0;
  std::string message;
  ASSERT_TRUE(bus.error(&domain, &code, &message));
  EXPECT_EQ(domain, GST_CORE_ERROR);
  EXPECT_EQ(code, GST_CORE_ERROR_NEGOTIATION);
  EXPECT_NE(message.find("3 channels"), std::string::npos) << message;
  EXPECT_NE(message.find("mixdown"), std::string::npos) << message;
  gst_harness_teardown(h);
}

TEST(EdgeSpectrum, InconsistentPropertiesFailAtCapsNamingTheProperty) {
  struct Case {
    const char* properties;
    const char* names;
  } cases[] = {
      {"n-fft=256", "n-fft"},
      {"mode=mfcc n-mfcc=41", "n-mfcc"},
      {"fmin=9000", "fmin"},
      {"fmax=8001", "fmax"},
      {"frame-size-samples=20000", "shorter than frame-size"},
      {"frame-size=0.00001", "frame-size=1e-05 s at 16000 Hz is 0 samples"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.properties);
    GstHarness* h = gst_harness_new_parse((std::string("edgespectrum ") + c.properties).c_str());
    BusWatch bus(h);
    gst_harness_set_src_caps_str(h, kMonoWindowCaps);
    std::vector<float> x(16000, 0.0f);
    EXPECT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_SECOND)),
              GST_FLOW_NOT_NEGOTIATED);
    GQuark domain = 0;
    int code = 0;
    std::string message;
    ASSERT_TRUE(bus.error(&domain, &code, &message));
    EXPECT_EQ(domain, GST_CORE_ERROR);
    EXPECT_EQ(code, GST_CORE_ERROR_NEGOTIATION);
    EXPECT_NE(message.find(c.names), std::string::npos) << message;
    gst_harness_teardown(h);
  }
}

TEST(EdgeSpectrum, WrongTensorSizeIsAStreamFormatError) {
  GstHarness* h = gst_harness_new("edgespectrum");
  BusWatch bus(h);
  gst_harness_set_src_caps_str(h, kMonoWindowCaps);
  std::vector<float> x(15999, 0.0f);
  EXPECT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_SECOND)), GST_FLOW_ERROR);
  GQuark domain = 0;
  int code = 0;
  std::string message;
  ASSERT_TRUE(bus.error(&domain, &code, &message));
  EXPECT_EQ(domain, GST_STREAM_ERROR);
  EXPECT_EQ(code, GST_STREAM_ERROR_FORMAT);
  EXPECT_NE(message.find("63996 bytes"), std::string::npos) << message;
  gst_harness_teardown(h);
}

TEST(EdgeSpectrum, DataBeforeCapsIsNotNegotiated) {
  GstHarness* h = gst_harness_new("edgespectrum");
  BusWatch bus(h);
  std::vector<float> x(16000, 0.0f);
  EXPECT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_SECOND)),
            GST_FLOW_NOT_NEGOTIATED);
  GQuark domain = 0;
  int code = 0;
  std::string message;
  ASSERT_TRUE(bus.error(&domain, &code, &message));
  EXPECT_EQ(domain, GST_CORE_ERROR);
  EXPECT_EQ(code, GST_CORE_ERROR_NEGOTIATION);
  gst_harness_teardown(h);
}

// Audio in buffers of 1000 samples: patches of 49 frames every patch-hop frames,
// timestamped from the stream's first sample, values equal to the core's on those samples.
TEST(EdgeSpectrum, AudioStreamIsCutIntoPatches) {
  GstHarness* h = gst_harness_new_parse("edgespectrum patch-hop=10");
  gst_harness_set_src_caps_str(h, kAudioCaps);
  const GstClockTime base = 5 * GST_SECOND;
  std::vector<float> x = test_signal(32000);
  for (size_t at = 0; at < x.size(); at += 1000) {
    GstBuffer* b = float_buffer(x.data() + at, 1000, base + at * GST_SECOND / 16000,
                                1000 * GST_SECOND / 16000);
    clip_meta_set(b, clip("long.wav", "go"));
    ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  }
  int rate_n = 0, rate_d = 0;
  EXPECT_EQ(output_dims(h, &rate_n, &rate_d), "40:49");
  EXPECT_EQ(rate_n, 5);  // 16000 / (10 * 320)
  EXPECT_EQ(rate_d, 1);
  // 1 + (32000 - 480) / 320 = 99 frames: patches complete at frames 49, 59, ..., 99.
  ASSERT_EQ(gst_harness_buffers_in_queue(h), 6u);
  Spectrogram reference{SpectrumConfig{}};
  for (int i = 0; i < 6; ++i) {
    GstBuffer* out = gst_harness_pull(h);
    const size_t first_sample = static_cast<size_t>(i) * 10 * 320;
    EXPECT_EQ(GST_BUFFER_PTS(out), base + first_sample * GST_SECOND / 16000) << i;
    EXPECT_EQ(GST_BUFFER_DURATION(out), 200 * GST_MSECOND);
    EXPECT_EQ(GST_BUFFER_OFFSET(out), first_sample);
    ClipInfo info;
    gint64 window_index = -1;
    ASSERT_TRUE(clip_meta_get(out, &info, &window_index));
    EXPECT_EQ(info.clip_id, "long.wav");
    EXPECT_EQ(window_index, i);
    std::vector<float> expected(49 * 40);
    reference.compute(x.data() + first_sample, 48 * 320 + 480, expected.data());
    std::vector<float> got = buffer_floats(out);
    for (size_t k = 0; k < got.size(); ++k) ASSERT_NEAR(got[k], expected[k], 1e-4) << i << "/" << k;
    gst_buffer_unref(out);
  }
  gst_harness_teardown(h);
}

// A clip boundary drops the unfinished patch, forwards the event and restarts framing and
// timestamps at the next clip's first buffer.
TEST(EdgeSpectrum, ClipBoundaryRestartsFramingAndIsForwarded) {
  GstHarness* h = gst_harness_new("edgespectrum");
  gst_harness_set_src_caps_str(h, kAudioCaps);
  std::vector<float> x = test_signal(16000);
  ASSERT_EQ(gst_harness_push(h, float_buffer(x.data(), 8000, 0, GST_SECOND / 2)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_in_queue(h), 0u);
  ASSERT_TRUE(gst_harness_push_event(h, clip_event_new(clip("b.wav", "no"))));
  GstBuffer* b = float_buffer(x.data(), 16000, 10 * GST_SECOND, GST_SECOND);
  clip_meta_set(b, clip("b.wav", "no"));
  ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_buffers_in_queue(h), 1u);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(GST_BUFFER_PTS(out), 10 * GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out), 980 * GST_MSECOND);  // 49 hops of 20 ms
  EXPECT_TRUE(GST_BUFFER_IS_DISCONT(out));
  ClipInfo info;
  gint64 window_index = -1;
  ASSERT_TRUE(clip_meta_get(out, &info, &window_index));
  EXPECT_EQ(info.clip_id, "b.wav");
  EXPECT_EQ(window_index, 0);
  gst_buffer_unref(out);
  bool forwarded = false;
  while (GstEvent* e = gst_harness_try_pull_event(h)) {
    ClipInfo event_info;
    if (clip_event_parse(e, &event_info)) {
      forwarded = true;
      EXPECT_EQ(event_info.clip_id, "b.wav");
    }
    gst_event_unref(e);
  }
  EXPECT_TRUE(forwarded);
  gst_harness_teardown(h);
}

TEST(EdgeSpectrum, StereoAudioNeedsMixdown) {
  const char* stereo_caps =
      "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int)16000, "
      "channels=(int)2";
  {
    GstHarness* h = gst_harness_new("edgespectrum");
    BusWatch bus(h);
    gst_harness_set_src_caps_str(h, stereo_caps);
    std::vector<float> x(2000, 0.0f);
    EXPECT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_MSECOND)),
              GST_FLOW_NOT_NEGOTIATED);
    GQuark domain = 0;
    int code = 0;
    std::string message;
    ASSERT_TRUE(bus.error(&domain, &code, &message));
    EXPECT_EQ(code, GST_CORE_ERROR_NEGOTIATION);
    gst_harness_teardown(h);
  }
  GstHarness* h = gst_harness_new_parse("edgespectrum mixdown=true");
  gst_harness_set_src_caps_str(h, stereo_caps);
  std::vector<float> mono = test_signal(16000), stereo(32000);
  for (size_t i = 0; i < mono.size(); ++i) stereo[2 * i] = stereo[2 * i + 1] = mono[i];
  ASSERT_EQ(gst_harness_push(h, float_buffer(stereo.data(), stereo.size(), 0, GST_SECOND)),
            GST_FLOW_OK);
  ASSERT_EQ(gst_harness_buffers_in_queue(h), 1u);
  GstBuffer* out = gst_harness_pull(h);
  Spectrogram reference{SpectrumConfig{}};
  std::vector<float> expected(49 * 40);
  reference.compute(mono.data(), 16000, expected.data());
  std::vector<float> got = buffer_floats(out);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-4) << i;
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(EdgeSpectrum, MisalignedAudioBufferIsAStreamFormatError) {
  GstHarness* h = gst_harness_new_parse("edgespectrum mixdown=true");
  BusWatch bus(h);
  gst_harness_set_src_caps_str(h,
                               "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, "
                               "rate=(int)16000, channels=(int)2");
  std::vector<float> x(3, 0.0f);  // one and a half stereo frames
  EXPECT_EQ(gst_harness_push(h, float_buffer(x.data(), x.size(), 0, GST_MSECOND)), GST_FLOW_ERROR);
  GQuark domain = 0;
  int code = 0;
  std::string message;
  ASSERT_TRUE(bus.error(&domain, &code, &message));
  EXPECT_EQ(domain, GST_STREAM_ERROR);
  EXPECT_EQ(code, GST_STREAM_ERROR_FORMAT);
  gst_harness_teardown(h);
}

}  // namespace
}  // namespace edge::gst
