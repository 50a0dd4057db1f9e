// Sliding and triggered windowers: hand-checkable goldens, the window-count rule, chunking
// independence, clip restarts and invalid configurations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.h"
#include "signal/window.h"
#include "signal/window_params.h"

using edge::signal::SlidingWindowConfig;
using edge::signal::SlidingWindower;
using edge::signal::TailPolicy;
using edge::signal::TriggeredWindowConfig;
using edge::signal::TriggeredWindower;
using edge::signal::TriggerMeasure;
using edge::signal::Windower;
using edge::signal::WindowInfo;

namespace {

struct Window {
  WindowInfo info;
  std::vector<float> data;
};

// Pushes `data` (interleaved) in chunks of `chunk` frames, then finishes the run.
std::vector<Window> run(Windower& w, const std::vector<float>& data, size_t chunk) {
  const size_t ch = static_cast<size_t>(w.channels());
  const size_t frames = data.size() / ch;
  std::vector<Window> out;
  std::vector<float> buf(static_cast<size_t>(w.window_frames()) * ch);
  size_t pos = 0;
  while (pos < frames) {
    size_t n = std::min(chunk, frames - pos);
    const float* p = data.data() + pos * ch;
    while (n > 0) {
      size_t used = w.push(p, n);
      p += used * ch;
      n -= used;
      pos += used;
      if (w.window_ready()) {
        WindowInfo info = w.pop(buf.data());
        out.push_back({info, buf});
      }
    }
  }
  while (w.finish()) {
    WindowInfo info = w.pop(buf.data());
    out.push_back({info, buf});
  }
  return out;
}

std::vector<float> ramp(size_t n, float first = 1.0f) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

SlidingWindower sliding(int64_t size, int64_t hop, TailPolicy tail = TailPolicy::kPad,
                        int channels = 1) {
  SlidingWindowConfig c;
  c.channels = channels;
  c.size = size;
  c.hop = hop;
  c.tail = tail;
  return SlidingWindower(c);
}

// The documented rule, written independently of the implementation.
int64_t expected_count(int64_t n, int64_t size, int64_t hop, TailPolicy tail) {
  int64_t full = n >= size ? (n - size) / hop + 1 : 0;
  int64_t covered = full ? (full - 1) * hop + size : 0;
  bool tail_window = tail == TailPolicy::kPad && n > covered && full * hop < n;
  return full + (tail_window ? 1 : 0);
}

}  // namespace

TEST(SlidingWindow, ExactFitGolden) {
  auto w = sliding(4, 2);
  auto windows = run(w, ramp(10), 10);
  ASSERT_EQ(windows.size(), 4u);  // starts 0,2,4,6; the last ends at 10: no padding window
  EXPECT_EQ(windows[0].data, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(windows[1].data, (std::vector<float>{3, 4, 5, 6}));
  EXPECT_EQ(windows[3].data, (std::vector<float>{7, 8, 9, 10}));
  for (size_t i = 0; i < windows.size(); ++i) {
    EXPECT_EQ(windows[i].info.start_frame, static_cast<int64_t>(2 * i));
    EXPECT_EQ(windows[i].info.valid_frames, 4);
    EXPECT_EQ(windows[i].info.index, static_cast<int64_t>(i));
  }
}

TEST(SlidingWindow, TailIsZeroPaddedOnce) {
  auto w = sliding(4, 2);
  auto windows = run(w, ramp(11), 11);
  ASSERT_EQ(windows.size(), 5u);
  EXPECT_EQ(windows[4].data, (std::vector<float>{9, 10, 11, 0}));
  EXPECT_EQ(windows[4].info.start_frame, 8);
  EXPECT_EQ(windows[4].info.valid_frames, 3);
  EXPECT_EQ(windows[4].info.index, 4);
}

TEST(SlidingWindow, TailDropped) {
  auto w = sliding(4, 2, TailPolicy::kDrop);
  EXPECT_EQ(run(w, ramp(11), 11).size(), 4u);
}

TEST(SlidingWindow, ThesisFourSecondClip) {
  // 4 s at 30 kHz, 1 s windows every 0.5 s: 7 windows starting at 0, 0.5, ... 3.0 s.
  auto w = sliding(30000, 15000);
  auto windows = run(w, ramp(120000, 0.0f), 4096);
  ASSERT_EQ(windows.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(windows[i].info.start_frame, static_cast<int64_t>(15000 * i));
    EXPECT_EQ(windows[i].info.valid_frames, 30000);
    EXPECT_EQ(windows[i].data.front(), 15000.0f * i);
    EXPECT_EQ(windows[i].data.back(), 15000.0f * i + 29999.0f);
  }
  // One frame short: the 7th window is padded with one zero; one frame long: an 8th.
  w.reset();
  auto shorter = run(w, ramp(119999, 0.0f), 1000);
  ASSERT_EQ(shorter.size(), 7u);
  EXPECT_EQ(shorter[6].info.valid_frames, 29999);
  EXPECT_EQ(shorter[6].data.back(), 0.0f);
  w.reset();
  auto longer = run(w, ramp(120001, 0.0f), 1000);
  ASSERT_EQ(longer.size(), 8u);
  EXPECT_EQ(longer[7].info.start_frame, 105000);
  EXPECT_EQ(longer[7].info.valid_frames, 15001);
}

TEST(SlidingWindow, CountRuleForManyLengths) {
  for (TailPolicy tail : {TailPolicy::kPad, TailPolicy::kDrop}) {
    for (auto [size, hop] : {std::pair<int64_t, int64_t>{7, 3}, {5, 5}, {4, 1}, {2, 3}, {3, 7}}) {
      for (int64_t n = 0; n <= 40; ++n) {
        auto w = sliding(size, hop, tail);
        auto windows = run(w, ramp(static_cast<size_t>(n)), 5);
        EXPECT_EQ(static_cast<int64_t>(windows.size()), expected_count(n, size, hop, tail))
            << "n=" << n << " size=" << size << " hop=" << hop;
        for (const Window& win : windows) {
          EXPECT_GT(win.info.valid_frames, 0);  // never a window made only of padding
          EXPECT_EQ(win.data[0], static_cast<float>(win.info.start_frame + 1));
        }
      }
    }
  }
}

TEST(SlidingWindow, EmptyRunGivesNothing) {
  auto w = sliding(4, 2);
  EXPECT_FALSE(w.finish());
  EXPECT_FALSE(w.window_ready());
}

TEST(SlidingWindow, ShorterThanOneWindow) {
  auto pad = sliding(4, 2);
  auto windows = run(pad, {5, 6, 7}, 1);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].data, (std::vector<float>{5, 6, 7, 0}));
  EXPECT_EQ(windows[0].info.valid_frames, 3);
  auto drop = sliding(4, 2, TailPolicy::kDrop);
  EXPECT_TRUE(run(drop, {5, 6, 7}, 1).empty());
}

TEST(SlidingWindow, OneSample) {
  auto w = sliding(1, 1);
  auto windows = run(w, {42}, 1);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].data, (std::vector<float>{42}));
}

TEST(SlidingWindow, ChunkSizeDoesNotMatter) {
  const auto data = ramp(3 * 101);  // 3 channels, 101 frames: odd lengths everywhere
  auto reference_w = sliding(17, 5, TailPolicy::kPad, 3);
  auto reference = run(reference_w, data, 101);
  for (size_t chunk : {1u, 2u, 3u, 16u, 17u, 18u, 64u}) {
    auto w = sliding(17, 5, TailPolicy::kPad, 3);
    auto windows = run(w, data, chunk);
    ASSERT_EQ(windows.size(), reference.size()) << "chunk " << chunk;
    for (size_t i = 0; i < windows.size(); ++i) {
      EXPECT_EQ(windows[i].data, reference[i].data) << "chunk " << chunk << " window " << i;
      EXPECT_EQ(windows[i].info.start_frame, reference[i].info.start_frame);
    }
  }
}

TEST(SlidingWindow, InterleavedChannelsStayTogether) {
  auto w = sliding(2, 1, TailPolicy::kDrop, 2);
  auto windows = run(w, {1, -1, 2, -2, 3, -3}, 1);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].data, (std::vector<float>{1, -1, 2, -2}));
  EXPECT_EQ(windows[1].data, (std::vector<float>{2, -2, 3, -3}));
}

TEST(SlidingWindow, HopLargerThanSizeSkipsFrames) {
  auto w = sliding(2, 3);
  auto windows = run(w, ramp(10), 4);
  // Full windows at 0, 3, 6; frames 8 and 9 are after the last full window: frame 8 falls in
  // the gap, frame 9 starts the padded window at 9.
  ASSERT_EQ(windows.size(), 4u);
  EXPECT_EQ(windows[1].data, (std::vector<float>{4, 5}));
  EXPECT_EQ(windows[3].data, (std::vector<float>{10, 0}));
  EXPECT_EQ(windows[3].info.start_frame, 9);
}

TEST(SlidingWindow, ResetRestartsTheClip) {
  auto w = sliding(3, 3);
  auto first = run(w, ramp(4), 4);
  ASSERT_EQ(first.size(), 2u);
  w.reset();
  auto second = run(w, ramp(3, 100.0f), 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].info.start_frame, 0);
  EXPECT_EQ(second[0].info.index, 0);
  EXPECT_EQ(second[0].data, (std::vector<float>{100, 101, 102}));
}

TEST(SlidingWindow, NonFiniteValuesAreCopiedUnchanged) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  auto w = sliding(3, 3);
  auto windows = run(w, {nan, inf, -inf}, 1);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_TRUE(std::isnan(windows[0].data[0]));
  EXPECT_EQ(windows[0].data[1], inf);
  EXPECT_EQ(windows[0].data[2], -inf);
}

TEST(SlidingWindow, MisuseIsRefused) {
  auto w = sliding(2, 1);
  std::vector<float> dst(2);
  EXPECT_THROW(w.pop(dst.data()), edge::Error);
  EXPECT_FALSE(w.finish());
  float x = 1;
  EXPECT_THROW(w.push(&x, 1), edge::Error);  // after finish, needs reset
  w.reset();
  EXPECT_EQ(w.push(&x, 1), 1u);
}

TEST(SlidingWindow, InvalidConfig) {
  EXPECT_THROW(sliding(0, 1), edge::Error);
  EXPECT_THROW(sliding(4, 0), edge::Error);
  EXPECT_THROW(sliding(4, -1), edge::Error);
  EXPECT_THROW(sliding(4, 2, TailPolicy::kPad, 0), edge::Error);
  EXPECT_THROW(sliding(int64_t{1} << 40, 1), edge::Error);
  try {
    sliding(4, 0);
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("hop"), std::string::npos) << e.what();
  }
}

// Windows of samples of any type: int8 feature frames (micro_speech's 49 frames of 40) and
// int16 audio, moved byte for byte; the float32 API refuses such a windower.
TEST(SlidingWindow, Int8FeatureFramesAndInt16Audio) {
  SlidingWindowConfig c;
  c.channels = 40;
  c.size = 49;
  c.hop = 10;
  c.tail = TailPolicy::kDrop;
  c.element_bytes = 1;
  SlidingWindower features(c);
  std::vector<int8_t> frames(60 * 40);
  for (size_t i = 0; i < frames.size(); ++i) frames[i] = static_cast<int8_t>(i * 7 - 128);
  std::vector<std::vector<int8_t>> windows;
  std::vector<int8_t> window(49 * 40);
  // One frame per push, as one feature tensor per buffer arrives.
  for (size_t f = 0; f < 60; ++f) {
    EXPECT_EQ(features.push_raw(frames.data() + f * 40, 1), 1u);
    if (features.window_ready()) {
      const WindowInfo info = features.pop_raw(window.data());
      EXPECT_EQ(info.start_frame, static_cast<int64_t>(windows.size()) * 10);
      windows.push_back(window);
    }
  }
  EXPECT_FALSE(features.finish());
  ASSERT_EQ(windows.size(), 2u);  // frames 0..48 and 10..58
  for (size_t w = 0; w < 2; ++w)
    EXPECT_TRUE(std::equal(windows[w].begin(), windows[w].end(), frames.begin() + w * 400));
  float f = 0;
  EXPECT_THROW(features.push(&f, 1), edge::Error);

  SlidingWindowConfig a;
  a.size = 480;
  a.hop = 320;
  a.element_bytes = 2;
  SlidingWindower audio(a);
  std::vector<int16_t> pcm(1000);
  std::iota(pcm.begin(), pcm.end(), int16_t{-500});
  std::vector<int16_t> frame(480);
  std::vector<std::vector<int16_t>> out;
  for (size_t at = 0; at < pcm.size();) {
    at += audio.push_raw(pcm.data() + at, pcm.size() - at);
    if (audio.window_ready()) {
      audio.pop_raw(frame.data());
      out.push_back(frame);
    }
  }
  while (audio.finish()) {
    audio.pop_raw(frame.data());
    out.push_back(frame);
  }
  ASSERT_EQ(out.size(), 3u);  // 0..479, 320..799, and 640..999 padded with zero bytes
  EXPECT_EQ(out[1][0], pcm[320]);
  EXPECT_EQ(out[2][359], pcm[999]);
  EXPECT_EQ(out[2][360], 0);
  c.element_bytes = 3;
  EXPECT_THROW(SlidingWindower bad(c), edge::Error);
}

// ---------------------------------------------------------------------------------------

namespace {
TriggeredWindower triggered(int64_t length, double threshold, int64_t pre = 0, int channels = 1,
                            std::vector<int> trig = {},
                            TriggerMeasure measure = TriggerMeasure::kSumAbs,
                            TailPolicy tail = TailPolicy::kPad) {
  TriggeredWindowConfig c;
  c.channels = channels;
  c.length = length;
  c.pre_trigger = pre;
  c.threshold = threshold;
  c.trigger_channels = trig;
  c.measure = measure;
  c.tail = tail;
  return TriggeredWindower(c);
}
}  // namespace

TEST(TriggeredWindow, GoldenWithRearmAndPaddedTail) {
  auto w = triggered(3, 5.0);
  auto windows = run(w, {0, 1, 6, 2, 3, 7, 1, 0, 9, 1}, 1);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0].data, (std::vector<float>{6, 2, 3}));
  EXPECT_EQ(windows[0].info.start_frame, 2);
  EXPECT_EQ(windows[1].data,
            (std::vector<float>{7, 1, 0}));  // frames inside a window never trigger
  EXPECT_EQ(windows[1].info.start_frame, 5);
  EXPECT_EQ(windows[2].data, (std::vector<float>{9, 1, 0}));
  EXPECT_EQ(windows[2].info.valid_frames, 2);
  EXPECT_EQ(windows[2].info.index, 2);
  auto drop = triggered(3, 5.0, 0, 1, {}, TriggerMeasure::kSumAbs, TailPolicy::kDrop);
  EXPECT_EQ(run(drop, {0, 1, 6, 2, 3, 7, 1, 0, 9, 1}, 1).size(), 2u);
}

TEST(TriggeredWindow, PreTriggerHistory) {
  auto w = triggered(4, 5.0, 2);
  auto windows = run(w, {1, 2, 3, 6, 4, 1, 0}, 3);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].data, (std::vector<float>{2, 3, 6, 4}));
  EXPECT_EQ(windows[0].info.start_frame, 1);
}

TEST(TriggeredWindow, ArmsOnlyWithFullHistory) {
  auto w = triggered(3, 5.0, 1);
  auto windows = run(w, {6, 0, 0, 6, 0, 0}, 1);
  ASSERT_EQ(windows.size(), 1u);  // frame 0 has no history yet and cannot trigger
  EXPECT_EQ(windows[0].data, (std::vector<float>{0, 6, 0}));
  EXPECT_EQ(windows[0].info.start_frame, 2);
}

TEST(TriggeredWindow, PreTriggerReachesIntoThePreviousWindow) {
  auto w = triggered(2, 5.0, 1);
  auto windows = run(w, {0, 6, 7, 8, 0}, 1);
  // Window [0,6] at frame 0; frame 2 is outside it, triggers, and takes frame 1 as history;
  // frame 3 then does the same with frame 2.
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[1].data, (std::vector<float>{6, 7}));
  EXPECT_EQ(windows[1].info.start_frame, 1);
  EXPECT_EQ(windows[2].data, (std::vector<float>{7, 8}));
  EXPECT_EQ(windows[2].info.start_frame, 2);
}

TEST(TriggeredWindow, MeasureAndChannels) {
  // Frame (3, -4, 100): sum of |.| over channels 0,1 is 7, Euclidean norm 5.
  std::vector<float> frame = {3, -4, 100, 0, 0, 0};
  auto sum_abs = triggered(2, 6.0, 0, 3, {0, 1}, TriggerMeasure::kSumAbs);
  EXPECT_DOUBLE_EQ(sum_abs.magnitude(frame.data()), 7.0);
  EXPECT_EQ(run(sum_abs, frame, 1).size(), 1u);
  auto euclid = triggered(2, 6.0, 0, 3, {0, 1}, TriggerMeasure::kEuclidean);
  EXPECT_DOUBLE_EQ(euclid.magnitude(frame.data()), 5.0);
  EXPECT_EQ(run(euclid, frame, 1).size(), 0u);
  auto all = triggered(2, 6.0, 0, 3, {}, TriggerMeasure::kEuclidean);
  EXPECT_EQ(run(all, frame, 1).size(), 1u);  // channel 2 counts too
}

TEST(TriggeredWindow, NaNNeverTriggers) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto w = triggered(2, 1.0);
  auto windows = run(w, {nan, nan, 0, 2, nan}, 1);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].info.start_frame, 3);
}

TEST(TriggeredWindow, ChunkSizeDoesNotMatter) {
  std::vector<float> data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<float>((i * 37) % 11));  // 2 channels
  auto ref_w = triggered(7, 15.0, 3, 2);
  auto reference = run(ref_w, data, 150);
  ASSERT_GT(reference.size(), 3u);
  for (size_t chunk : {1u, 2u, 7u, 8u, 149u}) {
    auto w = triggered(7, 15.0, 3, 2);
    auto windows = run(w, data, chunk);
    ASSERT_EQ(windows.size(), reference.size());
    for (size_t i = 0; i < windows.size(); ++i) {
      EXPECT_EQ(windows[i].data, reference[i].data);
      EXPECT_EQ(windows[i].info.start_frame, reference[i].info.start_frame);
    }
  }
}

TEST(TriggeredWindow, ResetForgetsHistoryAndPartialWindow) {
  auto w = triggered(3, 5.0, 1);
  std::vector<float> buf(3);
  std::vector<float> first = {0, 9, 1};
  EXPECT_EQ(w.push(first.data(), 2), 2u);  // window in progress
  w.reset();
  auto windows = run(w, {9, 0, 9, 1, 2}, 1);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].data, (std::vector<float>{0, 9, 1}));
  EXPECT_EQ(windows[0].info.index, 0);
}

TEST(TriggeredWindow, InvalidConfig) {
  EXPECT_THROW(triggered(0, 1.0), edge::Error);
  EXPECT_THROW(triggered(3, 1.0, 3), edge::Error);
  EXPECT_THROW(triggered(3, 1.0, -1), edge::Error);
  EXPECT_THROW(triggered(3, std::nan("")), edge::Error);
  EXPECT_THROW(triggered(3, 1.0, 0, 2, {2}), edge::Error);
  EXPECT_THROW(triggered(3, 1.0, 0, 2, {-1}), edge::Error);
}

TEST(WindowParams, SettingsMakeTheWindower) {
  edge::signal::WindowSettings s;  // sliding, 1 s every 0.5 s
  std::unique_ptr<Windower> w = edge::signal::make_windower(s, 2, 100);
  auto* sliding = dynamic_cast<SlidingWindower*>(w.get());
  ASSERT_NE(sliding, nullptr);
  EXPECT_EQ(sliding->config().size, 100);
  EXPECT_EQ(sliding->config().hop, 50);
  EXPECT_EQ(sliding->channels(), 2);
  s.size_samples = 30;  // frames override seconds
  EXPECT_EQ(edge::signal::make_windower(s, 1, 100)->window_frames(), 30);
  s.hop = 0.001;
  try {
    edge::signal::make_windower(s, 1, 100);
    ADD_FAILURE() << "no error";
  } catch (const edge::Error& e) {
    EXPECT_STREQ(e.what(), "hop=0.001 s is less than one frame at 100 Hz");
  }
  s = edge::signal::WindowSettings();
  s.mode = edge::signal::WindowMode::kTriggered;
  s.trigger_channels = "0,2";
  w = edge::signal::make_windower(s, 6, 100);
  auto* triggered = dynamic_cast<TriggeredWindower*>(w.get());
  ASSERT_NE(triggered, nullptr);
  EXPECT_EQ(triggered->config().trigger_channels, (std::vector<int>{0, 2}));
  EXPECT_EQ(triggered->window_frames(), 30);
}

TEST(WindowParams, TriggerChannelsAreCheckedWhereSet) {
  EXPECT_EQ(edge::signal::parse_trigger_channels(" "), std::vector<int>{});
  EXPECT_EQ(edge::signal::parse_trigger_channels("0,1,2"), (std::vector<int>{0, 1, 2}));
  const edge::params::Param& p = *edge::signal::window_params().find("trigger-channels");
  EXPECT_EQ(edge::params::parse(p, "1.5", nullptr),
            "trigger-channels: \"1.5\" is not a channel number (0, 1, ...)");
  EXPECT_NE(edge::params::parse(p, "x,1", nullptr), "");
  EXPECT_EQ(edge::params::parse(*edge::signal::window_params().find("tail"), "bogus", nullptr),
            "\"bogus\" is not one of pad or drop");
}

namespace {

// run() through pop_view: each view's floats are read at once and, when `hold(k)` says so
// for the k-th window, the view is kept and read again after every later window and run:
// a held view must never change.
struct ViewRun {
  std::vector<Window> windows;
  std::vector<std::pair<edge::signal::WindowView, std::vector<float>>> held;
};

std::vector<float> view_floats(const edge::signal::WindowView& v) {
  std::vector<float> f(v.bytes / sizeof(float));
  std::memcpy(f.data(), v.data, v.bytes);
  return f;
}

void expect_held_unchanged(const ViewRun& r) {
  for (const auto& [view, floats] : r.held) ASSERT_EQ(view_floats(view), floats);
}

void run_views(SlidingWindower& w, const std::vector<float>& data, size_t chunk,
               const std::function<bool(size_t)>& hold, ViewRun* r) {
  const size_t ch = static_cast<size_t>(w.channels());
  const size_t frames = data.size() / ch;
  auto pop = [&] {
    edge::signal::WindowView v;
    const WindowInfo info = w.pop_view(&v);
    ASSERT_EQ(v.bytes, static_cast<size_t>(w.window_frames()) * ch * sizeof(float));
    const std::vector<float> floats = view_floats(v);
    if (hold(r->windows.size())) r->held.emplace_back(v, floats);
    r->windows.push_back({info, floats});
    expect_held_unchanged(*r);
  };
  size_t pos = 0;
  while (pos < frames) {
    size_t n = std::min(chunk, frames - pos);
    const float* p = data.data() + pos * ch;
    while (n > 0) {
      const size_t used = w.push(p, n);
      p += used * ch;
      n -= used;
      pos += used;
      if (w.window_ready()) pop();
    }
  }
  while (w.finish()) pop();
}

}  // namespace

// Copy-free windows equal copied ones, whatever views are held and for how long: none, every
// one (the windower must move to fresh blocks), every third (blocks come back into use), for
// overlapping, adjacent and gapped windows, padded tails, and runs restarted while views of
// the previous run are held.
TEST(SlidingWindow, ViewsEqualCopiesAndHeldViewsNeverChange) {
  const std::vector<std::function<bool(size_t)>> policies = {[](size_t) { return false; },
                                                             [](size_t) { return true; },
                                                             [](size_t k) { return k % 3 == 0; }};
  struct Shape {
    int64_t size, hop;
    int channels;
  } shapes[] = {{8, 4, 1}, {8, 1, 2}, {8, 8, 1}, {5, 7, 3}, {30, 15, 1}, {4, 3, 2}};
  for (const Shape& shape : shapes) {
    for (size_t p = 0; p < policies.size(); ++p) {
      for (size_t chunk : {size_t{1}, size_t{3}, size_t{64}}) {
        for (TailPolicy tail : {TailPolicy::kPad, TailPolicy::kDrop}) {
          SlidingWindower copies = sliding(shape.size, shape.hop, tail, shape.channels);
          SlidingWindower views = sliding(shape.size, shape.hop, tail, shape.channels);
          ViewRun r;
          for (size_t run_frames : {size_t{97}, size_t{3}, size_t{200}}) {
            const std::vector<float> data =
                ramp(run_frames * static_cast<size_t>(shape.channels), float(run_frames));
            const std::vector<Window> expected = run(copies, data, chunk);
            const size_t before = r.windows.size();
            run_views(views, data, chunk, policies[p], &r);
            ASSERT_EQ(r.windows.size() - before, expected.size());
            for (size_t k = 0; k < expected.size(); ++k) {
              EXPECT_EQ(r.windows[before + k].data, expected[k].data)
                  << "size " << shape.size << " hop " << shape.hop << " policy " << p << " chunk "
                  << chunk << " window " << k;
              EXPECT_EQ(r.windows[before + k].info.start_frame, expected[k].info.start_frame);
              EXPECT_EQ(r.windows[before + k].info.valid_frames, expected[k].info.valid_frames);
            }
            copies.reset();
            views.reset();
          }
          expect_held_unchanged(r);
        }
      }
    }
  }
}

// Views released on another thread (a downstream queue) while the windower goes on: every
// view read there equals the window's copy.
TEST(SlidingWindow, ViewsReleasedOnAnotherThread) {
  SlidingWindower views = sliding(64, 32);
  SlidingWindower copies = sliding(64, 32);
  const std::vector<float> data = ramp(64 * 200);
  const std::vector<Window> expected = run(copies, data, 50);
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::pair<edge::signal::WindowView, size_t>> queue;
  bool done = false;
  size_t mismatches = 0, seen = 0;
  std::thread consumer([&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      ready.wait(lock, [&] { return done || !queue.empty(); });
      if (queue.empty()) break;
      auto [view, k] = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      if (view_floats(view) != expected[k].data) ++mismatches;
      ++seen;
      view = {};  // released here, on the consumer's thread
      lock.lock();
    }
  });
  size_t k = 0;
  auto pop = [&] {
    edge::signal::WindowView v;
    views.pop_view(&v);
    std::lock_guard<std::mutex> lock(mutex);
    queue.emplace_back(std::move(v), k++);
    ready.notify_one();
  };
  for (size_t pos = 0; pos < 64 * 200;) {
    const size_t used = views.push(data.data() + pos, std::min<size_t>(50, 64 * 200 - pos));
    pos += used;
    if (views.window_ready()) pop();
  }
  while (views.finish()) pop();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
    ready.notify_one();
  }
  consumer.join();
  EXPECT_EQ(k, expected.size());
  EXPECT_EQ(seen, expected.size());
  EXPECT_EQ(mismatches, 0u);
}

TEST(SlidingWindow, PopViewWithoutAReadyWindowIsRefused) {
  SlidingWindower w = sliding(4, 2);
  edge::signal::WindowView v;
  EXPECT_THROW(w.pop_view(&v), edge::Error);
}
