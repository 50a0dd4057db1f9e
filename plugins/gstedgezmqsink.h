// edgezmqsink: sends each buffer, with its caps, timestamps, EdgeClipMeta and
// EdgeClassMeta, as one wire-format v1 message (core/runtime/net/wire.h, docs/network.md)
// over ZeroMQ PUB (results to a hub) or PUSH (work to a pool). By default it connects,
// so a fleet of edges connects to a hub that binds; ZeroMQ reconnects by itself when
// the hub restarts. Nothing is handed to nobody: PUB waits for a hub's subscription,
// and with policy `drop` what finds no receiver or a full queue (`queue` messages) is
// counted, with `block` the sink waits (interruptible by a state change). CURVE
// encryption with `key` (own secret certificate) and `server-key` (the hub's public
// one); a handshake the hub refuses is an element error. Properties and counters:
// core/runtime/net/zmq_params.h; delivery rules: core/runtime/net/sender.h.
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

G_END_DECLS
