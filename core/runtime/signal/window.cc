#include "signal/window.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"

namespace edge::signal {

namespace {
// Upper bound on one window, so size * channels samples cannot overflow or exhaust memory.
constexpr int64_t kMaxWindowBytes = int64_t{1} << 30;  // 1 GiB

void check_window_shape(const char* what, int channels, int64_t frames, size_t element_bytes) {
  if (channels < 1) throw Error(msg(what, ": channels must be >= 1, got ", channels));
  if (frames < 1) throw Error(msg(what, ": window length must be >= 1 frame, got ", frames));
  if (element_bytes != 1 && element_bytes != 2 && element_bytes != 4 && element_bytes != 8)
    throw Error(msg(what, ": samples of ", element_bytes, " bytes (expected 1, 2, 4 or 8)"));
  if (frames > kMaxWindowBytes / static_cast<int64_t>(element_bytes) / channels)
    throw Error(msg(what, ": window of ", frames, " frames x ", channels,
                    " channels is too large (limit ", kMaxWindowBytes, " bytes)"));
}
}  // namespace

Windower::Windower(int channels, int64_t window_frames, size_t element_bytes)
    : channels_(channels), window_frames_(window_frames), element_bytes_(element_bytes) {}

size_t Windower::push(const float* data, size_t frames) {
  if (element_bytes_ != sizeof(float))
    throw Error(msg("Windower::push: float32 frames into a windower of ", element_bytes_,
                    "-byte samples (use push_raw)"));
  return push_raw(data, frames);
}

WindowInfo Windower::pop(float* dst) {
  if (element_bytes_ != sizeof(float))
    throw Error(msg("Windower::pop: float32 window from a windower of ", element_bytes_,
                    "-byte samples (use pop_raw)"));
  return pop_raw(dst);
}

WindowInfo Windower::pop_raw(void* dst) {
  if (!ready_) throw Error("Windower::pop: no window is ready");
  copy_window(dst);
  WindowInfo info = ready_info_;
  ready_ = false;
  ++windows_emitted_;
  after_pop();
  return info;
}

// ---------------------------------------------------------------------------------------
// SlidingWindower

SlidingWindower::SlidingWindower(const SlidingWindowConfig& config)
    : Windower(config.channels, config.size, config.element_bytes),
      config_(config),
      frame_bytes_(static_cast<size_t>(config.channels) * config.element_bytes) {
  check_window_shape("sliding window", config.channels, config.size, config.element_bytes);
  if (config.hop < 1) throw Error(msg("sliding window: hop must be >= 1 frame, got ", config.hop));
  ring_.assign(static_cast<size_t>(config.size) * frame_bytes_, 0);
}

size_t SlidingWindower::push_raw(const void* raw, size_t frames) {
  const auto* data = static_cast<const uint8_t*>(raw);
  if (finished_) throw Error("SlidingWindower::push after finish() without reset()");
  if (ready_ || frames == 0) return 0;
  const int64_t size = config_.size;
  const size_t ch = frame_bytes_;  // bytes per frame
  size_t used = 0;
  if (skip_ > 0) {  // hop > size: frames between windows belong to none
    const size_t n = static_cast<size_t>(std::min<int64_t>(skip_, static_cast<int64_t>(frames)));
    skip_ -= static_cast<int64_t>(n);
    used += n;
    frames_seen_ += static_cast<int64_t>(n);
    if (skip_ > 0) return used;
  }
  size_t want = static_cast<size_t>(size - filled_);
  size_t n = std::min(want, frames - used);
  // Write n frames at ring slot (head + filled) mod size, in at most two pieces.
  int64_t slot = (ring_head_ + filled_) % size;
  size_t first = std::min(n, static_cast<size_t>(size - slot));
  std::memcpy(ring_.data() + static_cast<size_t>(slot) * ch, data + used * ch, first * ch);
  if (n > first) std::memcpy(ring_.data(), data + (used + first) * ch, (n - first) * ch);
  used += n;
  filled_ += static_cast<int64_t>(n);
  frames_seen_ += static_cast<int64_t>(n);
  if (filled_ == size) {
    ready_ = true;
    ready_info_ = {next_start_, size, windows_emitted_};
  }
  return used;
}

void SlidingWindower::copy_window(void* out) {
  auto* dst = static_cast<uint8_t*>(out);
  const size_t ch = frame_bytes_;
  const int64_t size = config_.size;
  const size_t valid = static_cast<size_t>(ready_info_.valid_frames);
  size_t first = std::min(valid, static_cast<size_t>(size - ring_head_));
  std::memcpy(dst, ring_.data() + static_cast<size_t>(ring_head_) * ch, first * ch);
  if (valid > first) std::memcpy(dst + first * ch, ring_.data(), (valid - first) * ch);
  if (valid < static_cast<size_t>(size))
    std::memset(dst + valid * ch, 0, (static_cast<size_t>(size) - valid) * ch);
}

void SlidingWindower::after_pop() {
  covered_end_ = next_start_ + config_.size;
  if (finished_) {  // the tail window: nothing is left
    filled_ = 0;
    ring_head_ = 0;
    return;
  }
  const int64_t size = config_.size, hop = config_.hop;
  if (hop < size) {
    ring_head_ = (ring_head_ + hop) % size;
    filled_ -= hop;
  } else {
    ring_head_ = 0;
    filled_ = 0;
    skip_ = hop - size;
  }
  next_start_ += hop;
}

bool SlidingWindower::finish() {
  if (ready_) return true;
  if (finished_) return false;
  finished_ = true;
  // A tail window only when it holds frames no emitted window covered.
  if (config_.tail == TailPolicy::kPad && filled_ > 0 && frames_seen_ > covered_end_) {
    ready_ = true;
    ready_info_ = {next_start_, filled_, windows_emitted_};
    return true;
  }
  filled_ = 0;
  return false;
}

void SlidingWindower::reset() {
  ready_ = false;
  finished_ = false;
  ring_head_ = 0;
  filled_ = 0;
  skip_ = 0;
  next_start_ = 0;
  covered_end_ = 0;
  frames_seen_ = 0;
  windows_emitted_ = 0;
}

// ---------------------------------------------------------------------------------------
// TriggeredWindower

TriggeredWindower::TriggeredWindower(const TriggeredWindowConfig& config)
    : Windower(config.channels, config.length), config_(config) {
  check_window_shape("triggered window", config.channels, config.length, sizeof(float));
  if (config.pre_trigger < 0 || config.pre_trigger >= config.length)
    throw Error(msg("triggered window: pre-trigger must be in [0, length-1] = [0, ",
                    config.length - 1, "], got ", config.pre_trigger));
  if (!std::isfinite(config.threshold))
    throw Error(msg("triggered window: threshold must be a finite number, got ", config.threshold));
  if (config.trigger_channels.empty()) {
    for (int c = 0; c < config.channels; ++c) channels_used_.push_back(c);
  } else {
    for (int c : config.trigger_channels) {
      if (c < 0 || c >= config.channels)
        throw Error(msg("triggered window: trigger channel ", c, " does not exist (the stream has ",
                        config.channels, " channels, numbered 0..", config.channels - 1, ")"));
      channels_used_.push_back(c);
    }
  }
  history_.assign(static_cast<size_t>(config.pre_trigger * config.channels), 0.0f);
  window_.assign(static_cast<size_t>(config.length * config.channels), 0.0f);
}

double TriggeredWindower::magnitude(const float* frame) const {
  double sum = 0.0;
  if (config_.measure == TriggerMeasure::kSumAbs) {
    for (int c : channels_used_) sum += std::fabs(static_cast<double>(frame[c]));
    return sum;
  }
  for (int c : channels_used_) sum += static_cast<double>(frame[c]) * frame[c];
  return std::sqrt(sum);
}

size_t TriggeredWindower::push_raw(const void* raw, size_t frames) {
  const auto* data = static_cast<const float*>(raw);
  if (finished_) throw Error("TriggeredWindower::push after finish() without reset()");
  const size_t ch = static_cast<size_t>(channels_);
  const size_t frame_bytes = ch * sizeof(float);
  const int64_t pre = config_.pre_trigger;
  size_t i = 0;
  while (i < frames && !ready_) {
    const float* frame = data + i * ch;
    if (filled_ > 0) {
      std::memcpy(window_.data() + static_cast<size_t>(filled_) * ch, frame, frame_bytes);
      ++filled_;
    } else if (frames_seen_ >= pre && magnitude(frame) >= config_.threshold) {
      // History ring is full here: oldest frame at history_head_.
      if (pre > 0) {  // (an empty history has no storage to copy from)
        const size_t head = static_cast<size_t>(history_head_);
        const size_t older = static_cast<size_t>(pre) - head;
        std::memcpy(window_.data(), history_.data() + head * ch, older * frame_bytes);
        if (head > 0) std::memcpy(window_.data() + older * ch, history_.data(), head * frame_bytes);
      }
      std::memcpy(window_.data() + static_cast<size_t>(pre) * ch, frame, frame_bytes);
      filled_ = pre + 1;
      start_frame_ = frames_seen_ - pre;
    }
    if (pre > 0) {
      std::memcpy(history_.data() + static_cast<size_t>(history_head_) * ch, frame, frame_bytes);
      history_head_ = (history_head_ + 1) % pre;
    }
    ++frames_seen_;
    ++i;
    if (filled_ == config_.length) {
      ready_ = true;
      ready_info_ = {start_frame_, config_.length, windows_emitted_};
    }
  }
  return i;
}

void TriggeredWindower::copy_window(void* out) {
  auto* dst = static_cast<float*>(out);
  const size_t ch = static_cast<size_t>(channels_);
  const size_t valid = static_cast<size_t>(ready_info_.valid_frames);
  std::memcpy(dst, window_.data(), valid * ch * sizeof(float));
  const size_t length = static_cast<size_t>(config_.length);
  if (valid < length) std::memset(dst + valid * ch, 0, (length - valid) * ch * sizeof(float));
}

void TriggeredWindower::after_pop() { filled_ = 0; }

bool TriggeredWindower::finish() {
  if (ready_) return true;
  if (finished_) return false;
  finished_ = true;
  if (config_.tail == TailPolicy::kPad && filled_ > 0) {
    ready_ = true;
    ready_info_ = {start_frame_, filled_, windows_emitted_};
    return true;
  }
  filled_ = 0;
  return false;
}

void TriggeredWindower::reset() {
  ready_ = false;
  finished_ = false;
  history_head_ = 0;
  filled_ = 0;
  start_frame_ = 0;
  frames_seen_ = 0;
  windows_emitted_ = 0;
}

}  // namespace edge::signal
