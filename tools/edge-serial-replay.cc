// edge-serial-replay: plays CSV recordings into a pseudo-terminal as an
// Arduino would print them over USB serial, so edgeimusrc (or anything that
// reads a serial port) can be tested and demonstrated without hardware.
//
//   edge-serial-replay --link /tmp/imu0 [--rate 100] [--loops 1]
//       [--garbage-every N] [--garbage-kinds fields,number,long] [--long-bytes 4096]
//       [--disconnect-after N] [--disconnect-ms 300] [--max-disconnects 1]
//       [--hold-ms 0] FILE.csv...
//
// The pty's slave path (/dev/pts/N) is published as the symlink given with
// --link (replaced atomically; re-pointed to a new pty after each simulated
// unplug, removed at exit). Lines go out with CRLF like Serial.println: sample
// lines one per 1/rate seconds, headers and blank lines at once. The header of
// the first file is sent again after each reconnect (an Arduino resets and
// reprints it when the port is opened).
//
// Injected garbage (one line after every N sample lines, kinds in turn):
//   fields  a line with the wrong number of fields   ("0.5,0.25,0.125")
//   number  a non-number in the second field           ("0.5,abc,...")
//   long    --long-bytes digits without a separator, then the line end
// Each is exactly one bad line for a reader with max-line-length < long-bytes.
//
// Before a simulated unplug and at the end, the tool waits until the reader
// has taken every byte (up to --drain-ms, 5 s), so a test can count exactly. At the end it
// prints one summary line and exits 0; SIGINT/SIGTERM stop it cleanly (link
// removed, summary printed). Exit 2 on bad usage, 1 on an I/O failure.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Sleeps until `deadline_ns` or a signal; false when asked to stop.
bool sleep_until(int64_t deadline_ns) {
  while (!g_stop) {
    const int64_t left = deadline_ns - now_ns();
    if (left <= 0) return true;
    struct timespec ts = {static_cast<time_t>(left / 1000000000),
                          static_cast<long>(left % 1000000000)};
    nanosleep(&ts, nullptr);  // EINTR on a signal: the loop checks g_stop
  }
  return false;
}

struct Options {
  std::string link;
  double rate = 100.0;
  int loops = 1;
  long garbage_every = 0;
  std::vector<std::string> garbage_kinds = {"fields", "number", "long"};
  long long_bytes = 4096;
  long disconnect_after = 0;
  long disconnect_ms = 300;
  long max_disconnects = 1;
  long hold_ms = 0;
  long drain_ms = 5000;
  std::vector<std::string> files;
};

struct Counts {
  long lines = 0;  // everything written, garbage included
  long frames = 0;
  long headers = 0;
  long separators = 0;
  long garbage_fields = 0;
  long garbage_number = 0;
  long garbage_long = 0;
  long disconnects = 0;
  long loops = 0;
};

void usage(FILE* out) {
  std::fputs(
      "usage: edge-serial-replay --link PATH [options] FILE.csv...\n"
      "Replays CSV recordings into a pseudo-terminal published at PATH (a symlink).\n"
      "  --rate HZ              sample lines per second (default 100)\n"
      "  --loops N              play the files N times (default 1; 0 = until stopped)\n"
      "  --garbage-every N      after every N sample lines, one garbage line (default 0: none)\n"
      "  --garbage-kinds LIST   comma list of fields,number,long used in turn (default all)\n"
      "  --long-bytes B         length of a 'long' garbage line (default 4096)\n"
      "  --disconnect-after N   simulate an unplug after every N sample lines (default 0: never)\n"
      "  --disconnect-ms D      how long the device stays away (default 300)\n"
      "  --max-disconnects K    at most K unplugs (default 1)\n"
      "  --hold-ms MS           keep the port open MS after the last line (default 0)\n"
      "  --drain-ms MS          wait at most MS for the reader to take every byte before an\n"
      "                         unplug and at the end (default 5000)\n",
      out);
}

bool parse_long(const char* text, long min, long* out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min) return false;
  *out = v;
  return true;
}

// 0 ok, 1 help shown, 2 error.
int parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edge-serial-replay: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    auto number = [&](const char* name, long min, long* out) {
      const char* v = value(name);
      if (!v) return false;
      if (!parse_long(v, min, out)) {
        std::fprintf(stderr, "edge-serial-replay: %s must be an integer >= %ld, got '%s'\n", name,
                     min, v);
        return false;
      }
      return true;
    };
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 1;
    } else if (a == "--link") {
      const char* v = value("--link");
      if (!v) return 2;
      o->link = v;
    } else if (a == "--rate") {
      const char* v = value("--rate");
      if (!v) return 2;
      char* end = nullptr;
      o->rate = std::strtod(v, &end);
      if (end == v || *end != '\0' || !(o->rate > 0.0) || o->rate > 1e6) {
        std::fprintf(stderr, "edge-serial-replay: --rate must be in (0, 1e6] Hz, got '%s'\n", v);
        return 2;
      }
    } else if (a == "--loops") {
      long v;
      if (!number("--loops", 0, &v)) return 2;
      o->loops = static_cast<int>(v);
    } else if (a == "--garbage-every") {
      if (!number("--garbage-every", 0, &o->garbage_every)) return 2;
    } else if (a == "--garbage-kinds") {
      const char* v = value("--garbage-kinds");
      if (!v) return 2;
      o->garbage_kinds.clear();
      std::stringstream ss(v);
      std::string kind;
      while (std::getline(ss, kind, ',')) {
        if (kind != "fields" && kind != "number" && kind != "long") {
          std::fprintf(stderr,
                       "edge-serial-replay: unknown garbage kind '%s' (use fields, number, long)\n",
                       kind.c_str());
          return 2;
        }
        o->garbage_kinds.push_back(kind);
      }
      if (o->garbage_kinds.empty()) {
        std::fprintf(stderr, "edge-serial-replay: --garbage-kinds is empty\n");
        return 2;
      }
    } else if (a == "--long-bytes") {
      if (!number("--long-bytes", 1, &o->long_bytes)) return 2;
    } else if (a == "--disconnect-after") {
      if (!number("--disconnect-after", 0, &o->disconnect_after)) return 2;
    } else if (a == "--disconnect-ms") {
      if (!number("--disconnect-ms", 0, &o->disconnect_ms)) return 2;
    } else if (a == "--max-disconnects") {
      if (!number("--max-disconnects", 0, &o->max_disconnects)) return 2;
    } else if (a == "--drain-ms") {
      if (!number("--drain-ms", 0, &o->drain_ms)) return 2;
    } else if (a == "--hold-ms") {
      if (!number("--hold-ms", 0, &o->hold_ms)) return 2;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "edge-serial-replay: unknown option %s\n", a.c_str());
      usage(stderr);
      return 2;
    } else {
      o->files.push_back(a);
    }
  }
  if (o->link.empty() || o->files.empty()) {
    std::fprintf(stderr, "edge-serial-replay: --link and at least one FILE are required\n");
    usage(stderr);
    return 2;
  }
  return 0;
}

bool is_blank_line(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

bool is_header_line(const std::string& s) {
  return !s.empty() &&
         ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_');
}

// One pty: master for writing, one slave fd kept open so written bytes wait
// in the line discipline until the reader opens the slave.
class PtyPort {
 public:
  ~PtyPort() { close(); }

  bool open(const std::string& link) {
    master_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) return fail("posix_openpt");
    const char* name = ptsname(master_);
    if (!name) return fail("ptsname");
    slave_path_ = name;
    slave_ = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (slave_ < 0) return fail(slave_path_.c_str());
    struct termios tio;
    if (tcgetattr(slave_, &tio) != 0) return fail("tcgetattr");
    cfmakeraw(&tio);  // no echo back into the master, no CR/LF mapping
    if (tcsetattr(slave_, TCSANOW, &tio) != 0) return fail("tcsetattr");
    // Publish atomically: a reader sees the old link or the new one, never none.
    const std::string tmp = link + ".tmp";
    ::unlink(tmp.c_str());
    if (::symlink(slave_path_.c_str(), tmp.c_str()) != 0) return fail(tmp.c_str());
    if (::rename(tmp.c_str(), link.c_str()) != 0) return fail(link.c_str());
    return true;
  }

  // Writes all bytes, waiting for the reader when the pty is full; false on a
  // signal or an error.
  bool write_all(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      if (g_stop) return false;
      const ssize_t n = ::write(master_, bytes.data() + done, bytes.size() - done);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        struct pollfd p = {master_, POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      return fail("write");
    }
    return true;
  }

  // Waits until the reader has taken every byte (twice in a row 20 ms apart),
  // at most timeout_ms.
  void drain(int64_t timeout_ms) {
    const int64_t deadline = now_ns() + timeout_ms * 1000000;
    int quiet = 0;
    while (!g_stop && now_ns() < deadline) {
      int pending = 0;
      if (ioctl(slave_, FIONREAD, &pending) != 0) return;
      quiet = pending == 0 ? quiet + 1 : 0;
      if (quiet >= 2) return;
      sleep_until(now_ns() + 20000000);
    }
  }

  void close() {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);  // the reader sees a hang-up
    slave_ = master_ = -1;
  }

  const std::string& slave_path() const { return slave_path_; }

 private:
  bool fail(const char* what) {
    std::fprintf(stderr, "edge-serial-replay: %s: %s\n", what, std::strerror(errno));
    return false;
  }

  int master_ = -1;
  int slave_ = -1;
  std::string slave_path_;
};

std::vector<std::string> read_lines(const std::string& path, bool* ok) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "edge-serial-replay: cannot open %s: %s\n", path.c_str(),
                 std::strerror(errno));
    *ok = false;
    return lines;
  }
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  *ok = true;
  return lines;
}

void print_summary(const Options& o, const Counts& c, bool interrupted) {
  std::printf(
      "edge-serial-replay: %s: lines=%ld frames=%ld headers=%ld separators=%ld garbage=%ld "
      "(fields=%ld number=%ld long=%ld) disconnects=%ld loops=%ld link=%s\n",
      interrupted ? "stopped" : "done", c.lines, c.frames, c.headers, c.separators,
      c.garbage_fields + c.garbage_number + c.garbage_long, c.garbage_fields, c.garbage_number,
      c.garbage_long, c.disconnects, c.loops, o.link.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  const int parsed = parse_args(argc, argv, &opt);
  if (parsed == 1) return 0;
  if (parsed != 0) return 2;

  std::vector<std::vector<std::string>> recordings;
  for (const auto& f : opt.files) {
    bool ok = false;
    recordings.push_back(read_lines(f, &ok));
    if (!ok) return 1;
  }
  // The header re-sent on each connection: the first file's first line if it
  // names channels. The channel count (for garbage lines): the first sample line's.
  std::string header;
  if (!recordings.front().empty() && is_header_line(recordings.front().front()))
    header = recordings.front().front();
  size_t channels = 0;
  for (const auto& rec : recordings) {
    for (const auto& line : rec) {
      if (channels == 0 && !is_blank_line(line) && !is_header_line(line))
        channels = 1 + static_cast<size_t>(std::count(line.begin(), line.end(), ','));
    }
  }
  if (channels == 0) channels = 6;

  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;  // no SA_RESTART: sleeps and writes return early
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Counts counts;
  PtyPort port;
  if (!port.open(opt.link)) return 1;
  std::fprintf(stderr, "edge-serial-replay: %s -> %s\n", opt.link.c_str(),
               port.slave_path().c_str());

  const int64_t period_ns = static_cast<int64_t>(1e9 / opt.rate);
  int64_t next_due = now_ns();
  size_t garbage_turn = 0;
  long since_garbage = 0;
  long since_disconnect = 0;
  bool ok = true;

  auto send = [&](const std::string& line) {
    ok = ok && port.write_all(line + "\r\n");
    if (ok) ++counts.lines;
    return ok;
  };
  auto garbage = [&]() {
    const std::string& kind = opt.garbage_kinds[garbage_turn++ % opt.garbage_kinds.size()];
    std::string line;
    if (kind == "fields") {
      line = channels == 3 ? "0.5,0.25" : "0.5,0.25,0.125";
      ++counts.garbage_fields;
    } else if (kind == "number") {
      line = "0.5,abc";
      for (size_t i = 2; i < channels; ++i) line += ",0.5";
      ++counts.garbage_number;
    } else {
      line.assign(static_cast<size_t>(opt.long_bytes), '9');
      ++counts.garbage_long;
    }
    return send(line);
  };
  auto unplug = [&]() {
    port.drain(opt.drain_ms);
    ::unlink(opt.link.c_str());
    port.close();
    ++counts.disconnects;
    std::fprintf(stderr, "edge-serial-replay: unplugged after %ld sample lines for %ld ms\n",
                 counts.frames, opt.disconnect_ms);
    if (!sleep_until(now_ns() + opt.disconnect_ms * 1000000)) return false;
    if (!port.open(opt.link)) return false;
    std::fprintf(stderr, "edge-serial-replay: replugged: %s -> %s\n", opt.link.c_str(),
                 port.slave_path().c_str());
    next_due = now_ns();
    if (!header.empty()) {
      if (!send(header)) return false;
      ++counts.headers;
    }
    return true;
  };

  for (int loop = 0; ok && !g_stop && (opt.loops == 0 || loop < opt.loops); ++loop) {
    for (const auto& rec : recordings) {
      for (const auto& line : rec) {
        if (!ok || g_stop) break;
        if (is_blank_line(line)) {
          if (send(line)) ++counts.separators;
          continue;
        }
        if (is_header_line(line)) {
          // The header once per connection, as the sketch's setup() prints it.
          if (loop == 0 && &rec == &recordings.front() && send(line)) ++counts.headers;
          continue;
        }
        if (!sleep_until(next_due)) break;
        next_due += period_ns;
        if (!send(line)) break;
        ++counts.frames;
        if (opt.garbage_every > 0 && ++since_garbage == opt.garbage_every) {
          since_garbage = 0;
          if (!garbage()) break;
        }
        if (opt.disconnect_after > 0 && counts.disconnects < opt.max_disconnects &&
            ++since_disconnect == opt.disconnect_after) {
          since_disconnect = 0;
          ok = unplug();
        }
      }
    }
    if (ok && !g_stop) ++counts.loops;
  }

  if (ok && !g_stop) {
    port.drain(opt.drain_ms);
    sleep_until(now_ns() + opt.hold_ms * 1000000);
  }
  ::unlink(opt.link.c_str());
  port.close();
  print_summary(opt, counts, g_stop != 0);
  if (g_stop) return 0;
  return ok ? 0 : 1;
}
