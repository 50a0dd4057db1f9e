#include "plugins/gstedgegate.h"

#include <atomic>
#include <string>

#include "plugins/common/edgemeta.h"
#include "signal/level.h"

GST_DEBUG_CATEGORY_STATIC(edge_gate_debug);
#define GST_CAT_DEFAULT edge_gate_debug

namespace {

constexpr double kDefaultMinLevelDb = -60.0;

enum { PROP_0, PROP_MIN_LEVEL_DB, PROP_WINDOWS, PROP_GATED };

}  // namespace

struct _GstEdgeGate {
  GstBaseTransform parent;
  double min_level_db;  // GST_OBJECT_LOCK
  std::atomic<guint64>* windows;
  std::atomic<guint64>* gated;
};

G_DEFINE_TYPE(GstEdgeGate, gst_edge_gate, GST_TYPE_BASE_TRANSFORM)

#define EDGE_GATE_CAPS                                                                        \
  "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)float32, "         \
  "framerate=(fraction)[0/1,2147483647/1]; "                                                  \
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
  self->windows->fetch_add(1, std::memory_order_relaxed);
  GST_OBJECT_LOCK(self);
  const double min_level = self->min_level_db;
  GST_OBJECT_UNLOCK(self);
  GST_LOG_OBJECT(self, "window at %" GST_TIME_FORMAT ": %.1f dBFS",
                 GST_TIME_ARGS(GST_BUFFER_PTS(buffer)), level);
  if (level >= min_level) return GST_FLOW_OK;

  self->gated->fetch_add(1, std::memory_order_relaxed);
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

static void gst_edge_gate_set_property(GObject* object, guint id, const GValue* value,
                                       GParamSpec* pspec) {
  GstEdgeGate* self = GST_EDGE_GATE(object);
  if (id != PROP_MIN_LEVEL_DB) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  self->min_level_db = g_value_get_double(value);
  GST_OBJECT_UNLOCK(self);
}

static void gst_edge_gate_get_property(GObject* object, guint id, GValue* value,
                                       GParamSpec* pspec) {
  GstEdgeGate* self = GST_EDGE_GATE(object);
  switch (id) {
    case PROP_MIN_LEVEL_DB:
      GST_OBJECT_LOCK(self);
      g_value_set_double(value, self->min_level_db);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_WINDOWS:
      g_value_set_uint64(value, self->windows->load());
      break;
    case PROP_GATED:
      g_value_set_uint64(value, self->gated->load());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
      break;
  }
}

static gboolean gst_edge_gate_start(GstBaseTransform* trans) {
  GstEdgeGate* self = GST_EDGE_GATE(trans);
  self->windows->store(0);
  self->gated->store(0);
  return TRUE;
}

static void gst_edge_gate_finalize(GObject* object) {
  GstEdgeGate* self = GST_EDGE_GATE(object);
  delete self->windows;
  delete self->gated;
  G_OBJECT_CLASS(gst_edge_gate_parent_class)->finalize(object);
}

static void gst_edge_gate_class_init(GstEdgeGateClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->set_property = gst_edge_gate_set_property;
  gobject_class->get_property = gst_edge_gate_get_property;
  gobject_class->finalize = gst_edge_gate_finalize;

  g_object_class_install_property(
      gobject_class, PROP_MIN_LEVEL_DB,
      g_param_spec_double("min-level-db", "Minimum level (dBFS)",
                          "Windows whose RMS level is below this are silence: taken out (a GAP "
                          "event in their place), never classified. -120: gate nothing",
                          -120.0, 0.0, kDefaultMinLevelDb,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      gobject_class, PROP_WINDOWS,
      g_param_spec_uint64("windows", "Windows", "Windows measured since start", 0, G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_GATED,
      g_param_spec_uint64("gated", "Gated", "Windows taken out as silence since start", 0,
                          G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

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
  self->min_level_db = kDefaultMinLevelDb;
  self->windows = new std::atomic<guint64>(0);
  self->gated = new std::atomic<guint64>(0);
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}
