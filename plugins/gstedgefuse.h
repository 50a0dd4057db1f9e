// edgefuse: late fusion of several classifiers in one graph, the weighted mean of their
// float32 scores for the same window (core/runtime/post/fuse.h), over GstAggregator.
#pragma once

#include <gst/base/gstaggregator.h>
#include <gst/gst.h>

G_BEGIN_DECLS

// Declared by hand, not with G_DECLARE_FINAL_TYPE: GStreamer 1.14 (the Jetson's) defines no
// autoptr cleanup for GstAggregator, which that macro chains up to.
#define GST_TYPE_EDGE_FUSE (gst_edge_fuse_get_type())
#define GST_EDGE_FUSE(obj) (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EDGE_FUSE, GstEdgeFuse))
typedef struct _GstEdgeFuse GstEdgeFuse;
typedef struct {
  GstAggregatorClass parent_class;
} GstEdgeFuseClass;
GType gst_edge_fuse_get_type(void);

G_END_DECLS
