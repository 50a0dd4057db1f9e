// Dataset decoding speed on the 500 real UrbanSound8K clips (folds 1 and 2,
// 22050 Hz mono 16-bit, 4.00 s each), on one thread:
//   BM_CoreDecode           core::AudioFileReader in chunks of 4096 frames
//   BM_DatasetSrcToFakesink edgedatasetsrc ! fakesink (the element's whole path:
//                           metadata, path guard, decode, buffers, meta, events)
// Counters: clips/s (items_per_second) and audio_s, seconds of audio decoded per
// second of wall time (x real time). Needs ../shared/data; skips without it.
// Run on one core: taskset -c 0 build/bench/bench_datasets
#include <benchmark/benchmark.h>
#include <gst/gst.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "io/audio_file.h"

namespace {

std::string us8k_root() {
  const char* env = std::getenv("EDGE_SHARED_DATA");
  std::string base = env ? env : std::string(EDGE_BENCH_SOURCE_ROOT) + "/../shared/data";
  return base + "/sound/urbansound8k-folds1-2";
}

std::string exe_dir() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  path[n] = '\0';
  std::string p = path;
  return p.substr(0, p.find_last_of('/'));
}

void BM_CoreDecode(benchmark::State& state) {
  edge::datasets::Dataset ds;
  try {
    ds = edge::datasets::load_dataset(us8k_root());
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::vector<float> chunk(4096);
  double audio_seconds = 0;
  for (auto _ : state) {
    for (const auto& e : ds.entries) {
      edge::io::AudioFileReader reader(e.resolved, e.path);
      chunk.resize(4096 * static_cast<size_t>(reader.info().channels));
      while (reader.read(chunk.data(), 4096) > 0) {
      }
      audio_seconds += static_cast<double>(reader.info().frames) / reader.info().rate;
      benchmark::DoNotOptimize(chunk.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ds.entries.size()));
  state.counters["audio_s"] = benchmark::Counter(audio_seconds, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CoreDecode)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_DatasetSrcToFakesink(benchmark::State& state) {
  const std::string root = us8k_root();
  if (access((root + "/metadata.csv").c_str(), R_OK) != 0) {
    state.SkipWithError(("shared real data not found: " + root).c_str());
    return;
  }
  const std::string launch = "edgedatasetsrc location=" + root + " name=src ! fakesink sync=false";
  double audio_seconds = 0;
  guint64 clips = 0;
  for (auto _ : state) {
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
    if (!pipeline) {
      state.SkipWithError(error ? error->message : "cannot build the pipeline");
      if (error) g_error_free(error);
      return;
    }
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, GST_CLOCK_TIME_NONE, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    const bool ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (m) gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    guint64 emitted = 0;
    if (src) {
      g_object_get(src, "clips-emitted", &emitted, nullptr);
      gst_object_unref(src);
    }
    gst_object_unref(pipeline);
    if (!ok) {
      state.SkipWithError("pipeline did not reach EOS");
      return;
    }
    clips += emitted;
    audio_seconds += emitted * 4.0;  // every clip of this set is 4.00 s
  }
  state.SetItemsProcessed(static_cast<int64_t>(clips));
  state.counters["audio_s"] = benchmark::Counter(audio_seconds, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DatasetSrcToFakesink)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // Our plugin from the build tree unless the caller chose one.
  setenv("GST_PLUGIN_PATH", (exe_dir() + "/../plugins").c_str(), 0);
  gst_init(&argc, &argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
