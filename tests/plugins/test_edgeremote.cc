// Remote inference with local fallback (edgeinfer remote=..., plugins/edgeinfer_remote.h)
// through GstHarness, on TFLite Micro's hello_world models (x -> sin(x)):
// - a scripted server (a ROUTER socket in this test speaking the wire format) answers in
//   time: its tensors and scores are used, the meta says "remote";
// - no server: the local model answers, the meta says "local";
// - a reply that comes after its window fell back is discarded and counted late; a
//   reply whose tensors do not fit is refused and counted;
// - the real server graph, edgezmqsrc mode=router ! edgeinfer ! edgezmqsink mode=router,
//   answers with the float model what the edge's int8 model would answer locally.
// Waits that are expected to succeed have long deadlines; lateness is made by ordering
// (the server holds a reply until the next request), never by racing a clock.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "net/curve.h"
#include "net/wire.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/zmq_route.h"
#include "tests/common/test_util.h"

namespace edge::gst {
namespace {

const char kInputCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
    "dimensions=(string)1:1, framerate=(fraction)0/1";
const char kOutputCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
    "dimensions=(string)1:1, framerate=(fraction)0/1";

std::string temp_dir() {
  gchar* dir = g_dir_make_tmp("edgeremote-XXXXXX", nullptr);
  std::string path = dir;
  g_free(dir);
  return path;
}

GstBuffer* x_buffer(float x, GstClockTime pts) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, sizeof(float), nullptr);
  gst_buffer_fill(b, 0, &x, sizeof(float));
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DURATION(b) = 10 * GST_MSECOND;
  ClipInfo clip;
  clip.clip_id = "sine.wav";
  clip_meta_set(b, clip, static_cast<gint64>(pts / (10 * GST_MSECOND)));
  return b;
}

float first_float(GstBuffer* b) {
  float v = NAN;
  gst_buffer_extract(b, 0, &v, sizeof(float));
  return v;
}

std::string model_of(GstBuffer* b) {
  EdgeClassMeta* meta = edge_buffer_get_class_meta(b);
  return meta && meta->model ? meta->model : "";
}

guint64 get_u64(GstElement* e, const char* property) {
  guint64 value = 0;
  g_object_get(e, property, &value, nullptr);
  return value;
}

// Waits up to 5 s for a counter that another thread updates to reach `want`.
bool eventually_u64(GstElement* e, const char* property, guint64 want) {
  for (int i = 0; i < 500; ++i) {
    if (get_u64(e, property) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A scripted remote-inference server: a ROUTER on its own thread that hands every
// decoded request to `on_request`, which answers by calling reply().
class ScriptedServer {
 public:
  struct Request {
    std::string peer;
    net::WireMessage message;
    float x = NAN;
  };
  using Script = std::function<void(ScriptedServer&, const Request&)>;

  ScriptedServer(const std::string& address, Script script) : script_(std::move(script)) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind(address);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
  }

  // Sends a result for `to` with one float32 tensor `value` and score `score`.
  void reply(const Request& to, uint64_t request, float value, float score,
             const std::string& caps = kOutputCaps) {
    net::WireMessage m;
    m.kind = net::MessageKind::kResult;
    m.sender = "scripted-server";
    m.request = request;
    m.caps = caps;
    m.classes = {{"sine", 0, score}};
    m.latency_ns = 777;
    net::PayloadLayout layout;
    std::string why;
    ASSERT_TRUE(net::payload_layout_from_caps(caps, &layout, &why)) << why;
    std::vector<std::string> payloads;
    for (uint64_t size : layout.sizes) {
      std::string p(size, '\0');
      std::memcpy(&p[0], &value, std::min<size_t>(size, sizeof(float)));
      payloads.push_back(p);
      m.payload_sizes.push_back(size);
    }
    std::string header;
    net::encode_header(m, &header);
    socket_.send(zmq::buffer(to.peer), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(header), zmq::send_flags::sndmore);
    for (size_t i = 0; i < payloads.size(); ++i)
      socket_.send(zmq::buffer(payloads[i]),
                   i + 1 < payloads.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }

  std::atomic<int> requests{0};
  std::vector<Request> held;  // requests a script keeps for later (server thread only)

 private:
  void run() {
    while (!stop_) {
      zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(10)) <= 0) continue;
      std::vector<zmq::message_t> frames;
      while (true) {
        zmq::message_t part;
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
        const bool more = part.more();
        frames.push_back(std::move(part));
        if (!more) break;
      }
      if (frames.size() < 2) continue;
      Request r;
      r.peer.assign(static_cast<const char*>(frames[0].data()), frames[0].size());
      std::vector<net::Frame> views;
      for (size_t i = 1; i < frames.size(); ++i)
        views.push_back({frames[i].data(), frames[i].size()});
      net::DecodeError error;
      ASSERT_TRUE(net::decode_message(views.data(), views.size(), 1 << 20, &r.message, &error))
          << error.detail;
      if (frames.size() > 2 && frames[2].size() >= sizeof(float))
        std::memcpy(&r.x, frames[2].data(), sizeof(float));
      ++requests;
      script_(*this, r);
    }
  }

  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::router};
  Script script_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class EdgeRemote : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    address_ = "ipc://" + dir_ + "/server";
  }
  GstHarness* edge(const std::string& model, guint timeout_ms, const std::string& extra = "") {
    const std::string line = "edgeinfer model=" + model +
                             " output-type=float32 remote=" + address_ +
                             " remote-timeout-ms=" + std::to_string(timeout_ms) + " " + extra;
    GstHarness* h = gst_harness_new_parse(line.c_str());
    gst_harness_set_src_caps_str(h, kInputCaps);
    return h;
  }
  std::string dir_;
  std::string address_;
  guint timeout_probe_ = 0;
};

TEST_F(EdgeRemote, ReplyInTimeIsUsedAndSaysRemote) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  ScriptedServer server(address_, [](ScriptedServer& s, const ScriptedServer::Request& r) {
    // Echo the request's own id with a value the local model would never give.
    s.reply(r, r.message.request, 40.0f + r.x, 0.875f);
  });
  GstHarness* h = edge(model, 10000);
  GstElement* infer = gst_harness_find_element(h, "edgeinfer");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(gst_harness_push(h, x_buffer(0.5f * i, i * 10 * GST_MSECOND)), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h);
    ASSERT_NE(out, nullptr);
    EXPECT_FLOAT_EQ(first_float(out), 40.0f + 0.5f * i);
    EXPECT_EQ(model_of(out), "remote");
    std::vector<ClassEntry> entries;
    guint64 latency = 0;
    ASSERT_TRUE(class_meta_get(out, &entries, &latency));
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].label, "sine");
    EXPECT_FLOAT_EQ(entries[0].score, 0.875f);
    EXPECT_EQ(latency, 777u);  // the server's invoke time
    // Timestamps and the clip meta are the input's.
    EXPECT_EQ(GST_BUFFER_PTS(out), i * 10 * GST_MSECOND);
    ClipInfo clip;
    gint64 window = -1;
    ASSERT_TRUE(clip_meta_get(out, &clip, &window));
    EXPECT_EQ(clip.clip_id, "sine.wav");
    EXPECT_EQ(window, i);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(get_u64(infer, "remote-answered"), 3u);
  EXPECT_EQ(get_u64(infer, "local-fallbacks"), 0u);
  EXPECT_EQ(get_u64(infer, "late-replies"), 0u);
  EXPECT_EQ(get_u64(infer, "invokes"), 0u);  // the local model never ran
  EXPECT_EQ(server.requests.load(), 3);
  gst_object_unref(infer);
  gst_harness_teardown(h);
}

TEST_F(EdgeRemote, NoServerMeansTheLocalModelAnswers) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  const std::string log = dir_ + "/remote.jsonl";
  GstHarness* h = edge(model, 200, "remote-log=" + log);
  GstElement* infer = gst_harness_find_element(h, "edgeinfer");
  ASSERT_EQ(gst_harness_push(h, x_buffer(1.0f, 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  ASSERT_NE(out, nullptr);
  EXPECT_NEAR(first_float(out), std::sin(1.0f), 0.05f);  // the local sine model
  EXPECT_EQ(model_of(out), "local");
  gst_buffer_unref(out);
  EXPECT_EQ(get_u64(infer, "remote-answered"), 0u);
  EXPECT_EQ(get_u64(infer, "local-fallbacks"), 1u);
  EXPECT_EQ(get_u64(infer, "invokes"), 1u);
  gst_object_unref(infer);
  gst_harness_teardown(h);  // stop() writes the summary
  gchar* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(log.c_str(), &text, nullptr, nullptr));
  const std::string lines = text;
  g_free(text);
  EXPECT_NE(lines.find("\"model\":\"local\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"why\":\"no-server\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"summary\":true"), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"windows\":1"), std::string::npos) << lines;
}

TEST_F(EdgeRemote, LateReplyIsDiscardedAndCounted) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  // Request 1 gets no answer until request 2 arrives, i.e. after window 1 fell back;
  // then the server answers both, the stale one first.
  ScriptedServer server(address_, [](ScriptedServer& s, const ScriptedServer::Request& r) {
    if (r.message.request == 1) {
      s.held.push_back(r);
      return;
    }
    for (const auto& old : s.held) s.reply(old, old.message.request, 99.0f, 0.5f);
    s.held.clear();
    s.reply(r, r.message.request, 42.0f, 0.625f);
  });
  GstHarness* h = edge(model, 300);
  GstElement* infer = gst_harness_find_element(h, "edgeinfer");
  ASSERT_EQ(gst_harness_push(h, x_buffer(0.25f, 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(model_of(out), "local");
  EXPECT_NEAR(first_float(out), std::sin(0.25f), 0.05f);
  gst_buffer_unref(out);
  ASSERT_EQ(gst_harness_push(h, x_buffer(0.5f, 10 * GST_MSECOND)), GST_FLOW_OK);
  out = gst_harness_pull(h);
  EXPECT_EQ(model_of(out), "remote");
  EXPECT_FLOAT_EQ(first_float(out), 42.0f);  // never the stale 99
  gst_buffer_unref(out);
  EXPECT_EQ(get_u64(infer, "late-replies"), 1u);
  EXPECT_EQ(get_u64(infer, "remote-answered"), 1u);
  EXPECT_EQ(get_u64(infer, "local-fallbacks"), 1u);
  gst_object_unref(infer);
  gst_harness_teardown(h);
}

TEST_F(EdgeRemote, ReplyThatDoesNotFitIsRefusedAndAnsweredLocally) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  ScriptedServer server(address_, [](ScriptedServer& s, const ScriptedServer::Request& r) {
    s.reply(r, r.message.request, 5.0f, 0.5f,
            "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
            "dimensions=(string)3:1, framerate=(fraction)0/1");
  });
  GstHarness* h = edge(model, 10000);
  GstElement* infer = gst_harness_find_element(h, "edgeinfer");
  ASSERT_EQ(gst_harness_push(h, x_buffer(0.75f, 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(h);
  EXPECT_EQ(model_of(out), "local");
  EXPECT_NEAR(first_float(out), std::sin(0.75f), 0.05f);
  gst_buffer_unref(out);
  EXPECT_EQ(get_u64(infer, "remote-rejected"), 1u);
  EXPECT_EQ(get_u64(infer, "local-fallbacks"), 1u);
  gst_object_unref(infer);
  gst_harness_teardown(h);
}

// A state change or seek (the sink pad flushing) ends the wait for a reply long before a
// long timeout would.
TEST_F(EdgeRemote, FlushingEndsTheWaitForAReply) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  ScriptedServer server(address_, [](ScriptedServer&, const ScriptedServer::Request&) {});
  GstHarness* h = edge(model, 60000);
  std::atomic<bool> returned{false};
  std::thread pusher([&] {
    gst_harness_push(h, x_buffer(1.0f, 0));
    returned = true;
  });
  for (int i = 0; i < 500 && server.requests.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server.requests.load(), 1);
  EXPECT_FALSE(returned.load());  // still waiting: the timeout is a minute
  ASSERT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
  for (int i = 0; i < 1000 && !returned.load(); ++i)  // up to 10 s, far below the timeout
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(returned.load());
  pusher.join();
  GstElement* infer = gst_harness_find_element(h, "edgeinfer");
  EXPECT_EQ(get_u64(infer, "remote-answered"), 0u);
  gst_object_unref(infer);
  gst_harness_push_event(h, gst_event_new_flush_stop(TRUE));
  gst_harness_teardown(h);
}

// The server as users run it: a router source, the big model, a router sink.
TEST_F(EdgeRemote, RouterServerGraphAnswersWithItsModel) {
  EDGE_REQUIRE_SHARED(float_model, "models/tflm/hello_world_float.tflite");
  EDGE_REQUIRE_SHARED(int8_model, "models/tflm/hello_world_int8.tflite");
  const std::string server_line = "edgezmqsrc name=requests mode=router address=" + address_ +
                                  " ! edgeinfer model=" + float_model +
                                  " output-type=float32 ! edgezmqsink mode=router name=replies";
  GError* error = nullptr;
  GstElement* server = gst_parse_launch(server_line.c_str(), &error);
  ASSERT_EQ(error, nullptr) << error->message;
  ASSERT_NE(gst_element_set_state(server, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // What the float model says locally, for comparison.
  GstHarness* reference =
      gst_harness_new_parse(("edgeinfer output-type=float32 model=" + float_model).c_str());
  gst_harness_set_src_caps_str(reference, kInputCaps);
  GstHarness* h = edge(int8_model, 10000);
  GstElement* infer = gst_harness_find_element(h, "edgeinfer");
  const float xs[] = {0.1f, 1.3f, 2.9f, 4.4f};
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(gst_harness_push(reference, x_buffer(xs[i], i * 10 * GST_MSECOND)), GST_FLOW_OK);
    GstBuffer* expected = gst_harness_pull(reference);
    ASSERT_EQ(gst_harness_push(h, x_buffer(xs[i], i * 10 * GST_MSECOND)), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h);
    EXPECT_EQ(model_of(out), "remote");
    EXPECT_EQ(first_float(out), first_float(expected)) << "x = " << xs[i];
    EXPECT_EQ(GST_BUFFER_PTS(out), i * 10 * GST_MSECOND);
    gst_buffer_unref(out);
    gst_buffer_unref(expected);
  }
  EXPECT_EQ(get_u64(infer, "remote-answered"), 4u);
  GstElement* src = gst_bin_get_by_name(GST_BIN(server), "requests");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(server), "replies");
  EXPECT_EQ(get_u64(src, "received"), 4u);
  // The edge can hold a reply before the server's threads have counted it.
  EXPECT_TRUE(eventually_u64(src, "replies", 4)) << get_u64(src, "replies");
  EXPECT_TRUE(eventually_u64(sink, "sent", 4)) << get_u64(sink, "sent");
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(infer);
  gst_harness_teardown(h);
  gst_harness_teardown(reference);
  gst_element_set_state(server, GST_STATE_NULL);
  gst_object_unref(server);
}

// CURVE as for the other sockets: the server admits the device whose key it holds; a
// stranger never gets a connection and its windows are answered locally.
TEST_F(EdgeRemote, CurveServerAnswersOnlyAuthorizedDevices) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  if (!net::curve_available()) GTEST_SKIP() << "SKIPPED: this libzmq has no CURVE support";
  const std::string keys = dir_ + "/authorized";
  g_mkdir_with_parents(keys.c_str(), 0700);
  net::write_certificates(net::generate_keypair(), dir_ + "/server", false);
  net::write_certificates(net::generate_keypair(), keys + "/device", false);
  net::write_certificates(net::generate_keypair(), dir_ + "/stranger", false);
  const std::string server_line = "edgezmqsrc name=requests mode=router key=" + dir_ +
                                  "/server.key_secret authorized-keys=" + keys +
                                  " address=" + address_ + " ! edgeinfer model=" + model +
                                  " output-type=float32 ! edgezmqsink mode=router";
  GstElement* server = gst_parse_launch(server_line.c_str(), nullptr);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(gst_element_set_state(server, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  const std::string server_key = " remote-server-key=" + dir_ + "/server.key";

  GstHarness* device = edge(model, 10000, "remote-key=" + keys + "/device.key_secret" + server_key);
  ASSERT_EQ(gst_harness_push(device, x_buffer(1.0f, 0)), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(device);
  EXPECT_EQ(model_of(out), "remote");
  gst_buffer_unref(out);

  GstHarness* stranger =
      edge(model, 200, "remote-key=" + dir_ + "/stranger.key_secret" + server_key);
  ASSERT_EQ(gst_harness_push(stranger, x_buffer(1.0f, 0)), GST_FLOW_OK);
  out = gst_harness_pull(stranger);
  EXPECT_EQ(model_of(out), "local");
  EXPECT_NEAR(first_float(out), std::sin(1.0f), 0.05f);
  gst_buffer_unref(out);
  GstElement* infer = gst_harness_find_element(stranger, "edgeinfer");
  EXPECT_EQ(get_u64(infer, "remote-answered"), 0u);
  EXPECT_EQ(get_u64(infer, "local-fallbacks"), 1u);
  gst_object_unref(infer);
  GstElement* src = gst_bin_get_by_name(GST_BIN(server), "requests");
  guint64 denied = 0;
  for (int i = 0; i < 200 && denied == 0; ++i) {  // the ZAP thread counts asynchronously
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    denied = get_u64(src, "unauthenticated");
  }
  EXPECT_GE(denied, 1u);
  EXPECT_EQ(get_u64(src, "received"), 1u);  // the device's request only
  gst_object_unref(src);
  gst_harness_teardown(stranger);
  gst_harness_teardown(device);
  gst_element_set_state(server, GST_STATE_NULL);
  gst_object_unref(server);
}

TEST_F(EdgeRemote, RouterSinkDropsBuffersWithoutARoute) {
  GstHarness* h = gst_harness_new_parse("edgezmqsink mode=router");
  gst_harness_set_src_caps_str(h, kInputCaps);
  ASSERT_EQ(gst_harness_push(h, x_buffer(1.0f, 0)), GST_FLOW_OK);
  GstElement* sink = gst_harness_find_element(h, "edgezmqsink");
  EXPECT_EQ(get_u64(sink, "dropped"), 1u);
  EXPECT_EQ(get_u64(sink, "sent"), 0u);
  gst_object_unref(sink);
  gst_harness_teardown(h);
}

// A router source serves requests only: a data message without a request id (a plain
// edgezmqsink talking to the wrong port) is refused as malformed and never pushed.
TEST_F(EdgeRemote, RouterSourceRefusesMessagesThatAreNotRequests) {
  GstHarness* h = gst_harness_new_parse(("edgezmqsrc mode=router address=" + address_).c_str());
  gst_harness_play(h);
  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(address_);
  net::WireMessage m;
  m.sender = "not-a-requester";
  m.caps = kInputCaps;
  m.payload_sizes = {4};
  std::string header;
  const float x = 1.0f;
  GstElement* src = gst_harness_find_element(h, "edgezmqsrc");
  for (uint64_t request : {0, 5}) {  // first without an id, then a real request
    m.request = request;
    m.seq = request;
    net::encode_header(m, &header);
    dealer.send(zmq::buffer(header), zmq::send_flags::sndmore);
    dealer.send(zmq::buffer(&x, sizeof(x)), zmq::send_flags::none);
  }
  GstBuffer* out = gst_harness_pull(h);  // the request; the other was refused before it
  ASSERT_NE(out, nullptr);
  // The meta's code lives in the plugin: find its API type by name.
  auto* route = reinterpret_cast<EdgeZmqRouteMeta*>(
      gst_buffer_get_meta(out, g_type_from_name("EdgeZmqRouteMetaAPI")));
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->route->request, 5u);
  EXPECT_FALSE(route->route->peer.empty());
  EXPECT_FLOAT_EQ(first_float(out), 1.0f);
  gst_buffer_unref(out);
  EXPECT_EQ(get_u64(src, "received"), 1u);
  GstStructure* stats = nullptr;
  g_object_get(src, "stats", &stats, nullptr);
  guint64 malformed = 0;
  ASSERT_TRUE(gst_structure_get_uint64(stats, "rejected-malformed", &malformed));
  EXPECT_EQ(malformed, 1u);
  gst_structure_free(stats);
  gst_object_unref(src);
  gst_harness_teardown(h);
}

TEST_F(EdgeRemote, RemotePropertyRefusesWhatIsNotAnEndpoint) {
  GstElement* infer = gst_element_factory_make("edgeinfer", nullptr);
  gchar* remote = nullptr;
  g_object_get(infer, "remote", &remote, "remote-timeout-ms", &timeout_probe_, nullptr);
  EXPECT_EQ(remote, nullptr);  // local only by default
  EXPECT_EQ(timeout_probe_, 50u);
  g_object_set(infer, "remote", "tcp://server:5560", nullptr);
  g_object_set(infer, "remote", "server:5560", nullptr);  // refused with a warning
  g_object_get(infer, "remote", &remote, nullptr);
  EXPECT_STREQ(remote, "tcp://server:5560");
  g_free(remote);
  g_object_set(infer, "remote", "", nullptr);  // cleared: local only again
  g_object_get(infer, "remote", &remote, nullptr);
  EXPECT_EQ(remote, nullptr);
  gst_object_unref(infer);
}

TEST_F(EdgeRemote, CurveNeedsBothKeys) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  const std::string line = "fakesrc ! edgeinfer model=" + model + " remote=" + address_ +
                           " remote-key=/nonexistent.key_secret ! fakesink";
  GstElement* pipeline = gst_parse_launch(line.c_str(), nullptr);
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(m, nullptr);
  GError* err = nullptr;
  gst_message_parse_error(m, &err, nullptr);
  EXPECT_EQ(err->domain, GST_RESOURCE_ERROR);
  EXPECT_EQ(err->code, GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_NE(std::string(err->message).find("remote-server-key"), std::string::npos) << err->message;
  g_error_free(err);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

}  // namespace
}  // namespace edge::gst
