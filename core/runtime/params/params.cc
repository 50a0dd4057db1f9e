#include "params/params.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <locale>
#include <set>
#include <sstream>

#include "common/error.h"

namespace edge::params {
namespace {

template <class T>
T* field(void* base, size_t offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}
template <class T>
const T* field(const void* base, size_t offset) {
  return reinterpret_cast<const T*>(static_cast<const char*>(base) + offset);
}

// Reads a field; statistics with a relaxed atomic load (written by another thread).
template <class T>
T load(const Param& p, const void* base) {
  const T* f = field<T>(base, p.offset);
  return p.statistic ? published(f) : *f;
}

bool is_signed_int(Type t) { return t == Type::kInt || t == Type::kInt64; }
bool is_unsigned_int(Type t) { return t == Type::kUInt || t == Type::kUInt64; }
bool is_real(Type t) { return t == Type::kFloat || t == Type::kDouble; }

// Shortest text that reads back as the same double (or float): "0.03", "1e-06", "3600".
std::string real_text(double v, bool single) {
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {  // whole numbers without an exponent
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (single ? std::strtof(buf, nullptr) == static_cast<float>(v)
               : std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

}  // namespace

namespace detail {
std::string choice_nicks(const Param& p) {
  std::string out;
  for (size_t i = 0; i < p.choices.size(); ++i) {
    if (i) out += i + 1 == p.choices.size() ? " or " : ", ";
    out += p.choices[i].nick;
  }
  return out;
}
}  // namespace detail

const char* type_name(Type type) {
  switch (type) {
    case Type::kBool:
      return "bool";
    case Type::kInt:
      return "int";
    case Type::kUInt:
      return "uint";
    case Type::kInt64:
      return "int64";
    case Type::kUInt64:
      return "uint64";
    case Type::kFloat:
      return "float";
    case Type::kDouble:
      return "double";
    case Type::kString:
      return "string";
    case Type::kEnum:
      return "enum";
  }
  return "?";
}

const Choice* Param::choice(int64_t value) const {
  for (const Choice& c : choices)
    if (c.value == value) return &c;
  return nullptr;
}

const Choice* Param::choice(const std::string& nick_or_doc) const {
  for (const Choice& c : choices)
    if (nick_or_doc == c.nick) return &c;
  for (const Choice& c : choices)
    if (nick_or_doc == c.doc) return &c;
  return nullptr;
}

const Param* Table::find(const std::string& name) const {
  for (const Param& p : params)
    if (name == p.name) return &p;
  return nullptr;
}

Value get(const Param& p, const void* fields) {
  Value v;
  switch (p.type) {
    case Type::kBool:
      v.b = load<bool>(p, fields);
      break;
    case Type::kInt:
      v.i = load<int32_t>(p, fields);
      break;
    case Type::kUInt:
      v.u = load<uint32_t>(p, fields);
      break;
    case Type::kInt64:
      v.i = load<int64_t>(p, fields);
      break;
    case Type::kUInt64:
      v.u = load<uint64_t>(p, fields);
      break;
    case Type::kFloat:
      v.d = load<float>(p, fields);
      break;
    case Type::kDouble:
      v.d = load<double>(p, fields);
      break;
    case Type::kString:
      v.s = *field<std::string>(fields, p.offset);
      v.null = p.nullable && v.s.empty();
      break;
    case Type::kEnum: {
      int e = 0;  // an int-sized enum, copied bytewise (it is not an int object)
      std::memcpy(&e, field<char>(fields, p.offset), sizeof e);
      v.i = e;
      break;
    }
  }
  return v;
}

void set(const Param& p, void* settings, const Value& v) {
  switch (p.type) {
    case Type::kBool:
      *field<bool>(settings, p.offset) = v.b;
      break;
    case Type::kInt:
      *field<int32_t>(settings, p.offset) = static_cast<int32_t>(v.i);
      break;
    case Type::kUInt:
      *field<uint32_t>(settings, p.offset) = static_cast<uint32_t>(v.u);
      break;
    case Type::kInt64:
      *field<int64_t>(settings, p.offset) = v.i;
      break;
    case Type::kUInt64:
      *field<uint64_t>(settings, p.offset) = v.u;
      break;
    case Type::kFloat:
      *field<float>(settings, p.offset) = static_cast<float>(v.d);
      break;
    case Type::kDouble:
      *field<double>(settings, p.offset) = v.d;
      break;
    case Type::kString:
      *field<std::string>(settings, p.offset) = v.null ? std::string() : v.s;
      break;
    case Type::kEnum: {
      const int e = static_cast<int>(v.i);
      std::memcpy(field<char>(settings, p.offset), &e, sizeof e);
      break;
    }
  }
}

std::string why_invalid(const Param& p, const Value& v) {
  const std::string text = to_text(p, v);
  if (is_signed_int(p.type)) {
    if (v.i < p.min.i) return text + " is below the minimum " + to_text(p, p.min);
    if (v.i > p.max.i) return text + " is above the maximum " + to_text(p, p.max);
  } else if (is_unsigned_int(p.type)) {
    if (v.u < p.min.u) return text + " is below the minimum " + to_text(p, p.min);
    if (v.u > p.max.u) return text + " is above the maximum " + to_text(p, p.max);
  } else if (is_real(p.type)) {
    if (std::isnan(v.d)) return "NaN is not a number";
    if (v.d < p.min.d) return text + " is below the minimum " + to_text(p, p.min);
    if (v.d > p.max.d) return text + " is above the maximum " + to_text(p, p.max);
  } else if (p.type == Type::kEnum) {
    if (!p.choice(v.i)) return std::to_string(v.i) + " is not one of " + detail::choice_nicks(p);
  }
  if (p.check) return p.check(v);
  return std::string();
}

std::string allowed(const Param& p) {
  switch (p.type) {
    case Type::kBool:
      return "true or false";
    case Type::kInt:
    case Type::kUInt:
    case Type::kInt64:
    case Type::kUInt64:
      return "an integer from " + to_text(p, p.min) + " to " + to_text(p, p.max) +
             (p.check ? std::string(" (") + p.check_allowed + ")" : "");
    case Type::kFloat:
    case Type::kDouble:
      if (-p.min.d == p.max.d && p.max.d == std::numeric_limits<double>::max()) return "any number";
      return "a number from " + to_text(p, p.min) + " to " + to_text(p, p.max) +
             (p.check ? std::string(" (") + p.check_allowed + ")" : "");
    case Type::kString:
      return p.check ? p.check_allowed : "any text";
    case Type::kEnum:
      return "one of " + detail::choice_nicks(p);
  }
  return std::string();
}

std::string to_text(const Param& p, const Value& v) {
  switch (p.type) {
    case Type::kBool:
      return v.b ? "true" : "false";
    case Type::kInt:
    case Type::kInt64:
      return std::to_string(v.i);
    case Type::kUInt:
    case Type::kUInt64:
      return std::to_string(v.u);
    case Type::kFloat:
      return real_text(v.d, true);
    case Type::kDouble:
      return real_text(v.d, false);
    case Type::kString:
      return v.null ? std::string() : v.s;
    case Type::kEnum:
      if (const Choice* c = p.choice(v.i)) return c->nick;
      return std::to_string(v.i);
  }
  return std::string();
}

namespace detail {

Param& add(Table* table, const char* name, const char* nick, const char* doc, Type type,
           size_t offset) {
  table->params.emplace_back();
  Param& p = table->params.back();
  p.name = name;
  p.nick = nick;
  p.doc = doc;
  p.type = type;
  p.offset = offset;
  return p;
}

void validate_table(const Table& table) {
  std::set<std::string> names;
  for (const Param& p : table.params) {
    const std::string where = table.element + " " + p.name;
    if (!names.insert(p.name).second) throw Error(msg(where, ": declared twice"));
    if (p.name[0] == '\0' ||
        std::strspn(p.name, "abcdefghijklmnopqrstuvwxyz0123456789-") != std::strlen(p.name))
      throw Error(msg(where, ": a name is lower-case letters, digits and '-'"));
    if (p.type == Type::kEnum && p.choices.empty()) throw Error(msg(where, ": no choices"));
    if (p.type == Type::kEnum && p.enum_type[0] == '\0')
      throw Error(msg(where, ": no enum type name"));
    if (p.check && p.check_allowed[0] == '\0')
      throw Error(msg(where, ": a check needs a description of what it allows"));
    const std::string why = why_invalid(p, p.def);
    if (!why.empty() && !(p.nullable && p.def.null))
      throw Error(msg(where, ": the default is invalid: ", why));
  }
}

}  // namespace detail
}  // namespace edge::params
