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

// What is wrong with a RIFF/WAVE header, in words, or "" when nothing is seen. libsndfile
// says only "SF_INFO struct incomplete" or "unsupported format" when the fmt chunk holds a
// sample rate or channel count of 0.
std::string wav_header_problem(int fd) {
  uint8_t head[4096];
  const ssize_t n = ::pread(fd, head, sizeof head, 0);
  if (n < 12 || std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "WAVE", 4) != 0)
    return "";
  for (size_t at = 12; at + 8 <= size_t(n);) {
    const uint32_t size = le32(head + at + 4);
    if (std::memcmp(head + at, "fmt ", 4) == 0) {
      if (size < 16 || at + 8 + 16 > size_t(n)) return "its fmt chunk is shorter than 16 bytes";
      const uint8_t* fmt = head + at + 8;
      const unsigned channels = unsigned(fmt[2]) | unsigned(fmt[3]) << 8;
      const uint32_t rate = le32(fmt + 4);
      const unsigned bits = unsigned(fmt[14]) | unsigned(fmt[15]) << 8;
      if (rate == 0) return "its WAV header declares a sample rate of 0 Hz";
      if (channels == 0) return "its WAV header declares 0 channels";
      if (bits == 0) return "its WAV header declares 0 bits per sample";
      return "";
    }
    if (size > size_t(n)) break;
    at += 8 + size + (size & 1);
  }
  return "";
}

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

AudioFileReader::AudioFileReader(const std::string& path, const std::string& display_name)
    : name_(display_name.empty() ? path : display_name) {
  // A regular file only: a FIFO would block in open() and read(), a device never ends.
  std::string problem;
  size_t size = 0;
  const int fd = try_open_regular_file(path, &size, &problem);
  if (fd < 0) throw Error(msg(name_, ": cannot read audio: ", problem));  // not opened
  io_ = std::make_unique<BlockFile>(fd, static_cast<int64_t>(size));      // owns fd

  SF_INFO sf_info = {};
  SNDFILE* file = sf_open_virtual(BlockFile::callbacks(), SFM_READ, &sf_info, io_.get());
  if (!file) {
    const std::string library = sf_strerror(nullptr);
    const std::string problem = wav_header_problem(fd);  // still open: io_ owns it
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
