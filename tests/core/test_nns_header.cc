// NNStreamer's flexible tensor header: the byte layout written word by word, read back, and
// every refusal (short, not a header, other version, types without a counterpart, sparse).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/error.h"
#include "tensor/nns_header.h"

using edge::DType;
using edge::kNnsHeaderSize;
using edge::NnsHeader;
using edge::parse_nns_header;
using edge::Shape;
using edge::write_nns_header;

namespace {
std::vector<uint32_t> words_of(const std::vector<uint8_t>& bytes) {
  std::vector<uint32_t> w(bytes.size() / 4);
  std::memcpy(w.data(), bytes.data(), bytes.size());
  return w;
}
}  // namespace

TEST(NnsHeader, WritesNnstreamersVersionOneLayout) {
  std::vector<uint8_t> h(kNnsHeaderSize, 0xAA);
  write_nns_header(DType::kFloat32, {1, 1960}, h.data());  // caps "1960:1"
  const std::vector<uint32_t> w = words_of(h);
  EXPECT_EQ(w[0], 0xfeedccedu);
  EXPECT_EQ(w[1], 0xDE001000u);
  EXPECT_EQ(w[2], 7u);  // float32
  EXPECT_EQ(w[3], 1960u);
  EXPECT_EQ(w[4], 1u);
  EXPECT_EQ(w[5], 0u);   // end of rank
  EXPECT_EQ(w[19], 1u);  // flexible
  EXPECT_EQ(w[20], 4u);  // tensor
  for (size_t i = 21; i < w.size(); ++i) EXPECT_EQ(w[i], 0u) << i;
}

TEST(NnsHeader, ReadsBackWhatItWrote) {
  for (DType t : {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16, DType::kInt32,
                  DType::kInt64, DType::kFloat16}) {
    std::vector<uint8_t> h(kNnsHeaderSize + 8);
    write_nns_header(t, {2, 3, 4}, h.data());
    NnsHeader read;
    std::string error;
    ASSERT_TRUE(parse_nns_header(h.data(), h.size(), &read, &error)) << error;
    EXPECT_EQ(read.type, t);
    EXPECT_EQ(read.shape, (Shape{2, 3, 4}));
    EXPECT_EQ(read.format, 1u);
  }
}

TEST(NnsHeader, RefusesWhatItCannotRead) {
  std::vector<uint8_t> h(kNnsHeaderSize);
  write_nns_header(DType::kFloat32, {4}, h.data());
  NnsHeader read;
  std::string error;
  EXPECT_FALSE(parse_nns_header(h.data(), 64, &read, &error));
  EXPECT_NE(error.find("no room"), std::string::npos) << error;
  std::vector<uint8_t> bad = h;
  bad[0] ^= 1;
  EXPECT_FALSE(parse_nns_header(bad.data(), bad.size(), &read, &error));
  EXPECT_EQ(error, "no NNStreamer tensor header at the start of a flexible tensor");
  bad = h;
  const uint32_t v2 = 0xDE002000u;
  std::memcpy(bad.data() + 4, &v2, 4);
  EXPECT_FALSE(parse_nns_header(bad.data(), bad.size(), &read, &error));
  EXPECT_EQ(error, "NNStreamer tensor header version 2.0 (edgestream reads version 1)");
  bad = h;
  const uint32_t float64 = 6;
  std::memcpy(bad.data() + 8, &float64, 4);
  EXPECT_FALSE(parse_nns_header(bad.data(), bad.size(), &read, &error));
  EXPECT_EQ(error, "NNStreamer element type float64 has no edgestream counterpart");
  bad = h;
  const uint32_t sparse = 2;
  std::memcpy(bad.data() + 76, &sparse, 4);
  EXPECT_FALSE(parse_nns_header(bad.data(), bad.size(), &read, &error));
  EXPECT_NE(error.find("tensor_sparse_dec"), std::string::npos) << error;
  bad = h;
  std::memset(bad.data() + 12, 0, 64);
  EXPECT_FALSE(parse_nns_header(bad.data(), bad.size(), &read, &error));
  EXPECT_EQ(error, "a tensor header with no dimension");
}

TEST(NnsHeader, RefusesToWriteWhatNnstreamerCannotName) {
  std::vector<uint8_t> h(kNnsHeaderSize);
  EXPECT_THROW(write_nns_header(DType::kBool, {4}, h.data()), edge::Error);
  EXPECT_THROW(write_nns_header(DType::kFloat32, Shape(17, 1), h.data()), edge::Error);
}
