// Gesture replay (core/data/datasets/gesture_replay.h, `edgestream demo`'s data side): stratified
// seeded hold-out, the board-like replay stream with its trigger frames, and the scoring of
// detections against the replayed gestures.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "datasets/gesture_replay.h"

namespace demo = edge::datasets::replay;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/edge-demo-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string bundled_dir() {
  const char* root = std::getenv("EDGE_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/datasets/gesture-punch-flex";
}

// Two tiny classes of 3-channel rows; trigger = |c0|+|c1|+|c2| >= 2.5 over windows of 3.
// "up": recording 1 triggers on its first row, recording 2 on its second, recording 3 never.
// "down": both recordings end at rest with (0.1, 0.2, 0.3) or (0.3, 0.4, 0.5).
std::vector<demo::GestureClass> tiny_classes(const TempDir& dir) {
  write(dir.path() + "/up.csv",
        "a,b,c\r\n3,0,0\r\n0,0,1\r\n0.1,0.2,0.3\r\n\r\n"
        "1,0,0\r\n2,1,0\r\n0.1,0.2,0.3\r\n\r\n"
        "1,1,0\r\n0,0,0\r\n\r\n");
  write(dir.path() + "/down.csv", "a,b,c\n-3,0,0\n0.3,0.4,0.5\n\n-1,-2,0\n0.1,0.2,0.3\n");
  return demo::read_gesture_classes(dir.path());
}

demo::TriggerConfig tiny_trigger() {
  demo::TriggerConfig t;
  t.threshold = 2.5;
  t.trigger_channels = {0, 1, 2};
  t.window_length = 3;
  return t;
}

}  // namespace

TEST(DemoHoldout, StratifiedCountsSortedAndSeeded) {
  const auto held = demo::choose_holdout({17, 43}, 0.2, 7);
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].size(), 3u);  // round(3.4)
  EXPECT_EQ(held[1].size(), 9u);  // round(8.6)
  for (size_t c = 0; c < 2; ++c) {
    EXPECT_TRUE(std::is_sorted(held[c].begin(), held[c].end()));
    EXPECT_EQ(std::set<size_t>(held[c].begin(), held[c].end()).size(), held[c].size());
    for (size_t r : held[c]) EXPECT_LT(r, c == 0 ? 17u : 43u);
  }
  EXPECT_EQ(demo::choose_holdout({17, 43}, 0.2, 7), held);
  EXPECT_NE(demo::choose_holdout({17, 43}, 0.2, 8), held);
}

TEST(DemoHoldout, AtLeastOneHeldOutAndOneKept) {
  EXPECT_EQ(demo::choose_holdout({2}, 0.01, 1)[0].size(), 1u);
  EXPECT_EQ(demo::choose_holdout({2}, 0.5, 1)[0].size(), 1u);
  EXPECT_THROW(demo::choose_holdout({2}, 0.99, 1), edge::Error) << "round(1.98) = 2 keeps none";
}

TEST(DemoHoldout, RefusesClassWithOneRecordingAndBadFraction) {
  EXPECT_THROW(demo::choose_holdout({5, 1}, 0.2, 1), edge::Error);
  EXPECT_THROW(demo::choose_holdout({5}, 0.0, 1), edge::Error);
  EXPECT_THROW(demo::choose_holdout({5}, 1.0, 1), edge::Error);
  EXPECT_THROW(demo::choose_holdout({5}, std::nan(""), 1), edge::Error);
  EXPECT_TRUE(demo::choose_holdout({}, 0.5, 1).empty());
}

TEST(DemoRecordings, ReadsBundledPunchFlex) {
  const auto classes = demo::read_gesture_classes(bundled_dir());
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[0].label, "flex");
  EXPECT_EQ(classes[1].label, "punch");
  EXPECT_EQ(classes[0].recordings.size(), 43u);
  EXPECT_EQ(classes[1].recordings.size(), 17u);
  EXPECT_EQ(classes[1].header, "aX,aY,aZ,gX,gY,gZ");
  EXPECT_EQ(classes[1].recordings[0].size(), 30u);
  EXPECT_EQ(classes[1].recordings[0][0], "0.017,-1.430,-0.000,126.771,463.763,-37.985");
  EXPECT_FLOAT_EQ(classes[1].values[0][4], 463.763f);
}

TEST(DemoRecordings, KeptRecordingsWrittenInTheBundledFormat) {
  TempDir in, out;
  const auto classes = tiny_classes(in);
  ASSERT_EQ(classes.size(), 2u);
  demo::write_gesture_classes(out.path(), classes, {{1}, {0, 2}});  // down, up
  EXPECT_EQ(read(out.path() + "/up.csv"),
            "a,b,c\r\n3,0,0\r\n0,0,1\r\n0.1,0.2,0.3\r\n\r\n"
            "1,1,0\r\n0,0,0\r\n\r\n");
  EXPECT_EQ(read(out.path() + "/down.csv"), "a,b,c\r\n-1,-2,0\r\n0.1,0.2,0.3\r\n\r\n");
  const auto again = demo::read_gesture_classes(out.path());
  EXPECT_EQ(again[1].recordings.size(), 2u);
  EXPECT_THROW(demo::write_gesture_classes(out.path(), classes, {{2}, {}}), edge::Error);
}

TEST(DemoRecordings, BadFolderAndMismatchedChannelsAreNamed) {
  TempDir dir;
  try {
    demo::read_gesture_classes(dir.path());
    FAIL() << "an empty folder was accepted";
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no <class>.csv"), std::string::npos) << e.what();
  }
  write(dir.path() + "/a.csv", "x,y\n1,2\n");
  write(dir.path() + "/b.csv", "x,y,z\n1,2,3\n");
  try {
    demo::read_gesture_classes(dir.path());
    FAIL() << "mismatched channel counts were accepted";
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("b.csv has 3 channels"), std::string::npos) << e.what();
  }
  EXPECT_THROW(demo::read_gesture_classes(dir.path() + "/missing"), edge::Error);
}

TEST(DemoStream, RestFrameIsTheMedianOfQuietLastRows) {
  TempDir dir;
  const auto classes = tiny_classes(dir);
  // Last rows: up (0.1,0.2,0.3), (0.1,0.2,0.3), (0,0,0); down (0.3,0.4,0.5), (0.1,0.2,0.3).
  EXPECT_EQ(demo::rest_frame(classes, tiny_trigger()), (std::vector<float>{0.1f, 0.2f, 0.3f}));
  demo::TriggerConfig low = tiny_trigger();
  low.threshold = 0.0;  // every row reaches it
  EXPECT_THROW(demo::rest_frame(classes, low), edge::Error);
}

TEST(DemoStream, GesturesBetweenIdleFramesWithTheirTriggerFrames) {
  TempDir dir;
  const auto classes = tiny_classes(dir);
  // Hold out every recording of "up" (class 1 in sorted order) and none of "down".
  const demo::ReplayStream s =
      demo::build_replay_stream(classes, {{}, {0, 1, 2}}, tiny_trigger(), 2, 1, 3);
  ASSERT_EQ(s.gestures.size(), 3u);
  EXPECT_EQ(s.header, "a,b,c");
  // 2 idle, then each gesture followed by 1 idle: 2 + (3+1) + (3+1) + (2+1) = 13 lines.
  ASSERT_EQ(s.lines.size(), 13u);
  EXPECT_EQ(s.lines[0], "0.100,0.200,0.300");
  int64_t next = 2;
  for (const demo::ReplayGesture& g : s.gestures) {
    EXPECT_EQ(g.label, "up");
    EXPECT_EQ(g.first_frame, next);
    EXPECT_EQ(s.lines[size_t(g.first_frame + g.frames)], "0.100,0.200,0.300");
    next += g.frames + 1;
    const int64_t expected_trigger = g.clip_id == "up.csv#1"   ? g.first_frame
                                     : g.clip_id == "up.csv#2" ? g.first_frame + 1
                                                               : -1;
    EXPECT_EQ(g.trigger_frame, expected_trigger) << g.clip_id;
  }
  TempDir out;
  demo::write_replay_csv(out.path() + "/replay.csv", s);
  const std::string text = read(out.path() + "/replay.csv");
  EXPECT_EQ(text.substr(0, 26), "a,b,c\r\n0.100,0.200,0.300\r\n");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 14);
}

TEST(DemoStream, AWindowRunningOnHidesTheNextTrigger) {
  TempDir dir;
  const auto classes = tiny_classes(dir);
  demo::TriggerConfig long_window = tiny_trigger();
  long_window.window_length = 5;  // from the first gesture's first row over 1 idle frame
  const demo::ReplayStream s =
      demo::build_replay_stream(classes, {{0, 1}, {}}, long_window, 0, 1, 11);
  ASSERT_EQ(s.gestures.size(), 2u);
  const demo::ReplayGesture& first = s.gestures[0];
  const demo::ReplayGesture& second = s.gestures[1];
  EXPECT_EQ(first.trigger_frame, first.first_frame);
  // The second starts 3 frames after the first's trigger, inside its window: it never fires.
  EXPECT_EQ(second.first_frame, 3);
  EXPECT_EQ(second.trigger_frame, -1);
}

TEST(DemoStream, RefusesNoIdleAndBadTriggerChannel) {
  TempDir dir;
  const auto classes = tiny_classes(dir);
  EXPECT_THROW(demo::build_replay_stream(classes, {{0}, {0}}, tiny_trigger(), 0, 0, 1),
               edge::Error);
  demo::TriggerConfig bad = tiny_trigger();
  bad.trigger_channels = {0, 3};
  EXPECT_THROW(demo::build_replay_stream(classes, {{0}, {0}}, bad, 1, 1, 1), edge::Error);
}

namespace {

// Three gestures at frames [10, 40), [60, 90), [110, 140), triggering at 10, 62 and 115.
demo::ReplayStream three_gestures() {
  demo::ReplayStream s;
  s.gestures = {{"punch", "punch.csv#1", 10, 30, 10},
                {"flex", "flex.csv#4", 60, 30, 62},
                {"flex", "flex.csv#9", 110, 30, 115}};
  return s;
}

}  // namespace

TEST(DemoScore, AlignsUnknownStartAndCountsMissedSpuriousWrong) {
  const demo::ReplayStream s = three_gestures();
  // The stream's frame 0 was at 5.0 s; 100 Hz.
  const std::vector<demo::Detection> detections = {
      {5.10, "punch", 0.9},  // frame 10: gesture 0, right
      {5.62, "punch", 0.6},  // frame 62: gesture 1, wrong label
      {5.75, "flex", 0.7},   // frame 75: a second one in gesture 1: spurious
      {6.00, "flex", 0.8},   // frame 100: idle, spurious
  };
  const demo::ReplayScore score = demo::score_detections(s, detections, 100.0);
  ASSERT_TRUE(score.stream_start_s.has_value());
  EXPECT_NEAR(*score.stream_start_s, 5.0, 1e-9);
  EXPECT_EQ(score.detection_of_gesture, (std::vector<int>{0, 1, -1}));
  EXPECT_EQ(score.gesture_of_detection, (std::vector<int>{0, 1, -1, -1}));
  EXPECT_EQ(score.correct, 1);
  EXPECT_EQ(score.missed, 1);
  EXPECT_EQ(score.spurious, 2);
}

TEST(DemoScore, FirstDetectionMayBelongToALaterGesture) {
  const demo::ReplayStream s = three_gestures();
  // Gesture 0 was missed. Anchoring the first detection at gesture 0's trigger also puts both
  // in gestures (frames 10 and 63); anchoring at gesture 1's puts both on trigger frames.
  const std::vector<demo::Detection> detections = {{1.62, "flex", 0.9}, {2.15, "flex", 0.8}};
  const demo::ReplayScore score = demo::score_detections(s, detections, 100.0);
  EXPECT_EQ(score.detection_of_gesture, (std::vector<int>{-1, 0, 1}));
  EXPECT_EQ(score.correct, 2);
  EXPECT_EQ(score.missed, 1);
  EXPECT_EQ(score.spurious, 0);
}

TEST(DemoScore, NoDetectionsMissesEverything) {
  const demo::ReplayScore score = demo::score_detections(three_gestures(), {}, 100.0);
  EXPECT_FALSE(score.stream_start_s.has_value());
  EXPECT_EQ(score.missed, 3);
  EXPECT_EQ(score.correct, 0);
  EXPECT_EQ(score.spurious, 0);
  const demo::ReplayScore empty =
      demo::score_detections(demo::ReplayStream{}, {{1.0, "x", 1}}, 100);
  EXPECT_EQ(empty.spurious, 1);
}
