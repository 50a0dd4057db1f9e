#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"

namespace edge::gst {
namespace {

const char kScoreCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
    "dimensions=(string)2, framerate=(fraction)0/1";

std::string temp_path(const char* name) {
  gchar* dir = g_dir_make_tmp("edgelabelsink-XXXXXX", nullptr);
  std::string path = std::string(dir) + "/" + name;
  g_free(dir);
  return path;
}

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

GstBuffer* scored_buffer(float flex, float punch, GstClockTime pts, bool with_meta,
                         const char* clip = "punch.csv#0") {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 2 * sizeof(float), nullptr);
  float values[2] = {flex, punch};
  gst_buffer_fill(b, 0, values, sizeof(values));
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = 300 * GST_MSECOND;
  if (with_meta) {
    std::vector<ClassEntry> entries = {{"flex", 0, flex}, {"punch", 1, punch}};
    if (punch > flex) std::swap(entries[0], entries[1]);
    class_meta_set(b, entries, 2000);
  }
  ClipInfo info;
  info.clip_id = clip;
  info.label = "punch";
  info.label_index = 1;
  clip_meta_set(b, info, 0);
  return b;
}

TEST(EdgeLabelSink, WritesOneJsonLinePerWindowFromTheClassMeta) {
  std::string path = temp_path("labels.jsonl");
  GstHarness* h = gst_harness_new_parse(("edgelabelsink top-k=2 location=" + path).c_str());
  gst_harness_set_src_caps_str(h, kScoreCaps);
  ASSERT_EQ(gst_harness_push(h, scored_buffer(0.1f, 0.9f, 0, true)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(h, scored_buffer(0.8f, 0.2f, 300 * GST_MSECOND, true)), GST_FLOW_OK);
  guint64 results = 0;
  g_object_get(gst_harness_find_element(h, "edgelabelsink"), "results", &results, nullptr);
  EXPECT_EQ(results, 2u);
  gst_harness_teardown(h);  // closes the file

  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["label"], "punch");
  EXPECT_NEAR(lines[0]["score"].get<double>(), 0.9, 1e-6);
  EXPECT_EQ(lines[0]["truth"], "punch");
  EXPECT_EQ(lines[0]["clip"], "punch.csv#0");
  EXPECT_DOUBLE_EQ(lines[0]["latency_ms"]["invoke"].get<double>(), 0.002);
  EXPECT_DOUBLE_EQ(lines[1]["pts"].get<double>(), 0.3);
  EXPECT_EQ(lines[1]["label"], "flex");
  EXPECT_EQ(lines[1]["top"].size(), 2u);
}

// edgeinfer's meta holds only its top k entries; with more classes than k the highest index
// in the meta changes from buffer to buffer. The class count comes from the caps instead.
TEST(EdgeLabelSink, TopKMetasOfAWiderModelKeepOneScorePerClass) {
  std::string path = temp_path("topk.jsonl");
  GstHarness* h =
      gst_harness_new_parse(("edgelabelsink top-k=2 smoothing=2 location=" + path).c_str());
  gst_harness_set_src_caps_str(h,
                               "other/tensors, format=(string)static, num_tensors=(int)1, "
                               "types=(string)float32, dimensions=(string)5, "
                               "framerate=(fraction)0/1");
  const std::vector<std::vector<ClassEntry>> metas = {
      {{"dog", 4, 0.7f}, {"car", 1, 0.2f}},   // highest index 4
      {{"car", 1, 0.6f}, {"bird", 0, 0.3f}},  // highest index 1: was refused before
  };
  for (size_t i = 0; i < metas.size(); ++i) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, 5 * sizeof(float), nullptr);
    gst_buffer_memset(b, 0, 0, 5 * sizeof(float));
    GST_BUFFER_PTS(b) = i * GST_SECOND;
    class_meta_set(b, metas[i], 1000);
    ASSERT_EQ(gst_harness_push(h, b), GST_FLOW_OK) << "buffer " << i;
  }
  gst_harness_teardown(h);
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  // Mean over the two windows: car (0.2 + 0.6) / 2 = 0.4, dog 0.35, bird 0.15.
  EXPECT_EQ(lines[1]["top"][0]["label"], "car");
  EXPECT_NEAR(lines[1]["top"][0]["score"].get<double>(), 0.4, 1e-6);
  EXPECT_EQ(lines[1]["top"][1]["label"], "dog");
  EXPECT_NEAR(lines[1]["top"][1]["score"].get<double>(), 0.35, 1e-6);
}

TEST(EdgeLabelSink, SmoothsThresholdsAndResetsAtClipBoundaries) {
  std::string path = temp_path("smooth.jsonl");
  GstHarness* h =
      gst_harness_new_parse(("edgelabelsink smoothing=2 threshold=0.7 location=" + path).c_str());
  gst_harness_set_src_caps_str(h, kScoreCaps);
  gst_harness_push(h, scored_buffer(0.0f, 1.0f, 0, true));           // punch 1.0
  gst_harness_push(h, scored_buffer(1.0f, 0.0f, GST_SECOND, true));  // 0.5 / 0.5: below 0.7
  ClipInfo next;
  next.clip_id = "flex.csv#0";
  ASSERT_TRUE(gst_harness_push_event(h, clip_event_new(next)));
  gst_harness_push(
      h, scored_buffer(1.0f, 0.0f, 2 * GST_SECOND, true, "flex.csv#0"));  // fresh: flex 1.0
  guint64 accepted = 0;
  g_object_get(gst_harness_find_element(h, "edgelabelsink"), "accepted", &accepted, nullptr);
  EXPECT_EQ(accepted, 2u);
  gst_harness_teardown(h);
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["label"], "punch");
  EXPECT_TRUE(lines[1]["label"].is_null());
  EXPECT_NEAR(lines[1]["score"].get<double>(), 0.5, 1e-6);
  EXPECT_EQ(lines[2]["label"], "flex");
  EXPECT_NEAR(lines[2]["score"].get<double>(), 1.0, 1e-6);
}

TEST(EdgeLabelSink, ReadsScoresFromATensorWithLabelsFromAFile) {
  std::string labels = temp_path("labels.txt");
  {
    std::ofstream out(labels);
    out << "flex\r\npunch\r\n";
  }
  std::string path = temp_path("tensor.jsonl");
  GstHarness* h =
      gst_harness_new_parse(("edgelabelsink labels=" + labels + " location=" + path).c_str());
  gst_harness_set_src_caps_str(h, kScoreCaps);
  gst_harness_push(h, scored_buffer(0.25f, 0.75f, 0, false));
  gst_harness_teardown(h);
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["label"], "punch");
  EXPECT_TRUE(lines[0]["latency_ms"]["invoke"].is_null());
}

TEST(EdgeLabelSink, PostsAnElementMessagePerWindow) {
  std::string path = temp_path("bus.jsonl");
  GstHarness* h = gst_harness_new_parse(("edgelabelsink location=" + path).c_str());
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_src_caps_str(h, kScoreCaps);
  gst_harness_push(h, scored_buffer(0.1f, 0.9f, 0, true));
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT);
  ASSERT_NE(m, nullptr);
  const GstStructure* s = gst_message_get_structure(m);
  EXPECT_TRUE(gst_structure_has_name(s, "edgestream-label"));
  EXPECT_STREQ(gst_structure_get_string(s, "label"), "punch");
  EXPECT_STREQ(gst_structure_get_string(s, "clip-id"), "punch.csv#0");
  gboolean accepted = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(s, "accepted", &accepted));
  EXPECT_TRUE(accepted);
  gst_message_unref(m);
  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

TEST(EdgeLabelSink, RefusesAnUnwritableFileWithItsName) {
  GstElement* sink = gst_element_factory_make("edgelabelsink", nullptr);
  ASSERT_NE(sink, nullptr);
  g_object_set(sink, "location", "/nonexistent-dir/x.jsonl", nullptr);
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(sink, bus);
  EXPECT_EQ(gst_element_set_state(sink, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_TRUE(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE));
  EXPECT_NE(std::string(err->message).find("/nonexistent-dir/x.jsonl"), std::string::npos);
  g_error_free(err);
  gst_message_unref(m);
  gst_element_set_state(sink, GST_STATE_NULL);
  gst_element_set_bus(sink, nullptr);
  gst_object_unref(bus);
  gst_object_unref(sink);
}

TEST(EdgeLabelSink, ANonFloatTensorWithoutMetaIsAStreamError) {
  std::string path = temp_path("int8.jsonl");
  GstHarness* h = gst_harness_new_parse(("edgelabelsink location=" + path).c_str());
  gst_harness_set_src_caps_str(h,
                               "other/tensors, format=(string)static, num_tensors=(int)1, "
                               "types=(string)int8, dimensions=(string)2, framerate=(fraction)0/1");
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 2, nullptr);
  gst_buffer_memset(b, 0, 0, 2);
  EXPECT_EQ(gst_harness_push(h, b), GST_FLOW_ERROR);
  gst_harness_teardown(h);
}

}  // namespace
}  // namespace edge::gst
