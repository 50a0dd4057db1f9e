// nn::Classifier: a window in, the model's classification out, prepared once. Checked against
// the interpreter driven by hand (the reference), on hand-built models and on real ones; its
// hot path is checked to allocate nothing by counting every operator new and every malloc the
// statically linked code makes (tests/meson.build links this test with -Wl,--wrap=malloc...).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "nn/classifier.h"
#include "nn/classifier_params.h"
#include "tests/common/test_util.h"

// --- Allocation counting --------------------------------------------------------------
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations++;
}
}  // namespace

void* operator new(size_t n) {
  count();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  count();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  count();
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  count();
  return std::malloc(n ? n : 1);
}
void* operator new(size_t n, std::align_val_t a) {
  count();
  void* p = nullptr;
  if (posix_memalign(&p, std::max(sizeof(void*), static_cast<size_t>(a)), n ? n : 1) == 0) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
// The replacements above allocate with malloc, so free() is the matching release.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

// malloc and friends called from the statically linked code (Eigen's GEMM blocking, the
// kernels, the classifier), redirected here by the linker's --wrap.
extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
int __real_posix_memalign(void**, size_t, size_t);
void* __real_aligned_alloc(size_t, size_t);
void* __wrap_malloc(size_t n) {
  count();
  return __real_malloc(n);
}
void* __wrap_calloc(size_t n, size_t size) {
  count();
  return __real_calloc(n, size);
}
void* __wrap_realloc(void* p, size_t n) {
  count();
  return __real_realloc(p, n);
}
int __wrap_posix_memalign(void** p, size_t alignment, size_t n) {
  count();
  return __real_posix_memalign(p, alignment, n);
}
void* __wrap_aligned_alloc(size_t alignment, size_t n) {
  count();
  return __real_aligned_alloc(alignment, n);
}
}

namespace edge::nn {
namespace {

using Kind = ClassifierError::Kind;

class CountAllocations {
 public:
  CountAllocations() {
    g_allocations = 0;
    g_counting = true;
  }
  ~CountAllocations() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};

std::string temp_file(const std::string& contents, const char* suffix = ".txt") {
  std::string path = std::string("/tmp/edge_classifier_XXXXXX") + suffix;
  const int fd = mkstemps(&path[0], static_cast<int>(std::strlen(suffix)));
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  close(fd);
  return path;
}

Tensor tensor(const char* name, DType type, Shape shape, float scale = 0, int64_t zp = 0) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  if (scale > 0) {
    t.quant.scale = {scale};
    t.quant.zero_point = {zp};
  }
  return t;
}

// x [1, 2] float -> FULLY_CONNECTED (w [3, 2], b [3]) -> SOFTMAX -> [1, 3].
Model float_classifier() {
  Model m;
  m.set_source("<float classifier>");
  const float w[] = {1, 0, 0, 1, -1, -1};
  const float b[] = {0, 0, 0.5f};
  const int32_t x = m.add_tensor(tensor("x", DType::kFloat32, {1, 2}));
  const int32_t wi = m.add_constant(tensor("w", DType::kFloat32, {3, 2}), w, sizeof w);
  const int32_t bi = m.add_constant(tensor("b", DType::kFloat32, {3}), b, sizeof b);
  const int32_t logits = m.add_tensor(tensor("logits", DType::kFloat32, {1, 3}));
  const int32_t probs = m.add_tensor(tensor("probs", DType::kFloat32, {1, 3}));
  Operator fc;
  fc.op = Op::kFullyConnected;
  fc.inputs = {x, wi, bi};
  fc.outputs = {logits};
  fc.options = FullyConnectedOptions{};
  m.add_operator(fc);
  Operator softmax;
  softmax.op = Op::kSoftmax;
  softmax.inputs = {logits};
  softmax.outputs = {probs};
  softmax.options = SoftmaxOptions{};
  m.add_operator(softmax);
  m.set_inputs({x});
  m.set_outputs({probs});
  m.validate();
  return m;
}

// int8 x [1, 4] -> FULLY_CONNECTED -> int8 [1, 2], with the given scales (the output
// multiplier is in_scale * w_scale / out_scale).
Model int8_fc(float in_scale, float w_scale, float out_scale) {
  Model m;
  m.set_source("<int8 fc>");
  const int8_t w[] = {1, 2, 3, 4, -4, -3, -2, -1};
  const int32_t b[] = {10, -10};
  const int32_t x = m.add_tensor(tensor("x", DType::kInt8, {1, 4}, in_scale, -3));
  const int32_t wi = m.add_constant(tensor("w", DType::kInt8, {2, 4}, w_scale, 0), w, sizeof w);
  const int32_t bi =
      m.add_constant(tensor("b", DType::kInt32, {2}, in_scale * w_scale, 0), b, sizeof b);
  const int32_t y = m.add_tensor(tensor("y", DType::kInt8, {1, 2}, out_scale, 5));
  Operator fc;
  fc.op = Op::kFullyConnected;
  fc.inputs = {x, wi, bi};
  fc.outputs = {y};
  fc.options = FullyConnectedOptions{};
  m.add_operator(fc);
  m.set_inputs({x});
  m.set_outputs({y});
  m.validate();
  return m;
}

ClassifierError::Kind error_kind(const std::function<void()>& f, std::string* text = nullptr) {
  try {
    f();
  } catch (const ClassifierError& e) {
    if (text) *text = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "expected a ClassifierError";
  return Kind::kStream;
}

TEST(Classifier, FloatModelScoresLabelsAndTopK) {
  const Model model = float_classifier();
  const std::string labels = temp_file("left\nright\r\nneither\n\n");
  ClassifierOptions options;
  options.top_k = 2;
  options.labels_file = labels;
  Classifier c(model, options);
  EXPECT_EQ(c.labels(), (std::vector<std::string>{"left", "right", "neither"}));
  const float x[] = {2.0f, 0.0f};
  const Classification& r = c.classify(x);
  // softmax(2, 0, -1.5)
  const double e0 = std::exp(2.0), e1 = 1.0, e2 = std::exp(-1.5), sum = e0 + e1 + e2;
  ASSERT_EQ(c.scores().size(), 3u);
  EXPECT_NEAR(c.scores()[0], e0 / sum, 1e-6);
  EXPECT_NEAR(c.scores()[2], e2 / sum, 1e-6);
  ASSERT_EQ(r.top.size(), 2u);
  EXPECT_EQ(r.top[0].index, 0);
  EXPECT_EQ(r.top[0].label, "left");
  EXPECT_EQ(r.top[1].index, 1);
  EXPECT_EQ(r.top[1].label, "right");
  EXPECT_FLOAT_EQ(r.top[0].score, c.scores()[0]);
  EXPECT_GT(r.latency_ns, 0u);
  EXPECT_EQ(r.answer, Answer::kEngine);
  float out[3] = {};
  c.read_output(0, out, sizeof out);
  EXPECT_FLOAT_EQ(out[1], c.scores()[1]);
  std::remove(labels.c_str());
}

// A float32 stream into an int8 input is quantized as TFLite's QUANTIZE does (round half away
// from zero, saturating): the same outputs as the interpreter fed those int8 values by hand.
TEST(Classifier, FloatStreamIntoInt8InputRoundsHalfAwayFromZero) {
  const Model model = int8_fc(0.5f, 0.25f, 0.125f);
  ClassifierOptions options;
  options.output_type = OutputType::kFloat32;
  Classifier c(model, options);
  EXPECT_EQ(c.set_stream(DType::kFloat32, {4}), InputConversion::kQuantize);
  EXPECT_EQ(c.stream_bytes(), 16u);
  EXPECT_EQ(c.output_type(0), DType::kFloat32);
  Interpreter reference(model, {KernelSet::kReference, 1});
  // x / 0.5 - 3: ties at +-0.25 (q = -2.5 -> -3, +0.5 -> 1), saturation, NaN -> zero point.
  const std::vector<std::vector<float>> windows = {
      {0.25f, -0.25f, 1.25f, -1.25f}, {0.75f, 100.0f, -100.0f, std::nanf("")}, {0, 0, 0, 0}};
  for (const auto& w : windows) {
    int8_t q[4];
    for (int i = 0; i < 4; ++i) {
      const float v = std::isnan(w[i]) ? 0.0f : std::round(w[i] / 0.5f);  // half away from 0
      q[i] = static_cast<int8_t>(std::max(-128.0f, std::min(127.0f, v - 3.0f)));
    }
    std::memcpy(reference.input(0).raw(), q, 4);
    reference.invoke();
    const int8_t* want = reference.output(0).data<int8_t>();
    c.classify(w.data());
    float got[2];
    c.read_output(0, got, sizeof got);
    for (int k = 0; k < 2; ++k) {
      EXPECT_FLOAT_EQ(got[k], 0.125f * float(want[k] - 5)) << "window " << w[0];
      EXPECT_FLOAT_EQ(c.scores()[size_t(k)], got[k]);
    }
  }
  // Native output: the int8 bytes as they are.
  Classifier native(model);
  const int8_t q[4] = {1, 2, 3, 4};
  native.classify(q);
  int8_t bytes[2];
  native.read_output(0, bytes, sizeof bytes);
  std::memcpy(reference.input(0).raw(), q, 4);
  reference.invoke();
  EXPECT_EQ(std::memcmp(bytes, reference.output(0).raw(), 2), 0);
}

// The counter sees both kinds of allocation (so a zero below means something).
TEST(Classifier, AllocationCounterSeesNewAndMalloc) {
  long with_new = 0, with_malloc = 0;
  {
    CountAllocations counting;
    auto* v = new std::vector<int>(100);
    with_new = counting.count();
    void* volatile p = std::malloc(64);
    with_malloc = counting.count() - with_new;
    std::free(p);
    delete v;
  }
  EXPECT_GE(with_new, 2);  // the vector and its buffer
  EXPECT_GE(with_malloc, 1);
}

TEST(Classifier, ClassifyAllocatesNothing) {
  std::vector<std::string> files = {"person_detect.tflite", "micro_speech_quantized.tflite",
                                    "hello_world_float.tflite", "hello_world_int8.tflite"};
  const Model hand = float_classifier();
  {
    Classifier c(hand);
    const float x[] = {0.5f, -0.5f};
    c.classify(x);  // first touch
    CountAllocations counting;
    for (int i = 0; i < 50; ++i) c.classify(x);
    EXPECT_EQ(counting.count(), 0) << "hand-built float model";
  }
  for (const std::string& name : files) {
    EDGE_REQUIRE_SHARED(path, "models/tflm/" + name);
    for (KernelSet kernels : {KernelSet::kFast, KernelSet::kReference}) {
      ClassifierOptions options;
      options.kernels = kernels;
      options.top_k = 3;
      Classifier c = Classifier::from_file(path, options);
      const bool quantized = c.input().type != DType::kFloat32;
      if (quantized) c.set_stream(DType::kFloat32, c.input().shape);  // the quantizing path
      std::vector<float> window(static_cast<size_t>(c.input().elements()));
      for (size_t i = 0; i < window.size(); ++i) window[i] = float(i % 17) * 0.1f - 0.8f;
      std::vector<uint8_t> out(c.output_bytes(0));
      c.classify(window.data());
      CountAllocations counting;
      for (int i = 0; i < 3; ++i) {
        c.classify(window.data());
        c.read_output(0, out.data(), out.size());
      }
      EXPECT_EQ(counting.count(), 0) << name << (kernels == KernelSet::kFast ? " fast" : " ref");
    }
  }
}

TEST(Classifier, RealModelMatchesTheInterpreter) {
  EDGE_REQUIRE_SHARED(path, "models/tflm/person_detect.tflite");
  ClassifierOptions options;
  options.top_k = 2;
  Classifier c = Classifier::from_file(path, options);
  EXPECT_EQ(c.stream_type(), DType::kInt8);
  EXPECT_EQ(c.conversion(), InputConversion::kCopy);
  std::vector<int8_t> image(96 * 96);
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<int8_t>(i * 37 % 251 - 125);
  const Classification& r = c.classify(image.data());
  Interpreter reference(c.model(), {KernelSet::kReference, 1});
  std::memcpy(reference.input(0).raw(), image.data(), image.size());
  reference.invoke();
  const int8_t* want = reference.output(0).data<int8_t>();
  const float scale = c.model().output(0).quant.scale[0];
  const int64_t zero = c.model().output(0).quant.zero_point[0];
  ASSERT_EQ(r.top.size(), 2u);
  const int best = want[1] > want[0] ? 1 : 0;
  EXPECT_EQ(r.top[0].index, best);
  EXPECT_FLOAT_EQ(r.top[0].score, static_cast<float>(scale * double(want[best] - zero)));
  EXPECT_TRUE(r.top[0].label.empty());  // no labels
  // A shape of the same count in another layout is refused, naming both.
  std::string text;
  EXPECT_EQ(error_kind([&] { c.set_stream(DType::kInt8, {192, 48}); }, &text), Kind::kStream);
  EXPECT_NE(text.find("the shapes differ"), std::string::npos) << text;
}

TEST(Classifier, MovedClassifierKeepsWorking) {
  const Model model = float_classifier();
  const std::string labels = temp_file("a-rather-long-label-beyond-sso\nb\nc\n");
  ClassifierOptions options;
  options.labels_file = labels;
  Classifier first(model, options);
  Classifier moved = std::move(first);
  const float x[] = {0.0f, 3.0f};
  const Classification& r = moved.classify(x);
  EXPECT_EQ(r.top[0].label, "b");
  EXPECT_EQ(r.top[1].label, "a-rather-long-label-beyond-sso");
  std::remove(labels.c_str());
}

TEST(Classifier, LabelsFilesThatAreNotLabelsAreRefused) {
  const Model model = float_classifier();
  ClassifierOptions options;
  std::string text;
  // A character device: refused at once, not read (it would never end).
  options.labels_file = "/dev/urandom";
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kLabelsFile);
  EXPECT_NE(text.find("/dev/urandom: cannot read the labels file: is a character device, not a "
                      "regular file"),
            std::string::npos)
      << text;
  // A FIFO with no writer: refused without blocking.
  const std::string fifo = "/tmp/edge_classifier_fifo_" + std::to_string(getpid());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  options.labels_file = fifo;
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kLabelsFile);
  EXPECT_NE(text.find(fifo + ": cannot read the labels file: is a FIFO, not a regular file"),
            std::string::npos)
      << text;
  std::remove(fifo.c_str());
  // A directory, a missing file, an oversized file, an empty one.
  options.labels_file = "/tmp";
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kLabelsFile);
  EXPECT_NE(text.find("/tmp: cannot read the labels file: is a directory"), std::string::npos)
      << text;
  options.labels_file = "/nonexistent/labels.txt";
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kLabelsFile);
  EXPECT_NE(text.find("/nonexistent/labels.txt: cannot read the labels file: cannot open"),
            std::string::npos);
  const std::string big = temp_file(std::string(kMaxLabelsFileBytes + 1, 'x'));
  options.labels_file = big;
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kLabelsFile);
  EXPECT_NE(text.find("1048577 bytes is over the limit of 1048576 bytes"), std::string::npos)
      << text;
  std::remove(big.c_str());
  const std::string empty = temp_file("\n\n");
  options.labels_file = empty;
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kLabelsFile);
  EXPECT_NE(text.find("holds no label"), std::string::npos) << text;
  std::remove(empty.c_str());
  // Two labels for three classes.
  const std::string two = temp_file("a\nb\n");
  options.labels_file = two;
  EXPECT_EQ(error_kind([&] { Classifier c(model, options); }, &text), Kind::kUnsupported);
  EXPECT_NE(text.find(two + " has 2 labels but output 0 of model <float classifier> has 3 values"),
            std::string::npos)
      << text;
  std::remove(two.c_str());
}

TEST(Classifier, ModelsItCannotRunAreRefusedByKind) {
  std::string text;
  EXPECT_EQ(error_kind([] { Classifier::from_file("/nonexistent/m.tflite"); }, &text),
            Kind::kModelMissing);
  const std::string garbage = temp_file("this is not a flatbuffer", ".tflite");
  EXPECT_EQ(error_kind([&] { Classifier::from_file(garbage); }, &text), Kind::kModelFile);
  EXPECT_NE(text.find(garbage + ": not a TFLite model: file identifier is"), std::string::npos);
  std::remove(garbage.c_str());
  // The reader accepts it; Prepare refuses an output multiplier of 2^80.
  const Model huge = int8_fc(1e20f, 1e4f, 1e-4f);
  EXPECT_EQ(error_kind([&] { Classifier c(huge); }, &text), Kind::kEngine);
  EXPECT_NE(text.find("quantization multiplier"), std::string::npos) << text;
}

TEST(Classifier, ParityOutcomes) {
  using Outcome = ParityCheck::Outcome;
  const Model plain = float_classifier();
  Classifier none(plain);
  EXPECT_EQ(none.check_preprocess("", "").outcome, Outcome::kNeitherStates);
  EXPECT_EQ(none.check_preprocess("edgewindow size=1", "").outcome, Outcome::kModelStatesNone);
  std::string text;
  EXPECT_EQ(error_kind([&] { none.check_preprocess("x", "/no/such/stats.json"); }, &text),
            Kind::kStatistics);
  EXPECT_NE(text.find("statistics /no/such/stats.json"), std::string::npos) << text;

  // The same model with edgestream metadata (hash included), written and read back.
  EdgeMetadata meta;
  meta.preprocess = "edgewindow size=1 ! edgenormalize stats-file=${stats}";
  meta.statistics = "{\"mean\": [0.5]}";
  Model with = float_classifier();
  const std::string hash = preprocess_hash(meta.preprocess, meta.statistics);
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{kPreprocessMetadataName, meta.preprocess},
        {kStatisticsMetadataName, meta.statistics},
        {kHashMetadataName, hash}}) {
    MetadataEntry entry;
    entry.name = name;
    entry.data = with.adopt_bytes(value.data(), value.size());
    entry.size = value.size();
    with.add_metadata(entry);
  }
  Classifier stated(with);
  EXPECT_EQ(stated.metadata().preprocess, meta.preprocess);
  EXPECT_EQ(stated.check_preprocess("", "").outcome, Outcome::kGraphStatesNone);
  const std::string stats = temp_file("{\"mean\":[0.5]}", ".json");
  EXPECT_EQ(stated.check_preprocess(meta.preprocess, stats).outcome, Outcome::kMatch);
  const ParityCheck differs = stated.check_preprocess("edgewindow size=2", stats);
  EXPECT_EQ(differs.outcome, Outcome::kDiffers);
  EXPECT_NE(differs.difference.find("preprocess differs:"), std::string::npos);
  std::remove(stats.c_str());
}

TEST(Classifier, ParityMessagesAndFits) {
  ParityCheck check;
  check.outcome = ParityCheck::Outcome::kDiffers;
  check.difference = "preprocess differs:\n  graph: a\n  model: b";
  EXPECT_TRUE(check.refused(true));
  EXPECT_FALSE(check.refused(false));
  EXPECT_EQ(check.message("m.tflite", true),
            "the graph's preprocessing is not the one model m.tflite was trained with (set "
            "check-preprocess=false to run anyway):\npreprocess differs:\n  graph: a\n  model: b");
  EXPECT_NE(check.message("m.tflite", false).find("running with check-preprocess=false"),
            std::string::npos);
  check.outcome = ParityCheck::Outcome::kMatch;
  EXPECT_EQ(check.message("m.tflite", true), "");
  EXPECT_FALSE(check.refused(true));

  const Model model = float_classifier();
  const Classifier c(model);
  std::string why;
  EXPECT_TRUE(c.fits(DType::kFloat32, {2}, &why));
  EXPECT_FALSE(c.fits(DType::kFloat32, {3}, &why));
  EXPECT_NE(why.find("the shapes differ"), std::string::npos) << why;
  EXPECT_EQ(c.stream_bytes(), 8u);  // fits() changed nothing
}

// Nearest-rank p99 of the last 1024 invokes, mean and max since start, in microseconds.
TEST(Classifier, InvokeLatencies) {
  InvokeLatencies latencies;
  InferStatistics stats;
  latencies.publish(&stats);
  EXPECT_EQ(stats.invokes, 0u);
  EXPECT_EQ(stats.latency_p99, 0.0);
  for (uint64_t i = 1; i <= 100; ++i) latencies.add(i * 1000);  // 1..100 us
  latencies.publish(&stats);
  EXPECT_EQ(stats.invokes, 100u);
  EXPECT_DOUBLE_EQ(stats.latency_last, 100.0);
  EXPECT_DOUBLE_EQ(stats.latency_max, 100.0);
  EXPECT_DOUBLE_EQ(stats.latency_mean, 50.5);
  EXPECT_DOUBLE_EQ(stats.latency_p99, 99.0);           // rank ceil(0.99 * 100) = 99
  for (int i = 0; i < 2000; ++i) latencies.add(5000);  // the window forgets the first ones
  latencies.publish(&stats);
  EXPECT_DOUBLE_EQ(stats.latency_p99, 5.0);
  EXPECT_DOUBLE_EQ(stats.latency_max, 100.0);
  latencies.reset();
  latencies.publish(&stats);
  EXPECT_EQ(stats.invokes, 0u);
}

}  // namespace
}  // namespace edge::nn
