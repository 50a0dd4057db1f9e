// Decoded audio from files, on libsndfile: WAV (PCM 8/16/24/32, float,
// double, A-law, mu-law, WAVE_FORMAT_EXTENSIBLE), FLAC, Ogg Vorbis and the
// other formats libsndfile reads, at any sample rate and channel count.
//
// Output: float32, interleaved (frame-major: ch0 ch1 ... ch0 ch1 ...). Integer
// formats are scaled to [-1, 1) (full scale 1.0); float files pass through.
// Reading is chunked so a clip is never held whole in memory by the reader: the file is read
// in blocks of 256 KiB, one pread each (a short clip is one system call).
//
// Little-endian WAV with 16-bit PCM or 32-bit float samples (what UrbanSound8K, ESC-50 and
// Speech Commands ship) is decoded here instead of by libsndfile, straight from the block
// with SIMD (libsndfile converts one sample at a time and copies twice): libsndfile still
// opens and checks the file, and the direct path is taken only when its own walk of the
// RIFF chunks agrees with libsndfile on the format, channels and frame count. The samples are
// bit-identical either way (x / 32768 is exact in float); tests compare the two readers.
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

// How samples are decoded: kAuto takes the direct path for the WAV formats above, kLibsndfile
// always decodes through libsndfile (the reference the direct path is tested against).
enum class AudioDecoder { kAuto, kLibsndfile };

class AudioFileReader {
 public:
  // Opens `path`; `display_name` (default: path) names the file in errors.
  explicit AudioFileReader(const std::string& path, const std::string& display_name = "",
                           AudioDecoder decoder = AudioDecoder::kAuto);
  ~AudioFileReader();
  AudioFileReader(const AudioFileReader&) = delete;
  AudioFileReader& operator=(const AudioFileReader&) = delete;

  const AudioInfo& info() const { return info_; }
  const std::string& name() const { return name_; }
  int64_t position() const { return position_; }  // frames read so far
  // Whether samples are decoded by the direct WAV path (false: by libsndfile).
  bool direct() const { return direct_sample_bytes_ != 0; }

  // Reads up to `max_frames` frames into `out` (room for max_frames * channels
  // floats). Returns the frames read: `max_frames` until the end, fewer in the
  // last chunk, 0 once every frame was read. Throws when the file ends before
  // the frame count of its header or the decoder reports an error.
  size_t read(float* out, size_t max_frames);

 private:
  class BlockFile;
  size_t read_direct(float* out, size_t frames);

  std::unique_ptr<BlockFile> io_;  // the descriptor and its block; outlives file_
  int64_t data_offset_ = 0;        // direct path: file offset of frame 0
  int direct_sample_bytes_ = 0;    // direct path: 2 (PCM 16) or 4 (float); 0: libsndfile
  void* file_ = nullptr;           // SNDFILE*
  AudioInfo info_;
  std::string name_;
  int64_t position_ = 0;
};

// Reads a whole file (convenience for tests and tools).
std::vector<float> read_audio_file(const std::string& path, AudioInfo* info);

}  // namespace edge::io
