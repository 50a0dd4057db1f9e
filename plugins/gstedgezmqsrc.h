// edgezmqsrc: a live source receiving wire-format v1 messages (core/runtime/net/wire.h,
// docs/network.md) over ZeroMQ SUB (a hub of results) or PULL (a worker), by default
// bound so a fleet of edges connects to it. Caps come from the messages (set on the
// first one, renegotiated when they change); PTS/DTS/duration/offsets, buffer flags,
// EdgeClipMeta and EdgeClassMeta are restored, and a clip-boundary event is pushed when
// the clip id changes. Every message is validated; refused ones (also a well-formed one
// whose caps the graph does not take) are counted per reason, reported on the bus at a
// bounded rate, never pushed, and the source goes on. CURVE: `key` (the hub's secret certificate)
// makes it a CURVE server, `authorized-keys` (a directory of device certificates) admits only
// those. mode=router serves remote inference: requests from edgeinfer's DEALER (data messages with
// a request id) become buffers with an EdgeZmqRouteMeta, and edgezmqsink mode=router further down
// sends each reply back to its peer through this element's socket (plugins/common/zmq_route.h).
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_ZMQ_SRC (gst_edge_zmq_src_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeZmqSrc, gst_edge_zmq_src, GST, EDGE_ZMQ_SRC, GstPushSrc)

G_END_DECLS
