// edgeinfer's preprocess parity check: a graph that states its preprocessing (preprocess=,
// statistics=) runs only when it equals the model's edgestream.preprocess/statistics
// metadata; a difference is a STREAM/WRONG_TYPE element error showing both sides, or a
// warning with check-preprocess=false. Models: TFLite Micro's hello_world with edgestream
// metadata added through core/optimize (written to a temporary file).
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "optimize/model_metadata.h"
#include "tests/common/test_util.h"

namespace {

constexpr const char* kPreprocess =
    "edgewindow size=1.0 ! edgenormalize mode=zscore stats-file=${stats}";
constexpr const char* kStatistics = "{\"mean\": [0.5], \"std\": [2.0]}";

std::string temp_file(const std::string& contents, const char* suffix) {
  std::string tmpl = std::string("/tmp/edge_parity_XXXXXX") + suffix;
  std::vector<char> path(tmpl.begin(), tmpl.end());
  path.push_back('\0');
  const int fd = mkstemps(path.data(), static_cast<int>(std::string(suffix).size()));
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  close(fd);
  return path.data();
}

// hello_world_float with (or without) edgestream preprocess metadata, as a temporary file.
struct Model {
  std::string path;
  Model(const std::string& source, const std::string& preprocess, const std::string& statistics) {
    edge::nn::EdgeMetadata meta;
    meta.preprocess = preprocess;
    meta.statistics = statistics;
    const edge::nn::Model model =
        edge::optimize::with_edge_metadata(edge::nn::read_tflite_file(source), meta);
    path = temp_file("", ".tflite");
    edge::nn::write_tflite_file(model, path);
  }
  ~Model() { std::remove(path.c_str()); }
};

struct BusMessage {
  GQuark domain = 0;
  int code = 0;
  std::string text;
};

// edgeinfer in a pipeline with the given properties, taken to PAUSED: the state change
// result and the first error and first warning it posted.
struct StartResult {
  GstStateChangeReturn change = GST_STATE_CHANGE_FAILURE;
  bool has_error = false, has_warning = false;
  BusMessage error, warning;
};

StartResult start(const std::string& model, const std::string& preprocess,
                  const std::string& statistics, bool check = true) {
  GstElement* pipeline =
      gst_parse_launch("appsrc name=src ! edgeinfer name=infer ! fakesink", nullptr);
  GstElement* infer = gst_bin_get_by_name(GST_BIN(pipeline), "infer");
  g_object_set(infer, "model", model.c_str(), "preprocess", preprocess.c_str(), "statistics",
               statistics.c_str(), "check-preprocess", check ? TRUE : FALSE, nullptr);
  gst_object_unref(infer);
  StartResult r;
  r.change = gst_element_set_state(pipeline, GST_STATE_PAUSED);
  GstBus* bus = gst_element_get_bus(pipeline);
  while (GstMessage* m = gst_bus_pop(bus)) {
    const GstMessageType type = GST_MESSAGE_TYPE(m);
    bool* seen = type == GST_MESSAGE_ERROR ? &r.has_error : &r.has_warning;
    BusMessage* out = type == GST_MESSAGE_ERROR ? &r.error : &r.warning;
    if ((type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING) && !*seen) {
      GError* err = nullptr;
      if (type == GST_MESSAGE_ERROR)
        gst_message_parse_error(m, &err, nullptr);
      else
        gst_message_parse_warning(m, &err, nullptr);
      *seen = true;
      out->domain = err->domain;
      out->code = err->code;
      out->text = err->message;
      g_error_free(err);
    }
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(EdgeInferParity, MatchingPreprocessAndStatisticsRunAndInfer) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, kPreprocess, kStatistics);
  // Same JSON value, other bytes (as a manifest re-serializes it): still equal.
  const std::string stats = temp_file("{\"std\":[2.0],\n \"mean\":[0.5]}\n", ".json");
  GstElement* infer = gst_element_factory_make("edgeinfer", nullptr);
  ASSERT_NE(infer, nullptr);
  g_object_set(infer, "model", model.path.c_str(), "preprocess", kPreprocess, "statistics",
               stats.c_str(), nullptr);
  GstHarness* h = gst_harness_new_with_element(infer, "sink", "src");
  gst_object_unref(infer);
  gst_harness_set_src_caps_str(h,
                               "other/tensors, format=static, num_tensors=1, types=float32, "
                               "dimensions=(string)1:1, framerate=10/1");
  const float x = 1.5707964f;
  GstBuffer* in = gst_buffer_new_allocate(nullptr, 4, nullptr);
  gst_buffer_fill(in, 0, &x, 4);
  GST_BUFFER_PTS(in) = 0;
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  float y = 0;
  gst_buffer_extract(out, 0, &y, 4);
  EXPECT_NEAR(y, 1.0f, 0.03f);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
  std::remove(stats.c_str());
}

TEST(EdgeInferParity, DifferentPreprocessIsRefusedShowingBoth) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, kPreprocess, kStatistics);
  const std::string stats = temp_file(kStatistics, ".json");
  const std::string other = "edgewindow size=0.5 ! edgenormalize mode=zscore stats-file=${stats}";
  const StartResult r = start(model.path, other, stats);
  EXPECT_EQ(r.change, GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(r.has_error);
  EXPECT_EQ(r.error.domain, GST_STREAM_ERROR);
  EXPECT_EQ(r.error.code, GST_STREAM_ERROR_WRONG_TYPE);
  EXPECT_TRUE(contains(r.error.text, "preprocess differs:")) << r.error.text;
  EXPECT_TRUE(contains(r.error.text, ": " + other)) << r.error.text;
  EXPECT_TRUE(contains(r.error.text, "model: " + std::string(kPreprocess))) << r.error.text;
  EXPECT_TRUE(contains(r.error.text, "check-preprocess=false")) << r.error.text;
  EXPECT_TRUE(contains(r.error.text, model.path)) << r.error.text;
  EXPECT_FALSE(contains(r.error.text, "statistics differ")) << r.error.text;
  std::remove(stats.c_str());
}

TEST(EdgeInferParity, DifferentOrMissingStatisticsAreRefused) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, kPreprocess, kStatistics);
  const std::string stats = temp_file("{\"mean\": [0.25], \"std\": [2.0]}", ".json");
  StartResult r = start(model.path, kPreprocess, stats);
  EXPECT_EQ(r.change, GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(r.has_error);
  EXPECT_EQ(r.error.code, GST_STREAM_ERROR_WRONG_TYPE);
  EXPECT_TRUE(contains(r.error.text, "statistics differ:")) << r.error.text;
  EXPECT_TRUE(contains(r.error.text, "{\"mean\":[0.25],\"std\":[2.0]}")) << r.error.text;
  EXPECT_TRUE(contains(r.error.text, "model: {\"mean\":[0.5],\"std\":[2.0]}")) << r.error.text;
  // The graph states the text but no statistics: the model's are missing from the stream.
  r = start(model.path, kPreprocess, "");
  ASSERT_TRUE(r.has_error);
  EXPECT_TRUE(contains(r.error.text, "graph: (none)")) << r.error.text;
  std::remove(stats.c_str());
}

TEST(EdgeInferParity, OverrideRunsWithAWarningShowingBoth) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, "edgenormalize mode=minmax ranges=0:1", "");
  const StartResult r = start(model.path, "edgenormalize mode=minmax ranges=0:2", "", false);
  EXPECT_NE(r.change, GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(r.has_warning);
  EXPECT_EQ(r.warning.domain, GST_STREAM_ERROR);
  EXPECT_EQ(r.warning.code, GST_STREAM_ERROR_WRONG_TYPE);
  EXPECT_TRUE(contains(r.warning.text, "ranges=0:2")) << r.warning.text;
  EXPECT_TRUE(contains(r.warning.text, "model: edgenormalize mode=minmax ranges=0:1"))
      << r.warning.text;
}

TEST(EdgeInferParity, ModelWithoutMetadataWarnsAndRuns) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  const StartResult r = start(source, kPreprocess, "", true);
  EXPECT_NE(r.change, GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(r.has_warning);
  EXPECT_TRUE(contains(r.warning.text, "carries no edgestream preprocess metadata"))
      << r.warning.text;
}

TEST(EdgeInferParity, NothingStatedIsNotChecked) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, kPreprocess, kStatistics);
  const StartResult r = start(model.path, "", "");
  EXPECT_NE(r.change, GST_STATE_CHANGE_FAILURE);
  EXPECT_FALSE(r.has_error);
}

// A model trained with stated preprocessing in a graph that states none (a hand-written
// pipeline, or edgeinfer behind NNStreamer's tensor_converter): it runs, and the check it could
// not make is a warning on the bus showing what the model expects, not only a log line.
TEST(EdgeInferParity, UncheckedParityIsAWarningOnTheBus) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, kPreprocess, kStatistics);
  const StartResult r = start(model.path, "", "");
  EXPECT_NE(r.change, GST_STATE_CHANGE_FAILURE);
  EXPECT_FALSE(r.has_error);
  ASSERT_TRUE(r.has_warning);
  EXPECT_EQ(r.warning.domain, GST_STREAM_ERROR);
  EXPECT_EQ(r.warning.code, GST_STREAM_ERROR_WRONG_TYPE);
  EXPECT_TRUE(contains(r.warning.text, "this graph states none")) << r.warning.text;
  EXPECT_TRUE(contains(r.warning.text, model.path)) << r.warning.text;
  EXPECT_TRUE(contains(r.warning.text, kPreprocess)) << r.warning.text;
  // A model without metadata in a graph that states nothing: nothing to check, nothing said.
  const StartResult quiet = start(source, "", "");
  EXPECT_FALSE(quiet.has_warning) << quiet.warning.text;
}

TEST(EdgeInferParity, MissingStatisticsFileIsNamed) {
  EDGE_REQUIRE_SHARED(source, "models/tflm/hello_world_float.tflite");
  Model model(source, kPreprocess, kStatistics);
  const StartResult r = start(model.path, kPreprocess, "/no/such/stats.json");
  EXPECT_EQ(r.change, GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(r.has_error);
  EXPECT_EQ(r.error.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(r.error.code, GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_TRUE(contains(r.error.text, "edgeinfer statistics /no/such/stats.json")) << r.error.text;
}

TEST(EdgeInferParity, PropertiesRoundTrip) {
  GstElement* infer = gst_element_factory_make("edgeinfer", nullptr);
  ASSERT_NE(infer, nullptr);
  gchar* preprocess = nullptr;
  gchar* statistics = nullptr;
  gboolean check = FALSE;
  g_object_get(infer, "preprocess", &preprocess, "statistics", &statistics, "check-preprocess",
               &check, nullptr);
  EXPECT_STREQ(preprocess, "");
  EXPECT_STREQ(statistics, "");
  EXPECT_TRUE(check);
  g_free(preprocess);
  g_free(statistics);
  g_object_set(infer, "preprocess", "a ! b", "check-preprocess", FALSE, nullptr);
  g_object_get(infer, "preprocess", &preprocess, "check-preprocess", &check, nullptr);
  EXPECT_STREQ(preprocess, "a ! b");
  EXPECT_FALSE(check);
  g_free(preprocess);
  gst_object_unref(infer);
}

}  // namespace
