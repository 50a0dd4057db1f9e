#include "plugins/common/tensorcaps.h"

#include <cstdlib>
#include <cstring>
#include <numeric>

#include "common/error.h"
#include "common/text.h"
#include "tensor/nns_header.h"

namespace edge::gst {

namespace {
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
  if (info.flexible)
    return gst_caps_new_simple(EDGE_TENSORS_MIME, "format", G_TYPE_STRING, "flexible", "framerate",
                               GST_TYPE_FRACTION, info.rate_n, info.rate_d, nullptr);
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

namespace {

void read_framerate(const GstStructure* s, TensorsInfo* info) {
  if (!gst_structure_get_fraction(s, "framerate", &info->rate_n, &info->rate_d)) {
    info->rate_n = 0;
    info->rate_d = 1;
  }
}

// One tensor's type and dimensions text into desc.
bool parse_tensor(const std::string& type, const std::string& dims, TensorDesc* desc,
                  std::string* error) {
  if (!dtype_from_name(trim(type), &desc->type)) {
    *error = "unknown tensor type \"" + type + "\"";
    return false;
  }
  if (!dims_from_string(dims, &desc->shape)) {
    *error = "bad tensor dimensions \"" + dims + "\"";
    return false;
  }
  return true;
}

bool parse(const GstCaps* caps, TensorsInfo* info, bool flexible_ok, std::string* error) {
  if (!caps || gst_caps_get_size(caps) < 1) {
    *error = "empty caps";
    return false;
  }
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  TensorsInfo parsed;
  read_framerate(s, &parsed);
  if (gst_structure_has_name(s, EDGE_TENSOR_LEGACY_MIME)) {
    std::string type, dims;
    if (!field_text(s, "type", &type) || !field_text(s, "dimension", &dims)) {
      *error = "other/tensor caps need type and dimension";
      return false;
    }
    TensorDesc desc;
    if (!parse_tensor(type, dims, &desc, error)) return false;
    parsed.tensors.push_back(desc);
    *info = parsed;
    return true;
  }
  if (!gst_structure_has_name(s, EDGE_TENSORS_MIME)) {
    *error = std::string("expected other/tensors, got ") + gst_structure_get_name(s);
    return false;
  }
  const gchar* format = gst_structure_get_string(s, "format");
  const std::string fmt = format ? format : "static";
  if (fmt == "flexible") {
    if (!flexible_ok) {
      *error =
          "format=flexible tensors (each buffer says its own shape): put NNStreamer's "
          "tensor_converter in front to make them static";
      return false;
    }
    parsed.flexible = true;
    *info = parsed;
    return true;
  }
  if (fmt == "sparse") {
    *error =
        "format=sparse tensors: put NNStreamer's tensor_sparse_dec in front to make them dense";
    return false;
  }
  if (fmt != "static") {
    *error = "unknown tensor format=" + fmt;
    return false;
  }
  int num = 0;
  std::string types, dims;
  if (!gst_structure_get_int(s, "num_tensors", &num) || !field_text(s, "types", &types) ||
      !field_text(s, "dimensions", &dims)) {
    *error = "other/tensors caps need num_tensors, types and dimensions";
    return false;
  }
  std::vector<std::string> type_list = split_trimmed(types, ',');
  std::vector<std::string> dim_list = split_trimmed(dims, ',');
  if (num < 1 || static_cast<size_t>(num) != type_list.size() ||
      static_cast<size_t>(num) != dim_list.size()) {
    *error = "num_tensors=" + std::to_string(num) + " but types=\"" + types +
             "\" and dimensions=\"" + dims + "\"";
    return false;
  }
  for (int i = 0; i < num; ++i) {
    TensorDesc desc;
    if (!parse_tensor(type_list[i], dim_list[i], &desc, error)) return false;
    parsed.tensors.push_back(desc);
  }
  *info = parsed;
  return true;
}

}  // namespace

bool tensors_caps_parse(const GstCaps* caps, TensorsInfo* info, std::string* error) {
  return parse(caps, info, false, error);
}

bool tensors_caps_parse_any(const GstCaps* caps, TensorsInfo* info, std::string* error) {
  return parse(caps, info, true, error);
}

bool flexible_tensor_info(GstBuffer* buffer, guint index, TensorDesc* desc, gsize* header_size,
                          std::string* error) {
  if (index >= gst_buffer_n_memory(buffer)) {
    *error = msg("a flexible buffer with ", gst_buffer_n_memory(buffer),
                 " tensor(s) has no tensor ", index);
    return false;
  }
  GstMemory* memory = gst_buffer_peek_memory(buffer, index);
  GstMapInfo map;
  if (!gst_memory_map(memory, &map, GST_MAP_READ)) {
    *error = "cannot map a flexible tensor";
    return false;
  }
  NnsHeader header;
  const bool ok = parse_nns_header(map.data, map.size, &header, error);
  const gsize size = map.size;
  gst_memory_unmap(memory, &map);
  if (!ok) return false;
  desc->type = header.type;
  desc->shape = header.shape;
  if (size != kNnsHeaderSize + desc->byte_size()) {
    *error = msg("a flexible tensor of ", size, " bytes whose header says ", dtype_name(desc->type),
                 " ", dims_to_string(desc->shape), " (", kNnsHeaderSize + desc->byte_size(),
                 " bytes with the header)");
    return false;
  }
  *header_size = kNnsHeaderSize;
  return true;
}

GstMemory* flexible_memory_new(const TensorDesc& desc, const void* data) {
  GstMemory* memory = gst_allocator_alloc(nullptr, kNnsHeaderSize + desc.byte_size(), nullptr);
  GstMapInfo map;
  if (!memory || !gst_memory_map(memory, &map, GST_MAP_WRITE)) {
    if (memory) gst_memory_unref(memory);
    throw Error("cannot allocate a flexible tensor");
  }
  try {
    write_nns_header(desc.type, desc.shape, map.data);
  } catch (...) {
    gst_memory_unmap(memory, &map);
    gst_memory_unref(memory);
    throw;
  }
  std::memcpy(map.data + kNnsHeaderSize, data, desc.byte_size());
  gst_memory_unmap(memory, &map);
  return memory;
}

std::string tensors_info_to_string(const TensorsInfo& info) {
  std::string out = info.flexible ? "flexible" : "";
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

namespace {

// Channels and sample type of a "C:N..." tensor.
bool frame_tensor(const TensorDesc& desc, int* channels, DType* type, std::string* error) {
  if (desc.shape.empty() || dtype_size(desc.type) == 0) {
    *error = msg("expected one tensor of at least one dimension, got ", dtype_name(desc.type), " ",
                 dims_to_string(desc.shape));
    return false;
  }
  *channels = desc.shape.back();
  *type = desc.type;
  return true;
}

}  // namespace

bool frame_format_from_caps(const GstCaps* caps, FrameFormat* format, std::string* error) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  *format = FrameFormat();
  format->tensors = !gst_structure_has_name(s, "audio/x-raw");
  if (!format->tensors) {
    if (!gst_structure_get_int(s, "channels", &format->channels) ||
        !gst_structure_get_int(s, "rate", &format->rate)) {
      *error = "audio caps without rate or channels";
      return false;
    }
    if (g_strcmp0(gst_structure_get_string(s, "format"), "S16LE") == 0)
      format->type = DType::kInt16;
    return true;
  }
  TensorsInfo info;
  if (!tensors_caps_parse_any(caps, &info, error)) return false;
  if (info.rate_n <= 0 || info.rate_d <= 0 || info.rate_n % info.rate_d != 0) {
    *error = msg("a frame stream needs a whole number of frames per second; the tensor caps have ",
                 "framerate=", info.rate_n, "/", info.rate_d);
    return false;
  }
  format->rate = info.rate_n / info.rate_d;
  format->flexible = info.flexible;
  if (info.flexible) return true;
  if (info.tensors.size() != 1) {
    *error = msg("expected one tensor, got ", info.tensors.size());
    return false;
  }
  return frame_tensor(info.tensors[0], &format->channels, &format->type, error);
}

bool flexible_frames(GstBuffer* buffer, int* channels, DType* type, gsize* header_size,
                     std::string* error) {
  if (gst_buffer_n_memory(buffer) != 1) {
    *error = msg("expected one tensor per buffer, got ", gst_buffer_n_memory(buffer));
    return false;
  }
  TensorDesc desc;
  return flexible_tensor_info(buffer, 0, &desc, header_size, error) &&
         frame_tensor(desc, channels, type, error);
}

GstCaps* caps_with_framerate_of(GstCaps* caps, const GstStructure* from) {
  const GValue* rate = from ? gst_structure_get_value(from, "framerate") : nullptr;
  if (!rate) return caps;
  caps = gst_caps_make_writable(caps);
  gst_caps_set_value(caps, "framerate", rate);
  return caps;
}

bool set_tensor_every(TensorsInfo* info, int64_t frames, int rate) {
  const int64_t g = std::gcd(static_cast<int64_t>(rate), frames);
  if (g <= 0 || frames / g > G_MAXINT) return false;
  info->rate_n = static_cast<int>(rate / g);
  info->rate_d = static_cast<int>(frames / g);
  return true;
}

bool frames_duration_fits(GstClockTime duration, guint64 frames, int rate, GstClockTime* expected) {
  *expected = gst_util_uint64_scale_int(frames, GST_SECOND, rate);
  if (!GST_CLOCK_TIME_IS_VALID(duration) || frames < 2) return true;
  const GstClockTime tolerance = GST_MSECOND + *expected / 100;
  return duration + tolerance >= *expected && duration <= *expected + tolerance;
}

}  // namespace edge::gst
