// Timestamps for live capture: where each buffer's samples were taken, from what can be
// trusted, and where audio went missing.
//
// A capture element counts samples; a sound server or driver that was starved (the process
// stopped, a CPU hog, a suspended device) drops audio and often goes on counting as if
// nothing had been lost. Stamping buffers by sample count alone then puts every later sample
// too early, by all the audio lost so far; stamping by arrival time alone jitters and
// squeezes a burst of late buffers into one instant. This timeline does both:
//   * spacing from the sample count: buffer k starts at anchor + frames_before_k / rate;
//   * position from arrival: a buffer's last sample cannot have been captured after the
//     buffer arrived, so lag = arrival - (pts + duration) >= 0. The anchor is chosen so that
//     the quickest buffer has lag 0: capture time is estimated as the earliest time that fits
//     both the count and every arrival (it errs early by at most the source's own delay,
//     typically one period: 10 ms for pulsesrc, 20 ms for alsasrc).
// Audio is declared missing (a gap) when:
//   * the source's own sample offsets jump forward (it says it skipped): the gap is exactly
//     the jump, at that buffer (in the first `startup_ns` of a run such a jump is the source
//     aligning itself, e.g. audiobasesrc skipping the oldest 20 ms of its ring buffer: it is
//     left to the arrival rule below, which sees no gap when the arrivals run on); or
//   * the lag stays above `gap_tolerance_ns` for `settle_ns` of arrivals (the source went on
//     counting over lost audio). A burst of buffers held up and then delivered at once has a
//     lag that falls back within the burst and is not a gap. The gap is the least lag seen
//     in that time, and the pts jump lands on the buffer that completes it (up to settle_ns
//     after the loss itself, which cannot be placed more precisely from outside the source).
// A buffer that arrives more than `gap_tolerance_ns` before its stamped capture time means
// the timeline runs late (the sample clock is faster than the arrival clock, or the first
// buffers were held up): it is re-anchored on that buffer (a resync, counted). Smaller early
// arrivals move the anchor back silently (no DISCONT), so lag stays >= 0.
// Every gap and resync marks the buffer DISCONT; so does the first buffer after start or
// restart(). Slow drift between the sample clock and the arrival clock (tens of ppm) shows as
// a gap or resync of about `gap_tolerance_ns` every tolerance / drift seconds.
//
// Units: nanoseconds on any monotonic clock (the pipeline's running time in edgemicsrc),
// frames (one sample of every channel). Not thread safe: one streaming thread owns it.
#pragma once

#include <cstdint>

namespace edge::signal {

struct CaptureTimelineConfig {
  int rate = 0;                           // frames per second, > 0
  int64_t gap_tolerance_ns = 50'000'000;  // lag mismatches up to this are jitter or drift
  int64_t settle_ns = 500'000'000;        // a lag above tolerance for this long is a gap
  int64_t startup_ns = 250'000'000;       // offset jumps this early are not gaps
};

struct CaptureStamp {
  int64_t pts_ns = 0;       // estimated capture time of the buffer's first frame
  int64_t duration_ns = 0;  // frames / rate (computed from the counts, not accumulated)
  bool discont = false;     // first buffer of a run, or the first after a gap or resync
  int64_t gap_frames = 0;   // audio missing right before this buffer (0: none)
  bool resync = false;      // re-anchored because the buffer came before its stamped time
};

class CaptureTimeline {
 public:
  // Throws edge::Error unless rate > 0, gap_tolerance_ns > 0, settle_ns >= 0 and
  // startup_ns >= 0.
  explicit CaptureTimeline(const CaptureTimelineConfig& config);

  // Stamps a buffer of `frames` frames (> 0) that arrived at `arrival_ns`.
  // `source_offset`: the source's frame offset of its first frame, or -1 when it gives none.
  CaptureStamp stamp(int64_t arrival_ns, int64_t frames, int64_t source_offset = -1);

  // The source was reopened (or the stream restarted): the next buffer starts a new run,
  // anchored on its own arrival. Counters are kept.
  void restart();

  uint64_t gaps() const { return gaps_; }
  int64_t dropped_frames() const { return dropped_frames_; }  // sum of every gap_frames
  uint64_t resyncs() const { return resyncs_; }
  // Arrival minus capture time of the last buffer's last frame (>= 0 once settled).
  int64_t last_lag_ns() const { return last_lag_ns_; }

 private:
  int64_t frames_to_ns(int64_t frames) const;
  int64_t end_ns(int64_t frames) const;  // stamped capture time of the next buffer's end

  CaptureTimelineConfig config_;
  bool running_ = false;
  int64_t anchor_ns_ = 0;     // capture time of frame 0 of the run
  int64_t position_ = 0;      // frames of the run stamped so far, gaps included
  int64_t next_offset_ = -1;  // source offset expected next, -1: unknown
  bool late_ = false;         // lag above tolerance since late_since_ns_
  int64_t late_since_ns_ = 0;
  int64_t late_min_lag_ns_ = 0;
  int64_t last_lag_ns_ = 0;
  uint64_t gaps_ = 0;
  int64_t dropped_frames_ = 0;
  uint64_t resyncs_ = 0;
};

}  // namespace edge::signal
