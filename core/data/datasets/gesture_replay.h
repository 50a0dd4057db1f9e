// Replaying held-out gesture recordings as a board would stream them (the data side of
// `edgestream demo`, in the data layer because it is about recordings, not about the command
// line): a stratified, seeded hold-out of recordings, the board-like serial stream the held-out
// gestures are replayed in, and the scoring of what a real-time graph reported against what
// was replayed.
//
// The stream models a board that prints every sample (not only triggered ones): idle frames
// below the trigger threshold, then a gesture's recorded rows, then idle again, so that the
// real-time graph's triggered window (edgewindow mode=triggered) fires once per gesture.
//
// Thread safety: plain values and reentrant functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edge::datasets::replay {

// One gesture class: a CSV file of recordings (datasets/gesture-punch-flex/<label>.csv).
struct GestureClass {
  std::string label;    // file name without .csv
  std::string header;   // the file's header line, e.g. "aX,aY,aZ,gX,gY,gZ"
  size_t channels = 0;  // fields per row
  std::vector<std::vector<std::string>> recordings;  // per recording: its rows, original text
  std::vector<std::vector<float>> values;            // per recording: rows * channels, row-major
};

// Reads <dir>/<label>.csv for every CSV file in `dir` (sorted by name), recordings separated
// by blank lines (core/data/datasets/gesture_csv.h). Throws edge::Error naming the file and line
// on malformed input, or when the folder has no CSV file or the files disagree on channels.
std::vector<GestureClass> read_gesture_classes(const std::string& dir);

// Which recordings of each class are held out: per class c, max(1, round(fraction * n_c))
// recordings chosen by a Fisher-Yates shuffle driven by std::mt19937(seed) (the same on every
// standard library), returned sorted. Throws edge::Error naming the class when it would keep
// no recording for training, and when fraction is not in (0, 1).
std::vector<std::vector<size_t>> choose_holdout(const std::vector<size_t>& recordings_per_class,
                                                double fraction, uint32_t seed);

// Writes <dir>/<label>.csv for each class with only the recordings `keep[c]` (indices into
// the class's recordings), in the bundled format: header, CRLF line ends, the rows' original
// text, a blank line after each recording. Creates `dir`. Throws edge::Error on I/O failure.
void write_gesture_classes(const std::string& dir, const std::vector<GestureClass>& classes,
                           const std::vector<std::vector<size_t>>& keep);

// How the board's stream triggers (the gesture application's live-window segment).
struct TriggerConfig {
  double threshold = 2.5;  // sum of |channel| over trigger_channels that starts one
  std::vector<int> trigger_channels = {0, 1, 2};
  int64_t window_length = 30;  // frames per triggered window (no pre-trigger)
};

struct ReplayGesture {
  std::string label;
  std::string clip_id;      // "<label>.csv#<n>" in the bundled file, n from 1
  int64_t first_frame = 0;  // index of its first row in the stream (sample lines only)
  int64_t frames = 0;
  int64_t trigger_frame = -1;  // where the windower fires inside it; -1: it never fires
};

struct ReplayStream {
  std::string header;
  std::vector<std::string> lines;  // sample lines in stream order (header not included)
  std::vector<ReplayGesture> gestures;
  std::vector<float> idle_frame;  // what the board prints at rest
};

// The rest frame printed between gestures: per channel, the median of the last rows of every
// recording whose last row is below the threshold (the board at rest after a gesture).
// Throws edge::Error when no recording ends below the threshold.
std::vector<float> rest_frame(const std::vector<GestureClass>& classes,
                              const TriggerConfig& trigger);

// The held-out gestures (holdout[c] indices of classes[c]) interleaved in a fixed, seeded
// order, `idle_before` idle frames first and `idle_between` after each gesture. Trigger
// frames are found with the windower's rule (core/runtime/signal/window.h): the first frame whose
// magnitude reaches the threshold while armed starts a window of window_length frames; frames
// inside a window never trigger. Throws edge::Error when the idle frame itself would trigger,
// or idle_between < 1.
ReplayStream build_replay_stream(const std::vector<GestureClass>& classes,
                                 const std::vector<std::vector<size_t>>& holdout,
                                 const TriggerConfig& trigger, int64_t idle_before,
                                 int64_t idle_between, uint32_t seed);

// Writes the stream as the board prints it: header then one sample line per row, CRLF.
void write_replay_csv(const std::string& path, const ReplayStream& stream);

// One window the real-time graph classified (a JSON line of edgelabelsink).
struct Detection {
  double pts_s = 0;   // stream time of the window's first frame, seconds
  std::string label;  // best class (top-1), whatever the confidence threshold said
  double score = 0;
};

struct ReplayScore {
  std::vector<int> detection_of_gesture;  // per gesture: index of its detection, -1 missed
  std::vector<int> gesture_of_detection;  // per detection: its gesture, -1 spurious
  int correct = 0, missed = 0, spurious = 0;
  std::optional<double> stream_start_s;  // pts of frame 0 as aligned; empty: no detection
};

// Pairs detections with gestures. Timestamps are nominal (first frame + n / rate), so the
// detections' pts are the stream's frame indices up to one unknown offset: the offset is
// chosen that puts the most detections inside a gesture's frames, ties going to the most on
// predicted trigger frames (anchoring the first detection at each gesture's trigger and first
// frame in turn); each gesture then takes its
// first detection. A gesture with none is missed; a detection outside every gesture, or
// a second one in a gesture, is spurious.
ReplayScore score_detections(const ReplayStream& stream, const std::vector<Detection>& detections,
                             double rate_hz);

}  // namespace edge::datasets::replay
