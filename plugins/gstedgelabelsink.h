// edgelabelsink: writes one JSON line per classified window (core/runtime/post/label_record.h) to
// stdout or a file, and posts an "edgestream-label" element message on the bus for each.
#pragma once

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_LABEL_SINK (gst_edge_label_sink_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeLabelSink, gst_edge_label_sink, GST, EDGE_LABEL_SINK, GstBaseSink)

G_END_DECLS
