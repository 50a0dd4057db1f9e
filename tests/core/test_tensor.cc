#include <gtest/gtest.h>

#include "common/error.h"
#include "tensor/tensor.h"

namespace edge {
namespace {

TEST(DType, NamesRoundTripAndSizes) {
  const DType all[] = {DType::kFloat32, DType::kFloat16, DType::kInt8,  DType::kUInt8,
                       DType::kInt16,   DType::kInt32,   DType::kInt64, DType::kBool,
                       DType::kUInt32,  DType::kUInt64};
  const size_t sizes[] = {4, 2, 1, 1, 2, 4, 8, 1, 4, 8};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); ++i) {
    DType parsed;
    ASSERT_TRUE(dtype_from_name(dtype_name(all[i]), &parsed)) << dtype_name(all[i]);
    EXPECT_EQ(parsed, all[i]);
    EXPECT_EQ(dtype_size(all[i]), sizes[i]) << dtype_name(all[i]);
  }
  EXPECT_STREQ(dtype_name(DType::kFloat32), "float32");
  DType unused;
  EXPECT_FALSE(dtype_from_name("float", &unused));
  EXPECT_FALSE(dtype_from_name("", &unused));
}

TEST(Shape, ElementsAndText) {
  EXPECT_EQ(shape_elements({}), 1);  // a scalar
  EXPECT_EQ(shape_elements({1, 173, 173, 1}), 173 * 173);
  EXPECT_EQ(shape_elements({0, 5}), 0);
  EXPECT_EQ(shape_to_string({1, 96, 96, 1}), "[1, 96, 96, 1]");
  EXPECT_EQ(shape_to_string({}), "[]");
}

TEST(Error, MessageIsBuiltFromParts) {
  try {
    throw Error(msg("file ", "a.wav", ": expected ", 16, " bits, found ", 12.5));
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "file a.wav: expected 16 bits, found 12.5");
  }
}

TEST(Dims, TextIsInnermostFirst) {
  Shape shape;
  ASSERT_TRUE(dims_from_string("1:173:173", &shape));
  EXPECT_EQ(shape, (Shape{173, 173, 1}));
  ASSERT_TRUE(dims_from_string(" 2 : 3 ", &shape));
  EXPECT_EQ(shape, (Shape{3, 2}));
  EXPECT_EQ(dims_to_string({1, 96, 96, 1}), "1:96:96:1");
  EXPECT_EQ(dims_to_string({}), "1");
  for (const char* bad : {"", ":", "1::2", "2:", "0:3", "-1", "a:2", "2:3x", "99999999999"})
    EXPECT_FALSE(dims_from_string(bad, &shape)) << bad;
}

}  // namespace
}  // namespace edge
