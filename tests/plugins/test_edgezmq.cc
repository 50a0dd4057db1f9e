// edgezmqsink / edgezmqsrc over ipc:// in a private temp directory: round trips of
// tensors, timestamps, metas and caps; renegotiation; clip boundaries; reconnect after
// the receiver restarts; the drop counter; a blocked send that a state change ends;
// malformed messages counted per reason; CURVE admitting only authorized devices.
// Every wait has a deadline: nothing here can hang.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "net/curve.h"
#include "net/wire.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"

namespace edge::gst {
namespace {

const char kTwoTensorCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)2, types=(string)\"float32,uint8\", "
    "dimensions=(string)\"6:30,3\", framerate=(fraction)10/3";
const char kOneTensorCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)int8, "
    "dimensions=(string)4, framerate=(fraction)0/1";

std::string temp_dir() {
  gchar* dir = g_dir_make_tmp("edgezmq-XXXXXX", nullptr);
  std::string path = dir;
  g_free(dir);
  return path;
}

class EdgeZmq : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    address_ = "ipc://" + dir_ + "/hub";
  }
  std::string dir_;
  std::string address_;
};

GstBuffer* two_tensor_buffer(GstClockTime pts, const char* clip, gint64 window, bool result) {
  GstBuffer* b = gst_buffer_new();
  GstMemory* m0 = gst_allocator_alloc(nullptr, 720, nullptr);
  GstMapInfo map;
  gst_memory_map(m0, &map, GST_MAP_WRITE);
  for (size_t i = 0; i < 180; ++i) reinterpret_cast<float*>(map.data)[i] = 0.5f * i;
  gst_memory_unmap(m0, &map);
  GstMemory* m1 = gst_allocator_alloc(nullptr, 3, nullptr);
  gst_memory_map(m1, &map, GST_MAP_WRITE);
  std::memcpy(map.data, "\x01\x02\x03", 3);
  gst_memory_unmap(m1, &map);
  gst_buffer_append_memory(b, m0);
  gst_buffer_append_memory(b, m1);
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DTS(b) = pts;
  GST_BUFFER_DURATION(b) = 300 * GST_MSECOND;
  GST_BUFFER_OFFSET(b) = static_cast<guint64>(window);
  GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
  ClipInfo info;
  info.clip_id = clip;
  info.label = "punch";
  info.label_index = 1;
  info.fold = 3;
  info.source = "imu/punch.csv";
  clip_meta_set(b, info, window);
  if (result) class_meta_set(b, {{"punch", 1, 0.75f}, {"flex", 0, 0.25f}}, 4242);
  return b;
}

GstBuffer* one_tensor_buffer(GstClockTime pts) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 4, nullptr);
  gst_buffer_fill(b, 0, "\x05\x06\x07\x08", 4);
  GST_BUFFER_PTS(b) = pts;
  return b;
}

// Pulls a buffer within `timeout`, or nullptr.
GstBuffer* pull_within(GstHarness* h, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (GstBuffer* b = gst_harness_try_pull(h)) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return nullptr;
}

GstHarness* start_src(const std::string& description) {
  GstHarness* h = gst_harness_new_parse(description.c_str());
  gst_harness_play(h);
  return h;
}

guint64 get_u64(GstHarness* h, const char* element, const char* property) {
  guint64 value = 0;
  GstElement* e = gst_harness_find_element(h, element);
  g_object_get(e, property, &value, nullptr);
  gst_object_unref(e);
  return value;
}

TEST_F(EdgeZmq, PushPullRoundTripKeepsTensorsTimestampsMetasAndCaps) {
  GstHarness* src = start_src("edgezmqsrc mode=pull address=" + address_);
  GstHarness* sink =
      gst_harness_new_parse(("edgezmqsink mode=push sender-id=edge-1 address=" + address_).c_str());
  gst_harness_set_src_caps_str(sink, kTwoTensorCaps);
  ASSERT_EQ(gst_harness_push(sink, two_tensor_buffer(GST_SECOND, "punch.csv#2", 7, true)),
            GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(sink, two_tensor_buffer(2 * GST_SECOND, "punch.csv#2", 8, false)),
            GST_FLOW_OK);

  GstBuffer* out = pull_within(src, std::chrono::seconds(5));
  ASSERT_NE(out, nullptr) << "nothing arrived within 5 s";
  GstCaps* caps = gst_pad_get_current_caps(src->sinkpad);
  GstCaps* expected = gst_caps_from_string(kTwoTensorCaps);
  EXPECT_TRUE(gst_caps_is_equal(caps, expected));
  gst_caps_unref(expected);
  gst_caps_unref(caps);
  EXPECT_EQ(GST_BUFFER_PTS(out), GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DTS(out), GST_SECOND);
  EXPECT_EQ(GST_BUFFER_DURATION(out), 300 * GST_MSECOND);
  EXPECT_EQ(GST_BUFFER_OFFSET(out), 7u);
  EXPECT_EQ(GST_BUFFER_OFFSET_END(out), GST_BUFFER_OFFSET_NONE);
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out, GST_BUFFER_FLAG_DISCONT));
  ASSERT_EQ(gst_buffer_n_memory(out), 2u);
  GstMapInfo map;
  GstMemory* m0 = gst_buffer_peek_memory(out, 0);
  ASSERT_TRUE(gst_memory_map(m0, &map, GST_MAP_READ));
  ASSERT_EQ(map.size, 720u);
  EXPECT_FLOAT_EQ(reinterpret_cast<const float*>(map.data)[179], 89.5f);
  gst_memory_unmap(m0, &map);
  EXPECT_EQ(gst_memory_get_sizes(gst_buffer_peek_memory(out, 1), nullptr, nullptr), 3u);
  ClipInfo clip;
  gint64 window = -1;
  ASSERT_TRUE(clip_meta_get(out, &clip, &window));
  EXPECT_EQ(clip.clip_id, "punch.csv#2");
  EXPECT_EQ(clip.label, "punch");
  EXPECT_EQ(clip.label_index, 1);
  EXPECT_EQ(clip.fold, 3);
  EXPECT_EQ(clip.source, "imu/punch.csv");
  EXPECT_EQ(window, 7);
  std::vector<ClassEntry> entries;
  guint64 latency = 0;
  ASSERT_TRUE(class_meta_get(out, &entries, &latency));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].label, "punch");
  EXPECT_FLOAT_EQ(entries[0].score, 0.75f);
  EXPECT_EQ(latency, 4242u);
  gst_buffer_unref(out);

  out = pull_within(src, std::chrono::seconds(5));
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(GST_BUFFER_PTS(out), 2 * GST_SECOND);
  EXPECT_EQ(edge_buffer_get_class_meta(out), nullptr);  // a plain tensors message
  gst_buffer_unref(out);
  EXPECT_EQ(get_u64(sink, "edgezmqsink", "sent"), 2u);
  EXPECT_EQ(get_u64(sink, "edgezmqsink", "dropped"), 0u);
  EXPECT_EQ(get_u64(src, "edgezmqsrc", "received"), 2u);
  EXPECT_EQ(get_u64(src, "edgezmqsrc", "missing"), 0u);
  gst_harness_teardown(sink);
  gst_harness_teardown(src);
}

TEST_F(EdgeZmq, CapsChangeRenegotiatesAndNewClipsAreBoundaries) {
  GstHarness* src = start_src("edgezmqsrc mode=pull address=" + address_);
  GstHarness* sink = gst_harness_new_parse(("edgezmqsink mode=push address=" + address_).c_str());
  gst_harness_set_src_caps_str(sink, kTwoTensorCaps);
  ASSERT_EQ(gst_harness_push(sink, two_tensor_buffer(0, "a.wav", 0, false)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(sink, two_tensor_buffer(1, "b.wav", 0, false)), GST_FLOW_OK);
  gst_harness_set_src_caps_str(sink, kOneTensorCaps);
  ASSERT_EQ(gst_harness_push(sink, one_tensor_buffer(2)), GST_FLOW_OK);

  GstBuffer* b = pull_within(src, std::chrono::seconds(5));
  ASSERT_NE(b, nullptr);
  gst_buffer_unref(b);
  b = pull_within(src, std::chrono::seconds(5));
  ASSERT_NE(b, nullptr);
  gst_buffer_unref(b);
  // Between the two clips: a clip-boundary event naming b.wav.
  bool boundary = false;
  while (GstEvent* e = gst_harness_try_pull_event(src)) {
    ClipInfo info;
    if (clip_event_parse(e, &info)) boundary = info.clip_id == "b.wav";
    gst_event_unref(e);
  }
  EXPECT_TRUE(boundary);
  b = pull_within(src, std::chrono::seconds(5));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(gst_buffer_get_size(b), 4u);
  gst_buffer_unref(b);
  GstCaps* caps = gst_pad_get_current_caps(src->sinkpad);
  GstCaps* expected = gst_caps_from_string(kOneTensorCaps);
  EXPECT_TRUE(gst_caps_is_equal(caps, expected)) << gst_caps_to_string(caps);
  gst_caps_unref(expected);
  gst_caps_unref(caps);
  gst_harness_teardown(sink);
  gst_harness_teardown(src);
}

TEST_F(EdgeZmq, PublisherReachesAHubThatRestarts) {
  GstHarness* sink = gst_harness_new_parse(
      ("edgezmqsink mode=pub reconnect-ms=20 reconnect-max-ms=100 address=" + address_).c_str());
  gst_harness_set_src_caps_str(sink, kOneTensorCaps);
  GstClockTime pts = 0;
  for (int run = 0; run < 2; ++run) {
    GstHarness* hub = start_src("edgezmqsrc mode=sub address=" + address_);
    // PUB delivers once the subscription has crossed: publish until one arrives.
    GstBuffer* got = nullptr;
    for (int i = 0; i < 500 && !got; ++i) {
      ASSERT_EQ(gst_harness_push(sink, one_tensor_buffer(pts++)), GST_FLOW_OK);
      got = pull_within(hub, std::chrono::milliseconds(10));
    }
    ASSERT_NE(got, nullptr) << "hub run " << run << " received nothing within 5 s";
    gst_buffer_unref(got);
    gst_harness_teardown(hub);  // the hub goes away; the sink keeps its socket
  }
  // Every buffer took a sequence number: sent + dropped = pushed.
  EXPECT_EQ(get_u64(sink, "edgezmqsink", "sent") + get_u64(sink, "edgezmqsink", "dropped"), pts);
  gst_harness_teardown(sink);
}

TEST_F(EdgeZmq, FullQueueDropsAndCounts) {
  // Nobody binds the address: PUSH keeps at most `queue` messages, the rest are dropped.
  GstHarness* sink = gst_harness_new_parse(
      ("edgezmqsink mode=push queue=2 policy=drop linger-ms=0 address=" + address_).c_str());
  gst_harness_set_src_caps_str(sink, kOneTensorCaps);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(gst_harness_push(sink, one_tensor_buffer(i)), GST_FLOW_OK);
  const guint64 sent = get_u64(sink, "edgezmqsink", "sent");
  const guint64 dropped = get_u64(sink, "edgezmqsink", "dropped");
  EXPECT_EQ(sent + dropped, 50u);
  EXPECT_LE(sent, 4u);
  EXPECT_GE(dropped, 46u);
  gst_harness_teardown(sink);
}

TEST_F(EdgeZmq, BlockedSendEndsOnStateChange) {
  GstElement* pipeline =
      gst_parse_launch(("audiotestsrc ! audio/x-raw,format=S16LE,channels=1,rate=8000 ! "
                        "edgezmqsink name=s mode=push queue=1 policy=block linger-ms=0 address=" +
                        address_)
                           .c_str(),
                       nullptr);
  ASSERT_NE(pipeline, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "s");
  // Wait until the queue is full and render blocks (sent stops growing at the HWM).
  guint64 sent = 0;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    g_object_get(sink, "sent", &sent, nullptr);
    if (sent >= 1) break;
  }
  EXPECT_GE(sent, 1u);
  // Returns only if render notices the flush (the test would time out otherwise).
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  guint64 dropped = 99;
  g_object_get(sink, "dropped", &dropped, nullptr);
  EXPECT_EQ(dropped, 0u);  // block never drops
  gst_object_unref(sink);
  gst_object_unref(pipeline);
}

// Sends raw frames from a plain ZeroMQ PUSH socket.
void send_raw(zmq::socket_t& push, const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i)
    push.send(zmq::buffer(frames[i]),
              i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

std::string header_for(net::WireMessage m) {
  std::string h;
  net::encode_header(m, &h);
  return h;
}

TEST_F(EdgeZmq, MalformedMessagesAreCountedPerReasonAndNeverPushed) {
  GstHarness* src = start_src("edgezmqsrc mode=pull max-message-size=2048 address=" + address_);
  zmq::context_t context(1);
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.connect(address_);

  net::WireMessage good;
  good.sender = "raw";
  good.caps =
      "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)int8, "
      "dimensions=(string)4, framerate=(fraction)0/1";
  good.payload_sizes = {4};
  send_raw(push, {"hello"});  // malformed
  std::string v2 = header_for(good);
  v2[4] = 2;
  send_raw(push, {v2, "abcd"});  // version
  net::WireMessage big = good;
  big.caps =
      "other/tensors, format=(string)static, num_tensors=(int)2, types=(string)\"int8,int8\", "
      "dimensions=(string)\"1500,1500\", framerate=(fraction)0/1";
  big.payload_sizes = {1500, 1500};
  send_raw(push, {header_for(big), std::string(1500, 'x'), std::string(1500, 'y')});  // oversized
  net::WireMessage video = good;
  video.caps = "video/x-raw, format=(string)GRAY8, width=(int)2, height=(int)2";
  send_raw(push, {header_for(video), "abcd"});  // caps
  send_raw(push, {header_for(good), "abc"});    // payload
  net::WireMessage unparsable = good;           // passes the wire's check, not GStreamer's parser
  unparsable.caps =
      "other/tensors, format=(string)static, num_tensors=(int)1, "
      "types=(string)int8, dimensions=(string)4, framerate=(fraction)0/1, x=(int)";
  send_raw(push, {header_for(unparsable), "abcd"});  // caps
  send_raw(push, {header_for(good), "wxyz"});        // accepted

  GstBuffer* b = pull_within(src, std::chrono::seconds(5));
  ASSERT_NE(b, nullptr);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_READ);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(map.data), map.size), "wxyz");
  gst_buffer_unmap(b, &map);
  gst_buffer_unref(b);

  GstElement* e = gst_harness_find_element(src, "edgezmqsrc");
  GstStructure* stats = nullptr;
  g_object_get(e, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  guint64 v = 0;
  auto field = [&](const char* name) {
    EXPECT_TRUE(gst_structure_get_uint64(stats, name, &v)) << name;
    return v;
  };
  EXPECT_EQ(field("received"), 1u);
  EXPECT_EQ(field("rejected"), 6u);
  EXPECT_EQ(field("rejected-malformed"), 1u);
  EXPECT_EQ(field("rejected-version"), 1u);
  EXPECT_EQ(field("rejected-oversized"), 1u);
  EXPECT_EQ(field("rejected-caps"), 2u);
  EXPECT_EQ(field("rejected-payload"), 1u);
  gst_structure_free(stats);
  gst_object_unref(e);
  gst_harness_teardown(src);
}

TEST_F(EdgeZmq, CurveHubAdmitsOnlyAuthorizedDevices) {
  if (!net::curve_available()) GTEST_SKIP() << "SKIPPED: this libzmq has no CURVE support";
  const std::string keys = dir_ + "/authorized";
  g_mkdir_with_parents(keys.c_str(), 0700);
  net::write_certificates(net::generate_keypair(), dir_ + "/hub", false);
  net::write_certificates(net::generate_keypair(), keys + "/device", false);
  net::write_certificates(net::generate_keypair(), dir_ + "/stranger", false);

  GstHarness* hub = start_src("edgezmqsrc mode=pull key=" + dir_ + "/hub.key_secret" +
                              " authorized-keys=" + keys + " address=" + address_);
  auto device_sink = [&](const std::string& name) {
    GstHarness* h = gst_harness_new_parse(("edgezmqsink mode=push linger-ms=0 server-key=" + dir_ +
                                           "/hub.key key=" + name + " address=" + address_)
                                              .c_str());
    gst_harness_set_src_caps_str(h, kOneTensorCaps);
    return h;
  };
  GstHarness* stranger = device_sink(dir_ + "/stranger.key_secret");
  ASSERT_EQ(gst_harness_push(stranger, one_tensor_buffer(0)), GST_FLOW_OK);
  GstHarness* device = device_sink(keys + "/device.key_secret");
  ASSERT_EQ(gst_harness_push(device, one_tensor_buffer(1)), GST_FLOW_OK);

  GstBuffer* b = pull_within(hub, std::chrono::seconds(5));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(GST_BUFFER_PTS(b), 1u);  // the authorized device's buffer, not the stranger's
  gst_buffer_unref(b);
  guint64 denied = 0;
  for (int i = 0; i < 100 && denied == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    denied = get_u64(hub, "edgezmqsrc", "unauthenticated");
  }
  EXPECT_GE(denied, 1u);
  EXPECT_EQ(gst_harness_try_pull(hub), nullptr);
  EXPECT_EQ(get_u64(hub, "edgezmqsrc", "received"), 1u);
  gst_harness_teardown(stranger);
  gst_harness_teardown(device);
  gst_harness_teardown(hub);
}

TEST_F(EdgeZmq, SettingsErrorsNameTheProperty) {
  GstElement* sink = gst_element_factory_make("edgezmqsink", nullptr);
  g_object_set(sink, "key", "/nonexistent.key_secret", nullptr);  // server-key missing
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(sink, bus);
  EXPECT_EQ(gst_element_set_state(sink, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(msg, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(msg, &err, nullptr);
  EXPECT_TRUE(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  EXPECT_NE(std::string(err->message).find("server-key"), std::string::npos) << err->message;
  g_error_free(err);
  gst_message_unref(msg);
  gst_element_set_state(sink, GST_STATE_NULL);

  // A missing key file is named.
  GstElement* src = gst_element_factory_make("edgezmqsrc", nullptr);
  g_object_set(src, "key", "/nonexistent/hub.key_secret", "address", "ipc:///nonexistent/x",
               nullptr);
  gst_object_unref(bus);
  bus = gst_bus_new();  // basesink/basesrc may add a generic error after ours
  gst_element_set_bus(src, bus);
  EXPECT_EQ(gst_element_set_state(src, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(msg, nullptr);
  gst_message_parse_error(msg, &err, nullptr);
  EXPECT_TRUE(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  EXPECT_NE(std::string(err->message).find("/nonexistent/hub.key_secret"), std::string::npos)
      << err->message;
  g_error_free(err);
  gst_message_unref(msg);
  gst_element_set_state(src, GST_STATE_NULL);

  // An address that is not an endpoint is refused where it is set.
  gchar* address = nullptr;
  g_object_set(src, "address", "localhost:5555", nullptr);
  g_object_get(src, "address", &address, nullptr);
  EXPECT_STREQ(address, "ipc:///nonexistent/x");  // the previous value stays
  g_free(address);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(bus);
}

TEST_F(EdgeZmq, BufferBeforeCapsIsNotNegotiated) {
  GstHarness* sink =
      gst_harness_new_parse(("edgezmqsink mode=push linger-ms=0 address=" + address_).c_str());
  gst_harness_play(sink);
  EXPECT_EQ(gst_harness_push(sink, one_tensor_buffer(0)), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown(sink);
}

}  // namespace
}  // namespace edge::gst
