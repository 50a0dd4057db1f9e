// edgenormalize: z-score or min-max normalization in place over core/runtime/signal/normalize.h,
// or a pass-through statistics pass (core/runtime/signal/stats.h) that writes the statistics file
// at EOS. Works on audio/x-raw F32LE interleaved and on float32 other/tensors.
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_NORMALIZE (gst_edge_normalize_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeNormalize, gst_edge_normalize, GST, EDGE_NORMALIZE, GstBaseTransform)

G_END_DECLS
