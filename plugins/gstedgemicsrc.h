// edgemicsrc: live audio capture that tells the truth.
//
// A bin around one platform capture element, chosen explicitly or probed:
//   api=pulse     pulsesrc    (PulseAudio, or PipeWire's pipewire-pulse); device= a source name
//   api=pipewire  pipewiresrc (PipeWire); device= a target object (node name or serial)
//   api=alsa      alsasrc     (the kernel's ALSA); device= an ALSA name (plughw:1,0, default)
//   api=auto      pulse, then pipewire, then alsa: the first that opens
// and what the stock elements leave out on a live stream:
//   * No silent fallback: when nothing opens, the start fails with an error that names every
//     capture tried and why (never autoaudiosrc's fake source). A source that opens but
//     delivers nothing for `silence-timeout-ms` is treated as gone.
//   * Truthful timestamps (core/runtime/signal/capture_timeline.h): every buffer is stamped
//     from its sample count and its arrival on the pipeline clock (this bin provides no
//     clock, so a pipeline without an audio sink runs on the system clock, not on a sound
//     server's sample counter). Audio the capture dropped (a starved or stopped process, an
//     overrun) becomes a forward pts jump on a DISCONT buffer, counted (`gaps`,
//     `dropped-frames`) and warned about (GST_ELEMENT_WARNING, at most one a second, saying
//     how much was lost).
//   * Reconnect (on-disconnect=reconnect, the default): when the server or device goes
//     away, its error is replaced by a warning and the capture element is reopened with
//     exponential backoff (reconnect-initial-ms doubling up to reconnect-max-ms) until it
//     answers; counted (`reconnects`), with a warning on loss and on return. The new run
//     starts with a new STREAM_START and a DISCONT buffer stamped at its arrival, so the
//     time away shows as a pts jump. on-disconnect=error makes the loss an error. These
//     rules are core/runtime/io/capture_supervisor.h; what api= opens, in which order, is
//     core/runtime/signal/capture_backends.h.
// Src: the capture element's audio/x-raw (whatever format and rate the server gives; put
// audioconvert ! audioresample after it), live, in a TIME segment whose running time is
// the pts. EOS only when asked (an EOS event sent to the element or pipeline).
// Every gap and reconnect also posts an element message "edgemicsrc-event" (fields: kind
// "gap" | "lost" | "reconnected", frames, seconds, pts, reason) for applications.
// Parameters and counters: core/runtime/signal/capture_params.h (docs/elements-reference.md).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_MIC_SRC (gst_edge_mic_src_get_type())
#define GST_EDGE_MIC_SRC(obj) \
  (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EDGE_MIC_SRC, GstEdgeMicSrc))
#define GST_IS_EDGE_MIC_SRC(obj) (G_TYPE_CHECK_INSTANCE_TYPE((obj), GST_TYPE_EDGE_MIC_SRC))

typedef struct _GstEdgeMicSrc GstEdgeMicSrc;
typedef struct _GstEdgeMicSrcClass GstEdgeMicSrcClass;
struct EdgeMicSrcPrivate;

struct _GstEdgeMicSrc {
  GstBin parent;
  GstPad* srcpad;  // ghost pad onto the capture element's src pad
  EdgeMicSrcPrivate* priv;
};

struct _GstEdgeMicSrcClass {
  GstBinClass parent_class;
};

GType gst_edge_mic_src_get_type(void);

G_END_DECLS
