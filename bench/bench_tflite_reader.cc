// Cost of reading and verifying a .tflite model (read_tflite_file: file read,
// FlatBuffers verifier, every tensor/operator/option check, IR build) and of
// preparing it (Interpreter construction: every Prepare plus the arena plan),
// i.e. what edgeinfer spends in start(). Results in docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "nn/interpreter.h"
#include "nn/tflite_reader.h"

namespace {

std::string model_path(const char* name) {
  const char* root = std::getenv("EDGE_SHARED_DATA");
  return std::string(root ? root : "../shared/data") + "/models/tflm/" + name;
}

void BM_ReadVerify(benchmark::State& state, const char* name) {
  const std::string path = model_path(name);
  try {
    edge::nn::read_tflite_file(path);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    edge::nn::Model model = edge::nn::read_tflite_file(path);
    benchmark::DoNotOptimize(model.tensors().data());
  }
}

void BM_ReadVerifyPrepare(benchmark::State& state, const char* name) {
  const std::string path = model_path(name);
  try {
    edge::nn::read_tflite_file(path);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    edge::nn::Model model = edge::nn::read_tflite_file(path);
    edge::nn::Interpreter interpreter(model);
    benchmark::DoNotOptimize(interpreter.arena_bytes());
  }
}

BENCHMARK_CAPTURE(BM_ReadVerify, person_detect, "person_detect.tflite");
BENCHMARK_CAPTURE(BM_ReadVerify, micro_speech_quantized, "micro_speech_quantized.tflite");
BENCHMARK_CAPTURE(BM_ReadVerify, keyword_scrambled, "keyword_scrambled.tflite");
BENCHMARK_CAPTURE(BM_ReadVerifyPrepare, person_detect, "person_detect.tflite");
BENCHMARK_CAPTURE(BM_ReadVerifyPrepare, micro_speech_quantized, "micro_speech_quantized.tflite");

}  // namespace

BENCHMARK_MAIN();
