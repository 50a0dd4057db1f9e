// ZeroMQ hop costs, core level (wire encode + ZeroMQ + strict decode, as edgezmqsink and
// edgezmqsrc do them, without the GStreamer buffer handling around them):
//  - BM_LoopbackHop: one window per message over tcp://127.0.0.1 PUSH -> PULL, the time
//    from before encoding to after decoding on the receiver thread (steady clock, one
//    process); p50/p99 in microseconds. Windows are sent one at a time (the receiver has
//    decoded the previous one), as a real-time graph produces them.
//  - BM_HubThroughput: 8 publisher threads (PUB, connect, xpub_nodrop + blocking send)
//    to one SUB that binds and decodes every result message; messages per second.
//  - BM_RemoteRoundTrip: remote inference's network part, one window at a time: the edge
//    encodes a request (tensors + request id) and sends it over DEALER, a server thread
//    (ROUTER) decodes it and answers a result (2 classes, 2 float scores) with the same
//    id, the edge decodes the reply and checks the id; p50/p99 of that round trip in
//    microseconds over tcp://127.0.0.1 (no model: add the server model's invoke time).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "net/wire.h"

namespace {

using Clock = std::chrono::steady_clock;
using edge::net::Frame;
using edge::net::WireMessage;

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

WireMessage window_message(uint64_t bytes) {
  WireMessage m;
  m.sender = "bench-edge";
  m.caps =
      "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
      "dimensions=(string)" +
      std::to_string(bytes / 4) + ", framerate=(fraction)0/1";
  m.has_clip = true;
  m.clip = {"street.wav", "street", 3, 1, "sound/street.wav", 0};
  m.payload_sizes = {bytes};
  return m;
}

void BM_LoopbackHop(benchmark::State& state) {
  const uint64_t bytes = static_cast<uint64_t>(state.range(0));
  const int windows = 2000;
  zmq::context_t context(1);
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.set(zmq::sockopt::linger, 0);
  pull.bind("tcp://127.0.0.1:*");
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.connect(pull.get(zmq::sockopt::last_endpoint));
  std::vector<double> hop_us;
  for (auto _ : state) {
    hop_us.clear();
    std::atomic<int> done{0};
    std::thread receiver([&] {
      std::vector<zmq::message_t> frames(2);
      WireMessage m;
      edge::net::DecodeError error;
      for (int i = 0; i < windows; ++i) {
        (void)pull.recv(frames[0]);
        (void)pull.recv(frames[1]);
        Frame views[2] = {{frames[0].data(), frames[0].size()},
                          {frames[1].data(), frames[1].size()}};
        if (!edge::net::decode_message(views, 2, 64 << 20, &m, &error)) std::abort();
        hop_us.push_back(static_cast<double>(now_ns() - m.pts) / 1e3);
        done = i + 1;
      }
    });
    WireMessage m = window_message(bytes);
    std::string header, payload(bytes, '\x11');
    for (int i = 0; i < windows; ++i) {
      m.seq = static_cast<uint64_t>(i);
      m.pts = now_ns();  // the send time rides in the PTS field
      edge::net::encode_header(m, &header);
      push.send(zmq::buffer(header), zmq::send_flags::sndmore);
      push.send(zmq::buffer(payload), zmq::send_flags::none);
      while (done.load() <= i) std::this_thread::yield();
    }
    receiver.join();
  }
  std::sort(hop_us.begin(), hop_us.end());
  state.counters["p50_us"] = hop_us[hop_us.size() / 2];
  state.counters["p99_us"] = hop_us[hop_us.size() * 99 / 100];
  state.counters["max_us"] = hop_us.back();
}
BENCHMARK(BM_LoopbackHop)
    ->Arg(720)
    ->Arg(64000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_RemoteRoundTrip(benchmark::State& state) {
  const uint64_t bytes = static_cast<uint64_t>(state.range(0));
  const int windows = 2000;
  zmq::context_t context(1);
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(router.get(zmq::sockopt::last_endpoint));
  std::vector<double> round_trip_us;
  for (auto _ : state) {
    round_trip_us.clear();
    std::thread server([&] {
      std::vector<zmq::message_t> frames(3);
      WireMessage request, reply;
      reply.kind = edge::net::MessageKind::kResult;
      reply.sender = "bench-server";
      reply.caps =
          "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "
          "dimensions=(string)2:1, framerate=(fraction)0/1";
      reply.classes = {{"punch", 1, 0.875f}, {"flex", 0, 0.125f}};
      reply.payload_sizes = {8};
      const float scores[2] = {0.125f, 0.875f};
      std::string header;
      edge::net::DecodeError error;
      for (int i = 0; i < windows; ++i) {
        for (auto& f : frames) (void)router.recv(f);  // identity, header, payload
        Frame views[2] = {{frames[1].data(), frames[1].size()},
                          {frames[2].data(), frames[2].size()}};
        if (!edge::net::decode_message(views, 2, 64 << 20, &request, &error)) std::abort();
        reply.request = request.request;
        reply.pts = request.pts;
        reply.seq = static_cast<uint64_t>(i);
        edge::net::encode_header(reply, &header);
        router.send(frames[0], zmq::send_flags::sndmore);
        router.send(zmq::buffer(header), zmq::send_flags::sndmore);
        router.send(zmq::buffer(scores, sizeof(scores)), zmq::send_flags::none);
      }
    });
    WireMessage m = window_message(bytes);
    WireMessage reply;
    edge::net::DecodeError error;
    std::string header, payload(bytes, '\x11');
    std::vector<zmq::message_t> frames(2);
    for (int i = 0; i < windows; ++i) {
      const uint64_t start = now_ns();
      m.seq = static_cast<uint64_t>(i);
      m.request = static_cast<uint64_t>(i) + 1;
      edge::net::encode_header(m, &header);
      dealer.send(zmq::buffer(header), zmq::send_flags::sndmore);
      dealer.send(zmq::buffer(payload), zmq::send_flags::none);
      (void)dealer.recv(frames[0]);
      (void)dealer.recv(frames[1]);
      Frame views[2] = {{frames[0].data(), frames[0].size()}, {frames[1].data(), frames[1].size()}};
      if (!edge::net::decode_message(views, 2, 64 << 20, &reply, &error) ||
          reply.request != m.request)
        std::abort();
      round_trip_us.push_back(static_cast<double>(now_ns() - start) / 1e3);
    }
    server.join();
  }
  std::sort(round_trip_us.begin(), round_trip_us.end());
  state.counters["p50_us"] = round_trip_us[round_trip_us.size() / 2];
  state.counters["p99_us"] = round_trip_us[round_trip_us.size() * 99 / 100];
  state.counters["max_us"] = round_trip_us.back();
}
BENCHMARK(BM_RemoteRoundTrip)
    ->Arg(720)
    ->Arg(64000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_HubThroughput(benchmark::State& state) {
  const int publishers = static_cast<int>(state.range(0));
  const int per_publisher = 20000;
  zmq::context_t context(2);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvhwm, 100000);
  sub.set(zmq::sockopt::subscribe, "");
  sub.bind("tcp://127.0.0.1:*");
  const std::string endpoint = sub.get(zmq::sockopt::last_endpoint);
  double rate = 0;
  for (auto _ : state) {
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int p = 0; p < publishers; ++p) {
      threads.emplace_back([&, p] {
        zmq::socket_t pub(context, zmq::socket_type::pub);
        pub.set(zmq::sockopt::linger, 2000);
        pub.set(zmq::sockopt::xpub_nodrop, 1);
        pub.connect(endpoint);
        WireMessage m = window_message(8);
        m.kind = edge::net::MessageKind::kResult;
        m.sender = "edge-" + std::to_string(p);
        m.classes = {{"street", 3, 0.8f}, {"park", 1, 0.15f}, {"metro", 0, 0.05f}};
        m.payload_sizes = {8};
        m.caps =
            "other/tensors, format=(string)static, num_tensors=(int)1, "
            "types=(string)float32, dimensions=(string)2, framerate=(fraction)0/1";
        std::string header, payload(8, '\0');
        // Publish probes until the subscription has crossed, so no counted message is lost.
        ready++;
        while (!go) std::this_thread::yield();
        for (int i = 0; i < per_publisher; ++i) {
          m.seq = static_cast<uint64_t>(i);
          edge::net::encode_header(m, &header);
          while (
              !pub.send(zmq::buffer(header), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            std::this_thread::yield();
          pub.send(zmq::buffer(payload), zmq::send_flags::none);
        }
      });
    }
    while (ready < publishers) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscriptions reach every PUB
    const auto start = Clock::now();
    go = true;
    std::vector<zmq::message_t> frames(2);
    WireMessage m;
    edge::net::DecodeError error;
    long received = 0;
    const long expected = static_cast<long>(publishers) * per_publisher;
    sub.set(zmq::sockopt::rcvtimeo, 2000);
    while (received < expected) {
      if (!sub.recv(frames[0])) break;  // 2 s of silence: stop and report what came
      (void)sub.recv(frames[1]);
      Frame views[2] = {{frames[0].data(), frames[0].size()}, {frames[1].data(), frames[1].size()}};
      if (edge::net::decode_message(views, 2, 1 << 20, &m, &error)) ++received;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (auto& t : threads) t.join();
    rate = received / seconds;
    state.counters["received"] = static_cast<double>(received);
    state.counters["lost"] = static_cast<double>(expected - received);
  }
  state.counters["msgs_per_s"] = rate;
}
BENCHMARK(BM_HubThroughput)->Arg(8)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
