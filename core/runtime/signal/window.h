// Streaming windowers: cut an interleaved multi-channel stream into fixed-length windows.
//
// Layout: input and output are interleaved frames (frame = one sample of every channel,
// channel fastest). A window of `size` frames is size * channels samples, written in the
// same interleaved order. Samples are float32, except that a sliding window moves samples
// of any type (SlidingWindowConfig::element_bytes: int16 audio, int8 feature frames...),
// through push_raw/pop_raw; its padding is zero bytes.
//
// Two policies share one pull-style interface (Windower):
//   SlidingWindower    windows of `size` frames starting every `hop` frames.
//   TriggeredWindower  a window of `length` frames starts when the magnitude of chosen
//                      channels reaches a threshold (optionally with pre-trigger history).
//
// Use:
//   while (frames > 0) {
//     size_t used = w.push(data, frames);   // stops as soon as a window is complete
//     data += used * channels; frames -= used;
//     if (w.window_ready()) { WindowInfo info = w.pop(dst); ... }
//   }
//   if (w.finish()) w.pop(dst);               // end of clip: tail window per TailPolicy
//   w.reset();                                // next clip
//
// push() accepts any chunk size, one frame at a time included. All memory is allocated in
// the constructor; push/pop/finish/reset never allocate. A Windower is not thread safe:
// one streaming thread owns it.
//
// Copy-free windows (SlidingWindower::pop_view): a sliding windower keeps its frames in one
// run of memory, so a ready window is contiguous and can be handed out as a read-only view
// instead of copied: the view holds a reference to the block, and the windower never writes
// where a held view points. When it must (the block is full, or a new run starts at its
// beginning) and views are still held there, it moves on to a second block, allocated the
// first time it is needed, or a fresh one while both are held; a block comes back into use
// once its views are gone. Views may be released on any thread.
//
// Sliding window rule, for a run (clip) of N frames, size S, hop H:
//   * full windows start at k*H for every k with k*H + S <= N, i.e. F = floor((N-S)/H)+1
//     windows when N >= S, none otherwise;
//   * TailPolicy::kPad adds ONE zero-padded window starting at F*H when some frames after
//     the end of the last full window were never covered (N > (F-1)*H + S, or F == 0 and
//     N > 0) and that window starts inside the run (F*H < N). So when H <= S the count is
//     1 for 0 < N <= S and ceil((N-S)/H) + 1 for N > S;
//   * TailPolicy::kDrop never emits a partial window.
//   Example (the thesis): 4 s at 30 kHz, S = 1 s, H = 0.5 s: N = 120000, F = 7 windows
//   starting at 0, 0.5, ... 3.0 s; the window at 3.0 s ends exactly at the end, so nothing
//   is left uncovered and no all-padding window follows. 4.2 s gives 8 (the last padded with
//   0.3 s of zeros), 0.4 s gives 1 padded window with kPad and none with kDrop. An exact
//   multiple of the hop never produces a window made only of padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace edge::signal {

enum class TailPolicy {
  kPad,   // zero-pad the last, partial window of a run (default)
  kDrop,  // never emit a partial window
};

// Magnitude a triggered windower compares with its threshold, over the trigger channels.
enum class TriggerMeasure {
  kSumAbs,     // sum of |x_c|, as the paper's Arduino sketch (aSum = |aX|+|aY|+|aZ|)
  kEuclidean,  // sqrt(sum of x_c^2)
};

struct WindowInfo {
  int64_t start_frame = 0;   // first frame of the window, counted from the start of the run
  int64_t valid_frames = 0;  // frames of real data; the rest (up to the window length) is zeros
  int64_t index = 0;         // 0-based window number in the run
};

class Windower {
 public:
  virtual ~Windower() = default;
  int channels() const { return channels_; }
  int64_t window_frames() const { return window_frames_; }
  // Bytes of one sample (4 for float32).
  size_t element_bytes() const { return element_bytes_; }

  // Consumes frames of interleaved data (frames * channels samples) and returns how many
  // frames it took: it stops right after a window completes (then window_ready() is true)
  // and takes nothing while a window is waiting to be popped. push() is for float32
  // windowers (element_bytes() == 4; throws otherwise), push_raw() for any.
  size_t push(const float* data, size_t frames);
  virtual size_t push_raw(const void* data, size_t frames) = 0;
  bool window_ready() const { return ready_; }
  // Copies the ready window into dst (window_frames() * channels samples). Must only be
  // called when window_ready(); throws edge::Error otherwise. pop() as push().
  WindowInfo pop(float* dst);
  WindowInfo pop_raw(void* dst);
  // Ends the run. Returns true while a window is ready: a full one not yet popped, then the
  // padded tail window (TailPolicy::kPad). Loop `while (w.finish()) w.pop(dst);`. Call
  // reset() before pushing the next run.
  virtual bool finish() = 0;
  // Forgets all data and restarts frame and window counting at 0.
  virtual void reset() = 0;
  // Frames consumed since the last reset().
  int64_t frames_seen() const { return frames_seen_; }

 protected:
  Windower(int channels, int64_t window_frames, size_t element_bytes = sizeof(float));
  virtual void copy_window(void* dst) = 0;
  virtual void after_pop() = 0;
  // The ready window's info, once it has been handed out (copied or viewed): clears ready,
  // counts it and moves on (after_pop).
  WindowInfo release_ready();

  int channels_;
  int64_t window_frames_;
  size_t element_bytes_;
  bool ready_ = false;
  WindowInfo ready_info_;
  int64_t frames_seen_ = 0;
  int64_t windows_emitted_ = 0;
  bool finished_ = false;  // finish() was called; push() needs reset() first
};

struct SlidingWindowConfig {
  int channels = 1;
  int64_t size = 0;  // frames per window, > 0
  int64_t hop = 0;   // frames between window starts, > 0 (may exceed size: frames skipped)
  TailPolicy tail = TailPolicy::kPad;
  size_t element_bytes = sizeof(float);  // bytes of one sample (1, 2, 4 or 8): any type
};

// A ready window left in the windower's storage (SlidingWindower::pop_view): `bytes` bytes
// at `data` (window_frames() * channels samples, the tail's padding zeros included), valid
// and unchanged while `owner` (or a copy of it) is held.
struct WindowView {
  std::shared_ptr<const void> owner;
  const uint8_t* data = nullptr;
  size_t bytes = 0;
};

class SlidingWindower : public Windower {
 public:
  // Throws edge::Error naming the field when the config is invalid.
  explicit SlidingWindower(const SlidingWindowConfig& config);
  size_t push_raw(const void* data, size_t frames) override;
  bool finish() override;
  void reset() override;
  const SlidingWindowConfig& config() const { return config_; }
  // pop_raw() without the copy: the ready window as a view of the windower's storage (see
  // the header's "Copy-free windows"). Throws edge::Error when no window is ready.
  WindowInfo pop_view(WindowView* view);

 private:
  using Block = std::vector<uint8_t>;
  void copy_window(void* dst) override;
  void after_pop() override;
  // Makes room to write `frames` frames after the filled ones, where no held view points.
  void make_room(int64_t frames);

  SlidingWindowConfig config_;
  size_t frame_bytes_;
  // The current window's frames are block_ frames [window_at_, window_at_ + filled_).
  std::shared_ptr<Block> block_;
  std::shared_ptr<Block> spare_;  // the block used while views hold block_ (made when needed)
  int64_t block_frames_ = 0;      // frames one block holds
  int64_t window_at_ = 0;
  int64_t views_end_ = 0;    // views handed out point below this frame of block_, none above
  int64_t filled_ = 0;       // frames of the current window present in the block
  int64_t skip_ = 0;         // frames still to drop before the next window (hop > size)
  int64_t next_start_ = 0;   // run frame at which the window being filled starts
  int64_t covered_end_ = 0;  // end frame (exclusive) of the last emitted window
};

struct TriggeredWindowConfig {
  int channels = 1;
  int64_t length = 0;       // frames per window, > 0 (includes the pre-trigger frames)
  int64_t pre_trigger = 0;  // frames before the trigger frame kept in the window, < length
  double threshold = 0.0;   // the trigger frame is the first with magnitude >= threshold
  std::vector<int> trigger_channels;  // channels in the magnitude; empty = all
  TriggerMeasure measure = TriggerMeasure::kSumAbs;
  TailPolicy tail = TailPolicy::kPad;
};

// The window is [trigger - pre_trigger, trigger - pre_trigger + length). The trigger arms
// once pre_trigger frames of the run have been seen (so a window never reaches before the
// run's start) and re-arms after each window: frames inside a window never trigger, the
// first frame after it can. A frame whose magnitude is NaN never triggers. At finish(), a
// window in progress is zero-padded (kPad) or discarded (kDrop).
class TriggeredWindower : public Windower {
 public:
  explicit TriggeredWindower(const TriggeredWindowConfig& config);
  size_t push_raw(const void* data, size_t frames) override;  // float32 frames
  bool finish() override;
  void reset() override;
  const TriggeredWindowConfig& config() const { return config_; }
  // Magnitude of one frame as the trigger sees it.
  double magnitude(const float* frame) const;

 private:
  void copy_window(void* dst) override;
  void after_pop() override;

  TriggeredWindowConfig config_;
  std::vector<int> channels_used_;
  std::vector<float> history_;  // ring of the last pre_trigger frames
  int64_t history_head_ = 0;    // slot where the next frame goes
  std::vector<float> window_;   // the window being captured
  int64_t filled_ = 0;          // frames captured, 0 while armed
  int64_t start_frame_ = 0;
};

}  // namespace edge::signal
