// edgezmqsink: sends each buffer, with its caps, timestamps, EdgeClipMeta and
// EdgeClassMeta, as one wire-format v1 message (core/runtime/net/wire.h, docs/network.md)
// over ZeroMQ PUB (results to a hub) or PUSH (work to a pool). By default it connects,
// so a fleet of edges connects to a hub that binds; ZeroMQ reconnects by itself when
// the hub restarts. A bounded send queue (`queue` messages) with policy `drop` (count
// and go on) or `block` (wait for room, interruptible by a state change); CURVE
// encryption with `key` (own secret certificate) and `server-key` (the hub's public one).
// mode=router sends each buffer as the reply to the remote-inference request it answers:
// the buffer's EdgeZmqRouteMeta (set by edgezmqsrc mode=router upstream) names the peer
// and the request id, and the reply leaves through that source's socket; `address`,
// `bind` and the CURVE keys are the source's business then. A buffer with no route is
// dropped and counted.
#pragma once

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EDGE_ZMQ_SINK (gst_edge_zmq_sink_get_type())
G_DECLARE_FINAL_TYPE(GstEdgeZmqSink, gst_edge_zmq_sink, GST, EDGE_ZMQ_SINK, GstBaseSink)

typedef enum {
  GST_EDGE_ZMQ_SINK_MODE_PUB,
  GST_EDGE_ZMQ_SINK_MODE_PUSH,
  GST_EDGE_ZMQ_SINK_MODE_ROUTER,
} GstEdgeZmqSinkMode;

typedef enum {
  GST_EDGE_ZMQ_POLICY_DROP,
  GST_EDGE_ZMQ_POLICY_BLOCK,
} GstEdgeZmqPolicy;

G_END_DECLS
