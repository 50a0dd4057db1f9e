// edgefuse: late fusion of several classifiers in one graph, the weighted mean of their
// float32 scores for the same window (core/runtime/post/fuse.h), over GstAggregator.
#pragma once

#include <gst/base/gstaggregator.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_FUSE (gst_edge_fuse_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeFuse, gst_edge_fuse, GST, EDGE_FUSE, GstAggregator)

G_END_DECLS
