// io::CaptureSupervisor (edgemicsrc's policy): what it reports and when it reopens, driven
// through its own thread with short delays. tests/e2e/live_audio.sh holds the element to the
// same rules against a real sound server.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "io/capture_supervisor.h"

namespace edge::io {
namespace {

using Kind = CaptureEvent::Kind;

// The capture side: records what the supervisor asks and reports; reopen() fails with the
// queued errors first.
class Recorder : public CaptureSupervisor::Capture {
 public:
  void close() override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++closes_;
  }
  std::string reopen() override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++reopens_;
    changed_.notify_all();
    if (reopen_errors_.empty()) return "";
    std::string error = reopen_errors_.front();
    reopen_errors_.pop_front();
    return error;
  }
  void report(const CaptureEvent& event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }

  void fail_reopens(std::deque<std::string> errors) {
    std::lock_guard<std::mutex> lock(mutex_);
    reopen_errors_ = std::move(errors);
  }
  bool wait_events(size_t n) {
    return wait([&] { return events_.size() >= n; });
  }
  bool wait_reopens(int n) {
    return wait([&] { return reopens_ >= n; });
  }
  std::vector<CaptureEvent> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  int reopens() {
    std::lock_guard<std::mutex> lock(mutex_);
    return reopens_;
  }
  int closes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closes_;
  }

 private:
  // Waits (at most 10 s) until `done` (called with the lock held) holds; false on timeout.
  bool wait(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), done);
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> reopen_errors_;
  std::vector<CaptureEvent> events_;
  int closes_ = 0;
  int reopens_ = 0;
};

CaptureSupervisorConfig fast(bool reconnect, int64_t silence_ms) {
  CaptureSupervisorConfig c;
  c.reconnect = reconnect;
  c.silence_timeout_ms = silence_ms;
  c.reconnect_initial_ms = 5;
  c.reconnect_max_ms = 20;
  c.tick_ms = 10;
  return c;
}

// Delivers a buffer a millisecond (pts from first_pts on) until `n` events were reported, as
// a reopened capture streams; false after 10 s.
bool stream_until_events(CaptureSupervisor& supervisor, Recorder& capture, size_t n,
                         int64_t first_pts) {
  for (int64_t i = 0; i < 10000 && capture.events().size() < n; ++i) {
    supervisor.note_arrival();
    supervisor.note_delivered(first_pts + i);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return capture.events().size() >= n;
}

TEST(CaptureSupervisor, AnErrorBeforeTheFirstBufferFailsTheStart) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  supervisor.start(fast(true, 0));
  supervisor.set_running();
  supervisor.report_error("Connection refused", "pulsesrc.c(1234)");
  supervisor.report_error("a follow-up", "");
  const std::vector<CaptureEvent> events = capture.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kFailedToStart);
  EXPECT_EQ(events[0].reason, "Connection refused");
  EXPECT_EQ(events[0].details, "pulsesrc.c(1234)");
}

TEST(CaptureSupervisor, WithoutReconnectALossIsAnError) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  supervisor.start(fast(false, 0));
  supervisor.set_running();
  supervisor.note_arrival();
  supervisor.note_delivered(0);
  supervisor.report_error("Stream disconnected", "");
  supervisor.stop();
  const std::vector<CaptureEvent> events = capture.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kFailed);
  EXPECT_EQ(events[0].reason, "Stream disconnected");
  EXPECT_EQ(capture.reopens(), 0);
}

TEST(CaptureSupervisor, ALossIsReopenedUntilItAnswersThenReportedBack) {
  Recorder capture;
  capture.fail_reopens({"Connection refused", "Connection refused"});
  CaptureSupervisor supervisor(&capture);
  supervisor.start(fast(true, 0));
  supervisor.set_running();
  supervisor.note_arrival();
  supervisor.note_delivered(1000);
  supervisor.report_error("Stream disconnected", "details");
  supervisor.report_error("the same loss, again", "");
  ASSERT_TRUE(capture.wait_reopens(3));
  // Reopened: the loss ends with the reopened capture's first buffer, not before.
  ASSERT_EQ(capture.events().size(), 1u);
  ASSERT_TRUE(stream_until_events(supervisor, capture, 2, 5000000000));
  supervisor.stop();
  const std::vector<CaptureEvent> events = capture.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kLost);
  EXPECT_FALSE(events[0].silence);
  EXPECT_EQ(events[0].reason, "Stream disconnected");
  EXPECT_EQ(events[0].details, "details");
  EXPECT_EQ(events[1].kind, Kind::kReconnected);
  EXPECT_EQ(events[1].attempts, 3);
  EXPECT_EQ(events[1].reason, "Stream disconnected");
  EXPECT_GE(events[1].pts_ns, 5000000000);
  EXPECT_GT(events[1].seconds, 0.0);
  EXPECT_EQ(capture.reopens(), 3);
  EXPECT_EQ(capture.closes(), 5);  // before each attempt, and after each failed one
}

TEST(CaptureSupervisor, NoAudioAtStartIsAnError) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  supervisor.start(fast(true, 50));
  supervisor.set_running();
  ASSERT_TRUE(capture.wait_events(1));
  supervisor.stop();
  const CaptureEvent event = capture.events()[0];
  EXPECT_EQ(event.kind, Kind::kSilentAtStart);
  EXPECT_TRUE(event.silence);
  EXPECT_DOUBLE_EQ(event.seconds, 0.05);
}

TEST(CaptureSupervisor, ASilenceLaterIsALossAndTheCaptureIsReopened) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  supervisor.start(fast(true, 50));
  supervisor.set_running();
  supervisor.note_arrival();
  supervisor.note_delivered(0);
  ASSERT_TRUE(capture.wait_reopens(1));
  ASSERT_TRUE(stream_until_events(supervisor, capture, 2, 7));
  supervisor.stop();
  const std::vector<CaptureEvent> events = capture.events();
  EXPECT_EQ(events[0].kind, Kind::kLost);
  EXPECT_TRUE(events[0].silence);
  EXPECT_EQ(events[0].reason, "no audio for 0.05 s");
  EXPECT_EQ(events[1].kind, Kind::kReconnected);
  EXPECT_EQ(events[1].reason, "no audio for 0.05 s");
  EXPECT_GE(events[1].pts_ns, 7);
}

TEST(CaptureSupervisor, ErrorsWhileOpeningGoToTheOneOpening) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  supervisor.begin_open();
  supervisor.report_error("No such device", "");
  supervisor.report_error("a follow-up", "");
  EXPECT_EQ(supervisor.end_open(), "No such device");
  supervisor.begin_open();
  EXPECT_EQ(supervisor.end_open(), "");
  EXPECT_TRUE(capture.events().empty());
}

TEST(CaptureSupervisor, AfterEosNothingIsReopened) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  CaptureSupervisorConfig config = fast(true, 0);
  config.reconnect_initial_ms = config.reconnect_max_ms = 60000;
  supervisor.start(config);
  supervisor.set_running();
  supervisor.note_delivered(0);
  supervisor.report_error("Stream disconnected", "");
  EXPECT_FALSE(supervisor.request_eos());  // lost: nobody else carries the EOS
  EXPECT_TRUE(supervisor.eos_requested());
  supervisor.stop();  // returns at once: the 60 s delay ends with the EOS
  EXPECT_EQ(capture.reopens(), 0);
  ASSERT_EQ(capture.events().size(), 1u);
}

TEST(CaptureSupervisor, AStreamingCaptureCarriesItsOwnEos) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  supervisor.start(fast(true, 0));
  EXPECT_FALSE(supervisor.request_eos());  // paused
  supervisor.start(fast(true, 0));
  supervisor.set_running();
  EXPECT_TRUE(supervisor.request_eos());
}

TEST(CaptureSupervisor, RefusesReconnectDelaysOutOfOrder) {
  Recorder capture;
  CaptureSupervisor supervisor(&capture);
  CaptureSupervisorConfig config = fast(true, 0);
  config.reconnect_initial_ms = 100;
  config.reconnect_max_ms = 10;
  EXPECT_THROW(supervisor.start(config), Error);
}

}  // namespace
}  // namespace edge::io
