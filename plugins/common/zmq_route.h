// Reply routing for remote inference on the server side:
//
//   edgezmqsrc mode=router ! edgeinfer model=big.tflite ! edgezmqsink mode=router
//
// The source owns the ROUTER socket that edge devices' DEALERs connect to. ZeroMQ
// sockets must stay on one thread, so the sink never touches it: each request buffer
// carries an EdgeZmqRouteMeta (peer identity, request id, and a shared ZmqReplyChannel),
// the sink pushes its reply into the channel (an inproc PUSH of its own), and the
// source's streaming thread, which polls the channel beside the ROUTER, forwards the
// reply to the peer. Replies are multipart messages [identity, header, payload...].
//
// Lifetime: the channel owns a ZeroMQ context; whoever drops the last reference (the
// source at stop, a sink, or a buffer's meta) terminates it, after every socket on it
// was closed (holders declare the channel before their socket).
//
// Thread safety: a channel is immutable after construction; its context is
// thread-safe. Metas follow the usual GstMeta rules (the buffer's owner).
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <string>
#include <zmq.hpp>

namespace edge::gst {

struct ZmqReplyChannel {
  ZmqReplyChannel();
  zmq::context_t context{1};
  std::string endpoint;  // "inproc://edgestream-replies-N", unique per channel
};

// What a request needs to be answered.
struct ZmqRoute {
  std::shared_ptr<ZmqReplyChannel> channel;
  std::string peer;      // ROUTER identity of the requesting DEALER
  uint64_t request = 0;  // the request id to echo
};

}  // namespace edge::gst

G_BEGIN_DECLS

typedef struct {
  GstMeta meta;
  edge::gst::ZmqRoute* route;  // owned
} EdgeZmqRouteMeta;

GType edge_zmq_route_meta_api_get_type(void);
const GstMetaInfo* edge_zmq_route_meta_get_info(void);
#define EDGE_ZMQ_ROUTE_META_API_TYPE (edge_zmq_route_meta_api_get_type())
#define edge_buffer_get_zmq_route_meta(b) \
  ((EdgeZmqRouteMeta*)gst_buffer_get_meta((b), EDGE_ZMQ_ROUTE_META_API_TYPE))

G_END_DECLS

namespace edge::gst {

// Adds a route meta (a copy of `route`) to a writable buffer. Untagged, so elements that
// copy metas (edgeinfer, queue, tee...) carry it from the source to the sink.
void zmq_route_meta_add(GstBuffer* buffer, const ZmqRoute& route);

}  // namespace edge::gst
