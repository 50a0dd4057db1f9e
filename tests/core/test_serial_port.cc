// Serial port on pseudo-terminal pairs: raw mode, baud, reads, hang-up,
// cancellation; file input; backoff and pacing arithmetic.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "common/error.h"
#include "io/serial_port.h"

namespace edge::io {
namespace {

// A pty master with its slave path; closing the master hangs the slave up.
struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    EXPECT_GE(master, 0);
    EXPECT_EQ(grantpt(master), 0);
    EXPECT_EQ(unlockpt(master), 0);
    slave = ptsname(master);
  }
  ~Pty() { close_master(); }
  void close_master() {
    if (master >= 0) ::close(master);
    master = -1;
  }
  void write(const std::string& s) const {
    ASSERT_EQ(::write(master, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
};

std::string read_some(SerialPort& port, int timeout_ms = 2000) {
  char buf[256];
  size_t n = 0;
  ReadStatus st = port.read(buf, sizeof(buf), &n, timeout_ms, nullptr);
  EXPECT_EQ(st, ReadStatus::kData);
  return std::string(buf, n);
}

TEST(SerialPort, SupportedBauds) {
  EXPECT_TRUE(is_supported_baud(9600));
  EXPECT_TRUE(is_supported_baud(115200));
  EXPECT_FALSE(is_supported_baud(12345));
  EXPECT_FALSE(is_supported_baud(0));
  EXPECT_NE(supported_bauds().find("9600, 19200, 38400, 57600, 115200"), std::string::npos);
}

TEST(SerialPort, OpensRaw8N1AtBaudAndReadsBytesUnchanged) {
  Pty pty;
  SerialPort port;
  port.open(pty.slave, 115200);
  struct termios tio;
  ASSERT_EQ(tcgetattr(port.fd(), &tio), 0);
  EXPECT_EQ(cfgetispeed(&tio), static_cast<speed_t>(B115200));
  EXPECT_EQ(tio.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(tio.c_cflag & (PARENB | CSTOPB), 0u);
  EXPECT_NE(tio.c_cflag & CLOCAL, 0u);
  EXPECT_NE(tio.c_cflag & CREAD, 0u);
  EXPECT_EQ(tio.c_lflag & (ICANON | ECHO | ISIG), 0u);
  EXPECT_EQ(tio.c_iflag & (ICRNL | IXON), 0u);
  // Raw: CR LF stays CR LF, no line buffering (a partial line arrives).
  pty.write("1,2\r\n3,");
  std::string got;
  while (got.size() < 7) got += read_some(port);
  EXPECT_EQ(got, "1,2\r\n3,");
}

TEST(SerialPort, ReadTimesOutWithoutData) {
  Pty pty;
  SerialPort port;
  port.open(pty.slave, 9600);
  char buf[16];
  size_t n = 99;
  EXPECT_EQ(port.read(buf, sizeof(buf), &n, 20, nullptr), ReadStatus::kTimeout);
  EXPECT_EQ(n, 0u);
}

TEST(SerialPort, HangupWhenMasterCloses) {
  Pty pty;
  SerialPort port;
  port.open(pty.slave, 115200);
  pty.close_master();
  char buf[16];
  size_t n = 0;
  EXPECT_EQ(port.read(buf, sizeof(buf), &n, 2000, nullptr), ReadStatus::kHangup);
}

TEST(SerialPort, CancelWakesABlockedReadPromptly) {
  Pty pty;
  SerialPort port;
  port.open(pty.slave, 115200);
  Canceller cancel;
  std::thread waker([&] { cancel.wake(); });
  char buf[16];
  size_t n = 0;
  // Forever-timeout: only the wake-up can end this read.
  EXPECT_EQ(port.read(buf, sizeof(buf), &n, -1, &cancel), ReadStatus::kCancelled);
  waker.join();
  EXPECT_TRUE(cancel.cancelled());
  cancel.clear();
  EXPECT_FALSE(cancel.cancelled());
  pty.write("x");
  EXPECT_EQ(read_some(port), "x");
}

TEST(SerialPort, MissingDeviceNamesIt) {
  SerialPort port;
  try {
    port.open("/dev/does-not-exist-imu", 115200);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/does-not-exist-imu"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
  }
  EXPECT_FALSE(port.is_open());
}

TEST(SerialPort, UnsupportedBaudListsValidRates) {
  Pty pty;
  SerialPort port;
  try {
    port.open(pty.slave, 12345);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("12345"), std::string::npos);
    EXPECT_NE(what.find("115200"), std::string::npos);
  }
}

TEST(SerialPort, RegularFileIsNotASerialPort) {
  char path[] = "/tmp/edge_serial_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  SerialPort port;
  EXPECT_THROW(port.open(path, 115200), Error);
  ::unlink(path);
}

TEST(FileInput, ReadsToEndAndNamesMissingFile) {
  char path[] = "/tmp/edge_file_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "a,b\n1,2\n", 8), 8);
  ::close(fd);
  FileInput in;
  in.open(path);
  char buf[5];
  std::string got;
  size_t n = 0;
  ReadStatus st;
  while ((st = in.read(buf, sizeof(buf), &n, nullptr)) == ReadStatus::kData) got.append(buf, n);
  EXPECT_EQ(st, ReadStatus::kEnd);
  EXPECT_EQ(got, "a,b\n1,2\n");
  ::unlink(path);
  FileInput missing;
  try {
    missing.open("/tmp/no-such-imu-recording.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/no-such-imu-recording.csv"), std::string::npos);
  }
  EXPECT_THROW(missing.open("/tmp"), Error);
}

TEST(Backoff, DoublesUpToMaxAndResets) {
  Backoff b(100, 1000);
  EXPECT_EQ(b.next_ms(), 100);
  EXPECT_EQ(b.next_ms(), 200);
  EXPECT_EQ(b.next_ms(), 400);
  EXPECT_EQ(b.next_ms(), 800);
  EXPECT_EQ(b.next_ms(), 1000);
  EXPECT_EQ(b.next_ms(), 1000);
  EXPECT_EQ(b.attempts(), 6);
  b.reset();
  EXPECT_EQ(b.next_ms(), 100);
  EXPECT_THROW(Backoff(0, 10), Error);
  EXPECT_THROW(Backoff(100, 50), Error);
}

TEST(Pacer, CancelledWaitReturnsFalse) {
  Pacer pacer(1.0);  // frame 1000 is due in 1000 s: only the wake-up ends the wait
  Canceller cancel;
  cancel.wake();
  EXPECT_FALSE(pacer.wait_for(1000, &cancel));
  EXPECT_THROW(Pacer(0.0), Error);
}

TEST(Pacer, FrameZeroIsDueAtOnce) {
  Pacer pacer(100.0);
  EXPECT_TRUE(pacer.wait_for(0, nullptr));
}

}  // namespace
}  // namespace edge::io
