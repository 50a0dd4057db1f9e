#include "datasets/gesture_replay.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "common/error.h"
#include "datasets/gesture_csv.h"

namespace edge::datasets::replay {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(msg("cannot open ", path, ": ", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// Uniform index in [0, bound) from a 32-bit generator, without modulo bias worth noting for
// bounds this small, and identical on every standard library (unlike uniform_int_distribution).
size_t draw(std::mt19937& rng, size_t bound) {
  return static_cast<size_t>((uint64_t{rng()} * bound) >> 32);
}

template <typename T>
void seeded_shuffle(std::vector<T>& items, std::mt19937& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[draw(rng, i)]);
}

double magnitude(const float* frame, const TriggerConfig& trigger) {
  double sum = 0;
  for (int c : trigger.trigger_channels) sum += std::fabs(double(frame[c]));
  return sum;
}

// Every trigger channel must exist in a frame of `channels` values.
void check_trigger_channels(const TriggerConfig& trigger, size_t channels) {
  for (int c : trigger.trigger_channels)
    if (c < 0 || size_t(c) >= channels)
      throw Error(msg("trigger channel ", c, " is out of range (", channels, " channels)"));
}

void make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw Error(msg("cannot create ", dir, ": ", std::strerror(errno)));
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw Error(msg("cannot write ", path, ": ", std::strerror(errno)));
}

}  // namespace

std::vector<GestureClass> read_gesture_classes(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d)
    throw Error(msg("cannot open the gesture recordings folder ", dir, ": ", std::strerror(errno)));
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 4 && name[0] != '.' && name.compare(name.size() - 4, 4, ".csv") == 0)
      names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  if (names.empty()) throw Error(msg(dir, ": no <class>.csv gesture recordings found"));

  std::vector<GestureClass> classes;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    const std::string text = read_text(path);
    const datasets::GestureFile file = datasets::parse_gesture_csv(text, path, 0);
    const std::vector<std::string> lines = split_lines(text);
    GestureClass cls;
    cls.label = name.substr(0, name.size() - 4);
    cls.channels = file.channels.size();
    for (size_t i = 0; i < file.channels.size(); ++i)
      cls.header += (i ? "," : "") + file.channels[i];
    for (const datasets::GestureRecording& rec : file.recordings) {
      // With blank-line separators a recording's rows are consecutive lines of the file.
      std::vector<std::string> rows(lines.begin() + long(rec.line - 1),
                                    lines.begin() + long(rec.line - 1 + size_t(rec.row_count)));
      cls.recordings.push_back(std::move(rows));
      const float* first = file.row(rec.first_row);
      cls.values.emplace_back(first, first + rec.row_count * long(cls.channels));
    }
    if (cls.recordings.empty()) throw Error(msg(path, ": no recordings (only a header?)"));
    if (!classes.empty() && cls.channels != classes.front().channels)
      throw Error(msg(path, " has ", cls.channels, " channels but ", classes.front().label,
                      ".csv has ", classes.front().channels));
    classes.push_back(std::move(cls));
  }
  return classes;
}

std::vector<std::vector<size_t>> choose_holdout(const std::vector<size_t>& recordings_per_class,
                                                double fraction, uint32_t seed) {
  if (!(fraction > 0.0 && fraction < 1.0))
    throw Error(msg("--holdout must be a fraction in (0, 1), got ", fraction));
  std::mt19937 rng(seed);
  std::vector<std::vector<size_t>> held(recordings_per_class.size());
  for (size_t c = 0; c < recordings_per_class.size(); ++c) {
    const size_t n = recordings_per_class[c];
    const size_t k = std::max<size_t>(1, size_t(std::lround(fraction * double(n))));
    if (k >= n)
      throw Error(msg("class ", c, " has ", n, " recording(s): holding out ", k,
                      " would leave none for training"));
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    seeded_shuffle(order, rng);
    held[c].assign(order.begin(), order.begin() + long(k));
    std::sort(held[c].begin(), held[c].end());
  }
  return held;
}

void write_gesture_classes(const std::string& dir, const std::vector<GestureClass>& classes,
                           const std::vector<std::vector<size_t>>& keep) {
  make_dir(dir);
  for (size_t c = 0; c < classes.size(); ++c) {
    std::string text = classes[c].header + "\r\n";
    for (size_t r : keep.at(c)) {
      if (r >= classes[c].recordings.size())
        throw Error(msg(classes[c].label, " has no recording ", r + 1));
      for (const std::string& row : classes[c].recordings.at(r)) text += row + "\r\n";
      text += "\r\n";
    }
    write_file(dir + "/" + classes[c].label + ".csv", text);
  }
}

std::vector<float> rest_frame(const std::vector<GestureClass>& classes,
                              const TriggerConfig& trigger) {
  const size_t channels = classes.empty() ? 0 : classes.front().channels;
  check_trigger_channels(trigger, channels);
  std::vector<std::vector<float>> per_channel(channels);
  for (const GestureClass& cls : classes) {
    for (const std::vector<float>& values : cls.values) {
      if (values.size() < channels || channels == 0) continue;
      const float* last = values.data() + values.size() - channels;
      if (magnitude(last, trigger) >= trigger.threshold) continue;
      for (size_t ch = 0; ch < channels; ++ch) per_channel[ch].push_back(last[ch]);
    }
  }
  if (channels == 0 || per_channel.front().empty())
    throw Error(msg("no recording ends below the trigger threshold ", trigger.threshold,
                    ": cannot tell what the board prints at rest"));
  std::vector<float> frame(channels);
  for (size_t ch = 0; ch < channels; ++ch) {
    std::vector<float>& v = per_channel[ch];
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    frame[ch] = v[v.size() / 2];
  }
  return frame;
}

ReplayStream build_replay_stream(const std::vector<GestureClass>& classes,
                                 const std::vector<std::vector<size_t>>& holdout,
                                 const TriggerConfig& trigger, int64_t idle_before,
                                 int64_t idle_between, uint32_t seed) {
  if (idle_between < 1 || idle_before < 0)
    throw Error(msg("the replay needs idle frames between gestures (got ", idle_between, ")"));
  if (trigger.window_length < 1) throw Error("the triggered window needs at least one frame");
  ReplayStream stream;
  if (classes.empty()) throw Error("no gesture classes to replay");
  stream.header = classes.front().header;
  stream.idle_frame = rest_frame(classes, trigger);
  const size_t channels = classes.front().channels;
  if (magnitude(stream.idle_frame.data(), trigger) >= trigger.threshold)
    throw Error(msg("the rest frame reaches the trigger threshold ", trigger.threshold));

  std::string idle_line;
  for (size_t ch = 0; ch < channels; ++ch) {
    char value[32];
    std::snprintf(value, sizeof(value), "%.3f", double(stream.idle_frame[ch]));
    idle_line += (ch ? "," : "") + std::string(value);
  }

  // Which gesture goes where: every held-out (class, recording), in a seeded order.
  std::vector<std::pair<size_t, size_t>> order;
  for (size_t c = 0; c < holdout.size(); ++c)
    for (size_t r : holdout[c]) order.emplace_back(c, r);
  std::mt19937 rng(seed ^ 0x5eedu);
  seeded_shuffle(order, rng);

  std::vector<float> magnitudes;  // per frame of the stream
  const std::vector<float>& idle = stream.idle_frame;
  auto add_idle = [&](int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      stream.lines.push_back(idle_line);
      magnitudes.push_back(float(magnitude(idle.data(), trigger)));
    }
  };
  add_idle(idle_before);
  for (const auto& [c, r] : order) {
    const GestureClass& cls = classes[c];
    ReplayGesture g;
    g.label = cls.label;
    g.clip_id = cls.label + ".csv#" + std::to_string(r + 1);
    g.first_frame = int64_t(stream.lines.size());
    g.frames = int64_t(cls.recordings[r].size());
    for (int64_t i = 0; i < g.frames; ++i) {
      stream.lines.push_back(cls.recordings[r][size_t(i)]);
      magnitudes.push_back(float(magnitude(cls.values[r].data() + i * int64_t(channels), trigger)));
    }
    stream.gestures.push_back(g);
    add_idle(idle_between);
  }

  // The windower's rule: armed until a frame reaches the threshold, then blind for a window.
  size_t gesture = 0;
  for (int64_t f = 0; f < int64_t(magnitudes.size());) {
    if (double(magnitudes[size_t(f)]) < trigger.threshold) {
      ++f;
      continue;
    }
    while (gesture < stream.gestures.size() &&
           stream.gestures[gesture].first_frame + stream.gestures[gesture].frames <= f)
      ++gesture;
    if (gesture < stream.gestures.size() && stream.gestures[gesture].first_frame <= f &&
        stream.gestures[gesture].trigger_frame < 0)
      stream.gestures[gesture].trigger_frame = f;
    f += trigger.window_length;
  }
  return stream;
}

void write_replay_csv(const std::string& path, const ReplayStream& stream) {
  std::string text = stream.header + "\r\n";
  for (const std::string& line : stream.lines) text += line + "\r\n";
  write_file(path, text);
}

ReplayScore score_detections(const ReplayStream& stream, const std::vector<Detection>& detections,
                             double rate_hz) {
  ReplayScore score;
  score.detection_of_gesture.assign(stream.gestures.size(), -1);
  score.gesture_of_detection.assign(detections.size(), -1);
  auto gesture_at = [&](double start_s, double pts_s) -> int {
    const double frame = std::round((pts_s - start_s) * rate_hz);
    for (size_t g = 0; g < stream.gestures.size(); ++g) {
      const ReplayGesture& gesture = stream.gestures[g];
      if (frame >= double(gesture.first_frame) &&
          frame < double(gesture.first_frame + gesture.frames))
        return int(g);
    }
    return -1;
  };
  auto on_trigger = [&](double start_s, double pts_s) {
    const double frame = std::round((pts_s - start_s) * rate_hz);
    for (const ReplayGesture& gesture : stream.gestures)
      if (gesture.trigger_frame >= 0 && frame == double(gesture.trigger_frame)) return true;
    return false;
  };
  if (!detections.empty()) {
    // Most detections inside gestures first, then most exactly on predicted trigger frames.
    std::pair<int, int> best_hits(-1, -1);
    for (const ReplayGesture& anchor : stream.gestures) {
      for (int64_t frame : {anchor.trigger_frame, anchor.first_frame}) {
        if (frame < 0) continue;
        const double start = detections.front().pts_s - double(frame) / rate_hz;
        std::pair<int, int> hits(0, 0);
        for (const Detection& d : detections) {
          hits.first += gesture_at(start, d.pts_s) >= 0;
          hits.second += on_trigger(start, d.pts_s);
        }
        if (hits > best_hits) {
          best_hits = hits;
          score.stream_start_s = start;
        }
      }
    }
  }
  for (size_t d = 0; d < detections.size(); ++d) {
    const int g =
        score.stream_start_s ? gesture_at(*score.stream_start_s, detections[d].pts_s) : -1;
    if (g < 0 || score.detection_of_gesture[size_t(g)] >= 0) {
      ++score.spurious;
      continue;
    }
    score.detection_of_gesture[size_t(g)] = int(d);
    score.gesture_of_detection[d] = g;
    if (detections[d].label == stream.gestures[size_t(g)].label) ++score.correct;
  }
  for (int d : score.detection_of_gesture) score.missed += d < 0;
  return score;
}

}  // namespace edge::datasets::replay
