#include "plugins/common/tensorcaps.h"

#include <cstdlib>
#include <sstream>

namespace edge::gst {

namespace {
std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

// A field as text: gst-launch parses unquoted "dimensions=4" as an int (and "4:0" as
// something else again), so anything that is not a string is read back serialized.
bool field_text(const GstStructure* s, const char* field, std::string* out) {
  const GValue* value = gst_structure_get_value(s, field);
  if (!value) return false;
  if (G_VALUE_HOLDS_STRING(value)) {
    const gchar* text = g_value_get_string(value);
    if (!text) return false;
    *out = text;
    return true;
  }
  gchar* text = gst_value_serialize(value);
  if (!text) return false;
  *out = text;
  g_free(text);
  return true;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

bool shapes_match(const Shape& a, const Shape& b) {
  auto strip = [](const Shape& s) {
    size_t i = 0;
    while (i + 1 < s.size() && s[i] == 1) ++i;
    return Shape(s.begin() + static_cast<long>(i), s.end());
  };
  return strip(a) == strip(b);
}

GstCaps* tensors_caps_new(const TensorsInfo& info) {
  std::string types, dims;
  for (size_t i = 0; i < info.tensors.size(); ++i) {
    if (i) {
      types += ',';
      dims += ',';
    }
    types += dtype_name(info.tensors[i].type);
    dims += dims_to_string(info.tensors[i].shape);
  }
  return gst_caps_new_simple(EDGE_TENSORS_MIME, "format", G_TYPE_STRING, "static", "num_tensors",
                             G_TYPE_INT, static_cast<int>(info.tensors.size()), "types",
                             G_TYPE_STRING, types.c_str(), "dimensions", G_TYPE_STRING,
                             dims.c_str(), "framerate", GST_TYPE_FRACTION, info.rate_n, info.rate_d,
                             nullptr);
}

bool tensors_caps_parse(const GstCaps* caps, TensorsInfo* info, std::string* error) {
  if (!caps || gst_caps_get_size(caps) < 1) {
    *error = "empty caps";
    return false;
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  if (!gst_structure_has_name(s, EDGE_TENSORS_MIME)) {
    *error = std::string("expected other/tensors, got ") + gst_structure_get_name(s);
    return false;
  }
  const gchar* format = gst_structure_get_string(s, "format");
  if (format && std::string(format) != "static") {
    *error = std::string("only format=static tensors are supported, got format=") + format;
    return false;
  }
  int num = 0;
  std::string types, dims;
  if (!gst_structure_get_int(s, "num_tensors", &num) || !field_text(s, "types", &types) ||
      !field_text(s, "dimensions", &dims)) {
    *error = "other/tensors caps need num_tensors, types and dimensions";
    return false;
  }
  std::vector<std::string> type_list = split(types, ',');
  std::vector<std::string> dim_list = split(dims, ',');
  if (num < 1 || static_cast<size_t>(num) != type_list.size() ||
      static_cast<size_t>(num) != dim_list.size()) {
    *error = "num_tensors=" + std::to_string(num) + " but types=\"" + types +
             "\" and dimensions=\"" + dims + "\"";
    return false;
  }
  TensorsInfo parsed;
  for (int i = 0; i < num; ++i) {
    TensorDesc desc;
    if (!dtype_from_name(trim(type_list[i]), &desc.type)) {
      *error = "unknown tensor type \"" + type_list[i] + "\"";
      return false;
    }
    if (!dims_from_string(dim_list[i], &desc.shape)) {
      *error = "bad tensor dimensions \"" + dim_list[i] + "\"";
      return false;
    }
    parsed.tensors.push_back(desc);
  }
  if (!gst_structure_get_fraction(s, "framerate", &parsed.rate_n, &parsed.rate_d)) {
    parsed.rate_n = 0;
    parsed.rate_d = 1;
  }
  *info = parsed;
  return true;
}

std::string tensors_info_to_string(const TensorsInfo& info) {
  std::string out;
  for (size_t i = 0; i < info.tensors.size(); ++i) {
    if (i) out += ", ";
    out += dtype_name(info.tensors[i].type);
    out += ' ';
    out += dims_to_string(info.tensors[i].shape);
  }
  out += " @ " + std::to_string(info.rate_n) + "/" + std::to_string(info.rate_d);
  return out;
}

GstBuffer* tensors_buffer_new(const TensorsInfo& info) {
  GstBuffer* buffer = gst_buffer_new();
  for (const TensorDesc& t : info.tensors)
    gst_buffer_append_memory(buffer, gst_allocator_alloc(nullptr, t.byte_size(), nullptr));
  return buffer;
}

}  // namespace edge::gst
