#include "io/capture_supervisor.h"

#include <chrono>

#include "common/error.h"
#include "io/serial_port.h"

namespace edge::io {

namespace {
// A tick this much later than asked for: the process was stopped, not the audio.
constexpr int64_t kLateTickUs = 750000;
}  // namespace

CaptureSupervisor::CaptureSupervisor(Capture* capture) : capture_(capture) {}

CaptureSupervisor::~CaptureSupervisor() { stop(); }

int64_t CaptureSupervisor::now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void CaptureSupervisor::start(const CaptureSupervisorConfig& config) {
  stop();
  std::lock_guard<std::mutex> lock(mutex_);
  backoff_ = std::make_unique<Backoff>(config.reconnect_initial_ms, config.reconnect_max_ms);
  config_ = config;
  stopping_ = false;
  running_ = false;
  busy_ = false;
  lost_ = false;
  eos_requested_ = false;
  awaiting_audio_ = false;
  ever_delivered_ = false;
  in_episode_ = false;
  check_first_buffer_ = false;
  thread_ = std::thread(&CaptureSupervisor::run, this);
}

void CaptureSupervisor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void CaptureSupervisor::set_running() {
  std::lock_guard<std::mutex> lock(mutex_);
  running_ = true;
  if (!ever_delivered_ && !lost_) {
    awaiting_audio_ = true;
    awaiting_since_us_ = now_us();
    check_first_buffer_ = true;
  }
  wake_.notify_all();
}

void CaptureSupervisor::pause() {
  std::unique_lock<std::mutex> lock(mutex_);
  running_ = false;
  wake_.notify_all();
  wake_.wait(lock, [&] { return !busy_; });
}

bool CaptureSupervisor::request_eos() {
  std::lock_guard<std::mutex> lock(mutex_);
  eos_requested_ = true;
  wake_.notify_all();
  return running_ && !lost_ && !busy_;
}

bool CaptureSupervisor::eos_requested() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return eos_requested_;
}

void CaptureSupervisor::begin_open() {
  std::lock_guard<std::mutex> lock(mutex_);
  opening_ = true;
  open_error_.clear();
}

std::string CaptureSupervisor::end_open() {
  std::lock_guard<std::mutex> lock(mutex_);
  opening_ = false;
  return open_error_;
}

void CaptureSupervisor::report_error(const std::string& text, const std::string& details) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (opening_) {  // an open attempt: end_open() hands it to the one opening
    if (open_error_.empty()) open_error_ = text;
    return;
  }
  if (lost_ || eos_requested_ || stopping_) return;  // follow-ups
  CaptureEvent event;
  event.reason = text;
  event.details = details;
  lost_ = true;
  if (!ever_delivered_ || !config_.reconnect) {
    event.kind = ever_delivered_ ? CaptureEvent::Kind::kFailed : CaptureEvent::Kind::kFailedToStart;
    report_unlocked(lock, event);
    return;
  }
  wake_.notify_all();
  if (!begin_episode(text, now_us())) return;  // a reopen attempt that failed after opening
  event.kind = CaptureEvent::Kind::kLost;
  report_unlocked(lock, event);
}

bool CaptureSupervisor::should_reopen() const {
  return lost_ && running_ && !eos_requested_ && config_.reconnect;
}

bool CaptureSupervisor::begin_episode(const std::string& reason, int64_t now) {
  if (in_episode_) return false;
  in_episode_ = true;
  lost_reason_ = reason;
  lost_at_us_ = now;
  attempts_ = 0;
  return true;
}

void CaptureSupervisor::report_unlocked(std::unique_lock<std::mutex>& lock,
                                        const CaptureEvent& event) {
  lock.unlock();
  capture_->report(event);
  lock.lock();
}

void CaptureSupervisor::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (should_reopen()) {
      reopen_once(lock);
      continue;
    }
    const int64_t before = now_us();
    wake_.wait_for(lock, std::chrono::milliseconds(config_.tick_ms));
    if (stopping_) break;
    const int64_t now = now_us();
    if (now - before > config_.tick_ms * 1000 + kLateTickUs) {
      // SIGSTOP or a frozen machine: the audio is late, not necessarily gone.
      awaiting_since_us_ = now;
      last_arrival_us_ = now;
      continue;
    }
    check_silence(lock, now);
  }
}

bool CaptureSupervisor::check_silence(std::unique_lock<std::mutex>& lock, int64_t now) {
  const int64_t timeout_us = config_.silence_timeout_ms * 1000;
  if (!running_ || eos_requested_ || lost_ || timeout_us == 0) return false;
  const bool start_silent = awaiting_audio_ && now - awaiting_since_us_ > timeout_us;
  const bool went_silent = !awaiting_audio_ && now - last_arrival_us_ > timeout_us;
  if (!start_silent && !went_silent) return false;
  lost_ = true;
  CaptureEvent event;
  event.silence = true;
  event.seconds = static_cast<double>(timeout_us) / 1e6;
  event.reason = msg("no audio for ", event.seconds, " s");
  if (!ever_delivered_) {
    event.kind = CaptureEvent::Kind::kSilentAtStart;
    report_unlocked(lock, event);
    return true;
  }
  if (!begin_episode(event.reason, now)) return true;  // this reopen gave nothing: try again
  event.kind = CaptureEvent::Kind::kLost;
  report_unlocked(lock, event);
  return true;
}

void CaptureSupervisor::reopen_once(std::unique_lock<std::mutex>& lock) {
  const int64_t delay_ms = backoff_->next_ms();
  busy_ = true;
  lock.unlock();
  capture_->close();
  lock.lock();
  wake_.wait_for(lock, std::chrono::milliseconds(delay_ms),
                 [&] { return stopping_ || !should_reopen(); });
  if (stopping_ || !should_reopen()) {
    busy_ = false;
    wake_.notify_all();
    return;
  }
  ++attempts_;
  lock.unlock();
  const std::string error = capture_->reopen();
  if (!error.empty()) capture_->close();
  lock.lock();
  busy_ = false;
  wake_.notify_all();
  if (!error.empty()) return;
  // Opened: back when audio comes (note_delivered); lost again after a silence or an error.
  lost_ = false;
  awaiting_audio_ = true;
  awaiting_since_us_ = now_us();
  check_first_buffer_ = true;
}

void CaptureSupervisor::first_buffer(int64_t pts_ns) {
  std::unique_lock<std::mutex> lock(mutex_);
  check_first_buffer_ = false;
  if (!awaiting_audio_) return;
  awaiting_audio_ = false;
  ever_delivered_ = true;
  if (!in_episode_) return;
  in_episode_ = false;
  backoff_->reset();
  CaptureEvent event;
  event.kind = CaptureEvent::Kind::kReconnected;
  event.seconds = static_cast<double>(now_us() - lost_at_us_) / 1e6;
  event.attempts = attempts_;
  event.reason = lost_reason_;
  event.pts_ns = pts_ns;
  report_unlocked(lock, event);
}

}  // namespace edge::io
