#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/sha256.h"

namespace edge {
namespace {

std::string digest(const std::string& text) {
  Sha256 h;
  h.update(text.data(), text.size());
  return h.hex_digest();
}

// FIPS 180-4 / NIST example vectors.
TEST(Sha256, NistVectors) {
  EXPECT_EQ(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(digest(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ChunkingDoesNotMatter) {
  const std::string text(1000, 'x');
  const std::string whole = digest(text);
  for (size_t step : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 999u}) {
    Sha256 h;
    for (size_t i = 0; i < text.size(); i += step)
      h.update(text.data() + i, std::min(step, text.size() - i));
    EXPECT_EQ(h.hex_digest(), whole) << step;
  }
}

// The SHA-NI block function and the portable one leave the same state after any number of
// blocks (the digests above run whichever this CPU picks).
TEST(Sha256, ShaExtensionsEqualThePortableCode) {
  const detail::Sha256Blocks fast = detail::sha256_blocks_x86_sha();
  if (!fast) GTEST_SKIP() << "this CPU has no x86 SHA extensions";
  std::vector<uint8_t> data(64 * 300);
  uint32_t seed = 7;
  for (uint8_t& b : data) {
    seed = seed * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(seed >> 24);
  }
  for (size_t blocks : {size_t{1}, size_t{2}, size_t{3}, size_t{17}, size_t{300}}) {
    uint32_t a[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t b[8];
    std::copy(a, a + 8, b);
    detail::sha256_blocks_portable(a, data.data(), blocks);
    fast(b, data.data(), blocks);
    EXPECT_TRUE(std::equal(a, a + 8, b)) << blocks << " blocks";
  }
}

TEST(Sha256, FileDigestAndMissingFile) {
  char path[] = "/tmp/edge-sha-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "abc", 3), 3);
  close(fd);
  EXPECT_EQ(sha256_file(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::remove(path);
  try {
    sha256_file(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

}  // namespace
}  // namespace edge
