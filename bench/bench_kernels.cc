// Heavy-kernel benchmarks: each CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED shape of
// person_detect (MobileNet v1 0.25, 96x96x1), micro_speech and the 180-50-15-2 dense
// network, reference vs fast (best ISA of this CPU, and portable), one thread.
// Counter "MACs/s" is multiply-accumulates per second. Results: docs/benchmarks.md.
//
//   ninja -C build bench/bench_kernels && build/bench/bench_kernels --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/kernels/kernel_params.h"
#include "nn/kernels/ref/conv.h"
#include "nn/kernels/ref/depthwise_conv.h"
#include "nn/kernels/ref/fully_connected.h"
#include "nn/quant.h"

namespace {

using namespace edge::nn;

enum class Op { kConv, kDepthwise, kFc };

struct Layer {
  std::string name;
  Op op;
  int h, w, in_c, out_c, k, stride;  // FC: in_c = depth, out_c = units
  int fh = 0, fw = 0;                // when the filter is not k x k
  int count = 1;                     // occurrences in the network
};

// person_detect's heavy layers, in order (MobileNet v1 alpha 0.25, 96x96 grayscale).
std::vector<Layer> person_detect_layers() {
  return {
      {"pd_conv0_3x3s2_1to8", Op::kConv, 96, 96, 1, 8, 3, 2},
      {"pd_dw1_48x48x8", Op::kDepthwise, 48, 48, 8, 8, 3, 1},
      {"pd_pw1_48x48_8to16", Op::kConv, 48, 48, 8, 16, 1, 1},
      {"pd_dw2_s2_48x48x16", Op::kDepthwise, 48, 48, 16, 16, 3, 2},
      {"pd_pw2_24x24_16to32", Op::kConv, 24, 24, 16, 32, 1, 1},
      {"pd_dw3_24x24x32", Op::kDepthwise, 24, 24, 32, 32, 3, 1},
      {"pd_pw3_24x24_32to32", Op::kConv, 24, 24, 32, 32, 1, 1},
      {"pd_dw4_s2_24x24x32", Op::kDepthwise, 24, 24, 32, 32, 3, 2},
      {"pd_pw4_12x12_32to64", Op::kConv, 12, 12, 32, 64, 1, 1},
      {"pd_dw5_12x12x64", Op::kDepthwise, 12, 12, 64, 64, 3, 1},
      {"pd_pw5_12x12_64to64", Op::kConv, 12, 12, 64, 64, 1, 1},
      {"pd_dw6_s2_12x12x64", Op::kDepthwise, 12, 12, 64, 64, 3, 2},
      {"pd_pw6_6x6_64to128", Op::kConv, 6, 6, 64, 128, 1, 1},
      {"pd_dw7to11_6x6x128", Op::kDepthwise, 6, 6, 128, 128, 3, 1, 0, 0, 5},
      {"pd_pw7to11_6x6_128to128", Op::kConv, 6, 6, 128, 128, 1, 1, 0, 0, 5},
      {"pd_dw12_s2_6x6x128", Op::kDepthwise, 6, 6, 128, 128, 3, 2},
      {"pd_pw12_3x3_128to256", Op::kConv, 3, 3, 128, 256, 1, 1},
      {"pd_dw13_3x3x256", Op::kDepthwise, 3, 3, 256, 256, 3, 1},
      {"pd_pw13_3x3_256to256", Op::kConv, 3, 3, 256, 256, 1, 1},
      {"pd_logits_256to2", Op::kConv, 1, 1, 256, 2, 1, 1},
  };
}

std::vector<Layer> other_layers() {
  return {
      // micro_speech: 10x8 stride 2 SAME on the 49x40 spectrogram -> 25x20x8 (the TFLM
      // model uses it as a depthwise conv with depth multiplier 8; both forms here).
      {"ms_conv_10x8s2_1to8", Op::kConv, 49, 40, 1, 8, 0, 2, 10, 8},
      {"ms_dw_10x8s2_dm8", Op::kDepthwise, 49, 40, 1, 8, 0, 2, 10, 8},
      {"ms_fc_4000to4", Op::kFc, 1, 1, 4000, 4, 0, 1},
      {"dense_180to50", Op::kFc, 1, 1, 180, 50, 0, 1},
      {"dense_50to15", Op::kFc, 1, 1, 50, 15, 0, 1},
      {"dense_15to2", Op::kFc, 1, 1, 15, 2, 0, 1},
  };
}

// Everything one layer needs, built once (prepare), then run in the timed loop.
struct Prepared {
  Layer layer;
  Dims4 in_shape, filter_shape, out_shape;
  ConvParams cp;
  FullyConnectedParams fp;
  std::vector<int32_t> mult, shift, bias;
  std::vector<int8_t> in, filter, out;
  std::vector<float> in_f, filter_f, bias_f, out_f;
  fast::PackedWeights packed;
  std::vector<uint8_t> scratch;
  int64_t macs = 0;
};

Prepared prepare(const Layer& l, fast::Isa isa) {
  Prepared p;
  p.layer = l;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> i8(-127, 127);
  std::uniform_real_distribution<float> f(-1.0f, 1.0f);
  const int fh = l.fh ? l.fh : l.k;
  const int fw = l.fw ? l.fw : l.k;
  const bool dw = l.op == Op::kDepthwise;
  const int oh = compute_output_size(Padding::kSame, l.h, fh, l.stride);
  const int ow = compute_output_size(Padding::kSame, l.w, fw, l.stride);
  p.in_shape = {1, l.h, l.w, l.in_c};
  p.filter_shape = dw ? Dims4{1, fh, fw, l.out_c} : Dims4{l.out_c, fh, fw, l.in_c};
  p.out_shape = {1, oh, ow, l.out_c};
  p.cp.stride_h = p.cp.stride_w = l.stride;
  p.cp.pad_top = compute_padding(l.stride, 1, l.h, fh, oh);
  p.cp.pad_left = compute_padding(l.stride, 1, l.w, fw, ow);
  p.cp.depth_multiplier = dw ? l.out_c / l.in_c : 1;
  const int channels = l.out_c;
  const int64_t filter_count =
      l.op == Op::kFc ? int64_t{l.in_c} * l.out_c : p.filter_shape.elements();
  p.macs =
      l.op == Op::kFc ? filter_count : int64_t{oh} * ow * l.out_c * fh * fw * (dw ? 1 : l.in_c);
  std::vector<float> weight_scales(channels);
  for (auto& s : weight_scales) s = 0.004f + 0.01f * std::abs(f(rng));
  p.mult.resize(channels);
  p.shift.resize(channels);
  compute_output_multipliers(0.02f, weight_scales.data(), channels, 0.05f, channels, p.mult.data(),
                             p.shift.data());
  QuantizedOutput q;
  q.input_offset = 128;  // zero point -128, as person_detect's input
  q.output_offset = -128;
  q.multiplier = p.mult.data();
  q.shift = p.shift.data();
  calculate_activation_range_int8(FusedActivation::kRelu6, 0.05f, -128, &q.act_min, &q.act_max);
  p.cp.quant = q;
  p.fp.quant = q;
  p.in.resize(p.in_shape.elements());
  for (auto& v : p.in) v = static_cast<int8_t>(i8(rng));
  p.filter.resize(filter_count);
  for (auto& v : p.filter) v = static_cast<int8_t>(i8(rng));
  p.bias.resize(channels);
  for (auto& v : p.bias) v = i8(rng) * 20;
  p.in_f.resize(p.in.size());
  for (auto& v : p.in_f) v = f(rng);
  p.filter_f.resize(p.filter.size());
  for (auto& v : p.filter_f) v = f(rng);
  p.bias_f.assign(channels, 0.1f);
  const int64_t out_count = l.op == Op::kFc ? l.out_c : p.out_shape.elements();
  p.out.resize(out_count);
  p.out_f.resize(out_count);
  size_t scratch = 0;
  switch (l.op) {
    case Op::kConv:
      p.packed = fast::pack_conv2d_s8(p.cp, p.filter_shape, p.filter.data(), p.bias.data(), isa);
      scratch = std::max(
          fast::conv2d_s8_scratch_bytes(p.cp, p.packed, p.in_shape, p.filter_shape, p.out_shape, 1),
          fast::conv2d_f32_scratch_bytes(p.cp, p.in_shape, p.filter_shape, p.out_shape, 1));
      break;
    case Op::kDepthwise:
      p.packed =
          fast::pack_depthwise_conv2d_s8(p.cp, p.filter_shape, p.filter.data(), p.bias.data(), isa);
      scratch = fast::depthwise_conv2d_s8_scratch_bytes(p.cp, p.packed, p.in_shape, p.filter_shape,
                                                        p.out_shape, 1);
      break;
    case Op::kFc:
      p.packed =
          fast::pack_fully_connected_s8(p.fp, l.in_c, l.out_c, p.filter.data(), p.bias.data(), isa);
      scratch = fast::fully_connected_s8_scratch_bytes(p.packed, 1, 1);
      break;
  }
  p.scratch.assign(scratch, 0);
  return p;
}

void run_s8(Prepared& p, bool use_fast) {
  const Layer& l = p.layer;
  void* s = p.scratch.empty() ? nullptr : p.scratch.data();
  switch (l.op) {
    case Op::kConv:
      if (use_fast) {
        fast::conv2d_s8(p.cp, p.packed, p.in_shape, p.in.data(), p.filter_shape, p.out_shape,
                        p.out.data(), s, 1);
      } else {
        ref::conv2d_s8(p.cp, p.in_shape, p.in.data(), p.filter_shape, p.filter.data(),
                       p.bias.data(), p.out_shape, p.out.data());
      }
      break;
    case Op::kDepthwise:
      if (use_fast) {
        fast::depthwise_conv2d_s8(p.cp, p.packed, p.in_shape, p.in.data(), p.filter_shape,
                                  p.out_shape, p.out.data(), s, 1);
      } else {
        ref::depthwise_conv2d_s8(p.cp, p.in_shape, p.in.data(), p.filter_shape, p.filter.data(),
                                 p.bias.data(), p.out_shape, p.out.data());
      }
      break;
    case Op::kFc:
      if (use_fast) {
        fast::fully_connected_s8(p.fp, p.packed, 1, p.in.data(), p.out.data(), s, 1);
      } else {
        ref::fully_connected_s8(p.fp, 1, l.in_c, l.out_c, p.in.data(), p.filter.data(),
                                p.bias.data(), p.out.data());
      }
      break;
  }
}

void run_f32(Prepared& p, bool use_fast) {
  const Layer& l = p.layer;
  void* s = p.scratch.empty() ? nullptr : p.scratch.data();
  switch (l.op) {
    case Op::kConv:
      if (use_fast) {
        fast::conv2d_f32(p.cp, p.in_shape, p.in_f.data(), p.filter_shape, p.filter_f.data(),
                         p.bias_f.data(), p.out_shape, p.out_f.data(), s, 1);
      } else {
        ref::conv2d_f32(p.cp, p.in_shape, p.in_f.data(), p.filter_shape, p.filter_f.data(),
                        p.bias_f.data(), p.out_shape, p.out_f.data());
      }
      break;
    case Op::kDepthwise:
      if (use_fast) {
        fast::depthwise_conv2d_f32(p.cp, p.in_shape, p.in_f.data(), p.filter_shape,
                                   p.filter_f.data(), p.bias_f.data(), p.out_shape, p.out_f.data(),
                                   s, 1);
      } else {
        ref::depthwise_conv2d_f32(p.cp, p.in_shape, p.in_f.data(), p.filter_shape,
                                  p.filter_f.data(), p.bias_f.data(), p.out_shape, p.out_f.data());
      }
      break;
    case Op::kFc:
      if (use_fast) {
        fast::fully_connected_f32(p.fp, 1, l.in_c, l.out_c, p.in_f.data(), p.filter_f.data(),
                                  p.bias_f.data(), p.out_f.data(), s, 1);
      } else {
        ref::fully_connected_f32(p.fp, 1, l.in_c, l.out_c, p.in_f.data(), p.filter_f.data(),
                                 p.bias_f.data(), p.out_f.data());
      }
      break;
  }
}

void set_counters(benchmark::State& state, int64_t macs) {
  state.counters["MACs"] = static_cast<double>(macs);
  state.counters["MACs/s"] = benchmark::Counter(static_cast<double>(macs) * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

// A whole network's heavy layers in sequence (with repeats), one invoke per iteration.
void bench_network(benchmark::State& state, const std::vector<Layer>& layers, fast::Isa isa,
                   bool use_fast) {
  std::vector<Prepared> prepared;
  int64_t macs = 0;
  for (const Layer& l : layers) {
    prepared.push_back(prepare(l, isa));
    macs += prepared.back().macs * l.count;
  }
  for (auto _ : state) {
    for (Prepared& p : prepared) {
      for (int i = 0; i < p.layer.count; ++i) run_s8(p, use_fast);
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, macs);
}

int register_all() {
  const fast::Isa best = fast::best_isa();
  const std::string best_name = fast::isa_name(best);
  std::vector<Layer> layers = person_detect_layers();
  for (const Layer& l : other_layers()) layers.push_back(l);
  for (const Layer& l : layers) {
    struct Mode {
      std::string label;
      fast::Isa isa;
      bool use_fast;
    };
    std::vector<Mode> modes = {{"s8/ref", fast::Isa::kPortable, false},
                               {"s8/fast_portable", fast::Isa::kPortable, true}};
    if (best != fast::Isa::kAvx2 && fast::isa_supported(fast::Isa::kAvx2)) {
      modes.push_back({"s8/fast_avx2", fast::Isa::kAvx2, true});
    }
    if (best != fast::Isa::kPortable) modes.push_back({"s8/fast_" + best_name, best, true});
    for (const Mode& m : modes) {
      benchmark::RegisterBenchmark((l.name + "/" + m.label).c_str(),
                                   [l, m](benchmark::State& state) {
                                     Prepared p = prepare(l, m.isa);
                                     for (auto _ : state) {
                                       run_s8(p, m.use_fast);
                                       benchmark::DoNotOptimize(p.out.data());
                                     }
                                     set_counters(state, p.macs);
                                   });
    }
    for (bool use_fast : {false, true}) {
      benchmark::RegisterBenchmark((l.name + (use_fast ? "/f32/fast" : "/f32/ref")).c_str(),
                                   [l, use_fast](benchmark::State& state) {
                                     Prepared p = prepare(l, fast::Isa::kPortable);
                                     for (auto _ : state) {
                                       run_f32(p, use_fast);
                                       benchmark::DoNotOptimize(p.out_f.data());
                                     }
                                     set_counters(state, p.macs);
                                   });
    }
  }
  const std::vector<Layer> pd = person_detect_layers();
  const std::vector<Layer> dense = {other_layers()[3], other_layers()[4], other_layers()[5]};
  benchmark::RegisterBenchmark("person_detect_heavy_layers/s8/ref", [pd](benchmark::State& s) {
    bench_network(s, pd, fast::Isa::kPortable, false);
  });
  benchmark::RegisterBenchmark(
      ("person_detect_heavy_layers/s8/fast_" + best_name).c_str(),
      [pd, best](benchmark::State& s) { bench_network(s, pd, best, true); });
  if (best != fast::Isa::kAvx2 && fast::isa_supported(fast::Isa::kAvx2)) {
    benchmark::RegisterBenchmark(
        "person_detect_heavy_layers/s8/fast_avx2",
        [pd](benchmark::State& s) { bench_network(s, pd, fast::Isa::kAvx2, true); });
  }
  benchmark::RegisterBenchmark(
      "person_detect_heavy_layers/s8/fast_portable",
      [pd](benchmark::State& s) { bench_network(s, pd, fast::Isa::kPortable, true); });
  benchmark::RegisterBenchmark("dense_180_50_15_2/s8/ref", [dense](benchmark::State& s) {
    bench_network(s, dense, fast::Isa::kPortable, false);
  });
  benchmark::RegisterBenchmark(
      ("dense_180_50_15_2/s8/fast_" + best_name).c_str(),
      [dense, best](benchmark::State& s) { bench_network(s, dense, best, true); });
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
