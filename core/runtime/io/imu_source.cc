#include "io/imu_source.h"

#include <cstring>

#include "common/error.h"

namespace edge::io {
namespace {

constexpr size_t kReadChunk = 4096;
constexpr uint64_t kReportIntervalNs = 1000000000ull;
constexpr uint64_t kSecondNs = 1000000000ull;

// value * num / den rounded down, exact while value / den * num fits (den <= 100000 here).
uint64_t scale(uint64_t value, uint64_t num, uint64_t den) {
  return value / den * num + value % den * num / den;
}

// The last component of a path, as g_path_get_basename gives it ("a/b/" -> "b").
std::string base_name(const std::string& path) {
  if (path.empty()) return ".";
  const size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return "/";
  const size_t slash = path.find_last_of('/', end);
  const size_t start = slash == std::string::npos ? 0 : slash + 1;
  return path.substr(start, end + 1 - start);
}

}  // namespace

ImuSource::ImuSource(const ImuSourceSettings& settings, const Canceller* cancel, Listener* listener,
                     ImuSourceStatistics* statistics)
    : settings_(settings),
      cancel_(cancel),
      listener_(listener),
      statistics_(statistics),
      warn_limiter_(kReportIntervalNs) {
  const ImuSourceSettings& s = settings_;
  if (s.device.empty() == s.location.empty())
    throw Error(
        msg("Set exactly one of device (a serial port) or location (a recorded CSV "
            "file); got ",
            s.device.empty() ? "neither" : "both"));
  live_ = !s.device.empty();
  if (live_ && !is_supported_baud(s.baud))
    throw Error(msg("baud=", s.baud, " is not a supported rate; use one of ", supported_bauds()));
  ImuLineConfig config;
  config.channels = s.channels;
  config.max_line_length = s.max_line_length;
  parser_ = std::make_unique<ImuLineParser>(config);
  backoff_ = std::make_unique<Backoff>(s.reconnect_initial_ms, s.reconnect_max_ms);
  if (!live_ && s.realtime) pacer_ = std::make_unique<Pacer>(s.rate);
  name_ = live_ ? s.device : base_name(s.location);
  read_buf_.resize(kReadChunk);
  staging_.reserve(static_cast<size_t>(s.frames_per_buffer) * ImuLineConfig::kMaxChannels);
  publish();
}

bool ImuSource::open(std::string* why) {
  try {
    if (live_)
      port_.open(settings_.device, settings_.baud);
    else
      file_.open(settings_.location);
    connected_ = true;
    ever_connected_ = true;
    return true;
  } catch (const Error& e) {
    *why = e.what();
    return false;
  }
}

void ImuSource::publish() {
  ImuSourceStatistics* out = statistics_;
  const ImuLineCounters& c = parser_->counters();
  params::publish(&out->lines, c.lines);
  params::publish(&out->bad_lines, c.bad_lines);
  params::publish(&out->frames, c.frames);
  params::publish(&out->headers, c.headers);
  params::publish(&out->separators, c.separators);
  params::publish(&out->measured_rate, meter_.rate());
  params::publish(&out->reconnects, reconnects_);
}

uint64_t ImuSource::frame_time(uint64_t run_frame) const {
  return anchor_ + scale(run_frame, kSecondNs, settings_.rate);
}

void ImuSource::begin_clip() {
  ImuClip clip;
  clip.id = name_ + "#" + std::to_string(clip_index_++);
  clip.label = settings_.label;
  clip.source = live_ ? settings_.device : settings_.location;
  clip.first = first_clip_;
  first_clip_ = false;
  listener_->clip_started(clip);
  clip_pending_ = false;
  clip_has_frames_ = false;
  discont_ = true;
}

bool ImuSource::stage_frame(const float* values) {
  const int channels = parser_->channels();
  if (channels != channels_) {
    if (!listener_->channels_known(channels)) return false;
    channels_ = channels;
    staging_.assign(static_cast<size_t>(settings_.frames_per_buffer) * channels, 0.0f);
  }
  if (clip_pending_) begin_clip();
  uint64_t pts;
  if (!live_) {
    if (anchor_ == kNoTime) anchor_ = 0;
    pts = frame_time(run_frames_);
  } else {
    if (anchor_ == kNoTime) anchor_ = chunk_arrival_;
    pts = settings_.timestamp_mode == TimestampMode::kArrival ? chunk_arrival_
                                                              : frame_time(run_frames_);
    meter_.add(chunk_arrival_, 1);
  }
  if (staged_ == 0) staged_pts_ = pts;
  std::memcpy(staging_.data() + static_cast<size_t>(staged_) * channels_, values,
              sizeof(float) * channels_);
  ++staged_;
  ++run_frames_;
  ++offset_;
  clip_has_frames_ = true;
  return true;
}

ImuSource::LineOutcome ImuSource::handle_line(const ParsedLine& line) {
  switch (line.kind) {
    case LineKind::kNone:
      return LineOutcome::kContinue;
    case LineKind::kHeader:
      listener_->header(line, parser_->channels());
      return LineOutcome::kContinue;
    case LineKind::kSeparator:
      if (settings_.separators_as_clips && clip_has_frames_) {
        clip_pending_ = true;
        clip_has_frames_ = false;
        return staged_ > 0 ? LineOutcome::kFlush : LineOutcome::kContinue;
      }
      return LineOutcome::kContinue;
    case LineKind::kBad: {
      uint64_t held_back = 0;
      const bool report = warn_limiter_.allow(static_cast<uint64_t>(monotonic_ns()), &held_back);
      listener_->bad_line(line, report, held_back);
      return LineOutcome::kContinue;
    }
    case LineKind::kFrame:
      if (!stage_frame(line.values)) return LineOutcome::kRefused;
      return staged_ >= settings_.frames_per_buffer ? LineOutcome::kFlush : LineOutcome::kContinue;
  }
  return LineOutcome::kContinue;
}

ImuSource::Status ImuSource::emit(ImuChunk* chunk) {
  // A paced recording hands out its frames when the last one is due.
  if (pacer_ && !pacer_->wait_for(run_frames_ - 1, cancel_)) return Status::kCancelled;
  chunk->data = staging_.data();
  chunk->frames = staged_;
  chunk->channels = channels_;
  chunk->pts_ns = staged_pts_;
  if (settings_.timestamp_mode == TimestampMode::kNominal || !live_)
    chunk->duration_ns = frame_time(run_frames_) - staged_pts_;  // exact frame boundaries
  else
    chunk->duration_ns = scale(staged_, kSecondNs, settings_.rate);
  chunk->offset = offset_ - staged_;
  chunk->discont = discont_;
  discont_ = false;
  staged_ = 0;
  staged_pts_ = kNoTime;
  return Status::kChunk;
}

ImuSource::Status ImuSource::finish(ImuChunk* chunk) {
  if (staged_ > 0) return emit(chunk);
  if (parser_->counters().frames == 0 && !warned_no_frames_) {
    warned_no_frames_ = true;
    listener_->no_frames();
  }
  return Status::kEnd;
}

ImuSource::Status ImuSource::reconnect() {
  std::string why;
  bool told = false;
  const bool first_open = !ever_connected_;
  while (true) {
    const int64_t delay = backoff_->next_ms();
    listener_->reopening(delay, backoff_->attempts());
    if (!cancel_->sleep_ms(delay)) return Status::kCancelled;
    if (open(&why)) break;
    if (!told && backoff_->attempts() == 1) {
      listener_->still_closed(why);
      told = true;
    }
  }
  const int attempts = backoff_->attempts();
  backoff_->reset();
  if (!first_open) {
    ++reconnects_;
    params::publish(&statistics_->reconnects, reconnects_);
  }
  listener_->reopened(first_open, attempts);
  // Bytes before the hang-up are stale; time restarts; windows restart.
  parser_->drop_partial();
  read_pos_ = read_len_ = 0;
  disconnected_ = false;
  discont_ = true;
  clip_pending_ = true;
  anchor_ = kNoTime;
  run_frames_ = 0;
  meter_.reset();
  return Status::kChunk;
}

ImuSource::Status ImuSource::next(ImuChunk* chunk) {
  ParsedLine line;
  while (true) {
    // 1. Lines already read.
    while (read_pos_ < read_len_) {
      read_pos_ += parser_->consume(read_buf_.data() + read_pos_, read_len_ - read_pos_, &line);
      const LineOutcome outcome = handle_line(line);
      if (outcome == LineOutcome::kRefused) return Status::kRefused;
      if (outcome == LineOutcome::kFlush) {
        publish();
        return emit(chunk);
      }
    }
    publish();

    // 2. End of a recording.
    if (end_of_input_) {
      if (parser_->finish(&line)) {
        if (handle_line(line) == LineOutcome::kRefused) return Status::kRefused;
        publish();
      }
      return finish(chunk);
    }

    // 3. Device gone (or never there): hand out what we have, then end or reconnect.
    if (disconnected_ || !connected_) {
      if (staged_ > 0) return emit(chunk);
      if (settings_.on_disconnect == OnDisconnect::kEos) {
        parser_->finish(&line);  // a partial last line is dropped, like a cut cable
        return Status::kEnd;
      }
      const Status status = reconnect();
      if (status != Status::kChunk) return status;
      continue;
    }

    // 4. Read more bytes.
    size_t n = 0;
    const ReadStatus status = live_
                                  ? port_.read(read_buf_.data(), read_buf_.size(), &n, -1, cancel_)
                                  : file_.read(read_buf_.data(), read_buf_.size(), &n, cancel_);
    switch (status) {
      case ReadStatus::kData:
        read_pos_ = 0;
        read_len_ = n;
        if (live_) chunk_arrival_ = listener_->now_ns();
        break;
      case ReadStatus::kTimeout:
        break;
      case ReadStatus::kCancelled:
        return Status::kCancelled;
      case ReadStatus::kEnd:
        end_of_input_ = true;
        break;
      case ReadStatus::kHangup:
        port_.close();
        connected_ = false;
        disconnected_ = true;
        listener_->disconnected(settings_.on_disconnect == OnDisconnect::kEos);
        break;
    }
  }
}

}  // namespace edge::io
