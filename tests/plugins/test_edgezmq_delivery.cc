// Delivery semantics of edgezmqsink/edgezmqsrc (docs/network.md, "Delivery"), every start
// order, five runs each, in-process over ipc://:
//   PUB and PUSH: hub first, edge first, hub restarted mid-run. Each window the edge
//   attempted is either received by a hub or counted where the user sees it: the sink's
//   dropped (with its reason, on the bus at EOS) or, for what died in a hub that stopped,
//   the gap in the hub's log (appended across the restart). No window is counted sent
//   and silently lost.
//   ROUTER (remote inference): server first, edge first, server restarted mid-run. Each
//   window is answered exactly once, by the server or locally, and the edge's counters
//   say which: remote-answered + local-fallbacks = windows.
// Every wait has a deadline; the whole file runs in a few seconds.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugins/common/edgemeta.h"
#include "tests/common/test_util.h"
#include "tests/plugins/edgezmq_test_util.h"

namespace edge::gst {
namespace {

using namespace zmqtest;  // NOLINT: the shared helpers of these tests
using std::chrono::milliseconds;

constexpr int kRuns = 5;
constexpr guint64 kWindows = 60;

// An edge: edgezmqsink in a harness, windows pushed from a thread of its own (a blocking
// sink may wait for its hub).
class Edge {
 public:
  Edge(const std::string& address, const char* mode, const char* policy) {
    h_ = gst_harness_new_parse(
        ("edgezmqsink sender-id=edge mode=" + std::string(mode) + " policy=" + policy +
         " reconnect-ms=20 reconnect-max-ms=100 linger-ms=500 address=" + address)
            .c_str());
    bus_ = std::make_unique<BusLog>(h_->element);
    gst_harness_set_src_caps_str(h_, kOneTensorCaps);
  }
  ~Edge() {
    if (pusher_.joinable()) pusher_.join();
    bus_.reset();
    gst_harness_teardown(h_);
  }
  // Pushes windows [from, to) from another thread, `gap` apart.
  void push(guint64 from, guint64 to, milliseconds gap = milliseconds(0)) {
    if (pusher_.joinable()) pusher_.join();
    pushed_ = from;
    pusher_ = std::thread([this, from, to, gap] {
      for (guint64 i = from; i < to; ++i) {
        if (gst_harness_push(h_, one_tensor_buffer(i * GST_MSECOND)) != GST_FLOW_OK) return;
        pushed_ = i + 1;
        if (gap.count()) std::this_thread::sleep_for(gap);
      }
    });
  }
  guint64 pushed() const { return pushed_; }
  // Waits for the pushes, ends the stream and returns the sink's EOS accounting.
  const GstStructure* finish() {
    if (pusher_.joinable()) pusher_.join();
    gst_harness_push_event(h_, gst_event_new_eos());
    GstMessage* m = bus_->wait_for(GST_MESSAGE_ELEMENT, "edgestream-zmq-sink");
    return m ? gst_message_get_structure(m) : nullptr;
  }
  BusLog& bus() { return *bus_; }

 private:
  GstHarness* h_;
  std::unique_ptr<BusLog> bus_;
  std::thread pusher_;
  std::atomic<guint64> pushed_{0};
};

guint64 field(const GstStructure* s, const char* name) {
  guint64 v = G_MAXUINT64;
  EXPECT_TRUE(s && gst_structure_get_uint64(s, name, &v)) << name;
  return v;
}

// A hub: edgezmqsrc in a harness (buffers pile up in the harness), logging to `log`.
GstHarness* start_hub(const std::string& address, const char* mode, const std::string& log) {
  GstHarness* h = gst_harness_new_parse(
      ("edgezmqsrc mode=" + std::string(mode) + " address=" + address + " log=" + log).c_str());
  gst_harness_play(h);
  return h;
}

bool wait_until(const std::function<bool()>& done, milliseconds timeout = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// The data sequence numbers of each hub run in a log (runs start at {"start": ...} lines).
std::vector<std::vector<guint64>> runs_in_log(const std::string& path) {
  std::vector<std::vector<guint64>> runs;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("start")) runs.emplace_back();
    if (j.value("kind", "") == "tensors" && !runs.empty())
      runs.back().push_back(j["seq"].get<guint64>());
  }
  return runs;
}

// The books of one run: the sink's counters add up, every number the hubs logged is unique
// and below attempted, each hub run received one contiguous stretch, and what no hub
// logged is what the sink counted dropped, plus (only across a restart) the stretch that
// died with the stopped hub: visible in the log as the jump from one run to the next.
struct Books {
  guint64 attempted, sent, dropped, received, lost_in_restart;
};
Books check_books(const GstStructure* eos, const std::string& log, guint64 dropped_before) {
  Books b{};
  b.attempted = field(eos, "attempted");
  b.sent = field(eos, "sent");
  b.dropped = field(eos, "dropped");
  EXPECT_EQ(b.attempted, kWindows);
  EXPECT_EQ(b.sent + b.dropped, b.attempted);
  std::set<guint64> all;
  const auto runs = runs_in_log(log);
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& seqs = runs[r];
    for (guint64 s : seqs) {
      EXPECT_TRUE(all.insert(s).second) << "seq " << s << " logged twice";
      EXPECT_LT(s, b.attempted);
    }
    if (seqs.empty()) continue;
    EXPECT_EQ(seqs.back() - seqs.front() + 1, seqs.size()) << "hub run " << r << " has holes";
    if (r > 0 && !runs[r - 1].empty()) b.lost_in_restart += seqs.front() - runs[r - 1].back() - 1;
  }
  b.received = all.size();
  // Drops happen before the first window a hub got (nobody subscribed yet) or not at all.
  EXPECT_EQ(all.empty() ? b.attempted : *all.begin(), dropped_before);
  EXPECT_EQ(b.received + b.dropped + b.lost_in_restart, b.attempted);
  return b;
}

class Delivery : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_dir(); }
  // Each run its own address and log: `run` numbers them within a test, `mode_` apart.
  std::string address(int run) const {
    return "ipc://" + dir_ + "/hub" + std::to_string(mode_) + "-" + std::to_string(run);
  }
  std::string log(int run) const {
    return dir_ + "/hub" + std::to_string(mode_) + "-" + std::to_string(run) + ".jsonl";
  }
  std::string dir_;
  int mode_ = 0;
};

struct Mode {
  const char* sink;
  const char* hub;
  const char* policy;
};

// Hub first: every window arrives, except that PUB with policy=drop drops (and counts) what
// it publishes before the hub's subscription has crossed, in the edge's first moments.
TEST_F(Delivery, HubFirstDeliversOrCountsEveryWindow) {
  for (const Mode& mode : {Mode{"pub", "sub", "block"}, Mode{"pub", "sub", "drop"},
                           Mode{"push", "pull", "block"}, Mode{"push", "pull", "drop"}}) {
    ++mode_;
    for (int run = 0; run < kRuns; ++run) {
      SCOPED_TRACE(std::string(mode.sink) + " policy=" + mode.policy + " run " +
                   std::to_string(run));
      GstHarness* hub = start_hub(address(run), mode.hub, log(run));
      {
        Edge edge(address(run), mode.sink, mode.policy);
        // policy=drop with PUB: a subscription takes a moment to cross; what is published
        // before it is dropped and counted, the rest arrives.
        edge.push(0, kWindows);
        const GstStructure* eos = edge.finish();
        ASSERT_NE(eos, nullptr) << edge.bus().text(GST_MESSAGE_ERROR);
        const guint64 dropped = field(eos, "dropped");
        if (std::string(mode.policy) == "block") {
          EXPECT_EQ(dropped, 0u);
        }
        EXPECT_EQ(field(eos, "dropped-no-receiver"), dropped);
        ASSERT_TRUE(
            wait_until([&] { return gst_harness_buffers_received(hub) >= kWindows - dropped; }));
        const Books b = check_books(eos, log(run), dropped);
        EXPECT_EQ(b.received, kWindows - dropped);
        EXPECT_EQ(b.lost_in_restart, 0u);
      }
      EXPECT_EQ(stat_u64(hub, "edgezmqsrc", "missing"), 0u);
      gst_harness_teardown(hub);
    }
  }
}

// Edge first: the sink starts and sends before any hub exists. PUB block waits for the
// subscriber, PUB drop counts what nobody took (no-receiver), PUSH queues (up to `queue`)
// and delivers when the hub comes.
TEST_F(Delivery, EdgeFirstWaitsQueuesOrCountsEveryWindow) {
  for (const Mode& mode : {Mode{"pub", "sub", "block"}, Mode{"pub", "sub", "drop"},
                           Mode{"push", "pull", "block"}, Mode{"push", "pull", "drop"}}) {
    ++mode_;
    for (int run = 0; run < kRuns; ++run) {
      SCOPED_TRACE(std::string(mode.sink) + " policy=" + mode.policy + " run " +
                   std::to_string(run));
      Edge edge(address(run), mode.sink, mode.policy);
      edge.push(0, 20, milliseconds(1));
      std::this_thread::sleep_for(milliseconds(60));  // windows meet no hub
      GstHarness* hub = start_hub(address(run), mode.hub, log(run));
      edge.push(20, kWindows, milliseconds(1));
      const GstStructure* eos = edge.finish();
      ASSERT_NE(eos, nullptr) << edge.bus().text(GST_MESSAGE_ERROR);
      const guint64 dropped = field(eos, "dropped");
      if (std::string(mode.policy) == "block" || std::string(mode.sink) == "push") {
        EXPECT_EQ(dropped, 0u);
      } else {
        EXPECT_GE(dropped, 1u);  // published before the hub existed: counted, not lost
      }
      ASSERT_TRUE(
          wait_until([&] { return gst_harness_buffers_received(hub) >= kWindows - dropped; }));
      const Books b = check_books(eos, log(run), dropped);
      EXPECT_EQ(b.received, kWindows - dropped);
      if (dropped > 0) {
        EXPECT_EQ(field(eos, "dropped-no-receiver"), dropped);
        EXPECT_NE(edge.bus().text(GST_MESSAGE_WARNING).find("no receiver"), std::string::npos)
            << edge.bus().text(GST_MESSAGE_WARNING);
      }
      gst_harness_teardown(hub);
    }
  }
}

// Hub restarted mid-run (same log file, appended): windows sent while it is away are queued
// and delivered to the new hub; only what the stopped hub held dies, and the log shows it
// as the jump between its two runs. policy=block: nothing dropped.
TEST_F(Delivery, HubRestartedMidRunLosesNothingUnseen) {
  for (const Mode& mode : {Mode{"pub", "sub", "block"}, Mode{"push", "pull", "block"}}) {
    ++mode_;
    for (int run = 0; run < kRuns; ++run) {
      SCOPED_TRACE(std::string(mode.sink) + " run " + std::to_string(run));
      GstHarness* hub = start_hub(address(run), mode.hub, log(run));
      Edge edge(address(run), mode.sink, mode.policy);
      edge.push(0, kWindows, milliseconds(1));
      ASSERT_TRUE(wait_until([&] { return gst_harness_buffers_received(hub) >= 15; }));
      gst_harness_teardown(hub);  // in the middle of the stream
      std::this_thread::sleep_for(milliseconds(20));
      hub = start_hub(address(run), mode.hub, log(run));
      const GstStructure* eos = edge.finish();
      ASSERT_NE(eos, nullptr) << edge.bus().text(GST_MESSAGE_ERROR);
      EXPECT_EQ(field(eos, "dropped"), 0u);
      ASSERT_TRUE(wait_until([&] {
        const auto runs = runs_in_log(log(run));
        return runs.size() == 2 && !runs[1].empty() && runs[1].back() == kWindows - 1;
      })) << "the restarted hub did not get the last window";
      const Books b = check_books(eos, log(run), 0);
      EXPECT_EQ(runs_in_log(log(run)).size(), 2u);
      EXPECT_GT(b.received, kWindows / 2);
      gst_harness_teardown(hub);
    }
  }
}

// --- ROUTER: remote inference, every window answered once.

const char kInputCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
    "dimensions=(string)1:1, framerate=(fraction)0/1";

class RouterDelivery : public Delivery {
 protected:
  GstElement* start_server(const std::string& model, int run) {
    const std::string line = "edgezmqsrc mode=router address=" + address(run) +
                             " ! edgeinfer model=" + model +
                             " output-type=float32 ! edgezmqsink mode=router";
    GstElement* server = gst_parse_launch(line.c_str(), nullptr);
    EXPECT_NE(gst_element_set_state(server, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    return server;
  }
  static void stop_server(GstElement* server) {
    gst_element_set_state(server, GST_STATE_NULL);
    gst_object_unref(server);
  }
  GstHarness* edge(const std::string& model, int run) {
    GstHarness* h = gst_harness_new_parse(("edgeinfer model=" + model +
                                           " output-type=float32 remote=" + address(run) +
                                           " remote-timeout-ms=300")
                                              .c_str());
    gst_harness_set_src_caps_str(h, kInputCaps);
    return h;
  }
  // Pushes one window; true when the server answered it. Each window gets one answer.
  // Windows come `pace` apart, as a stream's do (ZeroMQ reconnects meanwhile).
  static bool classify(GstHarness* h, guint64 i, milliseconds pace = milliseconds(5)) {
    std::this_thread::sleep_for(pace);
    GstBuffer* in = gst_buffer_new_allocate(nullptr, sizeof(float), nullptr);
    const float x = 0.01f * i;
    gst_buffer_fill(in, 0, &x, sizeof(x));
    GST_BUFFER_PTS(in) = i * GST_MSECOND;
    EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
    GstBuffer* out = gst_harness_pull(h);
    EdgeClassMeta* meta = edge_buffer_get_class_meta(out);
    const bool remote = meta && meta->model && std::string(meta->model) == "remote";
    gst_buffer_unref(out);
    return remote;
  }
  static void expect_books(GstHarness* h, guint64 windows, guint64 remote) {
    EXPECT_EQ(gst_harness_buffers_received(h), windows);  // one answer per window
    EXPECT_EQ(get_u64(h, "edgeinfer", "remote-answered"), remote);
    EXPECT_EQ(
        get_u64(h, "edgeinfer", "remote-answered") + get_u64(h, "edgeinfer", "local-fallbacks"),
        windows);
  }
};

TEST_F(RouterDelivery, ServerFirstAnswersEveryWindowRemotely) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  for (int run = 0; run < kRuns; ++run) {
    GstElement* server = start_server(model, run);
    GstHarness* h = edge(model, run);
    guint64 remote = 0;
    for (guint64 i = 0; i < 20; ++i) remote += classify(h, i);
    // The first window may find the connection still being made and answer locally.
    EXPECT_GE(remote, 19u);
    expect_books(h, 20, remote);
    gst_harness_teardown(h);
    stop_server(server);
  }
}

TEST_F(RouterDelivery, EdgeFirstAnswersLocallyUntilTheServerIsThere) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  for (int run = 0; run < kRuns; ++run) {
    GstHarness* h = edge(model, run);
    guint64 windows = 0, remote = 0;
    for (; windows < 5; ++windows) remote += classify(h, windows);
    EXPECT_EQ(remote, 0u);  // no server: local, each within the timeout
    GstElement* server = start_server(model, run);
    // ZeroMQ reconnects within ~100 ms; then the server answers.
    while (windows < 200 && remote < 10) remote += classify(h, windows++);
    EXPECT_EQ(remote, 10u);
    expect_books(h, windows, remote);
    gst_harness_teardown(h);
    stop_server(server);
  }
}

TEST_F(RouterDelivery, ServerRestartedMidRunEveryWindowStillAnswered) {
  EDGE_REQUIRE_SHARED(model, "models/tflm/hello_world_float.tflite");
  for (int run = 0; run < kRuns; ++run) {
    GstElement* server = start_server(model, run);
    GstHarness* h = edge(model, run);
    guint64 windows = 0, remote = 0;
    while (windows < 200 && remote < 5) remote += classify(h, windows++);
    stop_server(server);
    guint64 while_down = 0;
    for (int i = 0; i < 5; ++i) while_down += classify(h, windows++);
    EXPECT_EQ(while_down, 0u);
    server = start_server(model, run);
    const guint64 before = remote;
    while (windows < 400 && remote < before + 5) remote += classify(h, windows++);
    EXPECT_EQ(remote, before + 5);
    expect_books(h, windows, remote);
    gst_harness_teardown(h);
    stop_server(server);
  }
}

}  // namespace
}  // namespace edge::gst
