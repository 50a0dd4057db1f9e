// edgereshape through GstHarness: the thesis's 30,000 -> 173x173, zero-copy truncation,
// zero padding, explicit shapes, channels, and errors that name both shapes.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"

namespace {

GstBuffer* float_buffer(const std::vector<float>& values, GstClockTime pts) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, values.size() * sizeof(float), nullptr);
  gst_buffer_fill(buffer, 0, values.data(), values.size() * sizeof(float));
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = GST_SECOND;
  return buffer;
}

std::vector<float> read_floats(GstBuffer* buffer) {
  std::vector<float> out(gst_buffer_get_size(buffer) / sizeof(float));
  gst_buffer_extract(buffer, 0, out.data(), out.size() * sizeof(float));
  return out;
}

std::string tensor_caps(const char* dims) {
  return std::string(
             "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)") +
         dims + ",framerate=2/1";
}

std::string current_caps(GstHarness* h) {
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return "";
  gchar* text = gst_caps_to_string(caps);
  std::string out = text;
  g_free(text);
  gst_caps_unref(caps);
  return out;
}

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

}  // namespace

TEST(EdgeReshape, ThesisSquareSharesTheInputMemory) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=square");
  gst_harness_set_src_caps_str(h, tensor_caps("1:30000").c_str());
  GstBuffer* in = float_buffer(ramp(30000), 7 * GST_SECOND);
  edge::gst::clip_meta_set(in, {"a.wav", "siren", 8, 2, "fold2/a.wav"}, 4);
  gst_buffer_ref(in);  // keep it to compare memory
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  std::string caps = current_caps(h);
  EXPECT_NE(caps.find("dimensions=(string)1:173:173"), std::string::npos) << caps;
  EXPECT_NE(caps.find("framerate=(fraction)2/1"), std::string::npos) << caps;
  ASSERT_EQ(gst_buffer_get_size(out), 173u * 173u * 4u);
  EXPECT_EQ(GST_BUFFER_PTS(out), 7 * GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out), GST_SECOND);
  GstMapInfo a, b;
  ASSERT_TRUE(gst_buffer_map(in, &a, GST_MAP_READ));
  ASSERT_TRUE(gst_buffer_map(out, &b, GST_MAP_READ));
  EXPECT_EQ(a.data, b.data);  // no copy
  EXPECT_EQ(reinterpret_cast<const float*>(b.data)[29928], 29929.0f);
  gst_buffer_unmap(out, &b);
  gst_buffer_unmap(in, &a);
  edge::gst::ClipInfo info;
  gint64 window = -1;
  ASSERT_TRUE(edge::gst::clip_meta_get(out, &info, &window));
  EXPECT_EQ(info.clip_id, "a.wav");
  EXPECT_EQ(window, 4);
  gst_buffer_unref(out);
  gst_buffer_unref(in);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, SquarePadAppendsZeros) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=square-pad");
  gst_harness_set_src_caps_str(h, tensor_caps("1:10").c_str());
  GstBuffer* in = float_buffer(ramp(10), 0);
  edge::gst::clip_meta_set(in, {"b.wav", "", -1, -1, ""}, 0);
  ASSERT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_NE(current_caps(h).find("dimensions=(string)1:4:4"), std::string::npos);
  std::vector<float> values = read_floats(out);
  ASSERT_EQ(values.size(), 16u);
  EXPECT_EQ(values[9], 10.0f);
  for (size_t i = 10; i < 16; ++i) EXPECT_EQ(values[i], 0.0f);
  EXPECT_EQ(GST_BUFFER_DURATION(out), GST_SECOND);
  EXPECT_NE(edge_buffer_get_clip_meta(out), nullptr);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, ChannelsStayInnermost) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=square");
  gst_harness_set_src_caps_str(h, tensor_caps("2:5").c_str());
  ASSERT_EQ(gst_harness_push(h, float_buffer({1, -1, 2, -2, 3, -3, 4, -4, 5, -5}, 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_NE(current_caps(h).find("dimensions=(string)2:2:2"), std::string::npos);
  EXPECT_EQ(read_floats(out), (std::vector<float>{1, -1, 2, -2, 3, -3, 4, -4}));
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, ExplicitShape) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=1:150:200");
  gst_harness_set_src_caps_str(h, tensor_caps("1:30000").c_str());
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(30000), 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_NE(current_caps(h).find("dimensions=(string)1:150:200"), std::string::npos);
  EXPECT_EQ(gst_buffer_get_size(out), 30000u * 4u);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, ExplicitShapeThatDoesNotFitNamesBothShapes) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=173:173");
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_play(h);
  GstCaps* caps = gst_caps_from_string(tensor_caps("1:30000").c_str());
  gst_pad_push_event(h->srcpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(h->srcpad, gst_event_new_segment(&segment));
  EXPECT_EQ(gst_pad_push(h->srcpad, float_buffer(ramp(30000), 0)), GST_FLOW_NOT_NEGOTIATED);
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_EQ(err->domain, GST_CORE_ERROR);
  EXPECT_EQ(err->code, GST_CORE_ERROR_NEGOTIATION);
  std::string text = err->message;
  EXPECT_NE(text.find("173:173"), std::string::npos) << text;
  EXPECT_NE(text.find("1:30000"), std::string::npos) << text;
  g_error_free(err);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, LegacyOtherTensorIn) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=square");
  gst_harness_set_src_caps_str(h,
                               "other/tensor,type=float32,dimension=(string)1:30000,framerate=2/1");
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(30000), 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(gst_buffer_get_size(out), 173u * 173u * 4u);
  EXPECT_NE(current_caps(h).find("dimensions=(string)1:173:173"), std::string::npos);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

// NNStreamer's tensor_converter takes tensors only as format=flexible: edgereshape gives it
// those when nothing else fits, each tensor behind NNStreamer's header.
TEST(EdgeReshape, FlexibleOutWhenDownstreamTakesNothingElse) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=square");
  gst_harness_set_sink_caps_str(h, "other/tensors,format=flexible");
  gst_harness_set_src_caps_str(h, tensor_caps("1:30000").c_str());
  ASSERT_EQ(gst_harness_push(h, float_buffer(ramp(30000), 3 * GST_SECOND)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_NE(current_caps(h).find("format=(string)flexible"), std::string::npos) << current_caps(h);
  edge::gst::TensorDesc desc;
  gsize header = 0;
  std::string error;
  ASSERT_TRUE(edge::gst::flexible_tensor_info(out, 0, &desc, &header, &error)) << error;
  EXPECT_EQ(desc.type, edge::DType::kFloat32);
  EXPECT_EQ(edge::gst::dims_to_string(desc.shape), "1:173:173");
  std::vector<float> values(173 * 173);
  gst_buffer_extract(out, header, values.data(), values.size() * sizeof(float));
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[29928], 29929.0f);
  EXPECT_EQ(GST_BUFFER_PTS(out), 3 * GST_SECOND);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, FlexibleInIsRefusedNamingWhatToPutInFront) {
  GstHarness* h = gst_harness_new_parse("edgereshape shape=square");
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_play(h);
  GstCaps* caps = gst_caps_from_string("other/tensors,format=flexible,framerate=2/1");
  gst_pad_push_event(h->srcpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_EQ(err->code, GST_CORE_ERROR_NEGOTIATION);
  EXPECT_NE(std::string(err->message).find("put NNStreamer's tensor_converter in front"),
            std::string::npos)
      << err->message;
  g_error_free(err);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, WrongBufferSizeIsAStreamFormatError) {
  GstHarness* h = gst_harness_new_parse("edgereshape");
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_src_caps_str(h, tensor_caps("1:16").c_str());
  EXPECT_EQ(gst_harness_push(h, float_buffer(ramp(15), 0)), GST_FLOW_ERROR);
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_EQ(err->domain, GST_STREAM_ERROR);
  EXPECT_EQ(err->code, GST_STREAM_ERROR_FORMAT);
  g_error_free(err);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

TEST(EdgeReshape, WrongShapeValueIsRefused) {
  GstElement* r = gst_element_factory_make("edgereshape", nullptr);
  ASSERT_NE(r, nullptr);
  g_object_set(r, "shape", "square-pad", nullptr);
  g_object_set(r, "shape", "round", nullptr);  // refused with a warning naming the property
  g_object_set(r, "shape", "0:3", nullptr);    // refused: a dimension of 0
  gchar* value = nullptr;
  g_object_get(r, "shape", &value, nullptr);
  EXPECT_STREQ(value, "square-pad");
  g_free(value);
  gst_object_unref(r);
}
