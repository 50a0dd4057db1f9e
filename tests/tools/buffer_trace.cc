// buffer_trace PIPELINE OUT: runs a gst-launch-1.0 description until EOS and records what
// passes the sink pad of its element named "trace" (put `identity name=trace` where to look):
//   OUT.txt  one line per caps event and per buffer, normalized so that graphs made of
//            different elements can be compared line by line:
//              caps tensors format=static|flexible types=float32 dims=1:30000 rate=2/1
//              caps audio/x-raw, ... (anything else: the caps as GStreamer prints them)
//              buffer pts=<ns|none> duration=<ns|none> bytes=<data bytes>
//                     [dims=<flexible only>] [clip=<EdgeClipMeta's clip id>/<window index>]
//   OUT.bin  every buffer's data bytes, in order (a flexible tensor without its header).
// Exit: 0 at EOS, 1 with the error on stderr, 2 on bad arguments, 3 after 120 s.
// A test helper for tests/e2e/nnstreamer_interop.sh.
#include <gst/gst.h>

#include <cstdio>
#include <string>

#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"

namespace {

struct Trace {
  FILE* text = nullptr;
  FILE* data = nullptr;
  bool flexible = false;
};

std::string time_text(GstClockTime t) {
  return GST_CLOCK_TIME_IS_VALID(t) ? std::to_string(t) : std::string("none");
}

void write_caps(Trace* trace, GstCaps* caps) {
  edge::gst::TensorsInfo info;
  std::string error;
  if (edge::gst::tensors_caps_parse_any(caps, &info, &error)) {
    trace->flexible = info.flexible;
    std::string types, dims;
    for (const auto& t : info.tensors) {
      types += (types.empty() ? "" : ",") + std::string(edge::dtype_name(t.type));
      dims += (dims.empty() ? "" : ",") + edge::gst::dims_to_string(t.shape);
    }
    std::fprintf(trace->text, "caps tensors format=%s types=%s dims=%s rate=%d/%d\n",
                 info.flexible ? "flexible" : "static", types.c_str(), dims.c_str(), info.rate_n,
                 info.rate_d);
    return;
  }
  gchar* text = gst_caps_to_string(caps);
  std::fprintf(trace->text, "caps %s\n", text);
  g_free(text);
}

GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer user) {
  auto* trace = static_cast<Trace*>(user);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      write_caps(trace, caps);
    }
    return GST_PAD_PROBE_OK;
  }
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  std::string dims;
  gsize bytes = 0;
  for (guint m = 0; m < gst_buffer_n_memory(buffer); ++m) {
    gsize skip = 0;
    if (trace->flexible) {
      edge::gst::TensorDesc desc;
      std::string error;
      if (!edge::gst::flexible_tensor_info(buffer, m, &desc, &skip, &error)) {
        std::fprintf(trace->text, "bad flexible tensor: %s\n", error.c_str());
        continue;
      }
      dims += (dims.empty() ? "" : ",") + edge::gst::dims_to_string(desc.shape);
    }
    GstMemory* memory = gst_buffer_peek_memory(buffer, m);
    GstMapInfo map;
    if (!gst_memory_map(memory, &map, GST_MAP_READ)) continue;
    std::fwrite(map.data + skip, 1, map.size - skip, trace->data);
    bytes += map.size - skip;
    gst_memory_unmap(memory, &map);
  }
  std::string clip;
  edge::gst::ClipInfo clip_info;
  gint64 window = -1;
  if (edge::gst::clip_meta_get(buffer, &clip_info, &window))
    clip = " clip=" + clip_info.clip_id + "/" + std::to_string(window);
  std::fprintf(trace->text, "buffer pts=%s duration=%s bytes=%zu%s%s%s\n",
               time_text(GST_BUFFER_PTS(buffer)).c_str(),
               time_text(GST_BUFFER_DURATION(buffer)).c_str(), static_cast<size_t>(bytes),
               dims.empty() ? "" : " dims=", dims.c_str(), clip.c_str());
  return GST_PAD_PROBE_OK;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: buffer_trace 'PIPELINE ... identity name=trace ...' OUT\n");
    return 2;
  }
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(argv[1], &error);
  if (!pipeline || error) {
    std::fprintf(stderr, "buffer_trace: %s\n", error ? error->message : "cannot parse");
    return 2;
  }
  GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), "trace");
  if (!element) {
    std::fprintf(stderr, "buffer_trace: no element named trace in the pipeline\n");
    return 2;
  }
  const std::string out = argv[2];
  Trace trace;
  trace.text = std::fopen((out + ".txt").c_str(), "w");
  trace.data = std::fopen((out + ".bin").c_str(), "wb");
  if (!trace.text || !trace.data) {
    std::fprintf(stderr, "buffer_trace: cannot write %s.txt/.bin\n", out.c_str());
    return 2;
  }
  GstPad* pad = gst_element_get_static_pad(element, "sink");
  gst_pad_add_probe(
      pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_data, &trace, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* message = gst_bus_timed_pop_filtered(
      bus, 120 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  int status = 3;
  if (message && GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) status = 0;
  if (message && GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &err, &debug);
    std::fprintf(stderr, "%s: %s\n%s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), err->message,
                 debug ? debug : "");
    g_error_free(err);
    g_free(debug);
    status = 1;
  }
  if (status == 3) std::fprintf(stderr, "buffer_trace: no EOS within 120 s\n");
  if (message) gst_message_unref(message);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  std::fclose(trace.text);
  std::fclose(trace.data);
  gst_object_unref(pad);
  gst_object_unref(element);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return status;
}
