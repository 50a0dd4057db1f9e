// Greedy-by-size arena planner: hand-made lifetimes with known optimal arenas.
#include <gtest/gtest.h>

#include "common/error.h"
#include "nn/planner.h"

namespace edge::nn {
namespace {

bool disjoint(const BufferRequest& a, size_t oa, const BufferRequest& b, size_t ob) {
  const bool time_overlap = a.first_use <= b.last_use && b.first_use <= a.last_use;
  const bool space_overlap = oa < ob + align_arena(b.bytes) && ob < oa + align_arena(a.bytes);
  return !(time_overlap && space_overlap && a.bytes > 0 && b.bytes > 0);
}

void expect_valid(const std::vector<BufferRequest>& r, const MemoryPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % kArenaAlignment, 0u);
    EXPECT_LE(plan.offsets[i] + align_arena(r[i].bytes), plan.arena_bytes);
    for (size_t j = i + 1; j < r.size(); ++j) {
      EXPECT_TRUE(disjoint(r[i], plan.offsets[i], r[j], plan.offsets[j])) << i << " vs " << j;
    }
  }
}

TEST(Planner, EmptyAndSingle) {
  EXPECT_EQ(plan_memory({}).arena_bytes, 0u);
  const MemoryPlan one = plan_memory({{100, 0, 0}});
  EXPECT_EQ(one.offsets[0], 0u);
  EXPECT_EQ(one.arena_bytes, 112u);  // 100 rounded up to 16
}

TEST(Planner, ChainReusesMemory) {
  // a -> op0 -> b -> op1 -> c -> op2 -> d: at most two buffers alive at once.
  const std::vector<BufferRequest> r = {{1024, 0, 0}, {2048, 0, 1}, {1024, 1, 2}, {512, 2, 2}};
  const MemoryPlan plan = plan_memory(r);
  expect_valid(r, plan);
  // Largest live set: step 0 or 1 = 1024 + 2048 = 3072; step 2 = 1024 + 512.
  EXPECT_EQ(live_bytes_lower_bound(r), 3072u);
  EXPECT_EQ(plan.arena_bytes, 3072u);
}

TEST(Planner, DisjointLifetimesShareOffsetZero) {
  const std::vector<BufferRequest> r = {{64, 0, 0}, {64, 1, 1}, {64, 2, 2}};
  const MemoryPlan plan = plan_memory(r);
  EXPECT_EQ(plan.offsets, (std::vector<size_t>{0, 0, 0}));
  EXPECT_EQ(plan.arena_bytes, 64u);
}

TEST(Planner, AllAliveAddsUp) {
  const std::vector<BufferRequest> r = {{10, 0, 3}, {20, 0, 3}, {30, 0, 3}};
  const MemoryPlan plan = plan_memory(r);
  expect_valid(r, plan);
  EXPECT_EQ(plan.arena_bytes, 16u + 32u + 32u);
  // Largest first: the 30-byte buffer at 0, then 20, then 10.
  EXPECT_EQ(plan.offsets[2], 0u);
  EXPECT_EQ(plan.offsets[1], 32u);
  EXPECT_EQ(plan.offsets[0], 64u);
}

TEST(Planner, FillsGapsFirstFit) {
  // Big buffers at steps 0-1 and 2-3 share offset 0; the small ones fit after them.
  const std::vector<BufferRequest> r = {
      {4096, 0, 1}, {4096, 2, 3}, {256, 1, 2}, {256, 0, 0}, {256, 3, 3}};
  const MemoryPlan plan = plan_memory(r);
  expect_valid(r, plan);
  EXPECT_EQ(plan.offsets[0], 0u);
  EXPECT_EQ(plan.offsets[1], 0u);
  EXPECT_EQ(plan.arena_bytes, 4096u + 256u);
  EXPECT_EQ(plan.arena_bytes, live_bytes_lower_bound(r));
}

TEST(Planner, ZeroByteBuffersTakeNoSpace) {
  const std::vector<BufferRequest> r = {{0, 0, 5}, {32, 0, 5}};
  const MemoryPlan plan = plan_memory(r);
  EXPECT_EQ(plan.arena_bytes, 32u);
}

TEST(Planner, RefusesInvalidLifetimes) {
  EXPECT_THROW(plan_memory({{16, 3, 2}}), Error);
  EXPECT_THROW(plan_memory({{16, -1, 2}}), Error);
  try {
    plan_memory({{16, 0, 0}, {16, 5, 1}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("buffer 1"), std::string::npos) << e.what();
  }
}

TEST(Planner, ManyRandomBuffersStayValid) {
  std::vector<BufferRequest> r;
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int i = 0; i < 200; ++i) {
    const int32_t first = static_cast<int32_t>(next() % 50);
    const int32_t length = static_cast<int32_t>(next() % 10);
    r.push_back({static_cast<size_t>(next() % 5000), first, first + length});
  }
  const MemoryPlan plan = plan_memory(r);
  expect_valid(r, plan);
  EXPECT_GE(plan.arena_bytes, live_bytes_lower_bound(r));
}

}  // namespace
}  // namespace edge::nn
