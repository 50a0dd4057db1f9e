// An IMU sample source: CSV lines from a serial port (live) or a recorded file, turned into
// runs of frames with timestamps, clips, reconnects and counters. edgeimusrc is a thin
// adapter over it (caps, buffers, events, messages); the rules live here.
//
//   ImuSource source(settings, &canceller, &listener);   // validates; throws edge::Error
//   if (!source.open(&why)) ...                           // see open()
//   while (source.next(&chunk) == ImuSource::Status::kChunk) hand out chunk.frames frames
//
// Reading (device=): raw 8N1 termios at `baud`. A hang-up ends the stream
// (on-disconnect=eos: what was staged is handed out, a partial last line dropped) or reopens
// the device with exponential backoff (on-disconnect=reconnect); after a reopen the bytes of
// a partial line are dropped, time restarts, the next chunk is a discontinuity and a new clip
// starts. A recording (location=) is read to its end as fast as asked, or paced at the
// nominal rate (realtime=true).
//
// Lines (io/imu_line.h): good lines are frames; bad lines are counted and reported to the
// listener at most once per second (with how many were held back), never an error; a blank
// line starts a new clip when separators-as-clips=true and the clip has frames.
//
// Chunks: up to frames-per-buffer frames, cut short at a clip boundary, a disconnect and the
// end. Timestamps in ns (kNoTime when unknown), on the listener's clock:
//   recording  frame n of the run at n / rate from 0
//   nominal    the arrival time of the run's first frame + n / rate
//   arrival    the arrival time of the bytes that held the frame
// A chunk's duration reaches the next frame's nominal time (nominal, recordings) or is
// frames / rate (arrival). offset counts frames since start.
//
// Threads: next() runs on one thread (GStreamer's streaming thread); the Canceller may be
// woken from any other to make a blocked next() return kCancelled. Counters are published to
// a ImuSourceStatistics with params::publish, readable from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/imu_line.h"
#include "io/imu_source_params.h"
#include "io/serial_port.h"

namespace edge::io {

// GStreamer's GST_CLOCK_TIME_NONE: a time that is not known.
constexpr uint64_t kNoTime = ~uint64_t{0};

// The start of a clip: what the owner announces before the clip's first frame.
struct ImuClip {
  std::string id;      // "<device or file name>#<k>"
  std::string label;   // the label setting ("" = unknown)
  std::string source;  // the device or file path
  bool first = false;  // the stream's first clip (the owner's first segment is already out)
};

// Frames ready to hand out.
struct ImuChunk {
  const float* data = nullptr;  // frames * channels floats, valid until the next next()
  uint32_t frames = 0;
  int channels = 0;
  uint64_t pts_ns = kNoTime;
  uint64_t duration_ns = 0;
  uint64_t offset = 0;   // frames before this chunk's first frame, since start
  bool discont = false;  // the first chunk of a run (start, reconnect, new clip)
};

class ImuSource {
 public:
  // What the owner does with events; called from next() (and open()) on the reading thread.
  class Listener {
   public:
    virtual ~Listener() = default;
    // Now, in ns, on the clock that live timestamps use (the pipeline's running time).
    virtual uint64_t now_ns() = 0;
    // The channel count is known (or changed): negotiate. False refuses it: next() returns
    // kRefused.
    virtual bool channels_known(int channels) = 0;
    // A new clip starts; its first frame follows.
    virtual void clip_started(const ImuClip& clip) = 0;
    // A bad line; `report` is false while reports are held back (at most one a second),
    // `held_back` says how many were since the last report.
    virtual void bad_line(const ParsedLine& line, bool report, uint64_t held_back) = 0;
    virtual void header(const ParsedLine&, int /*channels*/) {}
    // The device went away; `ending`: on-disconnect=eos, else a reconnect follows.
    virtual void disconnected(bool /*ending*/) {}
    // Waiting `delay_ms` before reopen attempt `attempt`.
    virtual void reopening(int64_t /*delay_ms*/, int /*attempt*/) {}
    // The first reopen attempt of a disconnect failed, for `why`.
    virtual void still_closed(const std::string& /*why*/) {}
    // Opened (first_open: the device appeared late) or reopened after `attempts` tries.
    virtual void reopened(bool /*first_open*/, int /*attempts*/) {}
    // The stream ended without a single good frame.
    virtual void no_frames() {}
  };

  enum class Status {
    kChunk,      // *chunk holds frames
    kEnd,        // end of the recording, or the device went away with on-disconnect=eos
    kCancelled,  // the Canceller was woken
    kRefused,    // the listener refused the channel count
  };

  // Checks the settings (exactly one of device and location, a supported baud for a device,
  // the line parser's and backoff's limits); throws edge::Error with a message for a person.
  // Counters are published to *statistics (zeroed here) as lines are read, so they move
  // while next() waits; `cancel`, `listener` and `statistics` must outlive the source.
  ImuSource(const ImuSourceSettings& settings, const Canceller* cancel, Listener* listener,
            ImuSourceStatistics* statistics);

  // Opens the device or file. False with *why when it cannot: an error for a file and for a
  // device with on-disconnect=eos; with on-disconnect=reconnect next() keeps trying.
  bool open(std::string* why);

  // Reads until frames are ready, the input ends or the wait is cancelled.
  Status next(ImuChunk* chunk);

  bool live() const { return live_; }
  const std::string& name() const { return name_; }  // the device, or the file's base name
  const ImuSourceSettings& settings() const { return settings_; }
  const ImuLineCounters& counters() const { return parser_->counters(); }
  uint32_t reconnects() const { return reconnects_; }

 private:
  enum class LineOutcome { kContinue, kFlush, kRefused };
  LineOutcome handle_line(const ParsedLine& line);
  bool stage_frame(const float* values);
  void begin_clip();
  Status reconnect();
  Status emit(ImuChunk* chunk);
  Status finish(ImuChunk* chunk);
  uint64_t frame_time(uint64_t run_frame) const;
  void publish();  // the counters, to *statistics_

  ImuSourceSettings settings_;
  const Canceller* cancel_;
  Listener* listener_;
  ImuSourceStatistics* statistics_;
  bool live_ = false;
  std::string name_;
  std::unique_ptr<ImuLineParser> parser_;
  SerialPort port_;
  FileInput file_;
  std::unique_ptr<Backoff> backoff_;
  std::unique_ptr<Pacer> pacer_;
  RateLimiter warn_limiter_;
  RateMeter meter_;

  std::vector<char> read_buf_;
  size_t read_pos_ = 0;
  size_t read_len_ = 0;
  uint64_t chunk_arrival_ = kNoTime;  // when the last bytes were read (live)

  std::vector<float> staging_;  // frames_per_buffer * channels
  uint32_t staged_ = 0;
  uint64_t staged_pts_ = kNoTime;
  int channels_ = 0;  // accepted by the listener

  bool connected_ = false;
  bool ever_connected_ = false;  // a late first open is not a reconnect
  bool disconnected_ = false;    // saw a hang-up: reconnect (or end) next
  bool end_of_input_ = false;
  bool discont_ = true;
  bool clip_pending_ = true;
  bool clip_has_frames_ = false;
  bool first_clip_ = true;
  uint64_t clip_index_ = 0;
  bool warned_no_frames_ = false;

  uint64_t anchor_ = kNoTime;  // time of frame 0 of this run
  uint64_t run_frames_ = 0;    // frames since the anchor
  uint64_t offset_ = 0;        // frames since start
  uint32_t reconnects_ = 0;
};

}  // namespace edge::io
