// Decoded audio from files, on libsndfile: WAV (PCM 8/16/24/32, float,
// double, A-law, mu-law, WAVE_FORMAT_EXTENSIBLE), FLAC, Ogg Vorbis and the
// other formats libsndfile reads, at any sample rate and channel count.
//
// Output: float32, interleaved (frame-major: ch0 ch1 ... ch0 ch1 ...). Integer
// formats are scaled to [-1, 1) (full scale 1.0); float files pass through.
// Reading is chunked so a clip is never held whole in memory by the reader: the file is read
// in blocks of 256 KiB, one pread each (a short clip is one system call).
//
// Bad input: a missing, unreadable, truncated or corrupt file throws
// edge::Error naming the file (display name) and what was wrong: e.g. a WAV
// whose data chunk claims more frames than the file holds, a decode error in
// the middle of a FLAC stream, a header with zero channels or rate.
//
// Thread safety: one reader per thread; distinct readers are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace edge::io {

struct AudioInfo {
  int rate = 0;        // frames per second
  int channels = 0;    // samples per frame
  int64_t frames = 0;  // frames in the file, from its header
  std::string format;  // human-readable, e.g. "WAV PCM_16", "FLAC PCM_24", "OGG VORBIS"
};

class AudioFileReader {
 public:
  // Opens `path`; `display_name` (default: path) names the file in errors.
  explicit AudioFileReader(const std::string& path, const std::string& display_name = "");
  ~AudioFileReader();
  AudioFileReader(const AudioFileReader&) = delete;
  AudioFileReader& operator=(const AudioFileReader&) = delete;

  const AudioInfo& info() const { return info_; }
  const std::string& name() const { return name_; }
  int64_t position() const { return position_; }  // frames read so far

  // Reads up to `max_frames` frames into `out` (room for max_frames * channels
  // floats). Returns the frames read: `max_frames` until the end, fewer in the
  // last chunk, 0 once every frame was read. Throws when the file ends before
  // the frame count of its header or the decoder reports an error.
  size_t read(float* out, size_t max_frames);

 private:
  class BlockFile;
  std::unique_ptr<BlockFile> io_;  // the descriptor and its block; outlives file_
  void* file_ = nullptr;           // SNDFILE*
  AudioInfo info_;
  std::string name_;
  int64_t position_ = 0;
};

// Reads a whole file (convenience for tests and tools).
std::vector<float> read_audio_file(const std::string& path, AudioInfo* info);

}  // namespace edge::io
