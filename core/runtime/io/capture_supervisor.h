// Supervision of a live capture (edgemicsrc's policy, without GStreamer): when the capture
// fails, goes silent or goes away, and what to do about it.
//
// The owner implements CaptureSupervisor::Capture (close and reopen the device, and report
// what happened to a person) and tells the supervisor what it sees:
//   begin_open()/end_open()  around every open or start of the capture: errors reported in
//                            between are collected (end_open returns the first) rather than
//                            acted on;
//   report_error()           an error from the running capture;
//   note_arrival()           any buffer arrived (lock-free: a relaxed atomic store);
//   note_delivered(pts)      a stamped buffer went downstream (lock-free unless the capture
//                            was (re)started and this is its first buffer);
//   start()/set_running()/pause()/stop()/request_eos()  the owner's state changes.
// The rules, checked by a thread of the supervisor every `tick_ms`:
//   * An error or `silence_timeout_ms` without audio before the first buffer since start():
//     the capture never worked, reported once as kFailedToStart or kSilentAtStart (an error
//     for the owner to post, which ends the run; with reconnect, reopen attempts go on as for
//     a loss until then, and a later success is not reported).
//   * Later, with reconnect: reported once as kLost, then the capture is closed and reopened
//     after backoff delays (reconnect_initial_ms doubling up to reconnect_max_ms) until a
//     reopen succeeds and its first buffer is delivered: kReconnected (time away, attempts).
//     A reopen that opens but stays silent for the timeout, or fails after opening, is just
//     another attempt of the same loss. Without reconnect a loss by error is kFailed.
//   * A tick 0.75 s later than asked for (the process was stopped, SIGSTOP): the silence clock
//     restarts; late audio is not lost audio.
//   * After request_eos() nothing is reopened; errors after a loss, after EOS and while
//     stopping are follow-ups and ignored.
// Thread safety: every method may be called from any thread; Capture's methods are called
// without the supervisor's lock (close/reopen from the supervisor's thread; report from it or
// from the thread calling report_error/note_delivered), so they may call begin_open/end_open.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace edge::io {

class Backoff;

struct CaptureEvent {
  enum class Kind {
    kFailedToStart,  // an error before the first buffer
    kSilentAtStart,  // opened, but no audio within the silence timeout
    kFailed,         // an error later, without reconnect
    kLost,           // an error or a silence later; reopening with backoff
    kReconnected,    // a reopened capture delivered its first buffer
  };
  Kind kind = Kind::kLost;
  std::string reason;    // the error's text; for a silence "no audio for 1.5 s"
  std::string details;   // the error's debug text
  bool silence = false;  // kLost: by silence rather than an error
  double seconds = 0;    // the silence timeout (kSilentAtStart, kLost by silence), or the time
                         // away (kReconnected)
  int attempts = 0;      // kReconnected: reopen attempts in this loss
  int64_t pts_ns = -1;   // kReconnected: the first delivered buffer's pts
};

struct CaptureSupervisorConfig {
  bool reconnect = true;
  int64_t silence_timeout_ms = 5000;   // 0: never
  int64_t reconnect_initial_ms = 100;  // 1 <= initial <= max
  int64_t reconnect_max_ms = 5000;
  int64_t tick_ms = 250;  // how often silence is checked
};

class CaptureSupervisor {
 public:
  class Capture {
   public:
    virtual ~Capture() = default;
    // Stops the capture (before the delay of a reopen attempt).
    virtual void close() = 0;
    // Opens and starts it again: "" on success, else why not.
    virtual std::string reopen() = 0;
    virtual void report(const CaptureEvent& event) = 0;
  };

  explicit CaptureSupervisor(Capture* capture);
  ~CaptureSupervisor();  // stop()s
  CaptureSupervisor(const CaptureSupervisor&) = delete;
  CaptureSupervisor& operator=(const CaptureSupervisor&) = delete;

  // A new run (paused): resets every state and starts the thread. Throws edge::Error on
  // invalid reconnect delays.
  void start(const CaptureSupervisorConfig& config);
  // Ends the thread (waits for a reopen attempt in progress); idempotent.
  void stop();
  // Playing: silence is watched, a loss may be reopened; the first start awaits its audio.
  void set_running();
  // Paused: waits until no reopen attempt is changing the capture.
  void pause();
  // EOS asked for: no more reopening. True when the capture is streaming (running, not lost,
  // not being reopened), so that its own thread can carry the EOS.
  bool request_eos();
  bool eos_requested() const;

  void begin_open();
  // The first error reported since begin_open(), or "".
  std::string end_open();
  void report_error(const std::string& text, const std::string& details);

  void note_arrival() { last_arrival_us_.store(now_us(), std::memory_order_relaxed); }
  void note_delivered(int64_t pts_ns) {
    if (check_first_buffer_.load(std::memory_order_acquire)) first_buffer(pts_ns);
  }

 private:
  static int64_t now_us();
  void run();
  bool should_reopen() const;  // with mutex_
  // Handles a silence seen at `now`: false when there is none.
  bool check_silence(std::unique_lock<std::mutex>& lock, int64_t now);
  void reopen_once(std::unique_lock<std::mutex>& lock);
  void first_buffer(int64_t pts_ns);
  // Starts a loss episode (once per episode): kLost is reported by the caller.
  bool begin_episode(const std::string& reason, int64_t now);
  void report_unlocked(std::unique_lock<std::mutex>& lock, const CaptureEvent& event);

  Capture* capture_;
  CaptureSupervisorConfig config_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool stopping_ = false;  // the thread: exit
  bool running_ = false;   // playing: a loss may be reopened
  bool busy_ = false;      // the thread is closing or reopening the capture
  bool opening_ = false;   // errors are collected in open_error_
  std::string open_error_;
  bool lost_ = false;  // the capture went away (or never came); reopen
  bool eos_requested_ = false;
  bool awaiting_audio_ = false;  // (re)started, no buffer yet
  int64_t awaiting_since_us_ = 0;
  bool ever_delivered_ = false;  // a buffer came since start(): errors are losses now
  bool in_episode_ = false;      // lost, until audio flows again
  std::string lost_reason_;
  int64_t lost_at_us_ = 0;
  int attempts_ = 0;  // reopen attempts in this episode
  std::unique_ptr<Backoff> backoff_;

  std::atomic<int64_t> last_arrival_us_{0};
  std::atomic<bool> check_first_buffer_{false};
};

}  // namespace edge::io
