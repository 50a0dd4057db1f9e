// edgereshape: reshapes a float32 window tensor "C:N" into a square "C:side:side" (floor,
// truncating; or ceil, zero padded) or an explicit shape, over core/runtime/signal/reshape.h.
// Truncating and explicit reshapes share the input memory (no copy).
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_RESHAPE (gst_edge_reshape_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeReshape, gst_edge_reshape, GST, EDGE_RESHAPE, GstBaseTransform)

G_END_DECLS
