// Byte input for IMU lines: a serial port (termios) or a recorded file, both
// read through poll() so a reader blocked waiting for bytes can be woken from
// another thread at once (GStreamer's unlock, Ctrl-C).
//
// SerialPort opens a tty in raw mode, 8 data bits, no parity, 1 stop bit, no
// flow control, CLOCAL|CREAD, at a baud rate from the standard set. It does not
// flush bytes already waiting in the driver on open (a replay that started
// first is read from its beginning). An unplugged device (USB serial gone,
// pseudo-terminal master closed) shows as ReadStatus::kHangup: poll() reports
// POLLHUP/POLLERR, or read() returns 0, EIO or ENXIO.
//
// FileInput reads a regular file (a recorded CSV) in chunks; kEnd at its end.
//
// Canceller is a self-pipe: wake() from any thread makes every wait on it
// return kCancelled until clear(). Backoff gives the reconnect delays
// (initial, doubled each failure, capped at max). Pacer spaces frames at a
// nominal rate in real time.
//
// Thread safety: a SerialPort or FileInput is used by one thread; only
// Canceller::wake()/clear() may be called from another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace edge::io {

// True when `baud` is one of the rates termios supports here (50 ... 4000000).
bool is_supported_baud(int baud);
// "50, 75, 110, ..., 115200, ..." for messages.
std::string supported_bauds();

enum class ReadStatus {
  kData,       // *n bytes were read (n > 0)
  kTimeout,    // nothing within timeout_ms
  kHangup,     // the device went away (serial) - close and reopen
  kEnd,        // end of file (file input)
  kCancelled,  // Canceller::wake() was called
};

class Canceller {
 public:
  Canceller();  // throws edge::Error when no pipe can be made
  ~Canceller();
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;

  void wake();   // async-signal-safe: makes waits return kCancelled
  void clear();  // re-arms after wake()
  bool cancelled() const;
  int fd() const { return read_fd_; }  // readable while woken

  // Sleeps up to `ms` milliseconds; false when woken (cancelled) before.
  bool sleep_ms(int64_t ms) const;

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// Throws edge::Error naming `device` unless it opens as a terminal (a serial port or a
// pseudo-terminal): /dev/null and /dev/zero are character devices that are not one, and a
// reader on them would wait (or reconnect) forever. Opens without blocking and closes again.
void require_terminal(const std::string& device);

class SerialPort {
 public:
  SerialPort() = default;
  ~SerialPort();
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  // Opens and configures the device; throws edge::Error naming the device and
  // the reason (not found, permission, not a tty, unsupported baud).
  void open(const std::string& device, int baud);
  void close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Waits up to timeout_ms (-1: forever) for bytes, then reads up to `capacity`.
  ReadStatus read(char* buffer, size_t capacity, size_t* n, int timeout_ms,
                  const Canceller* cancel);

 private:
  int fd_ = -1;
  std::string device_;
};

class FileInput {
 public:
  FileInput() = default;
  ~FileInput();
  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;

  // Throws edge::Error naming the file and the reason.
  void open(const std::string& path);
  void close();
  bool is_open() const { return fd_ >= 0; }

  // Reads up to `capacity` bytes: kData, kEnd or kCancelled (checked between reads).
  ReadStatus read(char* buffer, size_t capacity, size_t* n, const Canceller* cancel);

 private:
  int fd_ = -1;
  std::string path_;
};

class Backoff {
 public:
  // Throws edge::Error unless 1 <= initial_ms <= max_ms.
  Backoff(int64_t initial_ms, int64_t max_ms);
  int64_t next_ms();  // the delay to wait now: initial, 2x, 4x, ... capped at max
  void reset();       // after a success
  int attempts() const { return attempts_; }

 private:
  int64_t initial_ms_;
  int64_t max_ms_;
  int64_t current_ms_;
  int attempts_ = 0;
};

// Real-time pacing: frame k is due at start + k / rate. wait_for(k) sleeps
// until then (no sleep when late; never accumulates rounding).
class Pacer {
 public:
  explicit Pacer(double rate_hz);                          // throws edge::Error unless rate > 0
  void restart();                                          // frame 0 is due now
  bool wait_for(uint64_t frame, const Canceller* cancel);  // false when cancelled

 private:
  double rate_hz_;
  int64_t start_ns_ = 0;
};

// CLOCK_MONOTONIC in nanoseconds.
int64_t monotonic_ns();

}  // namespace edge::io
