// edgeinfer: runs a .tflite model on a tensor stream with edgestream's own
// engine (core/nn). Each input buffer holds one tensor for the model's input;
// each output buffer holds the model's output tensors (one GstMemory each, as
// other/tensors) and an EdgeClassMeta with the top-k labels and scores of
// output 0. See docs/inference.md.
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_INFER (gst_edge_infer_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeInfer, gst_edge_infer, GST, EDGE_INFER, GstBaseTransform)

G_END_DECLS
