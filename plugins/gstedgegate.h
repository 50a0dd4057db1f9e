// edgegate: the silence gate of a sound classifier, so that silence is not a class.
//
// Sits right after edgewindow, where a buffer is one window of audio (other/tensors float32,
// or plain audio/x-raw F32LE buffers). Measures each window's RMS level in dBFS
// (core/runtime/signal/level.h). A window at or above `min-level-db` passes untouched (the
// element is in-place passthrough). A quieter one is taken out of the stream and replaced by
// a GAP event for the same time span that says why (edgestream-gate = "silence"), its level,
// and its clip (plugins/common/edgemeta.h: gate_event_new): the elements after it see time
// pass without running (edgeinfer does not invoke the model on silence), and edgelabelsink
// writes the window's line with no label, "gate": "silence" and "level_db".
// Counters: `windows` seen, `gated` taken out. How the default threshold was chosen and what
// it costs: docs/open-set.md.
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_GATE (gst_edge_gate_get_type())
#define GST_EDGE_GATE(obj) (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EDGE_GATE, GstEdgeGate))

typedef struct _GstEdgeGate GstEdgeGate;
typedef struct _GstEdgeGateClass GstEdgeGateClass;

struct _GstEdgeGateClass {
  GstBaseTransformClass parent_class;
};

GType gst_edge_gate_get_type(void);

G_END_DECLS
