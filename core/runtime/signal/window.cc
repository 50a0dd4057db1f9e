#include "signal/window.h"

#include <algorithm>
#include <atomic>
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
  return release_ready();
}

WindowInfo Windower::release_ready() {
  const WindowInfo info = ready_info_;
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
  // Room for the window and for 2 * (size + step) more frames, so the frames kept for the
  // next window move to the block's start once every few windows (every 4 for a hop of half
  // the window), not at each. Very large windows get at least one step of room, within 64 MiB.
  const int64_t size = config.size, step = std::min(config.hop, config.size);
  const int64_t room_limit =
      std::max(step, (int64_t{64} << 20) / static_cast<int64_t>(frame_bytes_));
  block_frames_ = size + std::min(size + 2 * step, room_limit);
  block_ = std::make_shared<Block>(static_cast<size_t>(block_frames_) * frame_bytes_);
}

namespace {
// Whether `block` is held by nothing but the windower. A view released on another thread
// read the block before its release (an acq_rel decrement); the acquire fence orders those
// reads before the windower's next writes.
bool sole_owner(const std::shared_ptr<std::vector<uint8_t>>& block) {
  if (block.use_count() != 1) return false;
  std::atomic_thread_fence(std::memory_order_acquire);
  return true;
}
}  // namespace

void SlidingWindower::make_room(int64_t frames) {
  const int64_t end = window_at_ + filled_;
  if (end + frames <= block_frames_ && end >= views_end_) return;
  const size_t fb = frame_bytes_;
  if (sole_owner(block_)) {
    views_end_ = 0;  // every view of this block is gone
    if (end + frames <= block_frames_) return;
    std::memmove(block_->data(), block_->data() + static_cast<size_t>(window_at_) * fb,
                 static_cast<size_t>(filled_) * fb);
  } else {
    std::shared_ptr<Block> next;
    if (spare_ && sole_owner(spare_)) {
      next = std::move(spare_);
    } else {
      next = std::make_shared<Block>(static_cast<size_t>(block_frames_) * fb);  // both held
    }
    std::memcpy(next->data(), block_->data() + static_cast<size_t>(window_at_) * fb,
                static_cast<size_t>(filled_) * fb);
    spare_ = std::move(block_);
    block_ = std::move(next);
    views_end_ = 0;
  }
  window_at_ = 0;
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
  make_room(static_cast<int64_t>(n));
  std::memcpy(block_->data() + static_cast<size_t>(window_at_ + filled_) * ch, data + used * ch,
              n * ch);
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
  const size_t size = static_cast<size_t>(config_.size);
  const size_t valid = static_cast<size_t>(ready_info_.valid_frames);
  std::memcpy(dst, block_->data() + static_cast<size_t>(window_at_) * ch, valid * ch);
  if (valid < size) std::memset(dst + valid * ch, 0, (size - valid) * ch);
}

WindowInfo SlidingWindower::pop_view(WindowView* view) {
  if (!ready_) throw Error("SlidingWindower::pop_view: no window is ready");
  const size_t ch = frame_bytes_;
  const int64_t size = config_.size;
  if (ready_info_.valid_frames < size) {  // the tail: its padding zeros go into the block
    make_room(size - filled_);
    std::memset(block_->data() + static_cast<size_t>(window_at_ + filled_) * ch, 0,
                static_cast<size_t>(size - filled_) * ch);
  }
  view->data = block_->data() + static_cast<size_t>(window_at_) * ch;
  view->bytes = static_cast<size_t>(size) * ch;
  view->owner = block_;
  views_end_ = std::max(views_end_, window_at_ + size);
  return release_ready();
}

void SlidingWindower::after_pop() {
  covered_end_ = next_start_ + config_.size;
  if (finished_) {  // the tail window: nothing is left
    filled_ = 0;
    window_at_ = 0;
    return;
  }
  const int64_t size = config_.size, hop = config_.hop;
  if (hop < size) {
    window_at_ += hop;
    filled_ -= hop;
  } else {
    window_at_ += size;
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
  window_at_ = 0;  // make_room() moves to another block while views hold this one's start
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
