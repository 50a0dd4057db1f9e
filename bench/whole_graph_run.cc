// Runs one GStreamer graph for bench/whole_graph.sh and reports its cost, start-up apart.
//
//   whole_graph_run 'PIPELINE' [FILE... | -]
//
// PIPELINE is gst-launch-1.0 text ending in an element named "sink". Without files it runs
// once to EOS (a dataset source walks every clip itself). With files (or `-`: one path per
// line on stdin) and a filesrc named "src", each file is one clip: location set, PLAYING to
// EOS, back to READY, so every element starts the clip from a clean state (a per-clip reset,
// as a notebook or NNStreamer loop does it), all in this one process.
//
// Prints one line of key=value pairs:
//   buffers bytes         what reached the sink
//   cpu_startup           process CPU seconds (user + system, all threads) until the first
//                         buffer reached the sink: loading GStreamer and its plugins, parsing,
//                         state changes, reading the dataset's metadata
//   cpu_steady            process CPU seconds from then to the end
//   wall_steady           wall seconds from then to the end
//   max_rss_kb            peak resident memory (getrusage)
#include <gst/gst.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Counts {
  guint64 buffers = 0;
  guint64 bytes = 0;
  double cpu_first = -1.0;
  double wall_first = 0.0;
};

GstPadProbeReturn count_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  Counts* c = static_cast<Counts*>(data);
  if (c->cpu_first < 0) {
    c->cpu_first = cpu_seconds();
    c->wall_first = wall_seconds();
  }
  ++c->buffers;
  c->bytes += gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
  return GST_PAD_PROBE_OK;
}

// Runs the pipeline to EOS; false (with the message printed) on an error.
bool run_to_eos(GstElement* pipeline) {
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    std::cerr << "whole_graph_run: the pipeline did not start\n";
    return false;
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(
      bus, GST_CLOCK_TIME_NONE, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  bool ok = GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (!ok) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(m, &error, &debug);
    std::cerr << "whole_graph_run: " << GST_OBJECT_NAME(GST_MESSAGE_SRC(m)) << ": "
              << error->message << " (" << (debug ? debug : "") << ")\n";
    g_error_free(error);
    g_free(debug);
  }
  gst_message_unref(m);
  gst_object_unref(bus);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  if (argc < 2) {
    std::cerr << "usage: whole_graph_run 'PIPELINE ... ! fakesink name=sink' [FILE... | -]\n";
    return 2;
  }
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "-") {
      for (std::string line; std::getline(std::cin, line);)
        if (!line.empty()) files.push_back(line);
    } else {
      files.push_back(argv[i]);
    }
  }
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(argv[1], &error);
  if (!pipeline || error) {
    std::cerr << "whole_graph_run: " << (error ? error->message : "cannot parse") << "\n";
    return 1;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  if (!sink || (!files.empty() && !src)) {
    std::cerr << "whole_graph_run: the pipeline needs a sink named \"sink\""
              << (files.empty() ? "" : " and a filesrc named \"src\"") << "\n";
    return 1;
  }
  Counts counts;
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &counts, nullptr);
  gst_object_unref(pad);

  bool ok = true;
  if (files.empty()) {
    ok = run_to_eos(pipeline);
  } else {
    for (const std::string& file : files) {
      g_object_set(src, "location", file.c_str(), nullptr);
      if (!(ok = run_to_eos(pipeline))) break;
      gst_element_set_state(pipeline, GST_STATE_READY);
    }
  }
  const double cpu_end = cpu_seconds(), wall_end = wall_seconds();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf(
      "buffers=%llu bytes=%llu cpu_startup=%.3f cpu_steady=%.3f wall_steady=%.3f "
      "max_rss_kb=%ld\n",
      static_cast<unsigned long long>(counts.buffers),
      static_cast<unsigned long long>(counts.bytes), counts.cpu_first, cpu_end - counts.cpu_first,
      wall_end - counts.wall_first, u.ru_maxrss);
  if (src) gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return ok ? 0 : 1;
}
