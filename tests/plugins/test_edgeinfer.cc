// edgeinfer through GstHarness on the real TFLite Micro models: hello_world
// (float and int8, float input quantized by the element) approximates sin(x);
// person_detect scores "person" higher on person.bmp than on no_person.bmp and
// the reverse; caps, timestamps, metas, clip events, latency statistics, and
// the errors (domain and code) for bad models, labels, caps and buffers.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "tests/common/test_util.h"

namespace {

constexpr const char* kModels = "models/tflm/";

std::string temp_path(const std::string& contents) {
  char tmpl[] = "/tmp/edge_infer_XXXXXX";
  const int fd = mkstemp(tmpl);
  EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  close(fd);
  return tmpl;
}

GstBuffer* bytes_buffer(const void* data, size_t size, GstClockTime pts, GstClockTime duration) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
  gst_buffer_fill(buffer, 0, data, size);
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = duration;
  return buffer;
}

// The 96x96 grey pixels of a TFLite Micro test BMP in top-down row order (BMP
// stores rows bottom-up; the model was trained on top-down images), raw bytes
// as TFLite Micro's test feeds them.
std::vector<uint8_t> bmp_pixels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> file(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(file.size(), 1078u + 96 * 96);
  uint32_t offset = 0;
  std::memcpy(&offset, file.data() + 10, 4);
  std::vector<uint8_t> pixels(96 * 96);
  for (int row = 0; row < 96; ++row)
    std::memcpy(&pixels[static_cast<size_t>(row) * 96], &file[offset + (95 - row) * 96], 96);
  return pixels;
}

std::string caps_of(GstHarness* h) {
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return "";
  gchar* text = gst_caps_to_string(caps);
  std::string out = text;
  g_free(text);
  gst_caps_unref(caps);
  return out;
}

struct ErrorInfo {
  GQuark domain = 0;
  int code = 0;
  std::string message;
};

// Pops the first error message of a bus (nullptr-safe).
bool pop_error(GstBus* bus, ErrorInfo* info) {
  while (GstMessage* m = gst_bus_pop(bus)) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      GError* err = nullptr;
      gst_message_parse_error(m, &err, nullptr);
      info->domain = err->domain;
      info->code = err->code;
      info->message = err->message;
      g_error_free(err);
      gst_message_unref(m);
      return true;
    }
    gst_message_unref(m);
  }
  return false;
}

// Runs a launch line to PAUSED and returns the error it posts (start-up errors).
ErrorInfo start_error(const std::string& line) {
  GError* parse_error = nullptr;
  GstElement* pipeline = gst_parse_launch(line.c_str(), &parse_error);
  EXPECT_EQ(parse_error, nullptr) << (parse_error ? parse_error->message : "");
  ErrorInfo info;
  if (!pipeline) return info;
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(pipeline);
  EXPECT_TRUE(pop_error(bus, &info)) << "no error message for: " << line;
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return info;
}

// A harness whose element errors land on a bus the test can read.
struct Harness {
  GstHarness* h;
  GstBus* bus;
  explicit Harness(const std::string& launch) : h(gst_harness_new_parse(launch.c_str())) {
    bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
  }
  ~Harness() {
    gst_harness_teardown(h);
    gst_object_unref(bus);
  }
};

float first_score(GstBuffer* buffer, int* index = nullptr, std::string* label = nullptr) {
  std::vector<edge::gst::ClassEntry> entries;
  guint64 latency = 0;
  if (!edge::gst::class_meta_get(buffer, &entries, &latency) || entries.empty()) {
    ADD_FAILURE() << "no class meta";
    return NAN;
  }
  EXPECT_GT(latency, 0u);
  if (index) *index = entries[0].index;
  if (label) *label = entries[0].label;
  return entries[0].score;
}

float read_float(GstBuffer* buffer) {
  float value = NAN;
  EXPECT_EQ(gst_buffer_get_size(buffer), 4u);
  gst_buffer_extract(buffer, 0, &value, 4);
  return value;
}

// ---------------------------------------------------------------------------

TEST(EdgeInfer, HelloWorldFloatApproximatesSine) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "hello_world_float.tflite");
  Harness t("edgeinfer model=" + model);
  gst_harness_set_src_caps_str(t.h,
                               "other/tensors, format=static, num_tensors=1, types=float32, "
                               "dimensions=(string)1:1, framerate=10/1");
  const float xs[] = {0.0f, 1.5707964f, 3.1415927f, 4.712389f, 1.0f};
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(
        gst_harness_push(t.h, bytes_buffer(&xs[i], 4, i * 100 * GST_MSECOND, 100 * GST_MSECOND)),
        GST_FLOW_OK);
  }
  EXPECT_EQ(caps_of(t.h),
            "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
            "dimensions=(string)1:1, framerate=(fraction)10/1");
  for (size_t i = 0; i < 5; ++i) {
    GstBuffer* out = gst_harness_pull(t.h);
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(GST_BUFFER_PTS(out), i * 100 * GST_MSECOND);
    EXPECT_EQ(GST_BUFFER_DURATION(out), 100 * GST_MSECOND);
    EXPECT_EQ(gst_buffer_n_memory(out), 1u);
    const float y = read_float(out);
    // The 1-16-16-1 network is within 0.03 of sin(x) at these points.
    EXPECT_NEAR(y, std::sin(xs[i]), 0.03) << "x=" << xs[i];
    int index = -1;
    EXPECT_FLOAT_EQ(first_score(out, &index), y);  // one "class": the value itself
    EXPECT_EQ(index, 0);
    gst_buffer_unref(out);
  }
  guint64 invokes = 0;
  double mean = 0, max = 0, last = 0, p99 = 0;
  guint64 arena = 0, macs = 0;
  GstElement* infer = gst_harness_find_element(t.h, "edgeinfer");
  ASSERT_NE(infer, nullptr);
  g_object_get(infer, "invokes", &invokes, "latency-mean", &mean, "latency-max", &max,
               "latency-last", &last, "latency-p99", &p99, "arena-bytes", &arena, "macs", &macs,
               nullptr);
  EXPECT_EQ(invokes, 5u);
  EXPECT_GT(mean, 0.0);
  EXPECT_GE(max, mean);
  EXPECT_GE(max, last);
  EXPECT_GE(max, p99);
  EXPECT_GT(p99, 0.0);
  EXPECT_EQ(macs, 16u + 256 + 16);  // 1x16 + 16x16 + 16x1
  EXPECT_GT(arena, 0u);
  gst_object_unref(infer);
}

// A float32 stream into the int8 model: the element quantizes with the input's
// scale and zero point; output-type=float32 dequantizes the int8 output.
TEST(EdgeInfer, HelloWorldInt8FromFloatStream) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "hello_world_int8.tflite");
  for (const char* kernels : {"fast", "ref"}) {
    Harness t(std::string("edgeinfer output-type=float32 kernels=") + kernels + " model=" + model);
    gst_harness_set_src_caps_str(t.h,
                                 "other/tensors, format=static, num_tensors=1, types=float32, "
                                 "dimensions=(string)1, framerate=0/1");
    const float xs[] = {0.0f, 1.5707964f, 4.712389f};
    for (float x : xs) {
      ASSERT_EQ(gst_harness_push(t.h, bytes_buffer(&x, 4, 0, GST_CLOCK_TIME_NONE)), GST_FLOW_OK);
      GstBuffer* out = gst_harness_pull(t.h);
      // int8 quantization costs accuracy: within 0.1 of sin(x).
      EXPECT_NEAR(read_float(out), std::sin(x), 0.1) << kernels << " x=" << x;
      gst_buffer_unref(out);
    }
    EXPECT_NE(caps_of(t.h).find("types=(string)float32, dimensions=(string)1:1"), std::string::npos)
        << caps_of(t.h);
  }
  // Native output: the int8 value, whose dequantized value is in the meta.
  Harness t("edgeinfer model=" + model);
  gst_harness_set_src_caps_str(t.h,
                               "other/tensors, format=static, num_tensors=1, types=int8, "
                               "dimensions=(string)1:1, framerate=0/1");
  // Input scale 0.0244801, zero point -128: x = pi/2 is q = round(64.17) - 128 = -64.
  const int8_t q = -64;
  ASSERT_EQ(gst_harness_push(t.h, bytes_buffer(&q, 1, 0, GST_CLOCK_TIME_NONE)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(t.h);
  EXPECT_EQ(gst_buffer_get_size(out), 1u);
  int8_t y = 0;
  gst_buffer_extract(out, 0, &y, 1);
  // Output scale 0.00829096, zero point 5.
  EXPECT_FLOAT_EQ(first_score(out), 0.00829096f * (y - 5));
  EXPECT_NEAR(first_score(out), 1.0, 0.1);
  gst_buffer_unref(out);
  EXPECT_NE(caps_of(t.h).find("types=(string)int8"), std::string::npos);
}

TEST(EdgeInfer, PersonDetect) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "person_detect.tflite");
  EDGE_REQUIRE_SHARED(person, std::string(kModels) + "person.bmp");
  EDGE_REQUIRE_SHARED(no_person, std::string(kModels) + "no_person.bmp");
  const std::string labels = temp_path("notperson\nperson\n");
  Harness t("edgeinfer top-k=2 labels=" + labels + " model=" + model);
  gst_harness_set_src_caps_str(t.h,
                               "other/tensors, format=static, num_tensors=1, types=int8, "
                               "dimensions=(string)1:96:96:1, framerate=0/1");
  // Clip meta in, clip meta out.
  edge::gst::ClipInfo clip;
  clip.clip_id = "person.bmp";
  clip.label = "person";
  clip.label_index = 1;
  GstBuffer* in = bytes_buffer(bmp_pixels(person).data(), 96 * 96, 0, GST_SECOND);
  edge::gst::clip_meta_set(in, clip, 7);
  ASSERT_EQ(gst_harness_push(t.h, in), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(
                t.h, bytes_buffer(bmp_pixels(no_person).data(), 96 * 96, GST_SECOND, GST_SECOND)),
            GST_FLOW_OK);
  GstBuffer* out_person = gst_harness_pull(t.h);
  GstBuffer* out_none = gst_harness_pull(t.h);

  // Output: int8 [1, 2], index 0 "notperson", 1 "person", scale 1/256 zp -128.
  EXPECT_EQ(gst_buffer_get_size(out_person), 2u);
  std::vector<edge::gst::ClassEntry> top;
  ASSERT_TRUE(edge::gst::class_meta_get(out_person, &top));
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].label, "person");
  EXPECT_EQ(top[0].index, 1);
  // Measured with both kernel sets (bit-exact): 241/256 and 15/256.
  EXPECT_NEAR(top[0].score, 0.9414, 2.0 / 256);
  EXPECT_NEAR(top[0].score + top[1].score, 1.0, 1.0 / 256);
  const float person_on_person = top[0].score;
  ASSERT_TRUE(edge::gst::class_meta_get(out_none, &top));
  EXPECT_EQ(top[0].label, "notperson");
  EXPECT_NEAR(top[0].score, 0.7227, 2.0 / 256);  // 185/256
  const float person_on_none = top[1].score;
  EXPECT_GT(person_on_person, person_on_none);

  edge::gst::ClipInfo kept;
  gint64 window = -1;
  ASSERT_TRUE(edge::gst::clip_meta_get(out_person, &kept, &window));
  EXPECT_EQ(kept.clip_id, "person.bmp");
  EXPECT_EQ(kept.label, "person");
  EXPECT_EQ(window, 7);
  EXPECT_EQ(GST_BUFFER_PTS(out_none), GST_SECOND);
  gst_buffer_unref(out_person);
  gst_buffer_unref(out_none);
  std::remove(labels.c_str());
}

TEST(EdgeInfer, ThreadsAndKernelSetsAgree) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "person_detect.tflite");
  EDGE_REQUIRE_SHARED(person, std::string(kModels) + "person.bmp");
  const std::vector<uint8_t> pixels = bmp_pixels(person);
  std::vector<std::vector<int8_t>> results;
  for (const char* options : {"kernels=ref", "kernels=fast", "kernels=fast threads=2"}) {
    Harness t(std::string("edgeinfer ") + options + " model=" + model);
    gst_harness_set_src_caps_str(t.h,
                                 "other/tensors, format=static, num_tensors=1, types=int8, "
                                 "dimensions=(string)1:96:96:1, framerate=0/1");
    ASSERT_EQ(gst_harness_push(t.h, bytes_buffer(pixels.data(), pixels.size(), 0, 0)), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(t.h);
    std::vector<int8_t> scores(2);
    gst_buffer_extract(out, 0, scores.data(), 2);
    results.push_back(scores);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

TEST(EdgeInfer, ClipEventsPassThrough) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "hello_world_float.tflite");
  Harness t("edgeinfer model=" + model);
  gst_harness_set_src_caps_str(t.h,
                               "other/tensors, format=static, num_tensors=1, types=float32, "
                               "dimensions=(string)1:1, framerate=0/1");
  edge::gst::ClipInfo clip;
  clip.clip_id = "clip-2";
  clip.label = "yes";
  ASSERT_TRUE(gst_harness_push_event(t.h, edge::gst::clip_event_new(clip)));
  bool seen = false;
  while (GstEvent* event = gst_harness_try_pull_event(t.h)) {
    edge::gst::ClipInfo got;
    if (edge::gst::clip_event_parse(event, &got)) {
      seen = true;
      EXPECT_EQ(got.clip_id, "clip-2");
      EXPECT_EQ(got.label, "yes");
    }
    gst_event_unref(event);
  }
  EXPECT_TRUE(seen);
}

TEST(EdgeInfer, MismatchedCapsFailNegotiationNamingBothShapes) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "person_detect.tflite");
  {
    Harness t("edgeinfer model=" + model);
    gst_harness_set_src_caps_str(t.h,
                                 "other/tensors, format=static, num_tensors=1, types=int8, "
                                 "dimensions=(string)3:96:96:1, framerate=0/1");
    const std::vector<uint8_t> pixels(96 * 96 * 3);
    EXPECT_EQ(gst_harness_push(t.h, bytes_buffer(pixels.data(), pixels.size(), 0, 0)),
              GST_FLOW_NOT_NEGOTIATED);
    ErrorInfo error;
    ASSERT_TRUE(pop_error(t.bus, &error));
    EXPECT_EQ(error.domain, GST_CORE_ERROR);
    EXPECT_EQ(error.code, GST_CORE_ERROR_NEGOTIATION);
    EXPECT_NE(error.message.find("the stream's tensor int8 [1, 96, 96, 3] does not fit input 0 "
                                 "of model " +
                                 model + ", \"input\" int8 [1, 96, 96, 1]"),
              std::string::npos)
        << error.message;
  }
  {
    Harness t("edgeinfer model=" + model);
    gst_harness_set_src_caps_str(t.h,
                                 "other/tensors, format=static, num_tensors=1, types=uint8, "
                                 "dimensions=(string)1:96:96:1, framerate=0/1");
    const std::vector<uint8_t> pixels(96 * 96);
    EXPECT_EQ(gst_harness_push(t.h, bytes_buffer(pixels.data(), pixels.size(), 0, 0)),
              GST_FLOW_NOT_NEGOTIATED);
    ErrorInfo error;
    ASSERT_TRUE(pop_error(t.bus, &error));
    EXPECT_EQ(error.code, GST_CORE_ERROR_NEGOTIATION);
    EXPECT_NE(error.message.find("uint8 [1, 96, 96, 1] does not fit"), std::string::npos);
    EXPECT_NE(error.message.find("the types differ (accepted: int8, or float32)"),
              std::string::npos)
        << error.message;
  }
}

TEST(EdgeInfer, WrongBufferSizeIsAStreamError) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "hello_world_float.tflite");
  Harness t("edgeinfer model=" + model);
  gst_harness_set_src_caps_str(t.h,
                               "other/tensors, format=static, num_tensors=1, types=float32, "
                               "dimensions=(string)1:1, framerate=0/1");
  const float two[2] = {1, 2};
  EXPECT_EQ(gst_harness_push(t.h, bytes_buffer(two, 8, 0, 0)), GST_FLOW_ERROR);
  ErrorInfo error;
  ASSERT_TRUE(pop_error(t.bus, &error));
  EXPECT_EQ(error.domain, GST_STREAM_ERROR);
  EXPECT_EQ(error.code, GST_STREAM_ERROR_FORMAT);
  EXPECT_NE(error.message.find("an input buffer of 8 bytes does not hold one float32 tensor of 1 "
                               "elements (4 bytes)"),
            std::string::npos)
      << error.message;
}

TEST(EdgeInfer, BufferBeforeCapsIsNotNegotiated) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "hello_world_float.tflite");
  Harness t("edgeinfer model=" + model);
  const float x = 0;
  EXPECT_EQ(gst_pad_push(t.h->srcpad, bytes_buffer(&x, 4, 0, 0)), GST_FLOW_NOT_NEGOTIATED);
}

TEST(EdgeInfer, StartErrorsNameTheProblem) {
  ErrorInfo error = start_error("fakesrc ! edgeinfer ! fakesink");
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(error.code, GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_NE(error.message.find("property model is not set"), std::string::npos) << error.message;

  error = start_error("fakesrc ! edgeinfer model=/nonexistent/m.tflite ! fakesink");
  EXPECT_EQ(error.code, GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_NE(error.message.find("model=\"/nonexistent/m.tflite\": no such file"), std::string::npos)
      << error.message;

  const std::string garbage = temp_path("this is not a flatbuffer at all");
  error = start_error("fakesrc ! edgeinfer model=" + garbage + " ! fakesink");
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(error.code, GST_RESOURCE_ERROR_READ);
  EXPECT_NE(error.message.find(garbage + ": not a TFLite model: file identifier is"),
            std::string::npos)
      << error.message;
  std::remove(garbage.c_str());

  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "person_detect.tflite");
  const std::string three = temp_path("a\nb\nc\n");
  error = start_error("fakesrc ! edgeinfer labels=" + three + " model=" + model + " ! fakesink");
  EXPECT_EQ(error.domain, GST_LIBRARY_ERROR);
  EXPECT_EQ(error.code, GST_LIBRARY_ERROR_SETTINGS);
  EXPECT_NE(
      error.message.find(three + " has 3 labels but output 0 of model " + model + " has 2 values"),
      std::string::npos)
      << error.message;
  std::remove(three.c_str());

  error = start_error("fakesrc ! edgeinfer labels=/nonexistent/labels.txt model=" + model +
                      " ! fakesink");
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(error.code, GST_RESOURCE_ERROR_READ);
  EXPECT_NE(error.message.find("/nonexistent/labels.txt: cannot read the labels file: cannot open"),
            std::string::npos);
}

// labels= names a regular file of at most 1 MB, as model= names a regular file: a device or
// a FIFO is refused at start without reading it (labels=/dev/urandom read 3.1 GB in 30 s).
TEST(EdgeInfer, LabelsThatAreNotAFileAreRefusedAtOnce) {
  EDGE_REQUIRE_SHARED(model, std::string(kModels) + "person_detect.tflite");
  ErrorInfo error =
      start_error("fakesrc ! edgeinfer labels=/dev/urandom model=" + model + " ! fakesink");
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(error.code, GST_RESOURCE_ERROR_READ);
  EXPECT_NE(error.message.find("/dev/urandom: cannot read the labels file: is a character "
                               "device, not a regular file"),
            std::string::npos)
      << error.message;
  const std::string fifo = "/tmp/edge_infer_labels_fifo_" + std::to_string(getpid());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  error = start_error("fakesrc ! edgeinfer labels=" + fifo + " model=" + model + " ! fakesink");
  EXPECT_EQ(error.code, GST_RESOURCE_ERROR_READ);
  EXPECT_NE(error.message.find("is a FIFO, not a regular file"), std::string::npos)
      << error.message;
  std::remove(fifo.c_str());
}

TEST(EdgeInfer, PropertyRangesAreEnforced) {
  GstElement* element = gst_element_factory_make("edgeinfer", nullptr);
  ASSERT_NE(element, nullptr);
  guint top_k = 0;
  gint threads = 0;
  g_object_get(element, "top-k", &top_k, "threads", &threads, nullptr);
  EXPECT_EQ(top_k, 5u);
  EXPECT_EQ(threads, 1);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "threads");
  EXPECT_EQ(G_PARAM_SPEC_INT(spec)->minimum, 1);
  EXPECT_EQ(G_PARAM_SPEC_INT(spec)->maximum, 64);
  spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "top-k");
  EXPECT_EQ(G_PARAM_SPEC_UINT(spec)->minimum, 1u);
  gst_util_set_object_arg(G_OBJECT(element), "kernels", "ref");
  gst_util_set_object_arg(G_OBJECT(element), "output-type", "float32");
  gchar* text = nullptr;
  g_object_get(element, "model", &text, nullptr);
  EXPECT_STREQ(text, "");
  g_free(text);
  gst_object_unref(element);
}

}  // namespace
