// libFuzzer target: audio files as a dataset hands them to us, through AudioFileReader (its
// block reader under libsndfile's virtual I/O, the WAV header check, the truncation check
// on libsndfile's log) and libsndfile's decoders. Each input is written to a file first:
// the reader takes paths, as the dataset source does.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/audio_file.h"

namespace {
const std::string& scratch_path() {
  static const std::string path = [] {
    char dir[] = "/tmp/edge-fuzz-audio-XXXXXX";
    if (!::mkdtemp(dir)) std::abort();
    return std::string(dir) + "/input";
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = scratch_path();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  try {
    edge::io::AudioFileReader reader(path);
    std::vector<float> chunk(static_cast<size_t>(reader.info().channels) * 997);
    while (reader.read(chunk.data(), 997) > 0) {
    }
  } catch (const edge::Error&) {
  }
  return 0;
}
