#include "plugins/gstedgegate.h"

#include <string>

#include "plugins/common/edgemeta.h"
#include "plugins/common/gparams.h"
#include "signal/level.h"
#include "signal/level_params.h"

GST_DEBUG_CATEGORY_STATIC(edge_gate_debug);
#define GST_CAT_DEFAULT edge_gate_debug

namespace {
// Property values (declared in core/runtime/signal/level_params.h), under the object lock.
using Settings = edge::signal::GateSettings;
}  // namespace

struct _GstEdgeGate {
  GstBaseTransform parent;
  Settings* settings;
  edge::signal::GateStatistics* counters;  // published by the streaming thread
};

G_DEFINE_TYPE(GstEdgeGate, gst_edge_gate, GST_TYPE_BASE_TRANSFORM)

#define EDGE_GATE_CAPS                                                                        \
  "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "         \
  "framerate=(fraction)[0/1,2147483647/1]; "                                                  \
  "other/tensor, type=(string)float32, framerate=(fraction)[0/1,2147483647/1]; "              \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int)[1,2147483647], " \
  "channels=(int)[1,65535]"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_GATE_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(EDGE_GATE_CAPS));

static GstFlowReturn gst_edge_gate_transform_ip(GstBaseTransform* trans, GstBuffer* buffer) {
  GstEdgeGate* self = GST_EDGE_GATE(trans);
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("edgegate: cannot map a window"), (nullptr));
    return GST_FLOW_ERROR;
  }
  const double level =
      edge::signal::rms_dbfs(reinterpret_cast<const float*>(map.data), map.size / sizeof(float));
  gst_buffer_unmap(buffer, &map);
  edge::signal::GateStatistics* c = self->counters;
  edge::params::publish(&c->windows, edge::params::published(&c->windows) + 1);
  GST_OBJECT_LOCK(self);
  const double min_level = self->settings->min_level_db;
  GST_OBJECT_UNLOCK(self);
  GST_LOG_OBJECT(self, "window at %" GST_TIME_FORMAT ": %.1f dBFS",
                 GST_TIME_ARGS(GST_BUFFER_PTS(buffer)), level);
  if (level >= min_level) return GST_FLOW_OK;

  edge::params::publish(&c->gated, edge::params::published(&c->gated) + 1);
  edge::gst::GateInfo info;
  info.pts = GST_BUFFER_PTS(buffer);
  info.duration = GST_BUFFER_DURATION(buffer);
  info.level_db = level;
  info.has_clip = edge::gst::clip_meta_get(buffer, &info.clip, &info.window_index);
  if (!GST_CLOCK_TIME_IS_VALID(info.pts)) {
    GST_DEBUG_OBJECT(self, "a silent window without a timestamp: dropped without a GAP");
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  if (!gst_pad_push_event(GST_BASE_TRANSFORM_SRC_PAD(trans), edge::gst::gate_event_new(info)))
    GST_DEBUG_OBJECT(self, "downstream did not take the gap event");
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

static gboolean gst_edge_gate_start(GstBaseTransform* trans) {
  GstEdgeGate* self = GST_EDGE_GATE(trans);
  edge::params::publish(&self->counters->windows, uint64_t{0});
  edge::params::publish(&self->counters->gated, uint64_t{0});
  return TRUE;
}

static void* settings_of(GObject* object) { return GST_EDGE_GATE(object)->settings; }
static const void* statistics_of(GObject* object) { return GST_EDGE_GATE(object)->counters; }
static const edge::gst::ParamBinding kParams = {edge::signal::gate_params, settings_of,
                                                statistics_of};

static void gst_edge_gate_finalize(GObject* object) {
  GstEdgeGate* self = GST_EDGE_GATE(object);
  delete self->settings;
  delete self->counters;
  G_OBJECT_CLASS(gst_edge_gate_parent_class)->finalize(object);
}

static void gst_edge_gate_class_init(GstEdgeGateClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->finalize = gst_edge_gate_finalize;
  edge::gst::install_params(gobject_class, kParams);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Edge silence gate", "Filter/Analyzer/Audio",
      "Takes windows quieter than a level out of the stream (a GAP event that says why in their "
      "place), so that silence is never classified",
      "edgestream developers");
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_edge_gate_transform_ip);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_edge_gate_start);
  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->transform_ip_on_passthrough = TRUE;
  GST_DEBUG_CATEGORY_INIT(edge_gate_debug, "edgegate", 0, "edgestream silence gate");
}

static void gst_edge_gate_init(GstEdgeGate* self) {
  self->settings = new Settings();
  self->counters = new edge::signal::GateStatistics();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}
