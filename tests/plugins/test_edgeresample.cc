// edgeresample through GstHarness: the samples of the core (bit for bit) whatever the buffer
// sizes, each clip as if alone across clip events, SEGMENT, DISCONT gaps and EOS, sample-exact
// timestamps, the clip meta on every buffer (the drained tail too), passthrough at equal
// rates, the latency it adds, and a ratio it cannot do as a negotiation error.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "signal/resample.h"

namespace {

using edge::signal::resample_clip;

std::vector<float> noise(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-0.5f, 0.5f);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

std::vector<uint32_t> bits(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

GstBuffer* float_buffer(const float* values, size_t count, GstClockTime pts) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, count * sizeof(float), nullptr);
  gst_buffer_fill(buffer, 0, values, count * sizeof(float));
  GST_BUFFER_PTS(buffer) = pts;
  return buffer;
}

struct Out {
  std::vector<float> samples;
  std::vector<GstClockTime> pts, end;
  std::vector<bool> discont;
  std::vector<std::string> clip_ids;
};

// Pulls every buffer the harness holds.
void pull_all(GstHarness* h, Out* out) {
  while (GstBuffer* b = gst_harness_try_pull(h)) {
    std::vector<float> v(gst_buffer_get_size(b) / sizeof(float));
    gst_buffer_extract(b, 0, v.data(), v.size() * sizeof(float));
    out->samples.insert(out->samples.end(), v.begin(), v.end());
    out->pts.push_back(GST_BUFFER_PTS(b));
    out->end.push_back(GST_BUFFER_PTS(b) + GST_BUFFER_DURATION(b));
    out->discont.push_back(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT));
    edge::gst::ClipInfo clip;
    out->clip_ids.push_back(edge::gst::clip_meta_get(b, &clip) ? clip.clip_id : "");
    gst_buffer_unref(b);
  }
}

GstHarness* resampler(int in_rate, int out_rate, int channels) {
  GstHarness* h = gst_harness_new_parse(
      ("edgeresample name=r ! capsfilter caps=audio/x-raw,rate=" + std::to_string(out_rate))
          .c_str());
  gst_harness_set_src_caps_str(
      h, ("audio/x-raw,format=F32LE,layout=interleaved,rate=" + std::to_string(in_rate) +
          ",channels=" + std::to_string(channels))
             .c_str());
  return h;
}

// Pushes a clip in buffers of `chunk` frames with its clip meta, starting at `pts`.
void push_clip(GstHarness* h, const std::vector<float>& clip, int channels, int rate, size_t chunk,
               GstClockTime pts, const std::string& id) {
  edge::gst::ClipInfo info;
  info.clip_id = id;
  info.label = "dog";
  const size_t frames = clip.size() / static_cast<size_t>(channels);
  for (size_t at = 0; at < frames; at += chunk) {
    const size_t n = std::min(chunk, frames - at);
    GstBuffer* b = float_buffer(clip.data() + at * channels, n * channels,
                                pts + gst_util_uint64_scale_int(at, GST_SECOND, rate));
    if (at == 0) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
    edge::gst::clip_meta_set(b, info);
    ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK);
  }
}

TEST(EdgeResample, SamplesOfTheCoreWhateverTheBufferSizes) {
  const std::vector<float> clip = noise(2 * 30011, 1);
  const std::vector<float> expected = resample_clip(clip.data(), 30011, 2, 22050, 30000);
  for (size_t chunk : {size_t{1000}, size_t{4096}, size_t{30011}}) {
    GstHarness* h = resampler(22050, 30000, 2);
    push_clip(h, clip, 2, 22050, chunk, 0, "a");
    gst_harness_push_event(h, gst_event_new_eos());
    Out out;
    pull_all(h, &out);
    EXPECT_EQ(bits(out.samples), bits(expected)) << "chunks of " << chunk;
    gst_harness_teardown(h);
  }
}

TEST(EdgeResample, EachClipAsIfAloneAcrossBoundaries) {
  const std::vector<float> a = noise(44100, 2), b = noise(20000, 3), c = noise(7000, 4);
  const auto alone = [](const std::vector<float>& x) {
    return resample_clip(x.data(), x.size(), 1, 44100, 16000);
  };
  GstHarness* h = resampler(44100, 16000, 1);
  // Clip boundary as edgedatasetsrc sends it: SEGMENT, then the clip event.
  push_clip(h, a, 1, 44100, 4096, 0, "a");
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_harness_push_event(h, gst_event_new_segment(&segment));
  edge::gst::ClipInfo info;
  info.clip_id = "b";
  gst_harness_push_event(h, edge::gst::clip_event_new(info));
  push_clip(h, b, 1, 44100, 4096, GST_SECOND, "b");
  // A gap in time (DISCONT 1 s later than where the stream was) ends a run too.
  push_clip(h, c, 1, 44100, 4096, 3 * GST_SECOND, "c");
  gst_harness_push_event(h, gst_event_new_eos());
  Out out;
  pull_all(h, &out);
  std::vector<float> expected = alone(a);
  for (const auto& x : {alone(b), alone(c)}) expected.insert(expected.end(), x.begin(), x.end());
  EXPECT_EQ(bits(out.samples), bits(expected));
  // 16000 frames of a from 0 s, 7257 of b from 1 s, 2540 of c from 3 s: sample exact.
  ASSERT_FALSE(out.pts.empty());
  EXPECT_EQ(out.pts.front(), 0u);
  EXPECT_EQ(out.end.back(), 3 * GST_SECOND + gst_util_uint64_scale_int(2540, GST_SECOND, 16000));
  int runs = 0;
  for (size_t i = 0; i < out.pts.size(); ++i) {
    if (out.discont[i]) ++runs;
    if (i > 0 && !out.discont[i]) {
      EXPECT_EQ(out.pts[i], out.end[i - 1]) << "buffer " << i;
    }
    EXPECT_FALSE(out.clip_ids[i].empty()) << "buffer " << i << " has no clip meta";
  }
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(out.clip_ids.back(), "c");  // the drained tail keeps its clip's meta
  gst_harness_teardown(h);
}

TEST(EdgeResample, EqualRatesPassThrough) {
  GstHarness* h = resampler(16000, 16000, 1);
  const std::vector<float> x = noise(1000, 5);
  GstBuffer* in = float_buffer(x.data(), x.size(), 0);
  gst_buffer_ref(in);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(out, in);  // the same buffer, untouched
  gst_buffer_unref(out);
  gst_buffer_unref(in);
  gchar* kernel = nullptr;
  GstElement* e = gst_bin_get_by_name(GST_BIN(h->element), "r");
  g_object_get(e, "kernel", &kernel, nullptr);
  EXPECT_STREQ(kernel, "none");
  g_free(kernel);
  gst_object_unref(e);
  gst_harness_teardown(h);
}

TEST(EdgeResample, KernelAndLatency) {
  GstHarness* h = resampler(22050, 30000, 1);
  const std::vector<float> x = noise(4096, 6);
  push_clip(h, x, 1, 22050, 4096, 0, "a");
  GstElement* e = gst_bin_get_by_name(GST_BIN(h->element), "r");
  gchar* kernel = nullptr;
  g_object_get(e, "kernel", &kernel, nullptr);
  edge::signal::Resampler core(22050, 30000, 1);
  EXPECT_STREQ(kernel, edge::signal::resample_kernel_name(core.kernel()));
  g_free(kernel);
  GstQuery* q = gst_query_new_latency();
  GstPad* src = gst_element_get_static_pad(e, "src");
  // Upstream (the harness) says it adds nothing: the element adds its own.
  ASSERT_TRUE(gst_pad_query(src, q));
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(q, &live, &min, &max);
  EXPECT_EQ(min, gst_util_uint64_scale_int(core.latency_frames(), GST_SECOND, 22050));
  gst_query_unref(q);
  gst_object_unref(src);
  gst_object_unref(e);
  gst_harness_teardown(h);
}

TEST(EdgeResample, RatioItCannotDoIsANegotiationError) {
  GstElement* pipeline = gst_parse_launch(
      "audiotestsrc num-buffers=2 ! audio/x-raw,format=F32LE,rate=44101,channels=1 ! "
      "edgeresample ! audio/x-raw,rate=16000 ! fakesink",
      nullptr);
  ASSERT_NE(pipeline, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_ERROR);
  GError* error = nullptr;
  gst_message_parse_error(m, &error, nullptr);
  EXPECT_EQ(error->domain, GST_CORE_ERROR);
  EXPECT_NE(std::string(error->message).find("44101 Hz -> 16000 Hz"), std::string::npos)
      << error->message;
  g_error_free(error);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

}  // namespace
