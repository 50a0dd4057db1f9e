#include "io/serial_port.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "common/error.h"

namespace edge::io {
namespace {

struct BaudEntry {
  int baud;
  speed_t speed;
};

const BaudEntry kBauds[] = {
    {50, B50},           {75, B75},         {110, B110},       {134, B134},     {150, B150},
    {200, B200},         {300, B300},       {600, B600},       {1200, B1200},   {1800, B1800},
    {2400, B2400},       {4800, B4800},     {9600, B9600},     {19200, B19200}, {38400, B38400},
    {57600, B57600},     {115200, B115200}, {230400, B230400},
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B500000
    {500000, B500000},
#endif
#ifdef B576000
    {576000, B576000},
#endif
#ifdef B921600
    {921600, B921600},
#endif
#ifdef B1000000
    {1000000, B1000000},
#endif
#ifdef B1152000
    {1152000, B1152000},
#endif
#ifdef B1500000
    {1500000, B1500000},
#endif
#ifdef B2000000
    {2000000, B2000000},
#endif
#ifdef B2500000
    {2500000, B2500000},
#endif
#ifdef B3000000
    {3000000, B3000000},
#endif
#ifdef B3500000
    {3500000, B3500000},
#endif
#ifdef B4000000
    {4000000, B4000000},
#endif
};

bool find_speed(int baud, speed_t* speed) {
  for (const auto& e : kBauds) {
    if (e.baud == baud) {
      *speed = e.speed;
      return true;
    }
  }
  return false;
}

std::string errno_text(int err) { return std::strerror(err); }

// poll() on fd (may be -1: only the canceller) and the canceller; retries EINTR.
// Returns the revents of fd, or -1 when cancelled, 0 on timeout.
int wait_readable(int fd, int timeout_ms, const Canceller* cancel) {
  struct pollfd fds[2];
  nfds_t count = 0;
  if (fd >= 0) fds[count++] = {fd, POLLIN, 0};
  const int cancel_index = cancel ? static_cast<int>(count) : -1;
  if (cancel) fds[count++] = {cancel->fd(), POLLIN, 0};
  const int64_t deadline = timeout_ms < 0 ? -1 : monotonic_ns() + int64_t{timeout_ms} * 1000000;
  while (true) {
    int wait_ms = -1;
    if (deadline >= 0) {
      const int64_t left = deadline - monotonic_ns();
      wait_ms = left <= 0 ? 0 : static_cast<int>((left + 999999) / 1000000);
    }
    const int r = ::poll(fds, count, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(msg("poll failed: ", errno_text(errno)));
    }
    if (cancel_index >= 0 && (fds[cancel_index].revents & POLLIN)) return -1;
    if (r == 0) return 0;
    if (fd >= 0 && fds[0].revents) return fds[0].revents;
  }
}

}  // namespace

bool is_supported_baud(int baud) {
  speed_t s;
  return find_speed(baud, &s);
}

std::string supported_bauds() {
  std::string out;
  for (const auto& e : kBauds) {
    if (!out.empty()) out += ", ";
    out += std::to_string(e.baud);
  }
  return out;
}

int64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// --- Canceller ---

Canceller::Canceller() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    throw Error(msg("cannot create a wake-up pipe: ", errno_text(errno)));
  read_fd_ = fds[0];
  write_fd_ = fds[1];
}

Canceller::~Canceller() {
  ::close(read_fd_);
  ::close(write_fd_);
}

void Canceller::wake() {
  const char byte = 1;
  // A full pipe already wakes everybody; nothing else to do on EAGAIN.
  ssize_t r = ::write(write_fd_, &byte, 1);
  (void)r;
}

void Canceller::clear() {
  char buf[64];
  while (::read(read_fd_, buf, sizeof(buf)) > 0) {
  }
}

bool Canceller::cancelled() const {
  struct pollfd p = {read_fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

bool Canceller::sleep_ms(int64_t ms) const {
  if (ms < 0) ms = 0;
  const int64_t capped = ms > 0x7fffffff ? 0x7fffffff : ms;
  return wait_readable(-1, static_cast<int>(capped), this) != -1;
}

void require_terminal(const std::string& device) {
  const int fd = ::open(device.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(msg("serial device ", device, ": cannot open: ", errno_text(err)));
  }
  struct termios tio;
  const bool terminal = ::tcgetattr(fd, &tio) == 0;
  const int err = errno;
  ::close(fd);
  if (!terminal)
    throw Error(msg("serial device ", device, ": not a serial port (tcgetattr: ", errno_text(err),
                    "); expected a device such as /dev/ttyACM0 or /dev/ttyUSB0"));
}

// --- SerialPort ---

SerialPort::~SerialPort() { close(); }

void SerialPort::open(const std::string& device, int baud) {
  close();
  speed_t speed;
  if (!find_speed(baud, &speed))
    throw Error(msg("serial device ", device, ": baud rate ", baud,
                    " is not supported; use one of ", supported_bauds()));
  // O_NOCTTY: never become our controlling terminal; O_NONBLOCK: open does not
  // wait for carrier, reads are driven by poll().
  int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(msg("serial device ", device, ": cannot open: ", errno_text(err)));
  }
  struct termios tio;
  if (::tcgetattr(fd, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(
        msg("serial device ", device, ": not a serial port (tcgetattr: ", errno_text(err), ")"));
  }
  ::cfmakeraw(&tio);  // no echo, no line editing, no CR/LF mapping
  tio.c_cflag &= ~(CSIZE | PARENB | CSTOPB);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;  // 8N1, ignore modem lines, enable receiver
#ifdef CRTSCTS
  tio.c_cflag &= ~CRTSCTS;  // no hardware flow control
#endif
  tio.c_iflag &= ~(IXON | IXOFF | IXANY);  // no software flow control
  tio.c_cc[VMIN] = 0;                      // reads never block: poll() waits
  tio.c_cc[VTIME] = 0;
  if (::cfsetispeed(&tio, speed) != 0 || ::cfsetospeed(&tio, speed) != 0 ||
      ::tcsetattr(fd, TCSANOW, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(msg("serial device ", device, ": cannot set raw 8N1 at ", baud,
                    " baud: ", errno_text(err)));
  }
  fd_ = fd;
  device_ = device;
}

void SerialPort::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ReadStatus SerialPort::read(char* buffer, size_t capacity, size_t* n, int timeout_ms,
                            const Canceller* cancel) {
  *n = 0;
  if (fd_ < 0) return ReadStatus::kHangup;
  while (true) {
    const int revents = wait_readable(fd_, timeout_ms, cancel);
    if (revents == -1) return ReadStatus::kCancelled;
    if (revents == 0) return ReadStatus::kTimeout;
    // Read even on POLLHUP: bytes that arrived before the hang-up come first.
    const ssize_t r = ::read(fd_, buffer, capacity);
    if (r > 0) {
      *n = static_cast<size_t>(r);
      return ReadStatus::kData;
    }
    if (r == 0) return ReadStatus::kHangup;  // readable with no bytes: the line hung up
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (revents & (POLLHUP | POLLERR | POLLNVAL)) return ReadStatus::kHangup;
      continue;  // spurious wake-up
    }
    if (errno == EIO || errno == ENXIO || errno == ENODEV || errno == EBADF)
      return ReadStatus::kHangup;
    throw Error(msg("serial device ", device_, ": read failed: ", errno_text(errno)));
  }
}

// --- FileInput ---

FileInput::~FileInput() { close(); }

void FileInput::open(const std::string& path) {
  close();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(msg("IMU recording ", path, ": cannot open: ", errno_text(err)));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw Error(msg("IMU recording ", path, ": is a directory, expected a CSV file"));
  }
  fd_ = fd;
  path_ = path;
}

void FileInput::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ReadStatus FileInput::read(char* buffer, size_t capacity, size_t* n, const Canceller* cancel) {
  *n = 0;
  if (cancel && cancel->cancelled()) return ReadStatus::kCancelled;
  if (fd_ < 0) return ReadStatus::kEnd;
  while (true) {
    const ssize_t r = ::read(fd_, buffer, capacity);
    if (r > 0) {
      *n = static_cast<size_t>(r);
      return ReadStatus::kData;
    }
    if (r == 0) return ReadStatus::kEnd;
    if (errno == EINTR) continue;
    throw Error(msg("IMU recording ", path_, ": read failed: ", errno_text(errno)));
  }
}

// --- Backoff ---

Backoff::Backoff(int64_t initial_ms, int64_t max_ms)
    : initial_ms_(initial_ms), max_ms_(max_ms), current_ms_(initial_ms) {
  if (initial_ms < 1 || max_ms < initial_ms)
    throw Error(msg("reconnect backoff: need 1 <= reconnect-initial-ms (", initial_ms,
                    ") <= reconnect-max-ms (", max_ms, ")"));
}

int64_t Backoff::next_ms() {
  const int64_t delay = current_ms_;
  current_ms_ = current_ms_ > max_ms_ / 2 ? max_ms_ : current_ms_ * 2;
  ++attempts_;
  return delay;
}

void Backoff::reset() {
  current_ms_ = initial_ms_;
  attempts_ = 0;
}

// --- Pacer ---

Pacer::Pacer(double rate_hz) : rate_hz_(rate_hz) {
  if (!(rate_hz > 0.0) || rate_hz > 1e9)
    throw Error(msg("pacing rate must be > 0 Hz, got ", rate_hz));
  restart();
}

void Pacer::restart() { start_ns_ = monotonic_ns(); }

bool Pacer::wait_for(uint64_t frame, const Canceller* cancel) {
  const int64_t due = start_ns_ + static_cast<int64_t>(static_cast<double>(frame) * 1e9 / rate_hz_);
  while (true) {
    const int64_t left = due - monotonic_ns();
    if (left <= 0) return !(cancel && cancel->cancelled());
    const int64_t ms = (left + 999999) / 1000000;
    if (cancel) {
      if (!cancel->sleep_ms(ms)) return false;
    } else {
      struct timespec ts = {static_cast<time_t>(left / 1000000000),
                            static_cast<long>(left % 1000000000)};
      nanosleep(&ts, nullptr);
    }
  }
}

}  // namespace edge::io
