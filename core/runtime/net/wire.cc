#include "net/wire.h"

#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/text.h"
#include "tensor/tensor.h"

namespace edge::net {

namespace {

using nlohmann::json;

// ---- encoding ----

// Length of the valid UTF-8 sequence at s[i..n), or 0 when it is not one.
size_t utf8_sequence_length(const unsigned char* s, size_t i, size_t n) {
  const unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else
    return 0;
  if (i + len > n) return 0;
  uint32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i + k] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_json_string(std::string* out, const std::string& value) {
  const auto* s = reinterpret_cast<const unsigned char*>(value.data());
  const size_t n = value.size();
  out->push_back('"');
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", c);
      out->append(esc);
      ++i;
    } else {
      const size_t len = utf8_sequence_length(s, i, n);
      if (len == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
        ++i;
      } else {
        out->append(value, i, len);
        i += len;
      }
    }
  }
  out->push_back('"');
}

void append_key(std::string* out, const char* key) {
  if (out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void append_u64(std::string* out, const char* key, uint64_t value) {
  append_key(out, key);
  char text[24];
  std::snprintf(text, sizeof(text), "%" PRIu64, value);
  out->append(text);
}

void append_i64(std::string* out, const char* key, int64_t value) {
  append_key(out, key);
  char text[24];
  std::snprintf(text, sizeof(text), "%" PRId64, value);
  out->append(text);
}

void append_string(std::string* out, const char* key, const std::string& value) {
  append_key(out, key);
  append_json_string(out, value);
}

// ---- decoding ----

struct Reject {
  RejectReason reason;
  std::string detail;
};

[[noreturn]] void reject(RejectReason reason, const std::string& detail) {
  throw Reject{reason, detail};
}

// Deepest nesting of arrays and objects, outside strings. Checked before parsing so a
// "[[[[..." header can never recurse deeply.
size_t json_depth(const char* s, size_t n) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

const json* find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string get_string(const json& object, const char* key, size_t max_len, bool required,
                       const char* where = "header") {
  const json* v = find(object, key);
  if (!v) {
    if (required) reject(RejectReason::kMalformed, msg(where, " has no \"", key, "\""));
    return std::string();
  }
  if (!v->is_string())
    reject(RejectReason::kMalformed, msg(where, " field \"", key, "\" must be a string"));
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() > max_len)
    reject(RejectReason::kOversized, msg(where, " field \"", key, "\" is ", s.size(),
                                         " bytes, at most ", max_len, " allowed"));
  if (s.find('\0') != std::string::npos)
    reject(RejectReason::kMalformed, msg(where, " field \"", key, "\" contains a NUL character"));
  return s;
}

uint64_t get_u64(const json& object, const char* key, bool required, uint64_t fallback,
                 const char* where = "header") {
  const json* v = find(object, key);
  if (!v || v->is_null()) {
    if (required) reject(RejectReason::kMalformed, msg(where, " has no \"", key, "\""));
    return fallback;
  }
  if (!v->is_number_unsigned())
    reject(RejectReason::kMalformed,
           msg(where, " field \"", key, "\" must be a non-negative integer, found ", v->dump()));
  return v->get<uint64_t>();
}

int64_t get_i64(const json& object, const char* key, int64_t min, int64_t max, int64_t fallback,
                const char* where) {
  const json* v = find(object, key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_number_integer())
    reject(RejectReason::kMalformed, msg(where, " field \"", key, "\" must be an integer"));
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max))
    reject(RejectReason::kMalformed, msg(where, " field \"", key, "\" is out of range"));
  const int64_t value = v->get<int64_t>();
  if (value < min || value > max)
    reject(RejectReason::kMalformed,
           msg(where, " field \"", key, "\" is ", value, ", expected ", min, "..", max));
  return value;
}

bool parse_kind(const std::string& name, MessageKind* kind) {
  for (MessageKind k : {MessageKind::kTensors, MessageKind::kResult, MessageKind::kHeartbeat}) {
    if (name == message_kind_name(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

// ---- caps ----

// Splits on `sep` outside double quotes (backslash escapes inside quotes).
bool split_outside_quotes(const std::string& s, char sep, std::vector<std::string>* parts) {
  parts->clear();
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\' && i + 1 < s.size()) {
      cur += c;
      cur += s[++i];
    } else if (c == '"') {
      quoted = !quoted;
      cur += c;
    } else if (c == sep && !quoted) {
      parts->push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quoted) return false;
  parts->push_back(cur);
  return true;
}

// A caps field value without its "(type)" prefix and quotes.
std::string field_value(const std::string& raw) {
  std::string v = trim(raw);
  if (!v.empty() && v[0] == '(') {
    size_t close = v.find(')');
    if (close != std::string::npos) v = trim(v.substr(close + 1));
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string unq;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      unq += v[i];
    }
    v = unq;
  }
  return v;
}

bool parse_positive(const std::string& text, uint64_t max, uint64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > max) return false;
  *value = v;
  return true;
}

size_t audio_sample_bytes(const std::string& format) {
  struct Entry {
    const char* prefix;
    size_t bytes;
  };
  // Longest prefixes first: S24_32 before S24.
  static const Entry table[] = {
      {"S24_32", 4}, {"U24_32", 4}, {"S20", 3}, {"U20", 3}, {"S18", 3}, {"U18", 3},
      {"S24", 3},    {"U24", 3},    {"S32", 4}, {"U32", 4}, {"F32", 4}, {"F64", 8},
      {"S16", 2},    {"U16", 2},    {"S8", 1},  {"U8", 1},
  };
  for (const Entry& e : table) {
    const size_t len = std::strlen(e.prefix);
    if (format.compare(0, len, e.prefix) != 0) continue;
    const std::string rest = format.substr(len);
    if (rest.empty() || rest == "LE" || rest == "BE") return e.bytes;
    return 0;
  }
  return 0;
}

}  // namespace

bool valid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    const size_t len = utf8_sequence_length(s, i, text.size());
    if (len == 0) return false;
    i += len;
  }
  return true;
}

const char* message_kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::kTensors:
      return "tensors";
    case MessageKind::kResult:
      return "result";
    case MessageKind::kHeartbeat:
      return "heartbeat";
  }
  return "?";
}

const char* reject_reason_name(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformed:
      return "malformed";
    case RejectReason::kVersion:
      return "version";
    case RejectReason::kOversized:
      return "oversized";
    case RejectReason::kCaps:
      return "caps";
    case RejectReason::kPayload:
      return "payload";
  }
  return "?";
}

bool payload_layout_from_caps(const std::string& caps, PayloadLayout* layout, std::string* error) {
  *layout = PayloadLayout();
  std::vector<std::string> fields;
  if (caps.empty() || !split_outside_quotes(caps, ',', &fields)) {
    *error = "caps string is empty or has an unterminated quote";
    return false;
  }
  const std::string media = trim(fields[0]);
  std::string format, types, dims, channels;
  bool have_num = false;
  uint64_t num_tensors = 0;
  for (size_t i = 1; i < fields.size(); ++i) {
    const std::string f = trim(fields[i]);
    const size_t eq = f.find('=');
    if (eq == std::string::npos) {
      *error = msg("caps field \"", f, "\" has no '='");
      return false;
    }
    const std::string name = trim(f.substr(0, eq));
    const std::string value = field_value(f.substr(eq + 1));
    if (name == "format")
      format = value;
    else if (name == "types")
      types = value;
    else if (name == "dimensions")
      dims = value;
    else if (name == "channels")
      channels = value;
    else if (name == "num_tensors") {
      have_num = parse_positive(value, kMaxPayloadFrames, &num_tensors);
      if (!have_num) {
        *error = msg("caps num_tensors \"", value, "\" is not 1..", kMaxPayloadFrames);
        return false;
      }
    }
  }
  if (media == "audio/x-raw") {
    const size_t width = audio_sample_bytes(format);
    uint64_t n_channels = 0;
    if (width == 0) {
      *error = msg("audio caps format \"", format, "\" is not a raw sample format");
      return false;
    }
    if (!parse_positive(channels, 1024, &n_channels)) {
      *error = msg("audio caps channels \"", channels, "\" is not 1..1024");
      return false;
    }
    layout->audio = true;
    layout->frame_bytes = width * n_channels;
    return true;
  }
  if (media != "other/tensors") {
    *error = msg("caps media type \"", media, "\" is not carried: other/tensors or audio/x-raw");
    return false;
  }
  if (format != "static") {
    *error = msg("tensor caps format \"", format, "\" is not static");
    return false;
  }
  std::vector<std::string> type_list, dim_list;
  split_outside_quotes(types, ',', &type_list);
  split_outside_quotes(dims, ',', &dim_list);
  if (!have_num || type_list.size() != num_tensors || dim_list.size() != num_tensors) {
    *error = msg("tensor caps list ", type_list.size(), " types and ", dim_list.size(),
                 " dimensions for num_tensors ", have_num ? std::to_string(num_tensors) : "(none)");
    return false;
  }
  for (size_t t = 0; t < num_tensors; ++t) {
    DType type;
    if (!dtype_from_name(trim(type_list[t]), &type)) {
      *error = msg("tensor ", t, " type \"", trim(type_list[t]), "\" is unknown");
      return false;
    }
    std::vector<std::string> extents;
    split_outside_quotes(trim(dim_list[t]), ':', &extents);
    uint64_t bytes = dtype_size(type);
    for (const std::string& e : extents) {
      uint64_t extent = 0;
      if (!parse_positive(trim(e), std::numeric_limits<int32_t>::max(), &extent) ||
          bytes > (uint64_t{1} << 40) / extent) {
        *error = msg("tensor ", t, " dimensions \"", trim(dim_list[t]),
                     "\" are not positive integers of a size below 1 TiB");
        return false;
      }
      bytes *= extent;
    }
    layout->sizes.push_back(bytes);
  }
  return true;
}

bool payload_fits(const PayloadLayout& layout, const uint64_t* sizes, size_t n,
                  std::string* error) {
  if (layout.audio) {
    if (n == 1 && sizes[0] > 0 && sizes[0] % layout.frame_bytes == 0) return true;
    *error = msg("audio payload must be one non-empty frame of whole ", layout.frame_bytes,
                 "-byte sample frames, found ", n, " frame(s)",
                 n == 0 ? std::string() : msg(" of ", sizes[0], " bytes"));
    return false;
  }
  if (layout.sizes.size() != n) {
    *error = msg("caps describe ", layout.sizes.size(), " tensors, the message has ", n,
                 " payload frames");
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    if (layout.sizes[i] != sizes[i]) {
      *error = msg("tensor ", i, " is ", sizes[i], " bytes, its caps say ", layout.sizes[i]);
      return false;
    }
  }
  return true;
}

std::string portable_caps(const std::string& caps) {
  std::string out;
  out.reserve(caps.size() + 8);
  bool quoted = false;
  for (size_t i = 0; i < caps.size(); ++i) {
    const auto c = static_cast<unsigned char>(caps[i]);
    if (!quoted) {
      if (c == '"') quoted = true;
      out.push_back(static_cast<char>(c));
    } else if (c == '"') {
      quoted = false;
      out.push_back('"');
    } else if (c == '\\' && i + 1 < caps.size()) {  // an escape already: keep it whole
      out.push_back('\\');
      out.push_back(caps[++i]);
    } else if (std::isalnum(c) || std::strchr("_-+/:.", c) != nullptr) {  // GST_ASCII_IS_STRING
      out.push_back(static_cast<char>(c));
    } else if (c > 0x20 && c < 0x7f) {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {  // a space, a control character, or a byte of UTF-8: octal
      char octal[5];
      std::snprintf(octal, sizeof(octal), "\\%03o", c);
      out.append(octal);
    }
  }
  return out;
}

bool DataEncoder::set_caps(const std::string& caps, std::string* error) {
  std::string portable = portable_caps(caps);
  if (portable.size() > kMaxCapsString) {
    *error = msg("caps are ", portable.size(), " bytes, the wire carries at most ", kMaxCapsString);
    return false;
  }
  PayloadLayout layout;
  if (!payload_layout_from_caps(portable, &layout, error)) return false;
  layout_ = std::move(layout);
  message_.caps = std::move(portable);
  has_caps_ = true;
  return true;
}

bool DataEncoder::encode(const Frame* payload, size_t n, std::string* header, std::string* error) {
  if (!has_caps_) {
    *error = "no caps yet: the caps must be set before the first message";
    return false;
  }
  std::vector<uint64_t>& sizes = message_.payload_sizes;
  sizes.resize(n);
  for (size_t i = 0; i < n; ++i) sizes[i] = payload[i].size;
  if (!payload_fits(layout_, sizes.data(), n, error)) return false;
  encode_header(message_, header);
  return true;
}

void encode_header(const WireMessage& m, std::string* out) {
  out->clear();
  out->append(kMagic, 4);
  out->push_back(static_cast<char>(kWireVersion));
  out->push_back(static_cast<char>(m.flags));
  out->push_back('\0');
  out->push_back('\0');
  out->push_back('{');
  append_string(out, "kind", message_kind_name(m.kind));
  append_string(out, "sender", m.sender);
  append_u64(out, "session", m.session);
  append_u64(out, "seq", m.seq);
  if (m.kind == MessageKind::kHeartbeat) {
    append_u64(out, "sent", m.sent);
    append_u64(out, "dropped", m.dropped);
    out->push_back('}');
    return;
  }
  append_string(out, "caps", m.caps);
  if (m.pts != kNone) append_u64(out, "pts", m.pts);
  if (m.dts != kNone) append_u64(out, "dts", m.dts);
  if (m.duration != kNone) append_u64(out, "duration", m.duration);
  if (m.offset != kNone) append_u64(out, "offset", m.offset);
  if (m.offset_end != kNone) append_u64(out, "offset_end", m.offset_end);
  append_u64(out, "flags", m.buffer_flags);
  if (m.request != 0) append_u64(out, "request", m.request);
  if (m.has_clip) {
    append_key(out, "clip");
    out->push_back('{');
    append_string(out, "id", m.clip.clip_id);
    append_string(out, "label", m.clip.label);
    append_i64(out, "label_index", m.clip.label_index);
    append_i64(out, "fold", m.clip.fold);
    append_string(out, "source", m.clip.source);
    append_i64(out, "window", m.clip.window_index);
    out->push_back('}');
  }
  if (m.kind == MessageKind::kResult) {
    append_key(out, "classes");
    out->push_back('[');
    for (size_t i = 0; i < m.classes.size(); ++i) {
      if (i) out->push_back(',');
      out->push_back('{');
      append_string(out, "label", m.classes[i].label);
      append_i64(out, "index", m.classes[i].index);
      append_key(out, "score");
      if (std::isfinite(m.classes[i].score)) {
        char text[32];
        std::snprintf(text, sizeof(text), "%.9g", static_cast<double>(m.classes[i].score));
        out->append(text);
      } else {
        out->append("null");
      }
      out->push_back('}');
    }
    out->push_back(']');
    append_u64(out, "latency_ns", m.latency_ns);
    if (!m.model.empty()) append_string(out, "model", m.model);
  }
  append_key(out, "sizes");
  out->push_back('[');
  for (size_t i = 0; i < m.payload_sizes.size(); ++i) {
    if (i) out->push_back(',');
    char text[24];
    std::snprintf(text, sizeof(text), "%" PRIu64, m.payload_sizes[i]);
    out->append(text);
  }
  out->push_back(']');
  out->push_back('}');
}

bool decode_message(const Frame* frames, size_t n_frames, size_t max_message_size, WireMessage* out,
                    DecodeError* error) {
  try {
    if (n_frames == 0) reject(RejectReason::kMalformed, "message has no frames");
    if (n_frames > kMaxPayloadFrames + 1)
      reject(RejectReason::kPayload,
             msg("message has ", n_frames, " frames, at most ", kMaxPayloadFrames + 1, " allowed"));
    uint64_t total = 0;
    for (size_t i = 0; i < n_frames; ++i) total += frames[i].size;
    if (total > max_message_size)
      reject(RejectReason::kOversized, msg("message is ", total, " bytes, larger than the ",
                                           max_message_size, " bytes allowed"));
    const auto* head = static_cast<const unsigned char*>(frames[0].data);
    const size_t head_size = frames[0].size;
    if (head_size < kPreambleSize || std::memcmp(head, kMagic, 4) != 0)
      reject(RejectReason::kMalformed, "header frame does not start with \"EDGS\"");
    if (head[4] != kWireVersion)
      reject(RejectReason::kVersion,
             msg("wire version ", int{head[4]}, ", this build reads ", int{kWireVersion}));
    if ((head[5] & ~kFlagFinal) != 0 || head[6] != 0 || head[7] != 0)
      reject(RejectReason::kMalformed, msg("header flags 0x", std::hex, int{head[5]},
                                           " or reserved bytes are not ones version 1 defines"));
    const char* text = reinterpret_cast<const char*>(head + kPreambleSize);
    const size_t text_size = head_size - kPreambleSize;
    if (text_size > kMaxHeaderJson)
      reject(RejectReason::kOversized,
             msg("header JSON is ", text_size, " bytes, at most ", kMaxHeaderJson, " allowed"));
    if (json_depth(text, text_size) > kMaxJsonDepth)
      reject(RejectReason::kMalformed,
             msg("header JSON nests deeper than ", kMaxJsonDepth, " levels"));
    const json j = json::parse(text, text + text_size, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      reject(RejectReason::kMalformed, "header is not a valid UTF-8 JSON object");

    WireMessage m;
    m.flags = head[5];
    const std::string kind = get_string(j, "kind", kMaxString, true);
    if (!parse_kind(kind, &m.kind))
      reject(RejectReason::kMalformed,
             msg("header kind \"", kind, "\" is not tensors, result or heartbeat"));
    if ((m.flags & kFlagFinal) && m.kind != MessageKind::kHeartbeat)
      reject(RejectReason::kMalformed, "the final flag is only for heartbeats");
    m.sender = get_string(j, "sender", kMaxString, true);
    if (m.sender.empty()) reject(RejectReason::kMalformed, "header sender is empty");
    m.session = get_u64(j, "session", true, 0);
    m.seq = get_u64(j, "seq", true, 0);
    if (m.kind == MessageKind::kHeartbeat) {
      m.sent = get_u64(j, "sent", true, 0);
      m.dropped = get_u64(j, "dropped", true, 0);
      if (n_frames != 1)
        reject(RejectReason::kPayload, msg("heartbeat has ", n_frames - 1, " payload frames"));
      *out = std::move(m);
      return true;
    }
    m.caps = get_string(j, "caps", kMaxCapsString, true);
    m.pts = get_u64(j, "pts", false, kNone);
    m.dts = get_u64(j, "dts", false, kNone);
    m.duration = get_u64(j, "duration", false, kNone);
    m.offset = get_u64(j, "offset", false, kNone);
    m.offset_end = get_u64(j, "offset_end", false, kNone);
    const uint64_t flags = get_u64(j, "flags", false, 0);
    if (flags > UINT32_MAX) reject(RejectReason::kMalformed, "header buffer flags exceed 32 bits");
    m.buffer_flags = static_cast<uint32_t>(flags);
    m.request = get_u64(j, "request", false, 0);
    if (const json* clip = find(j, "clip")) {
      if (!clip->is_object()) reject(RejectReason::kMalformed, "header clip must be an object");
      m.has_clip = true;
      m.clip.clip_id = get_string(*clip, "id", kMaxString, false, "clip");
      m.clip.label = get_string(*clip, "label", kMaxString, false, "clip");
      m.clip.source = get_string(*clip, "source", kMaxString, false, "clip");
      m.clip.label_index =
          static_cast<int32_t>(get_i64(*clip, "label_index", -1, INT32_MAX, -1, "clip"));
      m.clip.fold = static_cast<int32_t>(get_i64(*clip, "fold", -1, INT32_MAX, -1, "clip"));
      m.clip.window_index = get_i64(*clip, "window", -1, INT64_MAX, -1, "clip");
    }
    if (m.kind == MessageKind::kResult) {
      const json* classes = find(j, "classes");
      if (!classes || !classes->is_array())
        reject(RejectReason::kMalformed, "result header has no \"classes\" array");
      if (classes->size() > kMaxClasses)
        reject(RejectReason::kOversized,
               msg("result has ", classes->size(), " classes, at most ", kMaxClasses, " allowed"));
      for (const json& c : *classes) {
        if (!c.is_object()) reject(RejectReason::kMalformed, "a class entry is not an object");
        WireClass entry;
        entry.label = get_string(c, "label", kMaxString, false, "class entry");
        entry.index = static_cast<int32_t>(get_i64(c, "index", -1, INT32_MAX, -1, "class entry"));
        const json* score = find(c, "score");
        if (!score || !(score->is_number() || score->is_null()))
          reject(RejectReason::kMalformed, "a class entry has no numeric \"score\"");
        entry.score = score->is_null() ? std::numeric_limits<float>::quiet_NaN()
                                       : static_cast<float>(score->get<double>());
        m.classes.push_back(std::move(entry));
      }
      m.latency_ns = get_u64(j, "latency_ns", false, 0);
      m.model = get_string(j, "model", kMaxString, false);
    }
    const json* sizes = find(j, "sizes");
    if (!sizes || !sizes->is_array())
      reject(RejectReason::kMalformed, "header has no \"sizes\" array");
    if (sizes->size() != n_frames - 1)
      reject(RejectReason::kPayload, msg("header lists ", sizes->size(), " payload sizes but ",
                                         n_frames - 1, " payload frames came"));
    for (size_t i = 0; i < sizes->size(); ++i) {
      const json& s = (*sizes)[i];
      if (!s.is_number_unsigned())
        reject(RejectReason::kMalformed, "header sizes must be non-negative integers");
      if (s.get<uint64_t>() != frames[i + 1].size)
        reject(RejectReason::kPayload, msg("payload frame ", i, " is ", frames[i + 1].size,
                                           " bytes, the header says ", s.get<uint64_t>()));
      m.payload_sizes.push_back(frames[i + 1].size);
    }
    PayloadLayout layout;
    std::string why;
    if (!payload_layout_from_caps(m.caps, &layout, &why)) reject(RejectReason::kCaps, why);
    if (!payload_fits(layout, m.payload_sizes.data(), m.payload_sizes.size(), &why))
      reject(RejectReason::kPayload, why);
    *out = std::move(m);
    return true;
  } catch (const Reject& r) {
    error->reason = r.reason;
    error->detail = r.detail;
    return false;
  } catch (const std::exception& e) {  // nlohmann type errors: a malformed header all the same
    error->reason = RejectReason::kMalformed;
    error->detail = msg("header: ", e.what());
    return false;
  }
}

}  // namespace edge::net
