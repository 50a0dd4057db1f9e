// edgedatasetsink: writes windows as NumPy shards with a manifest (core/data/store/shard_store.h).
#pragma once

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_DATASET_SINK (gst_edge_dataset_sink_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeDatasetSink, gst_edge_dataset_sink, GST, EDGE_DATASET_SINK, GstBaseSink)

G_END_DECLS
