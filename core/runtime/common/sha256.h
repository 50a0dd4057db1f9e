// SHA-256 (FIPS 180-4), for the dataset manifest's record of every source file and shard.
// Incremental; not thread-safe per instance.
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
  void compress(const uint8_t block[64]);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Digest of a whole regular file; throws edge::Error naming the file when it cannot be read
// or is not a regular file (a FIFO, a device).
std::string sha256_file(const std::string& path);

}  // namespace edge
