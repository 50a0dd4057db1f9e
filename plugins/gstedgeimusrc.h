// edgeimusrc: IMU samples as CSV lines, from a serial port (an Arduino printing
// `aX,aY,aZ,gX,gY,gZ` lines) or from a recorded CSV file, as audio/x-raw
// F32LE interleaved frames of N channels, so one windowing element serves the
// microphone and the IMU.
//
//   src: audio/x-raw, format=F32LE, layout=interleaved, rate=<rate>,
//        channels=N, channel-mask=(bitmask)0
//
// device=  live source (is-live): termios raw 8N1 at `baud`; timestamps from
//          the pipeline clock at arrival, or nominal (first arrival + n/rate).
//          Unplug: reconnect with exponential backoff (DISCONT and a new clip
//          on resume) or EOS, per `on-disconnect`.
// location= non-live: the file's frames at n/rate from 0, as fast as
//          downstream takes them (or paced in real time with realtime=true).
//
// Bad lines (wrong field count, non-number, overlong) are counted and skipped
// with a rate-limited GST_ELEMENT_WARNING quoting the line; never an error.
// Every buffer carries an EdgeClipMeta (clip id "<name>#<k>"); each clip starts
// with a SEGMENT, the "edgestream-clip" event and a DISCONT buffer. A new clip
// starts at the beginning, after each reconnect and, with
// separators-as-clips=true, at the first frame after a blank line. At EOS the
// element posts an element message "edgeimusrc-stats" with its counters.
// Details: docs/imu.md. Core: core/runtime/io/imu_source.h (reading, time, reconnects, clips)
// over imu_line.h and serial_port.h; properties: core/runtime/io/imu_source_params.h.
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_IMU_SRC (gst_edge_imu_src_get_type())
#define GST_EDGE_IMU_SRC(obj) \
  (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EDGE_IMU_SRC, GstEdgeImuSrc))
#define GST_IS_EDGE_IMU_SRC(obj) (G_TYPE_CHECK_INSTANCE_TYPE((obj), GST_TYPE_EDGE_IMU_SRC))

typedef struct _GstEdgeImuSrc GstEdgeImuSrc;
typedef struct _GstEdgeImuSrcClass GstEdgeImuSrcClass;
struct EdgeImuSrcPrivate;

struct _GstEdgeImuSrc {
  GstPushSrc parent;
  // Settings (under the object lock), the source (streaming thread only)
  // and counters (published atomically, read by get_property from any thread).
  EdgeImuSrcPrivate* priv;
};

struct _GstEdgeImuSrcClass {
  GstPushSrcClass parent_class;
};

GType gst_edge_imu_src_get_type(void);

G_END_DECLS
