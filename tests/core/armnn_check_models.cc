// armnn_check_models MODEL.tflite...: loads each model file in Arm NN's TFLite parser (Arm NN
// 20.08, CpuRef backend), runs it and edgestream's interpreter (reference kernels) on the same 20
// seeded random inputs and compares the outputs: float32 within 1e-4 relative, int8 within 1
// LSB (Arm NN requantizes in float, TFLite in fixed point). tests/e2e/optimize_gesture.sh runs it
// on the files `edgestream optimize` writes (pruned, unit-pruned, clustered, QAT int8).
// Exit 0: every model ran and agreed; 1: a refusal or a disagreement (printed); 77: no CpuRef.
#include <armnn/ArmNN.hpp>
#include <armnn/BackendRegistry.hpp>
#include <armnnTfLiteParser/ITfLiteParser.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "nn/tflite_reader.h"

namespace {

using namespace edge;

// xorshift64*: the same inputs on every platform.
struct Rng {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ull;
  }
  float uniform(float lo, float hi) {
    return lo + float(double(next() >> 11) / 9007199254740992.0) * (hi - lo);
  }
};

bool cpu_ref_available(armnn::IRuntime& runtime) {
  for (const auto& backend : runtime.GetDeviceSpec().GetSupportedBackends()) {
    if (backend == armnn::Compute::CpuRef) return true;
  }
  return false;
}

// Returns "" when Arm NN ran the model and agreed, else what went wrong.
std::string check(const std::string& path, armnn::IRuntime& runtime, armnn::NetworkId id) {
  const nn::Model model = nn::read_tflite_file(path);
  auto parser = armnnTfLiteParser::ITfLiteParser::Create();
  armnn::INetworkPtr network = parser->CreateNetworkFromBinaryFile(path.c_str());
  const auto in_info =
      parser->GetNetworkInputBindingInfo(0, parser->GetSubgraphInputTensorNames(0).at(0));
  const auto out_info =
      parser->GetNetworkOutputBindingInfo(0, parser->GetSubgraphOutputTensorNames(0).at(0));
  std::vector<std::string> messages;
  armnn::IOptimizedNetworkPtr optimized = armnn::Optimize(
      *network, {armnn::Compute::CpuRef}, runtime.GetDeviceSpec(), armnn::OptimizerOptions(),
      armnn::Optional<std::vector<std::string>&>(messages));
  if (!optimized) {
    std::string why = "Arm NN Optimize returned no network";
    for (const auto& m : messages) why += "; " + m;
    return why;
  }
  std::string error;
  armnn::INetworkProperties properties;
  if (runtime.LoadNetwork(id, std::move(optimized), error, properties) != armnn::Status::Success) {
    return "Arm NN LoadNetwork: " + error;
  }
  nn::Interpreter interpreter(model, {nn::KernelSet::kReference, 1});
  const nn::TensorView in = interpreter.input(0);
  const nn::TensorView out = interpreter.output(0);
  if (in_info.second.GetNumBytes() != in.bytes() || out_info.second.GetNumBytes() != out.bytes()) {
    return "input/output sizes differ between Arm NN and edgestream";
  }
  Rng rng;
  std::vector<uint8_t> input(in.bytes()), theirs(out.bytes());
  double max_diff = 0.0;
  const bool is_float = out.type() == DType::kFloat32;
  for (int sample = 0; sample < 20; ++sample) {
    if (in.type() == DType::kFloat32) {
      for (int64_t i = 0; i < in.elements(); ++i) {
        const float x = rng.uniform(-1.f, 1.f);
        std::memcpy(input.data() + i * 4, &x, 4);
      }
    } else {
      for (auto& b : input) b = uint8_t(rng.next() >> 56);
    }
    std::memcpy(in.raw(), input.data(), input.size());
    interpreter.invoke();
    armnn::InputTensors arm_in{{in_info.first, armnn::ConstTensor(in_info.second, input.data())}};
    armnn::OutputTensors arm_out{{out_info.first, armnn::Tensor(out_info.second, theirs.data())}};
    if (runtime.EnqueueWorkload(id, arm_in, arm_out) != armnn::Status::Success) {
      return "Arm NN EnqueueWorkload failed";
    }
    for (int64_t i = 0; i < out.elements(); ++i) {
      double diff = 0.0;
      if (is_float) {
        float a, b;
        std::memcpy(&a, static_cast<const uint8_t*>(out.raw()) + i * 4, 4);
        std::memcpy(&b, theirs.data() + i * 4, 4);
        diff = std::fabs(a - b) / std::max(1.0, std::fabs(double(a)));
      } else {
        diff = std::abs(static_cast<const int8_t*>(out.raw())[i] -
                        reinterpret_cast<const int8_t*>(theirs.data())[i]);
      }
      max_diff = std::max(max_diff, diff);
    }
  }
  std::printf("[measured] %s: Arm NN CpuRef vs edgestream, 20 inputs: max %s %.3g\n", path.c_str(),
              is_float ? "relative difference" : "LSB difference", max_diff);
  if (max_diff > (is_float ? 1e-4 : 1.0)) return "outputs differ beyond the tolerance";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  armnn::IRuntime::CreationOptions options;
  armnn::IRuntimePtr runtime = armnn::IRuntime::Create(options);
  if (!cpu_ref_available(*runtime)) {
    std::printf("SKIPPED: Arm NN has no CpuRef backend here (libarmnn-cpuref-backend22)\n");
    return 77;
  }
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::string why;
    try {
      why = check(argv[i], *runtime, armnn::NetworkId(i));
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!why.empty()) {
      std::printf("[armnn failed] %s: %s\n", argv[i], why.c_str());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
