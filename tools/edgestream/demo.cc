// edgestream demo [--out DIR] [--keep] [--holdout F] [--seed S] [--rate HZ]
//
// The README's main job, on the paper's punch/flex recordings bundled in datasets/ (found like
// the pipelines: $EDGE_DATASETS_DIR, <exe>/../share/edgestream/datasets, the source tree):
//   1. hold-out   a stratified, seeded set of recordings (by clip) is put aside first;
//   2. dataset    `edgestream dataset gesture` on the rest;
//   3. train      `edgestream train gesture`: the float32 model with its metadata;
//   4. optimize   `edgestream optimize --steps int8 --strip-strings`: full-integer int8,
//                 calibrated on the training split, tensor names dropped (metadata kept);
//   5. eval       `edgestream eval`: float32 and int8 side by side on the test split train held
//                 out (same seed), with sizes and measured latency;
//   6. export     `edgestream export`: the int8 model as a C array;
//   7. replay     the held-out gestures streamed over a pseudo-terminal as the board prints them
//                 (edge-serial-replay: idle frames below the trigger threshold between gestures)
//                 while `edgestream classify MODEL --source serial:/dev/pts/N` runs the real-time
//                 graph; each gesture it reports is printed, then the accuracy.
// Each step runs as a child process of /proc/self/exe (its failure stays its own; its output goes
// to DIR/logs/<step>.log) and prints one line. A failing step is named, the tail of its log shown,
// and the demo exits 1. Results stay in DIR; the intermediate recordings and datasets (DIR/work)
// are removed unless --keep is given or a step failed.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "datasets/gesture_replay.h"
#include "tools/edgestream/commands.h"

namespace edge::cli {
namespace {

namespace demo = datasets::replay;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct DemoOptions {
  std::string out = "edgestream-demo";
  bool keep = false;
  double holdout = 0.2;
  uint32_t seed = 7;
  double rate_hz = 100.0;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string executable_path() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) throw Error(msg("cannot read /proc/self/exe: ", std::strerror(errno)));
  return std::string(buffer, size_t(n));
}

std::string dir_of(const std::string& path) { return path.substr(0, path.find_last_of('/')); }

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof(cwd))) throw Error(msg("getcwd: ", std::strerror(errno)));
  return std::string(cwd) + "/" + path;
}

void make_dirs(const std::string& path) {
  for (size_t slash = 1; slash != std::string::npos;) {
    slash = path.find('/', slash + 1);
    const std::string part = path.substr(0, slash);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
      throw Error(msg("cannot create ", part, ": ", std::strerror(errno)));
  }
}

void remove_tree(const std::string& path) {
  // Only ever our own DIR/work, which we created; `rm -rf` keeps this short and exact.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("rm", "rm", "-rf", "--", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(msg("cannot open ", path, ": ", std::strerror(errno)));
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    throw Error(msg(path, ": not valid JSON: ", e.what()));
  }
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw Error(msg("cannot write ", path, ": ", std::strerror(errno)));
}

long long file_bytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Error(msg("cannot stat ", path, ": ", std::strerror(errno)));
  return static_cast<long long>(st.st_size);
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string percent(double fraction) { return fixed(100.0 * fraction, 1) + " %"; }

std::string tail_of(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string text;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    text += "    | " + all[i] + "\n";
  return text;
}

// The bundled recordings: $EDGE_DATASETS_DIR, the installed share dir, then the source tree.
std::string find_gesture_recordings() {
  std::string searched;
  for (const std::string& root : data_dirs("EDGE_DATASETS_DIR", "datasets", "/../datasets")) {
    const std::string dir = root + "/gesture-punch-flex";
    char real[PATH_MAX];
    if (exists(dir + "/punch.csv")) return ::realpath(dir.c_str(), real) ? real : dir;
    searched += (searched.empty() ? "" : ", ") + dir;
  }
  throw Error(msg("the bundled gesture recordings were not found (looked in ", searched,
                  "; set EDGE_DATASETS_DIR to the folder holding gesture-punch-flex/)"));
}

// A child process of /proc/self/exe (or another program) with stdout and stderr to `log_fd`,
// or stdout to a pipe returned in *stdout_pipe.
pid_t spawn(const std::string& program, const std::vector<std::string>& args, int log_fd,
            int* stdout_pipe) {
  int pipe_fds[2] = {-1, -1};
  if (stdout_pipe && ::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw Error(msg("pipe: ", std::strerror(errno)));
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(msg("fork: ", std::strerror(errno)));
  if (pid == 0) {
    ::dup2(stdout_pipe ? pipe_fds[1] : log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(program.c_str(), argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", program.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  if (stdout_pipe) {
    ::close(pipe_fds[1]);
    *stdout_pipe = pipe_fds[0];
  }
  return pid;
}

// Exit code, or 128 + signal like a shell.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class Demo {
 public:
  explicit Demo(DemoOptions options) : o_(std::move(options)) {}

  int run();

 private:
  // Runs `edgestream ARGS` as a child, its output into logs/<log_name>.log; a failure names
  // the step and shows the end of the log.
  void run_tool(const std::string& step, const std::string& log_name,
                const std::vector<std::string>& args) {
    const std::string log = log_path(log_name);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(msg("cannot write ", log, ": ", std::strerror(errno)));
    std::string command = "edgestream";
    for (const std::string& a : args) command += " " + a;
    const std::string header = "$ " + command + "\n";
    const bool header_written = ::write(fd, header.data(), header.size()) >= 0;
    (void)header_written;  // the log is for a person; the step's own result decides
    const int code = wait_for(spawn(exe_, args, fd, nullptr));
    ::close(fd);
    if (code != 0) fail(step, msg("`", command, "` exited with ", code), log);
  }

  std::string log_path(const std::string& name) const { return logs_ + "/" + name + ".log"; }

  [[noreturn]] void fail(const std::string& step, const std::string& what, const std::string& log) {
    std::string text = msg("demo: step '", step, "' failed: ", what);
    if (!log.empty()) text += msg("\n  last lines of ", log, ":\n", tail_of(log, 15));
    throw Error(text);
  }

  void step_line(int index, const std::string& name, const std::string& text,
                 Clock::time_point start) {
    std::printf("[%d/7] %-9s %s (%.1f s)\n", index, name.c_str(), text.c_str(),
                seconds_since(start));
    std::fflush(stdout);
  }

  void hold_out();
  void build_datasets();
  void train();
  void optimize();
  void evaluate();
  void export_c_array();
  void replay_and_classify();

  DemoOptions o_;
  std::string exe_, out_, work_, logs_, recordings_;
  std::vector<demo::GestureClass> classes_;
  std::vector<std::vector<size_t>> holdout_;
  demo::TriggerConfig trigger_;
  std::string float_model_, int8_model_;
};

void Demo::hold_out() {
  const auto start = Clock::now();
  classes_ = demo::read_gesture_classes(recordings_);
  std::vector<size_t> counts;
  for (const auto& c : classes_) counts.push_back(c.recordings.size());
  holdout_ = demo::choose_holdout(counts, o_.holdout, o_.seed);
  std::vector<std::vector<size_t>> keep(classes_.size());
  json list = json::array();
  std::string per_class;
  size_t held = 0, total = 0;
  for (size_t c = 0; c < classes_.size(); ++c) {
    for (size_t r = 0; r < counts[c]; ++r) {
      if (std::binary_search(holdout_[c].begin(), holdout_[c].end(), r))
        list.push_back(classes_[c].label + ".csv#" + std::to_string(r + 1));
      else
        keep[c].push_back(r);
    }
    held += holdout_[c].size();
    total += counts[c];
    per_class += msg(per_class.empty() ? "" : ", ", holdout_[c].size(), " ", classes_[c].label);
  }
  demo::write_gesture_classes(work_ + "/train-recordings", classes_, keep);
  demo::write_gesture_classes(work_ + "/holdout-recordings", classes_, holdout_);
  json record = {{"source", recordings_}, {"fraction", o_.holdout}, {"seed", o_.seed},
                 {"held_out", list},      {"held_out_count", held}, {"recordings", total}};
  write_text(out_ + "/holdout.json", record.dump(2) + "\n");
  step_line(1, "hold-out",
            msg("held out ", held, " of ", total, " recordings (", per_class, "), seed ", o_.seed,
                " -> holdout.json"),
            start);
}

std::string counts_text(const json& manifest) {
  const json& counts = manifest.at("counts");
  std::string text = msg(counts.at("windows").get<long long>(), " windows (");
  bool first = true;
  for (const auto& [label, n] : counts.at("per_class").items()) {
    text += msg(first ? "" : ", ", n.get<long long>(), " ", label);
    first = false;
  }
  return text + ")";
}

void Demo::build_datasets() {
  const auto start = Clock::now();
  run_tool("dataset", "2-dataset",
           {"dataset", "gesture", "dataset=" + work_ + "/train-recordings",
            "out=" + work_ + "/dataset"});
  const json train = read_json(work_ + "/dataset/manifest.json");
  step_line(2, "dataset",
            msg(counts_text(train), " from the other recordings (edgestream dataset gesture)"),
            start);
}

void Demo::train() {
  const auto start = Clock::now();
  float_model_ = out_ + "/gesture-float.tflite";
  run_tool("train", "3-train",
           {"train", "gesture", "--dataset", work_ + "/dataset", "--out", float_model_, "--seed",
            std::to_string(o_.seed), "--report", out_ + "/reports/train"});
  const json report = read_json(out_ + "/reports/train/report.json");
  step_line(3, "train",
            msg("gesture-float.tflite (", file_bytes(float_model_), " bytes), accuracy ",
                percent(report.at("accuracy").get<double>()), " on its ",
                report.at("samples").get<long long>(), " test windows"),
            start);
}

void Demo::optimize() {
  const auto start = Clock::now();
  int8_model_ = out_ + "/gesture-int8.tflite";
  // The deployed file, as TensorFlow's converter writes it for a microcontroller: tensor names
  // stripped (labels, preprocess, statistics and hash kept), under the paper's 14,008 bytes.
  run_tool("optimize", "4-optimize",
           {"optimize", float_model_, "--dataset", work_ + "/dataset", "--app", "gesture", "--seed",
            std::to_string(o_.seed), "--steps", "int8", "--strip-strings", "--out", int8_model_,
            "--report", out_ + "/reports/optimize"});
  const json report = read_json(out_ + "/reports/optimize/optimize.json");
  const json& after = report.at("sequences").at(0);
  step_line(4, "optimize",
            msg("gesture-int8.tflite (", after.at("bytes").get<long long>(), " bytes, ",
                fixed(double(report.at("before").at("bytes").get<long long>()) /
                          double(after.at("bytes").get<long long>()),
                      2),
                "x smaller), accuracy ", percent(after.at("test_accuracy").get<double>()),
                " on the same test windows"),
            start);
}

void Demo::evaluate() {
  const auto start = Clock::now();
  // The split train and optimize held out (same seed): windows neither model was fitted on.
  run_tool("eval", "5-eval",
           {"eval", float_model_, int8_model_, "--dataset", work_ + "/dataset", "--seed",
            std::to_string(o_.seed), "--report", out_ + "/reports/eval"});
  const json report = read_json(out_ + "/reports/eval/report.json");
  const json& variants = report.at("variants");
  const json& f = variants.at(0);
  const json& q = variants.at(1);
  step_line(5, "eval",
            msg("float32 ", percent(f.at("accuracy").get<double>()), " vs int8 ",
                percent(q.at("accuracy").get<double>()), " on ",
                report.at("samples").get<long long>(), " test windows; ",
                f.at("file_bytes").get<long long>(), " vs ", q.at("file_bytes").get<long long>(),
                " bytes; ", fixed(f.at("latency_us").get<double>(), 1), " vs ",
                fixed(q.at("latency_us").get<double>(), 1), " us per inference"),
            start);
}

void Demo::export_c_array() {
  const auto start = Clock::now();
  run_tool("export", "6-export", {"export", int8_model_, "--out", out_ + "/c"});
  for (const char* file : {"gesture_int8.h", "gesture_int8.cc", "gesture_int8_model_info.h"})
    if (!exists(out_ + "/c/" + file))
      fail("export", msg("edgestream export did not write c/", file), log_path("6-export"));
  step_line(6, "export",
            msg("c/gesture_int8.{h,cc} (", file_bytes(int8_model_),
                "-byte array), c/gesture_int8_model_info.{h,md} (operators, arena)"),
            start);
}

void Demo::replay_and_classify() {
  const auto start = Clock::now();
  // The real-time graph's trigger (pipelines/gesture live-window): 30 frames, sum of |aX|,
  // |aY|, |aZ| >= 2.5 g.
  trigger_.threshold = 2.5;
  trigger_.trigger_channels = {0, 1, 2};
  trigger_.window_length = 30;
  const demo::ReplayStream stream =
      demo::build_replay_stream(classes_, holdout_, trigger_, 50, 40, o_.seed);
  const std::string replay_csv = out_ + "/replay.csv";
  demo::write_replay_csv(replay_csv, stream);

  // The "board": edge-serial-replay publishes its pty's slave as a symlink.
  const std::string replay_tool = dir_of(exe_) + "/edge-serial-replay";
  if (::access(replay_tool.c_str(), X_OK) != 0)
    fail("replay", msg(replay_tool, " not found beside edgestream"), "");
  const std::string link = work_ + "/serial-link";
  const std::string replay_log = log_path("7-replay");
  const int replay_fd = ::open(replay_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (replay_fd < 0) throw Error(msg("cannot write ", replay_log, ": ", std::strerror(errno)));
  char rate[32];
  std::snprintf(rate, sizeof(rate), "%g", o_.rate_hz);
  const pid_t replay =
      spawn(replay_tool, {"--link", link, "--rate", rate, "--drain-ms", "5000", replay_csv},
            replay_fd, nullptr);
  ::close(replay_fd);
  std::string device;
  for (int i = 0; i < 200 && device.empty(); ++i) {
    char target[256];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (n > 0)
      device.assign(target, size_t(n));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (device.empty()) {
    ::kill(replay, SIGTERM);
    wait_for(replay);
    fail("replay", "edge-serial-replay did not publish its pseudo-terminal", replay_log);
  }
  std::printf("[7/7] replay    %zu held-out gestures on %s at %s Hz, idle frames between them:\n",
              stream.gestures.size(), device.c_str(), rate);
  std::fflush(stdout);

  const std::string classify_log = log_path("7-classify");
  const int classify_fd =
      ::open(classify_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (classify_fd < 0) throw Error(msg("cannot write ", classify_log, ": ", std::strerror(errno)));
  const std::vector<std::string> classify_args = {"classify", int8_model_, "--source",
                                                  "serial:" + device};
  std::string command = "$ edgestream";
  for (const std::string& a : classify_args) command += " " + a;
  command += "  (JSON lines: detections.jsonl)\n";
  const bool header_written = ::write(classify_fd, command.data(), command.size()) >= 0;
  (void)header_written;  // the log is for a person
  int lines_fd = -1;
  const pid_t classify = spawn(exe_, classify_args, classify_fd, &lines_fd);
  ::close(classify_fd);

  // Read the JSON lines as they come; stop classify once the board is done and the last
  // window had time to arrive.
  std::vector<demo::Detection> detections;
  std::ofstream jsonl(out_ + "/detections.jsonl", std::ios::trunc);
  std::string pending;
  bool replay_done = false, classify_done = false, interrupted = false;
  int replay_code = 0, classify_code = 0;
  Clock::time_point replay_end;
  const double budget_s = double(stream.lines.size()) / o_.rate_hz + 30.0;
  while (!classify_done) {
    struct pollfd p = {lines_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready > 0) {
      char buffer[4096];
      const ssize_t n = ::read(lines_fd, buffer, sizeof(buffer));
      if (n <= 0) {
        classify_done = true;
      } else {
        pending.append(buffer, size_t(n));
        for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
          const std::string line = pending.substr(0, eol);
          pending.erase(0, eol + 1);
          json record;
          try {
            record = json::parse(line);
          } catch (const std::exception&) {
            continue;  // not a result line
          }
          if (!record.is_object() || !record.contains("top") || !record["pts"].is_number())
            continue;
          jsonl << line << "\n";
          demo::Detection d;
          d.pts_s = record["pts"].get<double>();
          const json& best = record["top"].at(0);
          d.label = best.at("label").get<std::string>();
          d.score = best.at("score").get<double>();
          detections.push_back(d);
          // Which gesture it was, as far as the detections so far tell.
          const demo::ReplayScore so_far = demo::score_detections(stream, detections, o_.rate_hz);
          const int g = so_far.gesture_of_detection.back();
          const std::string truth =
              g < 0 ? "not during a gesture"
                    : msg("replayed ", stream.gestures[size_t(g)].clip_id,
                          d.label == stream.gestures[size_t(g)].label ? "" : "  WRONG");
          std::printf("        %7.2f s  %-8s %.3f   (%s)\n", d.pts_s, d.label.c_str(), d.score,
                      truth.c_str());
          std::fflush(stdout);
        }
      }
    }
    if (!replay_done) {
      int status = 0;
      if (::waitpid(replay, &status, WNOHANG) == replay) {
        replay_done = true;
        replay_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        replay_end = Clock::now();
      }
    }
    // The board has stopped: give the last window a moment, then end classify like Ctrl-C.
    if (replay_done && !interrupted && seconds_since(replay_end) > 1.0) {
      ::kill(classify, SIGINT);
      interrupted = true;
    }
    if (interrupted && seconds_since(replay_end) > 10.0) ::kill(classify, SIGKILL);
    if (seconds_since(start) > budget_s) {
      ::kill(classify, SIGKILL);
      if (!replay_done) ::kill(replay, SIGTERM);
    }
  }
  ::close(lines_fd);
  classify_code = wait_for(classify);
  if (!replay_done) {
    // classify ended before the board did: nobody reads the port any more.
    ::kill(replay, SIGTERM);
    replay_code = wait_for(replay);
  }
  if (replay_code != 0)
    fail("replay", msg("edge-serial-replay exited with ", replay_code), replay_log);
  // SIGINT is how the demo ends it: a clean exit or death by that signal are both fine.
  if (classify_code != 0 && classify_code != 128 + SIGINT && classify_code != 130)
    fail("classify", msg("edgestream classify exited with ", classify_code), classify_log);

  const demo::ReplayScore score = demo::score_detections(stream, detections, o_.rate_hz);
  json gestures = json::array();
  for (size_t g = 0; g < stream.gestures.size(); ++g) {
    const demo::ReplayGesture& gesture = stream.gestures[g];
    json entry = {{"clip", gesture.clip_id},
                  {"truth", gesture.label},
                  {"first_frame", gesture.first_frame},
                  {"predicted_trigger_frame", gesture.trigger_frame}};
    const int d = score.detection_of_gesture[g];
    if (d >= 0) {
      entry["label"] = detections[size_t(d)].label;
      entry["score"] = detections[size_t(d)].score;
      entry["pts"] = detections[size_t(d)].pts_s;
    } else {
      entry["label"] = nullptr;
    }
    gestures.push_back(entry);
    if (d < 0)
      std::printf("        missed: %s (%s)%s\n", gesture.clip_id.c_str(), gesture.label.c_str(),
                  gesture.trigger_frame < 0 ? ", never reaches the trigger threshold" : "");
    else if (detections[size_t(d)].label != gesture.label)
      std::printf("        wrong:  %s (%s) seen as %s\n", gesture.clip_id.c_str(),
                  gesture.label.c_str(), detections[size_t(d)].label.c_str());
  }
  const size_t n = stream.gestures.size();
  const double accuracy = n ? double(score.correct) / double(n) : 0.0;
  json summary = {{"gestures", n},          {"correct", score.correct},
                  {"missed", score.missed}, {"spurious", score.spurious},
                  {"accuracy", accuracy},   {"rate_hz", o_.rate_hz},
                  {"device", device},       {"idle_frame", stream.idle_frame},
                  {"per_gesture", gestures}};
  write_text(out_ + "/replay.json", summary.dump(2) + "\n");
  std::printf(
      "accuracy over the %zu held-out gestures (live, int8, through the serial port): %d/%zu = "
      "%.1f %% (%d missed, %d spurious) (%.1f s)\n",
      n, score.correct, n, 100.0 * accuracy, score.missed, score.spurious, seconds_since(start));
  std::fflush(stdout);
}

int Demo::run() {
  const auto start = Clock::now();
  exe_ = executable_path();
  out_ = absolute(o_.out);
  work_ = out_ + "/work";
  logs_ = out_ + "/logs";
  recordings_ = find_gesture_recordings();
  // Run from the build tree without installing: the children find the plugin beside us.
  const std::string build_plugins = dir_of(dir_of(exe_)) + "/plugins";
  if (!std::getenv("GST_PLUGIN_PATH_1_0") && !std::getenv("GST_PLUGIN_PATH") &&
      exists(build_plugins + "/libgstedgestream.so"))
    ::setenv("GST_PLUGIN_PATH_1_0", build_plugins.c_str(), 1);
  remove_tree(work_);
  make_dirs(work_);
  make_dirs(logs_);
  std::printf("edgestream demo: the paper's punch/flex recordings (%s) -> %s\n",
              recordings_.c_str(), out_.c_str());
  std::fflush(stdout);
  try {
    hold_out();
    build_datasets();
    train();
    optimize();
    evaluate();
    export_c_array();
    replay_and_classify();
  } catch (const std::exception&) {
    std::fflush(stdout);
    throw;  // work/ stays for a look at what failed
  }
  if (!o_.keep) remove_tree(work_);
  std::printf("demo done in %.1f s; results in %s%s\n", seconds_since(start), out_.c_str(),
              o_.keep ? " (intermediate files in work/)" : "");
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "The main job on the bundled punch/flex recordings: hold out, dataset, train, int8, "
      "eval, C array, then classify the held-out gestures replayed over a serial pty");
  cmd->add_option("--out", o->out, "output folder (models, C array, reports, logs)")
      ->capture_default_str();
  cmd->add_flag("--keep", o->keep, "keep the intermediate recordings and datasets (DIR/work)");
  cmd->add_option("--holdout", o->holdout, "fraction of each class's recordings held out")
      ->check(CLI::Range(0.01, 0.9))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the hold-out, the replay order and training")
      ->capture_default_str();
  cmd->add_option("--rate", o->rate_hz, "replay rate, sample lines per second")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  cmd->callback([o] {
    Demo demo(*o);
    demo.run();
  });
}

}  // namespace edge::cli
