// SHA-256 (FIPS 180-4), for the dataset manifest's record of every source file and shard.
// Incremental; not thread-safe per instance. On x86 CPUs with the SHA extensions the blocks
// are compressed with SHA256RNDS2 (about 8x the portable code: a dataset run hashes every
// shard it writes), elsewhere by the portable FIPS 180-4 code; both give the same digest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace edge {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* blocks, size_t count);  // count whole 64-byte blocks
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Digest of a whole regular file; throws edge::Error naming the file when it cannot be read
// or is not a regular file (a FIFO, a device).
std::string sha256_file(const std::string& path);

namespace detail {
// The block functions, for tests: the portable one, and the SHA-NI one (nullptr where the
// CPU or the build has none).
using Sha256Blocks = void (*)(uint32_t state[8], const uint8_t* blocks, size_t count);
void sha256_blocks_portable(uint32_t state[8], const uint8_t* blocks, size_t count);
Sha256Blocks sha256_blocks_x86_sha();
}  // namespace detail

}  // namespace edge
