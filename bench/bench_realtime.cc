// Real-time latency, from a window's last sample entering the graph to that window's JSON
// line leaving edgelabelsink, and the resident memory of a running real-time sound graph.
//
// Method (latency): the graph of the application's realtime mode with an appsrc in place of
// the live source (the samples are pushed as the device would deliver them):
//   gesture: appsrc (6-channel F32LE frames at 100 Hz, one frame per buffer, from the bundled
//            flex.csv) ! edgewindow size-samples=30 hop-samples=30 ! edgenormalize minmax
//            (the paper's ranges) ! edgeinfer (180-50-15-2 dense network, float32) !
//            edgelabelsink
//   sound:   appsrc (mono F32LE at 30 kHz, 0.5 s per buffer, real UrbanSound8K audio) !
//            audioconvert ! audioresample ! edgewindow size=1.0 hop=0.5 tail=pad !
//            edgenormalize zscore ! edgereshape square ! edgeinfer (the thesis SqueezeNet-
//            style CNN, int8, PTQ calibrated on real audio windows) ! edgelabelsink
// edgelabelsink writes into a pipe; a reader thread notes CLOCK_MONOTONIC when each line
// arrives. The pusher notes CLOCK_MONOTONIC right before pushing the buffer that completes a
// window, then waits for that window's line before going on (one window in flight: the
// latency of a graph that keeps up with its source). Percentiles over the windows, in ms.
// Weights are not trained (latency does not depend on them); shapes and operators are the
// real ones.
// Method (memory): gst-launch-1.0 runs the sound realtime graph over a real 4 s clip (filesrc
// ! decodebin in place of the microphone) in a child process; its peak resident set size
// (getrusage ru_maxrss of the child, = VmHWM) is reported.
//
//   bench_realtime [--gesture-windows N] [--sound-windows N]   (defaults 300 and 20)
// Needs GST_PLUGIN_PATH on the build's plugins/; the sound part and the memory part need
// ../shared/data (UrbanSound8K clips) and are skipped with a message without it.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/audio_file.h"
#include "nn/tflite_writer.h"
#include "optimize/ptq.h"
#include "signal/stats.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/architectures.h"
#include "train/export_ir.h"

#ifndef EDGE_SOURCE_ROOT_DIR
#define EDGE_SOURCE_ROOT_DIR "."
#endif

namespace {

int64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string shared_data() {
  const char* env = std::getenv("EDGE_SHARED_DATA");
  return env ? env : std::string(EDGE_SOURCE_ROOT_DIR) + "/../shared/data";
}

// Lines arriving on a pipe, with their arrival times.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd), thread_([this] { run(); }) {}
  ~LineReader() {
    thread_.join();
    ::close(fd_);
  }
  // Waits until `count` lines have arrived (or 10 s); returns the arrival time of line
  // count-1, or -1 on timeout.
  int64_t wait_for(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return times_.size() >= count; }))
      return -1;
    return times_[count - 1];
  }

 private:
  void run() {
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n <= 0) break;
      const int64_t t = now_ns();
      std::lock_guard<std::mutex> lock(mutex_);
      for (ssize_t i = 0; i < n; ++i)
        if (buffer[i] == '\n') times_.push_back(t);
      cv_.notify_all();
    }
  }
  int fd_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<int64_t> times_;
  std::thread thread_;
};

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  size_t n = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v[std::min(v.size() - 1, size_t(std::ceil(q * v.size())) - 1)];
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

// Pushes `buffers` (raw bytes each, with their duration) into the graph `tail` (after an
// appsrc with `caps`); a window completes at every `per_window`-th buffer. Returns the
// latency of each window in ms.
std::vector<double> run_latency(const std::string& caps, const std::string& tail,
                                const std::vector<std::vector<float>>& buffers,
                                GstClockTime duration, size_t per_window, size_t windows,
                                size_t lead_in = 0) {
  int fds[2];
  if (::pipe(fds) != 0) {
    std::perror("pipe");
    std::exit(1);
  }
  const std::string line = "appsrc name=src format=time block=true caps=\"" + caps + "\" ! " +
                           tail + " ! edgelabelsink location=/dev/fd/" + std::to_string(fds[1]) +
                           " post-messages=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(line.c_str(), &error);
  if (!pipeline || error) {
    std::fprintf(stderr, "cannot build %s: %s\n", line.c_str(), error ? error->message : "?");
    std::exit(1);
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    std::fprintf(stderr, "pipeline refused to start: %s\n", line.c_str());
    std::exit(1);
  }
  LineReader reader(fds[0]);
  std::vector<double> latencies;
  GstBus* bus = gst_element_get_bus(pipeline);
  size_t pushed = 0;
  const auto push = [&](bool last_of_window, int64_t* sent) {
    const std::vector<float>& samples = buffers[pushed % buffers.size()];
    GstBuffer* b = gst_buffer_new_allocate(nullptr, samples.size() * 4, nullptr);
    gst_buffer_fill(b, 0, samples.data(), samples.size() * 4);
    GST_BUFFER_PTS(b) = pushed * duration;
    GST_BUFFER_DURATION(b) = duration;
    ++pushed;
    if (last_of_window) *sent = now_ns();
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
  };
  int64_t unused = 0;
  for (size_t k = 0; k < lead_in; ++k) push(false, &unused);  // samples before the first window
  for (size_t w = 0; w < windows; ++w) {
    int64_t sent = 0;
    for (size_t k = 0; k < per_window; ++k) push(k + 1 == per_window, &sent);
    const int64_t arrived = reader.wait_for(w + 1);
    if (arrived < 0) {
      GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
      if (m) {
        GError* err = nullptr;
        gst_message_parse_error(m, &err, nullptr);
        std::fprintf(stderr, "pipeline error: %s\n", err->message);
        g_error_free(err);
        gst_message_unref(m);
      }
      std::fprintf(stderr, "no line for window %zu within 10 s\n", w);
      std::exit(1);
    }
    latencies.push_back(double(arrived - sent) / 1e6);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND,
                                             GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (m) gst_message_unref(m);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  ::close(fds[1]);
  return latencies;
}

void report(const char* name, const std::vector<double>& latencies) {
  // The first window includes the graph's warm-up (first invoke, caps); reported apart.
  const Percentiles p = percentiles(std::vector<double>(latencies.begin() + 1, latencies.end()));
  std::printf("%-34s windows %4zu  first %8.3f  p50 %8.3f  p90 %8.3f  p99 %8.3f  max %8.3f ms\n",
              name, p.n, latencies[0], p.p50, p.p90, p.p99, p.max);
  std::fflush(stdout);
}

std::string temp_path(const char* suffix) {
  std::string tmpl = std::string("/tmp/bench_realtime_XXXXXX") + suffix;
  std::vector<char> b(tmpl.begin(), tmpl.end());
  b.push_back('\0');
  const int fd = ::mkstemps(b.data(), int(std::strlen(suffix)));
  ::close(fd);
  return b.data();
}

// The paper's recordings as 6-float frames (header and blank lines skipped).
std::vector<std::vector<float>> gesture_frames(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::vector<float>> frames;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<float> f;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ',')) f.push_back(std::strtof(cell.c_str(), nullptr));
    if (f.size() == 6) frames.push_back(f);
  }
  return frames;
}

void bench_gesture(size_t windows) {
  edge::train::Model net = edge::train::make_gesture_dense_model(180, 2);
  net.initialize(1);
  edge::train::ExportOptions options;
  options.labels = {"flex", "punch"};
  const std::string model = temp_path(".tflite");
  edge::nn::write_tflite_file(edge::train::export_ir(net, options), model);
  const auto frames =
      gesture_frames(std::string(EDGE_SOURCE_ROOT_DIR) + "/datasets/gesture-punch-flex/flex.csv");
  std::vector<double> l =
      run_latency("audio/x-raw,format=F32LE,layout=interleaved,rate=100,channels=6",
                  "edgewindow size-samples=30 hop-samples=30 tail=drop ! edgenormalize mode=minmax "
                  "ranges=-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000 ! edgeinfer model=" +
                      model,
                  frames, GST_SECOND / 100, 30, windows);
  report("gesture dense 180-50-15-2 float32", l);
  std::remove(model.c_str());
}

void bench_sound(size_t windows) {
  const std::string dir = shared_data() + "/sound/urbansound8k-folds1-2/";
  // Real audio: the first clips of fold 1 (22050 Hz in the shared copy), taken as 30 kHz
  // samples (the values are real audio; only the nominal rate differs, which the timing does
  // not depend on).
  std::vector<std::string> files;
  std::ifstream meta(dir + "metadata.csv");
  std::string line;
  std::getline(meta, line);
  while (std::getline(meta, line) && files.size() < 8) {
    // slice_file_name,fsID,occurrenceID,sliceID,fold,classID,class
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    if (cells.size() >= 5) files.push_back(dir + "audio/fold" + cells[4] + "/" + cells[0]);
  }
  std::vector<float> audio;
  for (const auto& f : files) {
    edge::io::AudioInfo info;
    try {
      const std::vector<float> a = edge::io::read_audio_file(f, &info);
      audio.insert(audio.end(), a.begin(), a.end());
    } catch (const std::exception&) {
    }
  }
  if (audio.size() < 60000) {
    std::printf("sound: SKIPPED (UrbanSound8K clips not found under %s)\n", dir.c_str());
    return;
  }
  edge::signal::StatsAccumulator accumulator(1);
  accumulator.add(audio.data(), audio.size());
  const double mean = accumulator.global().mean;
  const double std_dev = accumulator.global().stddev();
  const std::string stats = temp_path(".json");
  accumulator.save(stats);
  // The thesis CNN, int8 by PTQ calibrated on 8 real windows (z-scored, 173x173).
  edge::train::Model net = edge::train::make_squeezenet_audio(173, 173, 10);
  net.initialize(1);
  const edge::nn::Model float_model = edge::train::export_ir(net);
  edge::optimize::PtqOptions ptq;
  for (size_t k = 0; k < 8; ++k) {
    std::vector<float> window(173 * 173);
    const size_t start = (k * 15000) % (audio.size() - window.size());
    for (size_t i = 0; i < window.size(); ++i)
      window[i] = float((audio[start + i] - mean) / std_dev);
    ptq.representative.push_back({window});
  }
  const std::string model = temp_path(".tflite");
  edge::nn::write_tflite_file(edge::optimize::quantize(float_model, ptq).model, model);
  std::vector<std::vector<float>> chunks;
  for (size_t start = 0; start + 15000 <= audio.size(); start += 15000)
    chunks.emplace_back(audio.begin() + long(start), audio.begin() + long(start + 15000));
  const std::string preprocess =
      "audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=30000,channels=1 ! "
      "edgewindow size=1.0 hop=0.5 tail=pad ! edgenormalize mode=zscore stats-file=" +
      stats + " ! edgereshape shape=square";
  // The first window needs two chunks (1 s); after it, every chunk completes one.
  std::vector<double> l = run_latency(
      "audio/x-raw,format=F32LE,layout=interleaved,rate=30000,channels=1",
      preprocess + " ! edgeinfer model=" + model, chunks, GST_SECOND / 2, 1, windows, 1);
  report("sound SqueezeNet-style CNN int8", l);

  // Memory: the sound realtime graph in its own process over a real clip.
  const std::string wav = files.front();
  const std::string launch = "gst-launch-1.0 -q filesrc location=" + wav + " ! decodebin ! " +
                             preprocess + " ! edgeinfer model=" + model +
                             " top-k=10 ! edgelabelsink location=/dev/null";
  const pid_t child = fork();
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", launch.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  std::memset(&usage, 0, sizeof(usage));
  wait4(child, &status, 0, &usage);
  std::printf(
      "sound realtime graph (gst-launch-1.0, 4 s clip): exit %d, peak RSS (VmHWM) %.1f MB\n",
      WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss / 1024.0);
  std::remove(model.c_str());
  std::remove(stats.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  size_t gesture_windows = 300, sound_windows = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--gesture-windows"))
      gesture_windows = size_t(std::max(2, std::atoi(argv[i + 1])));
    else if (!std::strcmp(argv[i], "--sound-windows"))
      sound_windows = size_t(std::max(2, std::atoi(argv[i + 1])));
  }
  std::printf("latency from the window's last sample pushed to its JSON line (ms):\n");
  bench_gesture(gesture_windows);
  bench_sound(sound_windows);
  return 0;
}
