// Parameters declared once: each element's (or tool's) settings as a table of name, nick,
// one-line doc, type, range or choices, default and flags, bound to the fields of a plain
// Settings struct (and, for read-only statistics, of a Statistics struct).
//
// The table lives in core/, next to the algorithm it configures (signal/window_params.h:
// WindowSettings and window_params()). Everything else is made from it:
//   plugins/common/gparams.h   the GParamSpecs, enum GTypes and get/set_property of the element
//   graph/element_params.h     graph.toml values checked before a pipeline runs
//   tools/elements-reference   docs/elements-reference.md
// Elements keep typed Settings (gst-plugins-rs style: Settings under the object lock, runtime
// State apart), so the streaming code reads `settings.size`, not a string map.
//
// Declaring a table (in a .cc, once; the defaults are the Settings' member initializers):
//
//   struct WindowSettings { WindowMode mode = WindowMode::kSliding; double size = 1.0; ... };
//   const Table& window_params() {
//     static const Table table = [] {
//       TableBuilder<WindowSettings> b("edgewindow", "Cuts frames into tensor windows");
//       b.choice("mode", "Mode", "sliding or triggered windows", &WindowSettings::mode,
//                "GstEdgeWindowMode", {{int(WindowMode::kSliding), "sliding", "Every hop"},
//                                      {int(WindowMode::kTriggered), "triggered", "On a peak"}});
//       b.number("size", "Size (s)", "Window length in seconds", &WindowSettings::size,
//                1e-6, 3600.0);
//       b.text("trigger-channels", "Trigger channels", "Channels of the magnitude",
//              &WindowSettings::trigger_channels)
//           .check(check_channel_list, "comma-separated channel numbers such as 0,1,2");
//       return b.build();
//     }();
//     return table;
//   }
//
// Field types and parameter types: bool (kBool), int32_t (kInt), uint32_t (kUInt), int64_t
// (kInt64), uint64_t (kUInt64), float (kFloat), double (kDouble), std::string (kString), an
// int-sized enum (kEnum). The builder refuses (at compile time) a field of any other type and
// (at run time, with edge::Error) a default outside its range or choices, a duplicate name.
//
// Values given as text (a graph.toml placeholder, a command line) are read the way
// gst-launch-1.0 reads a property (booleans true/false/yes/no/t/f/1/0, integers in C notation,
// an enum by nick, value name or number) and checked against type, range, choices and the
// parameter's own check, with a message that names the parameter, the value and what is
// allowed.
//
// Thread safety: a Table is immutable once built (the function-local static above is built
// once, thread-safely). get()/set() touch one Settings object: the caller holds its lock.
// Statistics are read with relaxed atomic loads, so their writers either store with
// publish() or hold the same lock as the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace edge::params {

enum class Type : uint8_t { kBool, kInt, kUInt, kInt64, kUInt64, kFloat, kDouble, kString, kEnum };
// "bool", "int", "uint", "int64", "uint64", "float", "double", "string", "enum"
const char* type_name(Type type);

// Access and mutability (GStreamer's meaning: the latest state in which a write is allowed).
enum Flag : unsigned {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kMutableReady = 1u << 2,    // may be set up to READY: read when the element starts
  kMutablePaused = 1u << 3,   // may be set up to PAUSED
  kMutablePlaying = 1u << 4,  // may be set while running
};
// What number()/text()/choice()/boolean() declare unless .flags() says otherwise.
constexpr unsigned kSetting = kReadable | kWritable | kMutableReady;
// What statistic() declares: read-only.
constexpr unsigned kStatistic = kReadable;

// One value of a parameter; the member that holds it follows the parameter's Type.
struct Value {
  bool b = false;     // kBool
  int64_t i = 0;      // kInt, kInt64, kEnum
  uint64_t u = 0;     // kUInt, kUInt64
  double d = 0.0;     // kFloat, kDouble
  std::string s;      // kString
  bool null = false;  // kString: no text at all (GStreamer's NULL); reads back as ""
};

struct Choice {
  int value;
  const char* nick;  // the word a user writes: "sliding"
  const char* doc;   // one line (GStreamer's value name)
};

// A further condition beyond range and choices (a list syntax, an even number): returns an
// empty string when `value` is fine, else why not ("dimension 0 is not positive").
using Check = std::string (*)(const Value& value);

struct Param {
  // Static strings (string literals): GStreamer keeps pointers to them.
  const char* name = "";  // lower-case words joined by '-': "trigger-channels"
  const char* nick = "";  // a few words: "Trigger channels"
  const char* doc = "";   // one line
  Type type = Type::kString;
  unsigned flags = kSetting;
  Value min, max;               // numbers: the inclusive range
  Value def;                    // the default (the Settings' or Statistics' member initializer)
  std::vector<Choice> choices;  // kEnum, in declaration order
  const char* enum_type = "";   // kEnum: the GType name ("GstEdgeWindowMode")
  bool nullable = false;        // kString: unset is NULL (default NULL, "" reads back as NULL)
  Check check = nullptr;
  const char* check_allowed = "";  // with check: what is allowed, for messages and docs
  // With check: a value that fails it is stored anyway (with a warning) so that the element
  // fails at start with its own message rather than running with the previous value.
  bool keep_invalid = false;
  bool statistic = false;  // a field of the Statistics struct (read-only), not of Settings
  size_t offset = 0;       // of the field in Settings (or Statistics)

  bool writable() const { return (flags & kWritable) != 0; }
  const Choice* choice(int64_t value) const;  // nullptr when value is no choice
  const Choice* choice(const std::string& nick_or_doc) const;
};

struct Table {
  std::string element;  // the element (and graph.toml) name: "edgewindow"
  std::string summary;  // one line
  std::vector<Param> params;

  const Param* find(const std::string& name) const;  // nullptr when there is none
};

// --- values

// The field's value in `fields` (the Settings, or for a statistic the Statistics, object).
Value get(const Param& param, const void* fields);
// Stores `value` into the Settings field, unchecked (see why_invalid()). A null string
// stores "".
void set(const Param& param, void* settings, const Value& value);

// Empty when `value` is within range, one of the choices and passes the check; else why not,
// naming the value: "-1 is below the minimum 0".
std::string why_invalid(const Param& param, const Value& value);

// Reads `text` as gst-launch-1.0 would for this parameter into *value and validates it. Empty
// when valid, else why not: "\"abc\" is not a number".
std::string parse(const Param& param, const std::string& text, Value* value);

// What values are allowed, for messages and docs: "a number from 1e-06 to 3600", "one of
// sliding, triggered", "true or false", "an integer from 0 to 2147483647".
std::string allowed(const Param& param);

// A value as text the way gst-launch-1.0 reads it back (enum: its nick; null: "").
std::string to_text(const Param& param, const Value& value);

// Stores a statistic so that get() on another thread reads it whole (a relaxed atomic store).
template <class T>
void publish(T* field, T value) {
  static_assert(std::is_arithmetic_v<T>, "statistics are numbers");
  __atomic_store(field, &value, __ATOMIC_RELAXED);
}
// Reads a statistic another thread publishes (a relaxed atomic load).
template <class T>
T published(const T* field) {
  static_assert(std::is_arithmetic_v<T>, "statistics are numbers");
  T value;
  __atomic_load(const_cast<T*>(field), &value, __ATOMIC_RELAXED);
  return value;
}

// --- declaring

// No statistics: the default second parameter of TableBuilder.
struct NoStatistics {};

namespace detail {
template <class T>
struct Same {
  using type = T;
};
template <class T>
constexpr Type type_of() {
  if constexpr (std::is_same_v<T, bool>) return Type::kBool;
  if constexpr (std::is_same_v<T, int32_t>) return Type::kInt;
  if constexpr (std::is_same_v<T, uint32_t>) return Type::kUInt;
  if constexpr (std::is_same_v<T, int64_t>) return Type::kInt64;
  if constexpr (std::is_same_v<T, uint64_t>) return Type::kUInt64;
  if constexpr (std::is_same_v<T, float>) return Type::kFloat;
  if constexpr (std::is_same_v<T, double>) return Type::kDouble;
  if constexpr (std::is_same_v<T, std::string>) return Type::kString;
  return Type::kEnum;
}
// Stores a number in the member of `out` its type uses.
template <class T>
void store(Value* out, T v) {
  if constexpr (std::is_floating_point_v<T>)
    out->d = v;
  else if constexpr (std::is_signed_v<T>)
    out->i = v;
  else
    out->u = v;
}
// Byte offset of a field, measured on a real object (no offsetof on non-standard-layout types).
template <class S, class T>
size_t offset_of(const S& object, T S::*field) {
  return static_cast<size_t>(reinterpret_cast<const char*>(&(object.*field)) -
                             reinterpret_cast<const char*>(&object));
}
// Appends a parameter (the builder's one out-of-line step, so tables stay small code).
Param& add(Table* table, const char* name, const char* nick, const char* doc, Type type,
           size_t offset);
// Checks a finished table: unique names, defaults within range and choices. Throws Error.
void validate_table(const Table& table);
// "a, b or c": the choices' nicks.
std::string choice_nicks(const Param& param);
}  // namespace detail

// Builds a Table bound to the fields of Settings (and Statistics, for statistic()). Each
// declaring call returns the new Param for modifiers (.flags(), .check(), ...).
template <class Settings, class Statistics = NoStatistics>
class TableBuilder {
 public:
  class Modifier {
   public:
    explicit Modifier(Param* param) : param_(param) {}
    Modifier& flags(unsigned flags) {
      param_->flags = flags;
      return *this;
    }
    // kString: unset means NULL (GStreamer shows "Default: null"; "" reads back as NULL).
    Modifier& nullable() {
      param_->nullable = true;
      param_->def.null = param_->def.s.empty();
      return *this;
    }
    Modifier& check(Check check, const char* allowed) {
      param_->check = check;
      param_->check_allowed = allowed;
      return *this;
    }
    Modifier& keep_invalid() {
      param_->keep_invalid = true;
      return *this;
    }

   private:
    Param* param_;
  };

  TableBuilder(const char* element, const char* summary) {
    table_.element = element;
    table_.summary = summary;
  }

  // A number: int32_t, uint32_t, int64_t, uint64_t, float or double field, with its range.
  template <class T>
  Modifier number(const char* name, const char* nick, const char* doc, T Settings::*field,
                  typename detail::Same<T>::type min, typename detail::Same<T>::type max) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>,
                  "number(): an int32_t, uint32_t, int64_t, uint64_t, float or double field");
    Param& p = add(name, nick, doc, detail::type_of<T>(), field, settings_defaults_);
    detail::store(&p.min, min);
    detail::store(&p.max, max);
    detail::store(&p.def, settings_defaults_.*field);
    return Modifier(&p);
  }

  Modifier boolean(const char* name, const char* nick, const char* doc, bool Settings::*field) {
    Param& p = add(name, nick, doc, Type::kBool, field, settings_defaults_);
    p.def.b = settings_defaults_.*field;
    return Modifier(&p);
  }

  Modifier text(const char* name, const char* nick, const char* doc, std::string Settings::*field) {
    Param& p = add(name, nick, doc, Type::kString, field, settings_defaults_);
    p.def.s = settings_defaults_.*field;
    return Modifier(&p);
  }

  // An enum field (int-sized); `enum_type` is the GType name the element registers.
  template <class E>
  Modifier choice(const char* name, const char* nick, const char* doc, E Settings::*field,
                  const char* enum_type, std::initializer_list<Choice> choices) {
    static_assert(std::is_enum_v<E> && sizeof(E) == sizeof(int), "choice(): an int-sized enum");
    Param& p = add(name, nick, doc, Type::kEnum, field, settings_defaults_);
    p.enum_type = enum_type;
    p.choices.assign(choices.begin(), choices.end());
    p.def.i = static_cast<int64_t>(settings_defaults_.*field);
    return Modifier(&p);
  }

  // A read-only statistic: a number field of Statistics, from 0 to the type's maximum.
  template <class T>
  Modifier statistic(const char* name, const char* nick, const char* doc, T Statistics::*field) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, "statistics are numbers");
    Param& p = add(name, nick, doc, detail::type_of<T>(), field, statistics_defaults_);
    p.flags = kStatistic;
    p.statistic = true;
    detail::store(&p.min, T(0));
    detail::store(&p.max, std::numeric_limits<T>::max());
    detail::store(&p.def, statistics_defaults_.*field);
    return Modifier(&p);
  }

  // The finished table; throws edge::Error on a duplicate name or a default that is invalid.
  Table build() {
    detail::validate_table(table_);
    return std::move(table_);
  }

 private:
  template <class S, class T>
  Param& add(const char* name, const char* nick, const char* doc, Type type, T S::*field,
             const S& defaults) {
    // The Param stays put only until the next add(): a Modifier is used at once.
    return detail::add(&table_, name, nick, doc, type, detail::offset_of(defaults, field));
  }

  Table table_;
  const Settings settings_defaults_{};
  const Statistics statistics_defaults_{};
};

}  // namespace edge::params
