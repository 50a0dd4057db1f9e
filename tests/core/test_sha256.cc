#include <gtest/gtest.h>

#include <cstdio>
#include <string>

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
