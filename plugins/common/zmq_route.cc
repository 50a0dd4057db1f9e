#include "plugins/common/zmq_route.h"

#include <atomic>

namespace edge::gst {

ZmqReplyChannel::ZmqReplyChannel() {
  static std::atomic<uint64_t> next{0};
  endpoint = "inproc://edgestream-replies-" + std::to_string(next++);
}

}  // namespace edge::gst

namespace {

gboolean route_meta_init(GstMeta* meta, gpointer, GstBuffer*) {
  reinterpret_cast<EdgeZmqRouteMeta*>(meta)->route = nullptr;
  return TRUE;
}

void route_meta_free(GstMeta* meta, GstBuffer*) {
  auto* m = reinterpret_cast<EdgeZmqRouteMeta*>(meta);
  delete m->route;
  m->route = nullptr;
}

gboolean route_meta_transform(GstBuffer* dest, GstMeta* meta, GstBuffer*, GQuark type, gpointer) {
  if (!GST_META_TRANSFORM_IS_COPY(type)) return FALSE;
  auto* src = reinterpret_cast<EdgeZmqRouteMeta*>(meta);
  if (!src->route || edge_buffer_get_zmq_route_meta(dest)) return TRUE;
  edge::gst::zmq_route_meta_add(dest, *src->route);
  return TRUE;
}

}  // namespace

GType edge_zmq_route_meta_api_get_type(void) {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const gchar* tags[] = {nullptr};  // untagged: survives stock transforms
    g_once_init_leave(&type, gst_meta_api_type_register("EdgeZmqRouteMetaAPI", tags));
  }
  return static_cast<GType>(type);
}

const GstMetaInfo* edge_zmq_route_meta_get_info(void) {
  static const GstMetaInfo* info = nullptr;
  if (g_once_init_enter(&info)) {
    const GstMetaInfo* registered = gst_meta_register(
        EDGE_ZMQ_ROUTE_META_API_TYPE, "EdgeZmqRouteMeta", sizeof(EdgeZmqRouteMeta), route_meta_init,
        route_meta_free, route_meta_transform);
    g_once_init_leave(&info, registered);
  }
  return info;
}

namespace edge::gst {

void zmq_route_meta_add(GstBuffer* buffer, const ZmqRoute& route) {
  auto* m = reinterpret_cast<EdgeZmqRouteMeta*>(
      gst_buffer_add_meta(buffer, edge_zmq_route_meta_get_info(), nullptr));
  if (m) m->route = new ZmqRoute(route);
}

}  // namespace edge::gst
