// edgespectrum: magnitude or power spectrogram, log-mel or MFCC frames of mono audio,
// over core/runtime/signal/spectrum.h (KissFFT).
//
// Sink: other/tensors float32 windows from edgewindow (dimensions "1:N" or "N"; "C:N" is
//       refused unless mixdown=true), one output per window, with centre padding as set;
//       or audio/x-raw F32LE interleaved (mono, or any channel count with mixdown=true),
//       framed as one stream (no centre padding) and emitted in patches of patch-frames
//       frames every patch-hop frames.
// Src:  other/tensors float32, dimensions "bins:frames" (bins innermost): bins is
//       n-fft/2+1 (magnitude, power), mel-bands (logmel) or n-mfcc (mfcc).
// Keyword spotting as TensorFlow Lite Micro's micro_speech expects (49 x 40): 16 kHz,
// frame-size=0.03 hop-size=0.02 mel-bands=40 on 1 s windows, or patch-frames=49 on audio.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_SPECTRUM (gst_edge_spectrum_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeSpectrum, gst_edge_spectrum, GST, EDGE_SPECTRUM, GstElement)

G_END_DECLS
