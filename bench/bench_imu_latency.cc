// IMU path latency: from a window's last sample line arriving at edgeimusrc to
// that window leaving edgenormalize.
//
// Method: a writer thread plays the paper's gesture lines into a
// pseudo-terminal at 100 Hz and notes CLOCK_MONOTONIC right before each
// write() (so the figure includes the write and the pty transfer: an upper
// bound of the time from the bytes being readable by edgeimusrc).
// The pipeline
//   edgeimusrc device=<pty> timestamp-mode=arrival ! edgewindow size-samples=30
//     hop-samples=30 ! edgenormalize mode=minmax ranges=<paper's +-4 g, +-2000 dps>
//     ! fakesink sync=false
// has pad probes on edgeimusrc's src pad (one per frame) and on
// edgenormalize's src pad (one per window) that note CLOCK_MONOTONIC. Window k
// ends with line 30k+29, so its latency is probe_k - write_(30k+29). The
// source-only latency is, per frame, probe_src_i - write_i. Percentiles are
// printed in microseconds. Not a Google Benchmark: a latency distribution over
// real time, not a throughput loop.
//
//   bench_imu_latency [--lines N] [--rate HZ] [CSV]   (default 3000 lines, 100 Hz,
//   ../shared/data/imu/paper-mpu6050-punch-flex/flex.csv, looped)
#include <fcntl.h>
#include <gst/gst.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void sleep_until(int64_t t) {
  while (true) {
    const int64_t left = t - now_ns();
    if (left <= 0) return;
    struct timespec ts = {static_cast<time_t>(left / 1000000000),
                          static_cast<long>(left % 1000000000)};
    nanosleep(&ts, nullptr);
  }
}

// Times noted by one thread; `count` lets another thread watch progress.
struct Series {
  std::vector<int64_t> t;
  std::atomic<size_t> count{0};
  void add(int64_t v) {
    t.push_back(v);
    count.store(t.size(), std::memory_order_release);
  }
};

struct Times {
  Series written;  // per line, by the writer thread
  Series source;   // per frame leaving edgeimusrc, by its streaming thread
  Series windows;  // per window leaving edgenormalize, by the same thread
};

GstPadProbeReturn note_time(GstPad*, GstPadProbeInfo*, gpointer user_data) {
  static_cast<Series*>(user_data)->add(now_ns());
  return GST_PAD_PROBE_OK;
}

void report(const char* what, std::vector<int64_t> lat_ns) {
  if (lat_ns.empty()) {
    std::printf("%s: no samples\n", what);
    return;
  }
  std::sort(lat_ns.begin(), lat_ns.end());
  auto pct = [&](double p) {
    size_t i = static_cast<size_t>(p * (lat_ns.size() - 1) + 0.5);
    return lat_ns[i] / 1000.0;
  };
  std::printf(
      "%-28s n=%-5zu min=%7.1f us  median=%7.1f us  p90=%7.1f us  p99=%7.1f us  max=%7.1f us\n",
      what, lat_ns.size(), lat_ns.front() / 1000.0, pct(0.5), pct(0.9), pct(0.99),
      lat_ns.back() / 1000.0);
}

std::string exe_dir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string p(buf);
  return p.substr(0, p.rfind('/'));
}

}  // namespace

int main(int argc, char** argv) {
  long lines_wanted = 3000;
  double rate = 100.0;
  std::string csv = "../shared/data/imu/paper-mpu6050-punch-flex/flex.csv";
  if (const char* root = std::getenv("EDGE_SHARED_DATA"))
    csv = std::string(root) + "/imu/paper-mpu6050-punch-flex/flex.csv";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--lines" && i + 1 < argc) {
      lines_wanted = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--rate" && i + 1 < argc) {
      rate = std::strtod(argv[++i], nullptr);
    } else {
      csv = a;
    }
  }
  if (lines_wanted < 30 || !(rate > 0)) {
    std::fprintf(stderr, "bench_imu_latency: need --lines >= 30 and --rate > 0\n");
    return 2;
  }
  // Our plugin from the build tree unless the caller chose one.
  setenv("GST_PLUGIN_PATH", (exe_dir() + "/../plugins").c_str(), 0);
  gst_init(&argc, &argv);

  std::vector<std::string> samples;
  std::string header;
  {
    std::ifstream in(csv);
    if (!in) {
      std::printf("SKIPPED: cannot read %s (needs ../shared/data or EDGE_SHARED_DATA)\n",
                  csv.c_str());
      return 0;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (header.empty() && (std::isalpha(static_cast<unsigned char>(line[0])) != 0)) {
        header = line;
        continue;
      }
      samples.push_back(line + "\r\n");
    }
  }
  if (samples.empty()) {
    std::fprintf(stderr, "bench_imu_latency: no samples in %s\n", csv.c_str());
    return 1;
  }

  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    std::perror("posix_openpt");
    return 1;
  }
  const std::string slave = ptsname(master);

  const std::string desc =
      "edgeimusrc name=src device=" + slave +
      " timestamp-mode=arrival channels=6 ! edgewindow size-samples=30 hop-samples=30 "
      "! edgenormalize name=norm mode=minmax "
      "ranges=-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000 ! fakesink sync=false";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  if (!pipeline) {
    std::fprintf(stderr, "bench_imu_latency: %s\n", err ? err->message : "parse failed");
    return 1;
  }
  Times times;
  times.written.t.reserve(lines_wanted);
  times.source.t.reserve(lines_wanted);
  times.windows.t.reserve(lines_wanted / 30 + 1);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* norm = gst_bin_get_by_name(GST_BIN(pipeline), "norm");
  GstPad* src_pad = gst_element_get_static_pad(src, "src");
  GstPad* norm_pad = gst_element_get_static_pad(norm, "src");
  gst_pad_add_probe(src_pad, GST_PAD_PROBE_TYPE_BUFFER, note_time, &times.source, nullptr);
  gst_pad_add_probe(norm_pad, GST_PAD_PROBE_TYPE_BUFFER, note_time, &times.windows, nullptr);

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    std::fprintf(stderr, "bench_imu_latency: pipeline did not start\n");
    return 1;
  }
  // Let the source open the pty and block in poll() before the first line.
  g_usleep(200000);

  std::thread writer([&] {
    const std::string h = header + "\r\n";
    if (!header.empty() && write(master, h.data(), h.size()) < 0) return;
    const int64_t period = static_cast<int64_t>(1e9 / rate);
    int64_t due = now_ns();
    for (long i = 0; i < lines_wanted; ++i) {
      sleep_until(due);
      due += period;
      const std::string& s = samples[static_cast<size_t>(i) % samples.size()];
      // Noted before write(): the latency includes the write itself, an upper
      // bound that a preempted writer cannot make negative.
      const int64_t before = now_ns();
      if (write(master, s.data(), s.size()) != static_cast<ssize_t>(s.size())) break;
      times.written.add(before);
    }
  });
  writer.join();
  // Wait (bounded) for the last window to come out.
  const size_t want_windows = static_cast<size_t>(lines_wanted / 30);
  for (int i = 0; i < 200; ++i) {
    g_usleep(10000);
    if (times.windows.count.load() >= want_windows &&
        times.source.count.load() >= times.written.count.load())
      break;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  close(master);

  const auto& written = times.written.t;
  const auto& source = times.source.t;
  const auto& windows = times.windows.t;
  std::vector<int64_t> source_lat, window_lat;
  for (size_t i = 0; i < source.size() && i < written.size(); ++i)
    source_lat.push_back(source[i] - written[i]);
  for (size_t k = 0; k < windows.size() && 30 * k + 29 < written.size(); ++k)
    window_lat.push_back(windows[k] - written[30 * k + 29]);

  std::printf(
      "bench_imu_latency: %zu lines written at %.0f Hz into %s, %zu frames out of "
      "edgeimusrc, %zu windows out of edgenormalize\n",
      written.size(), rate, slave.c_str(), source.size(), windows.size());
  report("line -> edgeimusrc src", source_lat);
  report("last line -> edgenormalize", window_lat);

  gst_object_unref(src_pad);
  gst_object_unref(norm_pad);
  gst_object_unref(src);
  gst_object_unref(norm);
  gst_object_unref(pipeline);
  const bool complete = source.size() == written.size() && window_lat.size() == want_windows;
  if (!complete) std::printf("WARNING: not every frame or window came out\n");
  return complete ? 0 : 1;
}
