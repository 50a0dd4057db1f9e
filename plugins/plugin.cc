// Registers every edgestream element in one plugin, libgstedgestream.
#include <gst/gst.h>

#include "plugins/common/edgemeta.h"
#include "plugins/gstedgedatasetsink.h"
#include "plugins/gstedgedatasetsrc.h"
#include "plugins/gstedgefuse.h"
#include "plugins/gstedgegate.h"
#include "plugins/gstedgeimusrc.h"
#include "plugins/gstedgeinfer.h"
#include "plugins/gstedgelabelsink.h"
#include "plugins/gstedgemicsrc.h"
#include "plugins/gstedgenormalize.h"
#include "plugins/gstedgeresample.h"
#include "plugins/gstedgereshape.h"
#include "plugins/gstedgespectrum.h"
#include "plugins/gstedgewindow.h"
#include "plugins/gstedgezmqsink.h"
#include "plugins/gstedgezmqsrc.h"
// Add an element: its header above, its gst_element_register line below, both sorted.

#ifndef PACKAGE
#define PACKAGE "edgestream"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  // Register the metas up front so their GTypes exist before any element runs.
  edge_clip_meta_get_info();
  edge_class_meta_get_info();
  gboolean ok = TRUE;
  ok &= gst_element_register(plugin, "edgedatasetsink", GST_RANK_NONE, GST_TYPE_EDGE_DATASET_SINK);
  ok &= gst_element_register(plugin, "edgedatasetsrc", GST_RANK_NONE, GST_TYPE_EDGE_DATASET_SRC);
  ok &= gst_element_register(plugin, "edgefuse", GST_RANK_NONE, GST_TYPE_EDGE_FUSE);
  ok &= gst_element_register(plugin, "edgegate", GST_RANK_NONE, GST_TYPE_EDGE_GATE);
  ok &= gst_element_register(plugin, "edgeimusrc", GST_RANK_NONE, GST_TYPE_EDGE_IMU_SRC);
  ok &= gst_element_register(plugin, "edgeinfer", GST_RANK_NONE, GST_TYPE_EDGE_INFER);
  ok &= gst_element_register(plugin, "edgelabelsink", GST_RANK_NONE, GST_TYPE_EDGE_LABEL_SINK);
  ok &= gst_element_register(plugin, "edgemicsrc", GST_RANK_NONE, GST_TYPE_EDGE_MIC_SRC);
  ok &= gst_element_register(plugin, "edgenormalize", GST_RANK_NONE, GST_TYPE_EDGE_NORMALIZE);
  ok &= gst_element_register(plugin, "edgeresample", GST_RANK_NONE, GST_TYPE_EDGE_RESAMPLE);
  ok &= gst_element_register(plugin, "edgereshape", GST_RANK_NONE, GST_TYPE_EDGE_RESHAPE);
  ok &= gst_element_register(plugin, "edgespectrum", GST_RANK_NONE, GST_TYPE_EDGE_SPECTRUM);
  ok &= gst_element_register(plugin, "edgewindow", GST_RANK_NONE, GST_TYPE_EDGE_WINDOW);
  ok &= gst_element_register(plugin, "edgezmqsink", GST_RANK_NONE, GST_TYPE_EDGE_ZMQ_SINK);
  ok &= gst_element_register(plugin, "edgezmqsrc", GST_RANK_NONE, GST_TYPE_EDGE_ZMQ_SRC);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, edgestream,
                  "Audio and sensor machine learning for edge devices: sources, windowing, "
                  "normalization, features, TFLite inference and sinks",
                  plugin_init, EDGESTREAM_VERSION, "MIT/X11", "edgestream",
                  "https://github.com/edgestream/edgestream")
