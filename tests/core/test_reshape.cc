// Reshape to a square or an explicit shape: integer square roots, plans and data layout.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "common/error.h"
#include "signal/reshape.h"
#include "signal/reshape_params.h"

using edge::Shape;
using edge::signal::isqrt_ceil;
using edge::signal::isqrt_floor;
using edge::signal::plan_explicit;
using edge::signal::plan_square;
using edge::signal::reshape_apply;
using edge::signal::ReshapeMode;

TEST(Reshape, IntegerSquareRoots) {
  const int64_t n[] = {0, 1, 2, 3, 4, 15, 16, 17, 29929, 30000, 30276};
  const int64_t fl[] = {0, 1, 1, 1, 2, 3, 4, 4, 173, 173, 174};
  const int64_t ce[] = {0, 1, 2, 2, 2, 4, 4, 5, 173, 174, 174};
  for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); ++i) {
    EXPECT_EQ(isqrt_floor(n[i]), fl[i]) << n[i];
    EXPECT_EQ(isqrt_ceil(n[i]), ce[i]) << n[i];
  }
  const int64_t big = (int64_t{3037000499} * 3037000499);  // largest square below 2^63
  EXPECT_EQ(isqrt_floor(big), 3037000499);
  EXPECT_EQ(isqrt_floor(big - 1), 3037000498);
  EXPECT_EQ(isqrt_ceil(big - 1), 3037000499);
}

TEST(Reshape, ThesisSquare) {
  auto floor_plan = plan_square(30000, 1, ReshapeMode::kSquareFloor);
  EXPECT_EQ(floor_plan.output_shape, (Shape{173, 173, 1}));
  EXPECT_EQ(floor_plan.output_elements, 29929);
  EXPECT_TRUE(floor_plan.is_prefix());
  auto pad_plan = plan_square(30000, 1, ReshapeMode::kSquarePad);
  EXPECT_EQ(pad_plan.output_shape, (Shape{174, 174, 1}));
  EXPECT_EQ(pad_plan.output_elements, 30276);
  EXPECT_FALSE(pad_plan.is_prefix());
}

TEST(Reshape, FloorTruncatesAndPadZeroFills) {
  std::vector<float> in(10);
  std::iota(in.begin(), in.end(), 1.0f);
  auto fl = plan_square(10, 1, ReshapeMode::kSquareFloor);
  std::vector<float> out(static_cast<size_t>(fl.output_elements), -1);
  reshape_apply(fl, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  auto pad = plan_square(10, 1, ReshapeMode::kSquarePad);
  out.assign(static_cast<size_t>(pad.output_elements), -1);
  reshape_apply(pad, in.data(), out.data());
  ASSERT_EQ(out.size(), 16u);
  EXPECT_EQ(out[9], 10.0f);
  for (size_t i = 10; i < 16; ++i) EXPECT_EQ(out[i], 0.0f);
}

TEST(Reshape, ChannelsStayInnermost) {
  // 5 frames of 2 channels: floor side 2 -> 4 frames kept, interleaving intact.
  auto plan = plan_square(5, 2, ReshapeMode::kSquareFloor);
  EXPECT_EQ(plan.output_shape, (Shape{2, 2, 2}));
  std::vector<float> in = {1, -1, 2, -2, 3, -3, 4, -4, 5, -5};
  std::vector<float> out(8);
  reshape_apply(plan, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<float>{1, -1, 2, -2, 3, -3, 4, -4}));
}

TEST(Reshape, OneFrameAndInPlacePrefix) {
  auto plan = plan_square(1, 1, ReshapeMode::kSquareFloor);
  EXPECT_EQ(plan.output_shape, (Shape{1, 1, 1}));
  std::vector<float> buf = {7, 8, 9};
  auto three = plan_square(3, 1, ReshapeMode::kSquareFloor);
  reshape_apply(three, buf.data(), buf.data());  // same pointer, prefix: nothing moves
  EXPECT_EQ(buf, (std::vector<float>{7, 8, 9}));
}

TEST(Reshape, Explicit) {
  auto plan = plan_explicit(30000, 1, Shape{150, 200});
  EXPECT_EQ(plan.output_elements, 30000);
  EXPECT_TRUE(plan.is_prefix());
  try {
    plan_explicit(30000, 1, Shape{173, 173});
    ADD_FAILURE() << "173x173 accepted for 30000 elements";
  } catch (const edge::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[173, 173]"), std::string::npos) << m;
    EXPECT_NE(m.find("30000"), std::string::npos) << m;
  }
  EXPECT_THROW(plan_explicit(4, 1, Shape{}), edge::Error);
  EXPECT_THROW(plan_explicit(4, 1, Shape{0, 4}), edge::Error);
}

TEST(Reshape, InvalidInput) {
  EXPECT_THROW(plan_square(0, 1, ReshapeMode::kSquareFloor), edge::Error);
  EXPECT_THROW(plan_square(4, 0, ReshapeMode::kSquarePad), edge::Error);
  EXPECT_THROW(plan_square(4, 1, ReshapeMode::kExplicit), edge::Error);
}

TEST(Reshape, ShapeParameterTakesThreeForms) {
  using edge::signal::parse_reshape_target;
  EXPECT_EQ(parse_reshape_target("square").mode, ReshapeMode::kSquareFloor);
  EXPECT_EQ(parse_reshape_target("square-pad").mode, ReshapeMode::kSquarePad);
  const edge::signal::ReshapeTarget t = parse_reshape_target("1:150:200");
  EXPECT_EQ(t.mode, ReshapeMode::kExplicit);
  EXPECT_EQ(t.explicit_shape, (Shape{200, 150, 1}));
  const edge::params::Param& shape = *edge::signal::reshape_params().find("shape");
  EXPECT_EQ(shape.def.s, "square");
  EXPECT_EQ(edge::params::parse(shape, "square-pad", nullptr), "");
  EXPECT_EQ(edge::params::parse(shape, "0:3", nullptr),
            "\"0:3\" is neither square, square-pad nor dimensions (positive integers separated "
            "by ':')");
  EXPECT_EQ(edge::params::allowed(shape),
            "square, square-pad or dimensions innermost first such as 1:173:173");
}
