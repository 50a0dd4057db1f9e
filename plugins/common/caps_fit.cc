#include "plugins/common/caps_fit.h"

namespace edge::gst {

namespace {
constexpr char kName[] = "edgestream-caps-fit";
}

GstQuery* caps_fit_query_new(GstCaps* caps) {
  return gst_query_new_custom(GST_QUERY_CUSTOM,
                              gst_structure_new(kName, "caps", GST_TYPE_CAPS, caps, nullptr));
}

bool caps_fit_query_parse(GstQuery* query, GstCaps** caps) {
  if (GST_QUERY_TYPE(query) != GST_QUERY_CUSTOM) return false;
  const GstStructure* s = gst_query_get_structure(query);
  if (!s || !gst_structure_has_name(s, kName)) return false;
  const GValue* value = gst_structure_get_value(s, "caps");
  if (!value || !GST_VALUE_HOLDS_CAPS(value)) return false;
  *caps = const_cast<GstCaps*>(gst_value_get_caps(value));
  return true;
}

void caps_fit_query_answer(GstQuery* query, bool fits, const std::string& why) {
  GstStructure* s = gst_query_writable_structure(query);
  gst_structure_set(s, "answered", G_TYPE_BOOLEAN, TRUE, "fits", G_TYPE_BOOLEAN, fits, "why",
                    G_TYPE_STRING, why.c_str(), nullptr);
}

bool caps_fit_query_result(GstQuery* query, std::string* why) {
  const GstStructure* s = gst_query_get_structure(query);
  gboolean answered = FALSE, fits = TRUE;
  if (!s || !gst_structure_get_boolean(s, "answered", &answered) || !answered) return true;
  gst_structure_get_boolean(s, "fits", &fits);
  if (!fits) {
    const gchar* text = gst_structure_get_string(s, "why");
    *why = text ? text : "";
  }
  return fits;
}

bool caps_fit_downstream(GstPad* srcpad, GstCaps* caps, std::string* why) {
  if (!gst_pad_peer_query_accept_caps(srcpad, caps)) {
    *why = "the graph downstream does not accept these caps";
    return false;
  }
  GstQuery* query = caps_fit_query_new(caps);
  bool fits = true;
  if (gst_pad_peer_query(srcpad, query)) fits = caps_fit_query_result(query, why);
  gst_query_unref(query);
  return fits;
}

}  // namespace edge::gst
