// edgefuse in a small pipeline: two appsrc (one per branch) -> edgefuse -> appsink.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"

namespace edge::gst {
namespace {

std::string scores_caps(int classes) {
  return "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
         "dimensions=(string)" +
         std::to_string(classes) + ", framerate=(fraction)2/1";
}

GstBuffer* scores(const std::vector<float>& values, GstClockTime pts,
                  GstClockTime duration = GST_SECOND) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, values.size() * sizeof(float), nullptr);
  gst_buffer_fill(b, 0, values.data(), values.size() * sizeof(float));
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = duration;
  return b;
}

// The meta edgeinfer attaches: the best `k` of values, named by `labels`.
void add_class_meta(GstBuffer* b, const std::vector<float>& values,
                    const std::vector<std::string>& labels, size_t k, guint64 latency_ns) {
  std::vector<ClassEntry> entries;
  for (size_t i = 0; i < values.size(); ++i)
    entries.push_back({labels[i], static_cast<int>(i), values[i]});
  std::stable_sort(entries.begin(), entries.end(),
                   [](const ClassEntry& a, const ClassEntry& b) { return a.score > b.score; });
  entries.resize(k);
  class_meta_set(b, entries, latency_ns);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// appsrc a -> fuse.sink_0, appsrc b -> fuse.sink_1, edgefuse -> appsink.
class FuseGraph {
 public:
  // `branch`: elements between each appsrc and its edgefuse pad ("edgegate ! ", say).
  explicit FuseGraph(const std::string& fuse_properties, int classes_a = 3, int classes_b = 3,
                     int pads = 2, const std::string& branch = "") {
    std::string description = "edgefuse name=fuse " + fuse_properties +
                              " ! appsink name=out sync=false wait-on-eos=false "
                              "appsrc name=a format=time ! " +
                              branch + "fuse.sink_0 ";
    if (pads > 1) description += "appsrc name=b format=time ! " + branch + "fuse.sink_1 ";
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    EXPECT_EQ(error, nullptr) << (error ? error->message : "");
    if (error) g_error_free(error);
    a_ = gst_bin_get_by_name(GST_BIN(pipeline_), "a");
    b_ = pads > 1 ? gst_bin_get_by_name(GST_BIN(pipeline_), "b") : nullptr;
    fuse_ = gst_bin_get_by_name(GST_BIN(pipeline_), "fuse");
    out_ = gst_bin_get_by_name(GST_BIN(pipeline_), "out");
    set_caps(a_, classes_a);
    if (b_) set_caps(b_, classes_b);
    GstPad* in = gst_element_get_static_pad(out_, "sink");
    gst_pad_add_probe(
        in, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        note_flow, this, nullptr);
    gst_object_unref(in);
  }
  ~FuseGraph() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (GstElement* e : {a_, b_, fuse_, out_})
      if (e) gst_object_unref(e);
    gst_object_unref(pipeline_);
  }

  GstElement* a() { return a_; }
  GstElement* b() { return b_; }
  GstElement* fuse() { return fuse_; }

  bool play() {
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }

  static void push(GstElement* src, GstBuffer* buffer) {
    GstFlowReturn ret = GST_FLOW_OK;
    g_signal_emit_by_name(src, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
  }
  static void eos(GstElement* src) {
    GstFlowReturn ret = GST_FLOW_OK;
    g_signal_emit_by_name(src, "end-of-stream", &ret);
  }

  // Waits for EOS or an error: true on EOS; else *error holds the error's message.
  bool finish(std::string* error = nullptr) {
    GstBus* bus = gst_element_get_bus(pipeline_);
    GstMessage* m = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND,
                                               GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    gst_object_unref(bus);
    if (!m) {
      if (error) *error = "(timed out)";
      return false;
    }
    const bool eos = GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (!eos) {
      GError* err = nullptr;
      gst_message_parse_error(m, &err, nullptr);
      if (error) *error = err->message;
      g_error_free(err);
    }
    gst_message_unref(m);
    return eos;
  }

  // What reached appsink, in order: "window PTS" per buffer, "gate PTS LEVEL" per gate event
  // (PTS in ms, the level in whole dB).
  std::vector<std::string> flow() {
    std::lock_guard<std::mutex> hold(flow_lock_);
    return flow_;
  }

  // The buffers appsink received (after finish()), referenced.
  std::vector<GstBuffer*> output() {
    std::vector<GstBuffer*> buffers;
    while (true) {
      GstSample* sample = nullptr;
      g_signal_emit_by_name(out_, "try-pull-sample", GstClockTime(0), &sample);
      if (!sample) break;
      buffers.push_back(gst_buffer_ref(gst_sample_get_buffer(sample)));
      gst_sample_unref(sample);
    }
    return buffers;
  }

 private:
  static void set_caps(GstElement* src, int classes) {
    GstCaps* caps = gst_caps_from_string(scores_caps(classes).c_str());
    g_object_set(src, "caps", caps, nullptr);
    gst_caps_unref(caps);
  }

  static GstPadProbeReturn note_flow(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<FuseGraph*>(data);
    std::string entry;
    GateInfo gate;
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
      entry =
          "window " + std::to_string(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)) / GST_MSECOND);
    else if (gate_event_parse(GST_PAD_PROBE_INFO_EVENT(info), &gate))
      entry = "gate " + std::to_string(gate.pts / GST_MSECOND) + " " +
              std::to_string(static_cast<int>(std::lround(gate.level_db)));
    if (!entry.empty()) {
      std::lock_guard<std::mutex> hold(self->flow_lock_);
      self->flow_.push_back(entry);
    }
    return GST_PAD_PROBE_OK;
  }

  std::mutex flow_lock_;
  std::vector<std::string> flow_;
  GstElement* pipeline_ = nullptr;
  GstElement *a_ = nullptr, *b_ = nullptr, *fuse_ = nullptr, *out_ = nullptr;
};

std::vector<float> values_of(GstBuffer* b) {
  std::vector<float> v(gst_buffer_get_size(b) / sizeof(float));
  gst_buffer_extract(b, 0, v.data(), v.size() * sizeof(float));
  return v;
}

void unref_all(std::vector<GstBuffer*>* buffers) {
  for (GstBuffer* b : *buffers) gst_buffer_unref(b);
  buffers->clear();
}

TEST(EdgeFuse, EqualWeightsAreTheMeanWithTheFirstPadsTimestamps) {
  FuseGraph g("");
  ASSERT_TRUE(g.play());
  for (int w = 0; w < 3; ++w) {
    const GstClockTime pts = w * GST_SECOND / 2;
    FuseGraph::push(g.a(), scores({0.5f, 0.25f, 0.25f}, pts));
    // The second branch stamps a little later (its own resampler): within half a window.
    FuseGraph::push(g.b(), scores({0.0f, 1.0f, 0.0f}, pts + 10 * GST_MSECOND, 2 * GST_SECOND));
  }
  FuseGraph::eos(g.a());
  FuseGraph::eos(g.b());
  std::string error;
  ASSERT_TRUE(g.finish(&error)) << error;
  std::vector<GstBuffer*> out = g.output();
  ASSERT_EQ(out.size(), 3u);
  for (size_t w = 0; w < out.size(); ++w) {
    EXPECT_EQ(values_of(out[w]), (std::vector<float>{0.25f, 0.625f, 0.125f}));
    EXPECT_EQ(GST_BUFFER_PTS(out[w]), w * GST_SECOND / 2);
    EXPECT_EQ(GST_BUFFER_DURATION(out[w]), GST_SECOND);
    EXPECT_EQ(edge_buffer_get_class_meta(out[w]), nullptr);  // none came in
  }
  guint64 windows = 0;
  g_object_get(g.fuse(), "windows", &windows, nullptr);
  EXPECT_EQ(windows, 3u);
  unref_all(&out);
}

// Each branch gated as `edgestream classify A B` gates it: the windows edgegate takes out go on
// as one gate event each (the first pad's), in stream order, so edgelabelsink writes their
// silence lines; the first window gated comes before any fused one (a live microphone's start).
TEST(EdgeFuse, GatedWindowsGoOnAsOneGateEventEach) {
  FuseGraph g("", 3, 3, 2, "edgegate min-level-db=-40 ! ");
  ASSERT_TRUE(g.play());
  const std::vector<float> quiet_a = {0.001f, 0.001f, 0.001f};  // -60 dBFS
  const std::vector<float> quiet_b = {0.002f, 0.002f, 0.002f};  // -54 dBFS
  const std::vector<float> loud_a = {0.5f, 0.25f, 0.25f}, loud_b = {0.0f, 1.0f, 0.0f};
  for (int w = 0; w < 5; ++w) {
    const bool quiet = w != 1 && w != 4;
    const GstClockTime pts = w * GST_SECOND / 2;
    FuseGraph::push(g.a(), scores(quiet ? quiet_a : loud_a, pts));
    FuseGraph::push(g.b(), scores(quiet ? quiet_b : loud_b, pts));
  }
  FuseGraph::eos(g.a());
  FuseGraph::eos(g.b());
  std::string error;
  ASSERT_TRUE(g.finish(&error)) << error;
  EXPECT_EQ(g.flow(), (std::vector<std::string>{"gate 0 -60", "window 500", "gate 1000 -60",
                                                "gate 1500 -60", "window 2000"}));
  std::vector<GstBuffer*> out = g.output();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(values_of(out[0]), (std::vector<float>{0.25f, 0.625f, 0.125f}));
  guint64 windows = 0;
  g_object_get(g.fuse(), "windows", &windows, nullptr);
  EXPECT_EQ(windows, 2u);
  unref_all(&out);
}

TEST(EdgeFuse, WeightsFollowThePadOrder) {
  FuseGraph g("weights=3,1");
  ASSERT_TRUE(g.play());
  FuseGraph::push(g.b(), scores({0.0f, 1.0f, 0.0f}, 0));  // sink_1 first: the order is the pads'
  FuseGraph::push(g.a(), scores({0.5f, 0.25f, 0.25f}, 0));
  FuseGraph::eos(g.a());
  FuseGraph::eos(g.b());
  std::string error;
  ASSERT_TRUE(g.finish(&error)) << error;
  std::vector<GstBuffer*> out = g.output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(values_of(out[0]), (std::vector<float>{0.375f, 0.4375f, 0.1875f}));
  unref_all(&out);
}

TEST(EdgeFuse, ClassMetaHoldsTheFusedTopEntriesNamedByTheInputs) {
  FuseGraph g("");
  ASSERT_TRUE(g.play());
  const std::vector<std::string> labels = {"dog_bark", "siren", "drilling"};
  const std::vector<float> a = {0.6f, 0.3f, 0.1f}, b = {0.1f, 0.1f, 0.8f};
  GstBuffer* in_a = scores(a, 0);
  add_class_meta(in_a, a, labels, 2, 1000);  // names dog_bark and siren
  ClipInfo clip;
  clip.clip_id = "7061-6-0-0.wav";
  clip.label = "siren";
  clip_meta_set(in_a, clip, 4);
  GstBuffer* in_b = scores(b, 0);
  add_class_meta(in_b, b, labels, 2, 3000);  // names drilling and dog_bark
  FuseGraph::push(g.a(), in_a);
  FuseGraph::push(g.b(), in_b);
  FuseGraph::eos(g.a());
  FuseGraph::eos(g.b());
  std::string error;
  ASSERT_TRUE(g.finish(&error)) << error;
  std::vector<GstBuffer*> out = g.output();
  ASSERT_EQ(out.size(), 1u);
  std::vector<ClassEntry> entries;
  guint64 latency = 0;
  ASSERT_TRUE(class_meta_get(out[0], &entries, &latency));
  ASSERT_EQ(entries.size(), 2u);            // as many as the first input's meta
  EXPECT_EQ(entries[0].label, "drilling");  // 0.45, named only by the second input
  EXPECT_EQ(entries[0].index, 2);
  EXPECT_FLOAT_EQ(entries[0].score, 0.45f);
  EXPECT_EQ(entries[1].label, "dog_bark");
  EXPECT_EQ(entries[1].index, 0);
  EXPECT_FLOAT_EQ(entries[1].score, 0.35f);
  EXPECT_EQ(latency, 4000u);
  ClipInfo got;
  gint64 window = -1;
  ASSERT_TRUE(clip_meta_get(out[0], &got, &window));
  EXPECT_EQ(got.clip_id, "7061-6-0-0.wav");
  EXPECT_EQ(window, 4);
  unref_all(&out);
}

TEST(EdgeFuse, DifferentLabelsForOneClassAreRefusedNamingBoth) {
  FuseGraph g("");
  ASSERT_TRUE(g.play());
  const std::vector<float> v = {0.6f, 0.3f, 0.1f};
  GstBuffer* in_a = scores(v, 0);
  add_class_meta(in_a, v, {"dog_bark", "siren", "drilling"}, 3, 0);
  GstBuffer* in_b = scores(v, 0);
  add_class_meta(in_b, v, {"dog_bark", "jackhammer", "drilling"}, 3, 0);
  FuseGraph::push(g.a(), in_a);
  FuseGraph::push(g.b(), in_b);
  std::string error;
  ASSERT_FALSE(g.finish(&error));
  EXPECT_TRUE(contains(error, "sink_0 calls class 1 \"siren\" but sink_1 calls it \"jackhammer\""))
      << error;
}

TEST(EdgeFuse, PadsOfDifferentSizesAreRefusedNamingBoth) {
  FuseGraph g("", 10, 5);
  ASSERT_TRUE(g.play());
  FuseGraph::push(g.a(), scores(std::vector<float>(10, 0.1f), 0));
  FuseGraph::push(g.b(), scores(std::vector<float>(5, 0.2f), 0));
  std::string error;
  ASSERT_FALSE(g.finish(&error));
  EXPECT_TRUE(contains(error, "sink_0 carries 10 scores but sink_1 carries 5") ||
              contains(error, "sink_1 carries 5 scores but sink_0 carries 10"))
      << error;
}

TEST(EdgeFuse, BranchesOutOfStepAreRefusedNamingPadsAndTimestamps) {
  FuseGraph g("");
  ASSERT_TRUE(g.play());
  FuseGraph::push(g.a(), scores({0.5f, 0.25f, 0.25f}, 0));
  FuseGraph::push(g.b(), scores({0.0f, 1.0f, 0.0f}, GST_SECOND / 2));  // the next window
  std::string error;
  ASSERT_FALSE(g.finish(&error));
  EXPECT_TRUE(contains(error, "branches out of step")) << error;
  EXPECT_TRUE(contains(error, "sink_0 has the window at 0:00:00.000000000")) << error;
  EXPECT_TRUE(contains(error, "sink_1 the window at 0:00:00.500000000")) << error;
  std::vector<GstBuffer*> out = g.output();
  EXPECT_TRUE(out.empty());  // nothing fused from different windows
  unref_all(&out);
}

TEST(EdgeFuse, OneBranchEndingEarlyIsRefused) {
  FuseGraph g("");
  ASSERT_TRUE(g.play());
  FuseGraph::push(g.a(), scores({0.5f, 0.25f, 0.25f}, 0));
  FuseGraph::push(g.b(), scores({0.0f, 1.0f, 0.0f}, 0));
  FuseGraph::push(g.a(), scores({0.5f, 0.25f, 0.25f}, GST_SECOND / 2));
  FuseGraph::eos(g.b());
  FuseGraph::eos(g.a());
  std::string error;
  ASSERT_FALSE(g.finish(&error));
  EXPECT_TRUE(contains(error, "sink_1 ended while sink_0 still has a window at 0:00:00.5"))
      << error;
  EXPECT_TRUE(contains(error, "a branch lost windows")) << error;
}

TEST(EdgeFuse, FewerThanTwoPadsDoNotStart) {
  FuseGraph g("", 3, 3, 1);
  EXPECT_FALSE(g.play());
  std::string error;
  ASSERT_FALSE(g.finish(&error));
  EXPECT_TRUE(contains(error, "needs 2 or more sink pads to fuse, it has 1")) << error;
}

TEST(EdgeFuse, WeightsThatDoNotFitThePadsDoNotStart) {
  for (const char* weights : {"1,2,3", "1,-1", "0,0", "1,x"}) {
    FuseGraph g("");
    // The property's own check warns at set time and keeps the value (keep_invalid), so the
    // element refuses at start with its own error.
    g_object_set(g.fuse(), "weights", weights, nullptr);
    EXPECT_FALSE(g.play()) << weights;
    std::string error;
    ASSERT_FALSE(g.finish(&error));
    EXPECT_TRUE(contains(error, std::string("weights=\"") + weights + "\"")) << error;
  }
}

}  // namespace
}  // namespace edge::gst
