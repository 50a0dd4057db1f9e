#include "signal/capture_timeline.h"

#include <algorithm>

#include "common/error.h"

namespace edge::signal {

namespace {
constexpr int64_t kNsPerSecond = 1'000'000'000;
}

CaptureTimeline::CaptureTimeline(const CaptureTimelineConfig& config) : config_(config) {
  if (config.rate <= 0) throw Error(msg("capture timeline: rate must be > 0, got ", config.rate));
  if (config.gap_tolerance_ns <= 0)
    throw Error(
        msg("capture timeline: gap tolerance must be > 0 ns, got ", config.gap_tolerance_ns));
  if (config.settle_ns < 0)
    throw Error(msg("capture timeline: settle time must be >= 0 ns, got ", config.settle_ns));
  if (config.startup_ns < 0)
    throw Error(msg("capture timeline: startup time must be >= 0 ns, got ", config.startup_ns));
}

// Split so that days of frames at any rate stay inside int64.
int64_t CaptureTimeline::frames_to_ns(int64_t frames) const {
  return frames / config_.rate * kNsPerSecond + frames % config_.rate * kNsPerSecond / config_.rate;
}

int64_t CaptureTimeline::end_ns(int64_t frames) const {
  return anchor_ns_ + frames_to_ns(position_ + frames);
}

void CaptureTimeline::restart() {
  running_ = false;
  late_ = false;
  next_offset_ = -1;
}

CaptureStamp CaptureTimeline::stamp(int64_t arrival_ns, int64_t frames, int64_t source_offset) {
  if (frames <= 0) throw Error(msg("capture timeline: a buffer of ", frames, " frames"));
  CaptureStamp out;
  // The source's offsets: a forward jump is audio it says it skipped (early in a run: the
  // source aligning itself, which the arrivals judge instead); a backward one means it
  // started counting again (reopened, or its own resync): a new run.
  if (running_ && source_offset >= 0 && next_offset_ >= 0 && source_offset != next_offset_) {
    if (source_offset < next_offset_) {
      restart();
    } else if (frames_to_ns(position_) >= config_.startup_ns) {
      out.gap_frames = source_offset - next_offset_;
      position_ += out.gap_frames;
      late_ = false;
    }
  }
  if (!running_) {
    running_ = true;
    anchor_ns_ = arrival_ns - frames_to_ns(frames);
    position_ = 0;
    late_ = false;
    out.discont = true;
  }

  int64_t lag = arrival_ns - end_ns(frames);
  if (lag < -config_.gap_tolerance_ns) {
    // Arrived well before it could have been captured: the timeline runs late.
    anchor_ns_ = arrival_ns - frames_to_ns(position_ + frames);
    out.resync = true;
    out.discont = true;
    ++resyncs_;
    late_ = false;
    lag = 0;
  } else if (lag < 0) {
    anchor_ns_ += lag;  // the quickest buffer so far defines lag 0
    lag = 0;
  } else if (lag > config_.gap_tolerance_ns) {
    if (!late_) {
      late_ = true;
      late_since_ns_ = arrival_ns;
      late_min_lag_ns_ = lag;
    } else {
      late_min_lag_ns_ = std::min(late_min_lag_ns_, lag);
    }
    if (arrival_ns - late_since_ns_ >= config_.settle_ns) {
      // Still late after settling: the source counted over audio that never came.
      const int64_t missing = late_min_lag_ns_ / kNsPerSecond * config_.rate +
                              late_min_lag_ns_ % kNsPerSecond * config_.rate / kNsPerSecond;
      position_ += missing;
      out.gap_frames += missing;
      lag -= frames_to_ns(missing);
      late_ = false;
    }
  } else {
    late_ = false;
  }

  if (out.gap_frames > 0) {
    out.discont = true;
    ++gaps_;
    dropped_frames_ += out.gap_frames;
  }
  out.pts_ns = anchor_ns_ + frames_to_ns(position_);
  out.duration_ns = end_ns(frames) - out.pts_ns;
  position_ += frames;
  if (source_offset >= 0) next_offset_ = source_offset + frames;
  last_lag_ns_ = lag;
  return out;
}

}  // namespace edge::signal
