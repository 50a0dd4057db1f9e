#include "io/audio_file.h"

#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "io/regular_file.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace edge::io {
namespace {

std::string format_name(int format) {
  SF_FORMAT_INFO major = {};
  major.format = format & SF_FORMAT_TYPEMASK;
  SF_FORMAT_INFO minor = {};
  minor.format = format & SF_FORMAT_SUBMASK;
  std::string name = "unknown";
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0 && major.extension) {
    name = major.extension;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name == "OGA") name = "OGG";  // libsndfile names the Ogg audio container by .oga
  }
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &minor, sizeof minor) == 0 && minor.name) {
    name += std::string(" ") + minor.name;
  }
  return name;
}

// libsndfile opens a WAV whose data chunk is longer than the file and shortens
// the frame count, noting it only in its log as "data : 176400 (should be
// 49956)". A clip cut short by a broken copy is an error the user must hear
// about. Streaming writers leave 0 or ~0xFFFFFFFF as a placeholder size: those
// are not truncation.
bool log_reports_truncation(SNDFILE* file) {
  char log[8192] = {};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof log - 1);
  for (const char* p = std::strstr(log, "\ndata : "); p; p = std::strstr(p + 1, "\ndata : ")) {
    unsigned long long declared = 0, actual = 0;
    if (std::sscanf(p, "\ndata : %llu (should be %llu)", &declared, &actual) == 2) {
      const bool placeholder = declared == 0 || declared >= 0xFFFFFF00ull;
      if (!placeholder && declared > actual) return true;
    }
  }
  return false;
}

uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// A RIFF/WAVE file's fmt chunk (the real format tag of WAVE_FORMAT_EXTENSIBLE resolved) and
// where its data chunk lies: what the error messages and the direct path need to know.
struct WavLayout {
  bool riff = false;       // the file starts with a RIFF/WAVE header
  bool fmt_short = false;  // its fmt chunk is shorter than 16 bytes (or cut by the file's end)
  bool have_fmt = false;
  unsigned format_tag =
      0;  // 1 PCM, 3 IEEE float; 0 for an extensible GUID not of the standard form
  unsigned channels = 0;
  uint32_t rate = 0;
  unsigned bits = 0;
  unsigned block_align = 0;
  int64_t data_offset = -1;  // -1: no data chunk found
  int64_t data_bytes = 0;
};

// Walks the chunks of a RIFF/WAVE file, reading through `bytes(offset, length)` (nullptr past
// the end), until it has seen both the fmt and the data chunk, a short fmt chunk, or the end.
template <typename Bytes>
WavLayout read_wav_layout(Bytes bytes, int64_t file_size) {
  WavLayout layout;
  const uint8_t* head = bytes(0, 12);
  if (!head || std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "WAVE", 4) != 0)
    return layout;
  layout.riff = true;
  int64_t at = 12;
  for (int chunks = 0; chunks < 256 && at + 8 <= file_size; ++chunks) {
    const uint8_t* chunk = bytes(at, 8);
    if (!chunk) break;
    const uint32_t size = le32(chunk + 4);
    if (std::memcmp(chunk, "fmt ", 4) == 0 && !layout.have_fmt) {
      uint8_t fmt[40] = {};
      const size_t want = std::min<size_t>(size, sizeof fmt);
      const uint8_t* body = size < 16 ? nullptr : bytes(at + 8, want);
      if (!body) {
        layout.fmt_short = true;
        break;
      }
      std::memcpy(fmt, body, want);
      layout.have_fmt = true;
      layout.format_tag = unsigned(fmt[0]) | unsigned(fmt[1]) << 8;
      layout.channels = unsigned(fmt[2]) | unsigned(fmt[3]) << 8;
      layout.rate = le32(fmt + 4);
      layout.block_align = unsigned(fmt[12]) | unsigned(fmt[13]) << 8;
      layout.bits = unsigned(fmt[14]) | unsigned(fmt[15]) << 8;
      if (layout.format_tag == 0xFFFE) {
        // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID's first two bytes are the format tag;
        // the rest must be the standard KSDATAFORMAT suffix.
        static const uint8_t kSuffix[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                            0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
        const bool standard = size >= 40 && std::memcmp(fmt + 26, kSuffix, sizeof kSuffix) == 0;
        layout.format_tag = standard ? unsigned(fmt[24]) | unsigned(fmt[25]) << 8 : 0;
      }
    } else if (std::memcmp(chunk, "data", 4) == 0 && layout.data_offset < 0) {
      layout.data_offset = at + 8;
      layout.data_bytes = size;
    }
    if (layout.have_fmt && layout.data_offset >= 0) break;
    at += 8 + int64_t(size) + (size & 1);
  }
  return layout;
}

// What is wrong with a RIFF/WAVE header, in words, or "" when nothing is seen. libsndfile
// says only "SF_INFO struct incomplete" or "unsupported format" when the fmt chunk holds a
// sample rate or channel count of 0.
std::string wav_header_problem(const WavLayout& wav) {
  if (wav.fmt_short) return "its fmt chunk is shorter than 16 bytes";
  if (!wav.have_fmt) return "";
  if (wav.rate == 0) return "its WAV header declares a sample rate of 0 Hz";
  if (wav.channels == 0) return "its WAV header declares 0 channels";
  if (wav.bits == 0) return "its WAV header declares 0 bits per sample";
  return "";
}

// Samples of the direct path to float32: 16-bit PCM scaled by 1/32768 (exact in float, as
// libsndfile scales), little-endian, from any alignment.
void pcm16_to_float(const uint8_t* in, float* out, size_t samples) {
  const float scale = 1.0f / 32768.0f;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128 scale4 = _mm_set1_ps(scale);
  for (; i + 8 <= samples; i += 8) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 2 * i));
    // Sign-extend by placing each 16-bit sample in the high half and shifting back.
    const __m128i lo = _mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16);
    const __m128i hi = _mm_srai_epi32(_mm_unpackhi_epi16(v, v), 16);
    _mm_storeu_ps(out + i, _mm_mul_ps(_mm_cvtepi32_ps(lo), scale4));
    _mm_storeu_ps(out + i + 4, _mm_mul_ps(_mm_cvtepi32_ps(hi), scale4));
  }
#elif defined(__ARM_NEON)
  const float32x4_t scale4 = vdupq_n_f32(scale);
  for (; i + 8 <= samples; i += 8) {
    const int16x8_t v = vreinterpretq_s16_u8(vld1q_u8(in + 2 * i));
    vst1q_f32(out + i, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(v))), scale4));
    vst1q_f32(out + i + 4, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(v))), scale4));
  }
#endif
  for (; i < samples; ++i) {
    const int16_t v = static_cast<int16_t>(uint16_t(in[2 * i]) | uint16_t(in[2 * i + 1]) << 8);
    out[i] = static_cast<float>(v) * scale;
  }
}

constexpr bool kHostLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

}  // namespace

// libsndfile's own file I/O reads a few kilobytes per call and seeks between them (34 reads
// and 12 seeks for a 4 s, 16-bit mono clip); under a hypervisor each system call costs more
// than decoding its bytes. This layer reads the file in blocks of kBlockBytes with pread and
// serves libsndfile's reads, seeks and tells from the block: a clip that fits is one read.
class AudioFileReader::BlockFile {
 public:
  static constexpr size_t kBlockBytes = size_t{256} << 10;

  BlockFile(int fd, int64_t size) : fd_(fd), size_(size), block_(kBlockBytes) {}
  ~BlockFile() { ::close(fd_); }
  BlockFile(const BlockFile&) = delete;
  BlockFile& operator=(const BlockFile&) = delete;

  // The `length` bytes at `offset` (length <= kBlockBytes), from the block, read into it
  // first when they are not all there; nullptr when the file holds fewer.
  const uint8_t* bytes(int64_t offset, size_t length) {
    if (offset < block_start_ || offset + int64_t(length) > block_start_ + block_length_) {
      const ssize_t n = pread_all(block_.data(), kBlockBytes, offset);
      if (n < 0) return nullptr;
      block_start_ = offset;
      block_length_ = n;
      if (n < ssize_t(length)) return nullptr;
    }
    return block_.data() + (offset - block_start_);
  }

  static SF_VIRTUAL_IO* callbacks() {
    static SF_VIRTUAL_IO io = {
        [](void* self) -> sf_count_t { return static_cast<BlockFile*>(self)->size_; },
        [](sf_count_t offset, int whence, void* self) -> sf_count_t {
          return static_cast<BlockFile*>(self)->seek(offset, whence);
        },
        [](void* ptr, sf_count_t count, void* self) -> sf_count_t {
          return static_cast<BlockFile*>(self)->read(static_cast<uint8_t*>(ptr), count);
        },
        [](const void*, sf_count_t, void*) -> sf_count_t { return 0; },  // read only
        [](void* self) -> sf_count_t { return static_cast<BlockFile*>(self)->position_; },
    };
    return &io;
  }

 private:
  sf_count_t seek(sf_count_t offset, int whence) {
    const int64_t base = whence == SEEK_CUR ? position_ : whence == SEEK_END ? size_ : 0;
    if (base + offset < 0) return -1;
    position_ = base + offset;
    return position_;
  }

  sf_count_t read(uint8_t* out, sf_count_t count) {
    sf_count_t done = 0;
    while (done < count && position_ < size_) {
      if (position_ < block_start_ || position_ >= block_start_ + block_length_) {
        // Past the block: a request at least a block long goes straight to `out`.
        if (count - done >= static_cast<sf_count_t>(kBlockBytes)) {
          const ssize_t n = pread_all(out + done, static_cast<size_t>(count - done), position_);
          if (n <= 0) break;
          done += n;
          position_ += n;
          continue;
        }
        const ssize_t n = pread_all(block_.data(), kBlockBytes, position_);
        if (n <= 0) break;
        block_start_ = position_;
        block_length_ = n;
      }
      const int64_t at = position_ - block_start_;
      const int64_t n = std::min<int64_t>(block_length_ - at, count - done);
      std::memcpy(out + done, block_.data() + at, static_cast<size_t>(n));
      done += n;
      position_ += n;
    }
    return done;
  }

  // pread until `length` bytes, the end of the file or an error (then what was read, or -1).
  ssize_t pread_all(uint8_t* out, size_t length, int64_t offset) {
    size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd_, out + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
  }

  int fd_;
  int64_t size_;
  std::vector<uint8_t> block_;
  int64_t block_start_ = 0, block_length_ = 0;  // bytes of the file in block_
  int64_t position_ = 0;
};

AudioFileReader::AudioFileReader(const std::string& path, const std::string& display_name,
                                 AudioDecoder decoder)
    : name_(display_name.empty() ? path : display_name) {
  // A regular file only: a FIFO would block in open() and read(), a device never ends.
  std::string problem;
  size_t size = 0;
  const int fd = try_open_regular_file(path, &size, &problem);
  if (fd < 0) throw Error(msg(name_, ": cannot read audio: ", problem));  // not opened
  io_ = std::make_unique<BlockFile>(fd, static_cast<int64_t>(size));      // owns fd

  // The chunk walk reads from the block libsndfile's open has loaded: no system call for a
  // header in the first 256 KiB.
  auto wav_layout = [this, size] {
    return read_wav_layout(
        [this](int64_t offset, size_t length) { return io_->bytes(offset, length); },
        static_cast<int64_t>(size));
  };

  SF_INFO sf_info = {};
  SNDFILE* file = sf_open_virtual(BlockFile::callbacks(), SFM_READ, &sf_info, io_.get());
  if (!file) {
    const std::string library = sf_strerror(nullptr);
    const std::string problem = wav_header_problem(wav_layout());
    if (!problem.empty())
      throw Error(msg(name_, ": cannot read audio: ", problem, " (libsndfile: ", library, ")"));
    throw Error(msg(name_, ": cannot read audio: ", library));
  }
  file_ = file;
  info_.rate = sf_info.samplerate;
  info_.channels = sf_info.channels;
  info_.frames = sf_info.frames;
  info_.format = format_name(sf_info.format);
  try {
    if (info_.rate <= 0) throw Error(msg(name_, ": invalid sample rate ", info_.rate));
    if (info_.channels <= 0 || info_.channels > 1024) {
      throw Error(msg(name_, ": invalid channel count ", info_.channels));
    }
    if (info_.frames < 0) throw Error(msg(name_, ": invalid frame count ", info_.frames));
    if (log_reports_truncation(file)) {
      throw Error(msg(name_, ": truncated: the ", info_.format,
                      " header declares more audio data than the file holds (only ", info_.frames,
                      " whole frames present)"));
    }
  } catch (...) {
    sf_close(file);
    file_ = nullptr;
    throw;
  }

  // The direct path, when libsndfile and the chunk walk agree on every field it relies on.
  const int major = sf_info.format & SF_FORMAT_TYPEMASK;
  const int subtype = sf_info.format & SF_FORMAT_SUBMASK;
  const bool candidate = decoder == AudioDecoder::kAuto && kHostLittleEndian &&
                         (sf_info.format & SF_FORMAT_ENDMASK) == SF_ENDIAN_FILE &&
                         (major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX) &&
                         (subtype == SF_FORMAT_PCM_16 || subtype == SF_FORMAT_FLOAT);
  const WavLayout layout = candidate ? wav_layout() : WavLayout();
  if (layout.have_fmt && layout.data_offset >= 0) {
    const unsigned sample_bytes = subtype == SF_FORMAT_PCM_16 ? 2 : 4;
    const unsigned tag = subtype == SF_FORMAT_PCM_16 ? 1 : 3;
    const bool agree =
        layout.format_tag == tag && layout.bits == 8 * sample_bytes &&
        layout.channels == unsigned(info_.channels) &&
        layout.block_align == sample_bytes * layout.channels &&
        layout.data_bytes / layout.block_align == info_.frames &&
        layout.data_offset + info_.frames * layout.block_align <= static_cast<int64_t>(size);
    if (agree) {
      data_offset_ = layout.data_offset;
      direct_sample_bytes_ = static_cast<int>(sample_bytes);
    }
  }
}

// Decodes `frames` frames from position_ on, in pieces of at most one block.
size_t AudioFileReader::read_direct(float* out, size_t frames) {
  const size_t frame_bytes = size_t(direct_sample_bytes_) * size_t(info_.channels);
  const size_t frames_per_piece = BlockFile::kBlockBytes / frame_bytes;
  size_t done = 0;
  while (done < frames) {
    const size_t n = std::min(frames - done, frames_per_piece);
    const int64_t offset = data_offset_ + (position_ + int64_t(done)) * int64_t(frame_bytes);
    const uint8_t* bytes = io_->bytes(offset, n * frame_bytes);
    if (!bytes) {
      throw Error(msg(name_, ": truncated: ended before frame ", position_ + int64_t(done + n),
                      " of the ", info_.frames, " its header declares"));
    }
    float* dst = out + done * size_t(info_.channels);
    if (direct_sample_bytes_ == 2)
      pcm16_to_float(bytes, dst, n * size_t(info_.channels));
    else
      std::memcpy(dst, bytes, n * frame_bytes);
    done += n;
  }
  position_ += int64_t(done);
  return done;
}

AudioFileReader::~AudioFileReader() {
  if (file_) sf_close(static_cast<SNDFILE*>(file_));
}

size_t AudioFileReader::read(float* out, size_t max_frames) {
  SNDFILE* file = static_cast<SNDFILE*>(file_);
  const int64_t remaining = info_.frames - position_;
  if (remaining <= 0 || max_frames == 0) return 0;
  const sf_count_t want = static_cast<sf_count_t>(
      max_frames < static_cast<uint64_t>(remaining) ? max_frames : remaining);
  if (direct_sample_bytes_ != 0) return read_direct(out, static_cast<size_t>(want));
  const sf_count_t got = sf_readf_float(file, out, want);
  if (got < 0 || sf_error(file) != SF_ERR_NO_ERROR) {
    throw Error(msg(name_, ": decode error at frame ", position_, ": ", sf_strerror(file)));
  }
  if (got < want) {
    throw Error(msg(name_, ": truncated or corrupt: ended at frame ", position_ + got, " of the ",
                    info_.frames, " its header declares"));
  }
  position_ += got;
  return static_cast<size_t>(got);
}

std::vector<float> read_audio_file(const std::string& path, AudioInfo* info) {
  AudioFileReader reader(path);
  std::vector<float> samples(static_cast<size_t>(reader.info().frames) *
                             static_cast<size_t>(reader.info().channels));
  size_t done = 0;
  while (done < static_cast<size_t>(reader.info().frames)) {
    size_t got = reader.read(samples.data() + done * static_cast<size_t>(reader.info().channels),
                             static_cast<size_t>(reader.info().frames) - done);
    if (got == 0) break;
    done += got;
  }
  if (info) *info = reader.info();
  return samples;
}

}  // namespace edge::io
