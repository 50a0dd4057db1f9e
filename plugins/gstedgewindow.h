// edgewindow: cuts an audio or sensor stream into fixed-length windows (other/tensors
// float32, dimensions "C:size"), sliding (size/hop) or triggered (motion threshold), over
// core/runtime/signal/window.h. Restarts at every clip boundary, segment, discontinuity and EOS.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_WINDOW (gst_edge_window_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeWindow, gst_edge_window, GST, EDGE_WINDOW, GstElement)

G_END_DECLS
