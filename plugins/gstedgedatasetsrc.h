// edgedatasetsrc: walks a dataset (ESC-50, UrbanSound8K, DCASE, folder per
// class, gesture CSV) and emits each clip as decoded audio, or each gesture
// recording as IMU frames, with its label, label index, fold and clip id.
//
//   src: audio/x-raw, format=F32LE, layout=interleaved, rate=<file rate or
//        gesture-rate>, channels=<file or CSV channels> (channel-mask=0 above 2)
//
// rate=R and channels=1 convert every clip in the source, in the same pass as its
// decoding (core/runtime/signal/resample.h, ClipConverter): channels mixed down to mono
// by their mean, then resampled to R Hz as if the clip were alone (zeros before and after
// it, ceil(frames x R / rate) frames out), so clips of mixed formats leave as one format
// and no state carries from one clip into the next, whatever the order, shard or job.
// Without them (0, the default) clips leave as decoded. Gesture CSV has no rate to change.
//
// Per clip, in this order: new caps if they changed, a new SEGMENT (not for
// the first clip: basesrc sends that one), the "edgestream-clip" event, then
// the clip's buffers (chunk-frames frames decoded per buffer, fewer or more after
// resampling; the first is DISCONT),
// every one carries an EdgeClipMeta. Timestamps are continuous across clips
// and sample exact: PTS = clip start + frames * 1 s / rate, computed from
// frame counts, never accumulated. EOS after the last clip.
//
// Entries are loaded, checked (path guard) and filtered in start(): a
// metadata error or an entry leading outside the root fails the state change
// with a RESOURCE error naming the file and line. A missing or unreadable clip
// is a RESOURCE error naming it, or with on-missing=skip a warning per clip on
// the bus and +1 on clips-skipped. Core: core/data/datasets/dataset.h,
// core/runtime/io/audio_file.h; properties: core/data/datasets/source_params.h. Details:
// docs/datasets.md.
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_DATASET_SRC (gst_edge_dataset_src_get_type())
#define GST_EDGE_DATASET_SRC(obj) \
  (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EDGE_DATASET_SRC, GstEdgeDatasetSrc))
#define GST_IS_EDGE_DATASET_SRC(obj) (G_TYPE_CHECK_INSTANCE_TYPE((obj), GST_TYPE_EDGE_DATASET_SRC))

typedef struct _GstEdgeDatasetSrc GstEdgeDatasetSrc;
typedef struct _GstEdgeDatasetSrcClass GstEdgeDatasetSrcClass;
struct EdgeDatasetSrcPrivate;

struct _GstEdgeDatasetSrc {
  GstPushSrc parent;
  // Settings (object lock), runtime state (streaming thread only) and
  // counters (atomics, read by get_property from any thread).
  EdgeDatasetSrcPrivate* priv;
};

struct _GstEdgeDatasetSrcClass {
  GstPushSrcClass parent_class;
};

GType gst_edge_dataset_src_get_type(void);

G_END_DECLS
