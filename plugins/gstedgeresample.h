// edgeresample: sample-rate conversion over core/runtime/signal/resample.h.
//
//   sink, src: audio/x-raw, format=F32LE, layout=interleaved, any rate, any channels; the
//              two sides differ in rate only (audioconvert first for format and channels).
//
// The output rate comes from downstream caps (a caps filter such as
// audio/x-raw,rate=30000); equal rates pass through untouched. Each clip is resampled as if
// alone: at a clip boundary (the "edgestream-clip" event), a SEGMENT, EOS, a DISCONT buffer
// whose time is not where the stream was, and a caps change, the current run's tail is pushed
// (the input after its end counts as zeros) and the next run starts from zeros, so a clip
// gives ceil(frames x out / in) frames whatever came before it, the same samples as
// edgedatasetsrc rate= gives. FLUSH_STOP drops the run. Output timestamps are counted from
// the run's first input timestamp in output frames (sample exact); buffers keep the input's
// clip meta. Read-only property `kernel`: the SIMD kernel in use (avx2, neon, reference).
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_RESAMPLE (gst_edge_resample_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeResample, gst_edge_resample, GST, EDGE_RESAMPLE, GstBaseTransform)

G_END_DECLS
