// Capture timeline: stamps from sample counts and arrivals, gaps from the source's offsets
// and from a lag that persists, bursts that are not gaps, resyncs, drift and restarts.
// Arrival sequences are written out from what was measured on pulsesrc (10 ms buffers, a
// 3 s SIGSTOP: a burst of the buffered audio, then real-time delivery of fresh audio).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "signal/capture_timeline.h"

using edge::signal::CaptureStamp;
using edge::signal::CaptureTimeline;
using edge::signal::CaptureTimelineConfig;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int kRate = 48000;
constexpr int64_t kFrames = 480;  // 10 ms

CaptureTimelineConfig config() {
  CaptureTimelineConfig c;
  c.rate = kRate;
  return c;  // tolerance 50 ms, settle 500 ms
}

// A deterministic jitter of 0..3 ms.
int64_t jitter(int k) { return (k * 7919 % 4) * kMs; }

}  // namespace

TEST(CaptureTimeline, SteadyStreamIsContiguousFromTheFirstBuffer) {
  CaptureTimeline t(config());
  std::vector<CaptureStamp> s;
  for (int k = 0; k < 1000; ++k)
    s.push_back(t.stamp(1000 * kMs + (k + 1) * 10 * kMs + jitter(k), kFrames));
  EXPECT_TRUE(s[0].discont);
  // The first buffer had the least jitter (0): it anchors, and nothing moves afterwards.
  EXPECT_EQ(s[0].pts_ns, 1000 * kMs);
  for (int k = 1; k < 1000; ++k) {
    EXPECT_FALSE(s[k].discont) << k;
    EXPECT_EQ(s[k].pts_ns, s[k - 1].pts_ns + s[k - 1].duration_ns) << k;
    EXPECT_EQ(s[k].gap_frames, 0);
  }
  EXPECT_EQ(s[999].pts_ns, 1000 * kMs + 9990 * kMs);
  EXPECT_EQ(t.gaps(), 0u);
  EXPECT_EQ(t.resyncs(), 0u);
  EXPECT_EQ(t.dropped_frames(), 0);
}

TEST(CaptureTimeline, DurationsAddUpWithoutRoundingDrift) {
  CaptureTimelineConfig c = config();
  c.rate = 44100;
  CaptureTimeline t(c);
  int64_t total = 0;
  CaptureStamp first = t.stamp(10 * kMs, 441);
  total += first.duration_ns;
  CaptureStamp last;
  for (int k = 1; k < 44100; ++k) {  // 441 frames (10 ms) each: 441 s
    last = t.stamp(10 * kMs + k * 10 * kMs, 441);
    total += last.duration_ns;
  }
  EXPECT_EQ(last.pts_ns + last.duration_ns - first.pts_ns, 441'000 * kMs);
  EXPECT_EQ(total, 441'000 * kMs);
}

TEST(CaptureTimeline, ALateFirstBufferMovesTheAnchorBackSilently) {
  CaptureTimeline t(config());
  CaptureStamp a = t.stamp(20 * kMs + 8 * kMs, kFrames);  // held up 8 ms
  CaptureStamp b = t.stamp(30 * kMs, kFrames);            // on time
  EXPECT_TRUE(a.discont);
  EXPECT_FALSE(b.discont);
  EXPECT_FALSE(b.resync);
  EXPECT_EQ(b.pts_ns + b.duration_ns, 30 * kMs);  // lag 0 for the quickest
  EXPECT_EQ(t.last_lag_ns(), 0);
  EXPECT_EQ(t.resyncs(), 0u);
}

TEST(CaptureTimeline, OffsetJumpIsAnExactGapAtThatBuffer) {
  CaptureTimeline t(config());
  int64_t offset = 0;
  int64_t now = 0;
  for (int k = 0; k < 100; ++k) {
    now += 10 * kMs;
    t.stamp(now, kFrames, offset);
    offset += kFrames;
  }
  // Stopped for 3.05 s; the source says so by skipping 3.04 s of frames, as audiobasesrc
  // does when its ring buffer overran.
  now += 3050 * kMs;
  const int64_t skipped = 145'920;
  CaptureStamp s = t.stamp(now, kFrames, offset + skipped);
  EXPECT_TRUE(s.discont);
  EXPECT_FALSE(s.resync);
  EXPECT_EQ(s.gap_frames, skipped);
  EXPECT_EQ(s.pts_ns, 4040 * kMs);  // 1.0 s before the stop + 3.04 s skipped
  EXPECT_EQ(t.last_lag_ns(), 0);
  EXPECT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.dropped_frames(), skipped);
}

TEST(CaptureTimeline, AnOffsetJumpAtStartupIsNotAGap) {
  // pulsesrc (audiobasesrc, slave-method=skew) skips 882 frames after its first buffer
  // while the arrivals run on every 10 ms (measured at 44.1 kHz).
  CaptureTimelineConfig c = config();
  c.rate = 44100;
  CaptureTimeline t(c);
  t.stamp(17 * kMs, 441, 0);
  CaptureStamp s = t.stamp(27 * kMs, 441, 1323);
  EXPECT_FALSE(s.discont);
  EXPECT_EQ(s.gap_frames, 0);
  EXPECT_EQ(s.pts_ns, 17 * kMs);
  EXPECT_EQ(t.gaps(), 0u);
  s = t.stamp(37 * kMs, 441, 1764);
  EXPECT_FALSE(s.discont);
  EXPECT_EQ(s.pts_ns, 27 * kMs);
}

TEST(CaptureTimeline, LossTheSourceDoesNotReportIsFoundAfterSettling) {
  // Measured shape: 1 s of normal buffers, a 3 s stop, then 0.45 s of buffered audio at
  // once, then fresh audio in real time; the source's offsets run on without a jump.
  CaptureTimeline t(config());
  int64_t now = 0;
  for (int k = 0; k < 100; ++k) t.stamp(now += 10 * kMs, kFrames);
  now += 3000 * kMs;
  std::vector<CaptureStamp> after;
  for (int k = 0; k < 45; ++k) after.push_back(t.stamp(now, kFrames));  // the burst
  for (int k = 0; k < 200; ++k) after.push_back(t.stamp(now += 10 * kMs, kFrames));
  int gap_at = -1;
  for (size_t i = 0; i < after.size(); ++i)
    if (after[i].gap_frames > 0) {
      ASSERT_EQ(gap_at, -1) << "one gap only";
      gap_at = static_cast<int>(i);
    }
  ASSERT_GE(gap_at, 0);
  EXPECT_TRUE(after[gap_at].discont);
  // 3 s stopped, 0.45 s of it delivered late: 2.55 s lost.
  EXPECT_EQ(after[gap_at].gap_frames, 2550 * kRate / 1000);
  // Found 500 ms into the lateness (the burst is late too, so it counts from its start).
  EXPECT_EQ(gap_at, 45 + 50 - 1);
  for (size_t i = gap_at + 1; i < after.size(); ++i) EXPECT_FALSE(after[i].discont) << i;
  EXPECT_EQ(t.last_lag_ns(), 0);
  EXPECT_EQ(t.gaps(), 1u);
}

TEST(CaptureTimeline, ABurstOfDelayedAudioIsNotAGap) {
  CaptureTimeline t(config());
  int64_t now = 0;
  for (int k = 0; k < 100; ++k) t.stamp(now += 10 * kMs, kFrames);
  // Held up 300 ms, nothing lost: the 30 buffers come at once, then the stream goes on.
  now += 300 * kMs;
  for (int k = 0; k < 30; ++k) EXPECT_EQ(t.stamp(now, kFrames).gap_frames, 0);
  for (int k = 0; k < 200; ++k) {
    CaptureStamp s = t.stamp(now += 10 * kMs, kFrames);
    EXPECT_FALSE(s.discont);
    EXPECT_EQ(s.gap_frames, 0);
  }
  EXPECT_EQ(t.gaps(), 0u);
  EXPECT_EQ(t.last_lag_ns(), 0);
}

TEST(CaptureTimeline, ASlowSampleClockShowsAsToleranceSizedGaps) {
  // The card's clock is 200 ppm slow: 480 frames take 10.002 ms of arrival time.
  CaptureTimeline t(config());
  int64_t now = 0;
  CaptureStamp s;
  for (int k = 0; k < 60000; ++k) {  // 600 s
    now += 10 * kMs + 2000;
    s = t.stamp(now, kFrames);
    EXPECT_LE(t.last_lag_ns(), 50 * kMs + 1 * kMs) << k;
  }
  // 120 ms of drift over 600 s: two corrections of ~50 ms each.
  EXPECT_EQ(t.gaps(), 2u);
  EXPECT_EQ(t.resyncs(), 0u);
}

TEST(CaptureTimeline, AFastSampleClockMovesTheAnchorBack) {
  CaptureTimeline t(config());
  int64_t now = 0;
  for (int k = 0; k < 60000; ++k) {  // 200 ppm fast
    now += 10 * kMs - 2000;
    CaptureStamp s = t.stamp(now, kFrames);
    // Small early arrivals move the anchor back; no stamp is ever after its arrival.
    EXPECT_LE(s.pts_ns + s.duration_ns, now) << k;
    EXPECT_FALSE(s.resync) << k;
  }
  EXPECT_EQ(t.gaps(), 0u);
}

TEST(CaptureTimeline, RestartAnchorsOnTheNextArrivalAndKeepsCounters) {
  CaptureTimeline t(config());
  for (int k = 0; k < 30; ++k) t.stamp((k + 1) * 10 * kMs, kFrames, k * kFrames);
  t.stamp(410 * kMs, kFrames, 30 * kFrames + 4800);  // a 100 ms gap
  ASSERT_EQ(t.gaps(), 1u);
  t.restart();
  CaptureStamp s = t.stamp(5000 * kMs, kFrames, 0);  // reopened: offsets start again
  EXPECT_TRUE(s.discont);
  EXPECT_EQ(s.gap_frames, 0);
  EXPECT_EQ(s.pts_ns, 4990 * kMs);
  EXPECT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.dropped_frames(), 4800);
}

TEST(CaptureTimeline, OffsetsGoingBackStartANewRun) {
  CaptureTimeline t(config());
  t.stamp(10 * kMs, kFrames, 96000);
  CaptureStamp s = t.stamp(2000 * kMs, kFrames, 0);
  EXPECT_TRUE(s.discont);
  EXPECT_EQ(s.gap_frames, 0);
  EXPECT_EQ(s.pts_ns, 1990 * kMs);
}

TEST(CaptureTimeline, ABufferFarTooEarlyResyncs) {
  CaptureTimeline t(config());
  t.stamp(1000 * kMs, kFrames);
  t.stamp(1010 * kMs, kFrames);
  // The next buffer arrives 100 ms before the stamp says its last sample was taken (the
  // arrival clock stepped back): re-anchored on it.
  CaptureStamp s = t.stamp(920 * kMs, kFrames);
  EXPECT_TRUE(s.resync);
  EXPECT_TRUE(s.discont);
  EXPECT_EQ(s.pts_ns + s.duration_ns, 920 * kMs);
  EXPECT_EQ(t.resyncs(), 1u);
}

TEST(CaptureTimeline, DaysOfFramesDoNotOverflow) {
  CaptureTimeline t(config());
  const int64_t day = 86400LL * 1000 * kMs;
  for (int k = 0; k < 30; ++k) t.stamp((k + 1) * 10 * kMs, kFrames, k * kFrames);
  const int64_t skipped = 86400LL * 48000 * 30;  // 30 days of frames later
  CaptureStamp s = t.stamp(310 * kMs + 30 * day, kFrames, 30 * kFrames + skipped);
  EXPECT_EQ(s.gap_frames, skipped);
  EXPECT_EQ(s.pts_ns, 300 * kMs + 30 * day);
}

TEST(CaptureTimeline, RefusesBadSettingsAndEmptyBuffers) {
  CaptureTimelineConfig c = config();
  c.rate = 0;
  EXPECT_THROW(CaptureTimeline{c}, edge::Error);
  c = config();
  c.gap_tolerance_ns = 0;
  EXPECT_THROW(CaptureTimeline{c}, edge::Error);
  c = config();
  c.settle_ns = -1;
  EXPECT_THROW(CaptureTimeline{c}, edge::Error);
  c = config();
  c.startup_ns = -1;
  EXPECT_THROW(CaptureTimeline{c}, edge::Error);
  CaptureTimeline t(config());
  EXPECT_THROW(t.stamp(0, 0), edge::Error);
}
