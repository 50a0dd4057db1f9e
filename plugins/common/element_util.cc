#include "plugins/common/element_util.h"

namespace edge::gst {

bool running_time_now(GstElement* element, GstClockTime* now) {
  GstClock* clock = gst_element_get_clock(element);
  if (!clock) return false;
  const GstClockTime t = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(element);
  *now = t > base ? t - base : 0;
  return true;
}

bool has_property(gpointer object, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(object), name) != nullptr;
}

bool message_from(GstMessage* message, GstElement* element) {
  GstObject* src = GST_MESSAGE_SRC(message);
  return element && src &&
         (src == GST_OBJECT(element) || gst_object_has_as_ancestor(src, GST_OBJECT(element)));
}

std::string error_message_text(GstMessage* message, std::string* details) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &err, &debug);
  std::string text = err ? err->message : "unknown error";
  *details = debug ? debug : "";
  const size_t line = details->rfind('\n');
  if (line != std::string::npos && line + 1 < details->size())
    text += " (" + details->substr(line + 1) + ")";
  g_clear_error(&err);
  g_free(debug);
  return text;
}

GstBuffer* buffer_wrapping(const void* data, size_t bytes, std::shared_ptr<const void> owner) {
  auto* held = new std::shared_ptr<const void>(std::move(owner));
  GstBuffer* buffer = gst_buffer_new();
  gst_buffer_append_memory(
      buffer, gst_memory_new_wrapped(
                  GST_MEMORY_FLAG_READONLY, const_cast<void*>(data), bytes, 0, bytes, held,
                  [](gpointer p) { delete static_cast<std::shared_ptr<const void>*>(p); }));
  return buffer;
}

}  // namespace edge::gst
