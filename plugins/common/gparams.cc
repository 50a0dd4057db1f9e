#include "plugins/common/gparams.h"

#include <string>

namespace edge::gst {
namespace {

using params::Param;
using params::Type;
using params::Value;

// The binding of the class that installed a property (pspec->owner_type), so subclasses
// reach it too.
GQuark binding_quark() {
  static const GQuark quark = g_quark_from_static_string("edge-params");
  return quark;
}

const ParamBinding* binding_of(GParamSpec* pspec) {
  return static_cast<const ParamBinding*>(g_type_get_qdata(pspec->owner_type, binding_quark()));
}

GParamFlags gflags(const Param& p) {
  unsigned f = G_PARAM_STATIC_STRINGS;
  if (p.flags & params::kReadable) f |= G_PARAM_READABLE;
  if (p.flags & params::kWritable) f |= G_PARAM_WRITABLE;
  if (p.flags & params::kMutableReady) f |= GST_PARAM_MUTABLE_READY;
  if (p.flags & params::kMutablePaused) f |= GST_PARAM_MUTABLE_PAUSED;
  if (p.flags & params::kMutablePlaying) f |= GST_PARAM_MUTABLE_PLAYING;
  return static_cast<GParamFlags>(f);
}

GParamSpec* make_pspec(const Param& p) {
  const GParamFlags f = gflags(p);
  switch (p.type) {
    case Type::kBool:
      return g_param_spec_boolean(p.name, p.nick, p.doc, p.def.b, f);
    case Type::kInt:
      return g_param_spec_int(p.name, p.nick, p.doc, static_cast<gint>(p.min.i),
                              static_cast<gint>(p.max.i), static_cast<gint>(p.def.i), f);
    case Type::kUInt:
      return g_param_spec_uint(p.name, p.nick, p.doc, static_cast<guint>(p.min.u),
                               static_cast<guint>(p.max.u), static_cast<guint>(p.def.u), f);
    case Type::kInt64:
      return g_param_spec_int64(p.name, p.nick, p.doc, p.min.i, p.max.i, p.def.i, f);
    case Type::kUInt64:
      return g_param_spec_uint64(p.name, p.nick, p.doc, p.min.u, p.max.u, p.def.u, f);
    case Type::kFloat:
      return g_param_spec_float(p.name, p.nick, p.doc, static_cast<gfloat>(p.min.d),
                                static_cast<gfloat>(p.max.d), static_cast<gfloat>(p.def.d), f);
    case Type::kDouble:
      return g_param_spec_double(p.name, p.nick, p.doc, p.min.d, p.max.d, p.def.d, f);
    case Type::kString:
      return g_param_spec_string(p.name, p.nick, p.doc, p.def.null ? nullptr : p.def.s.c_str(), f);
    case Type::kEnum:
      return g_param_spec_enum(p.name, p.nick, p.doc, enum_type(p), static_cast<gint>(p.def.i), f);
  }
  return nullptr;
}

Value from_gvalue(const Param& p, const GValue* g) {
  Value v;
  switch (p.type) {
    case Type::kBool:
      v.b = g_value_get_boolean(g);
      break;
    case Type::kInt:
      v.i = g_value_get_int(g);
      break;
    case Type::kUInt:
      v.u = g_value_get_uint(g);
      break;
    case Type::kInt64:
      v.i = g_value_get_int64(g);
      break;
    case Type::kUInt64:
      v.u = g_value_get_uint64(g);
      break;
    case Type::kFloat:
      v.d = g_value_get_float(g);
      break;
    case Type::kDouble:
      v.d = g_value_get_double(g);
      break;
    case Type::kString: {
      const gchar* s = g_value_get_string(g);
      v.null = s == nullptr;
      v.s = s ? s : "";
      break;
    }
    case Type::kEnum:
      v.i = g_value_get_enum(g);
      break;
  }
  return v;
}

void to_gvalue(const Param& p, const Value& v, GValue* g) {
  switch (p.type) {
    case Type::kBool:
      g_value_set_boolean(g, v.b);
      break;
    case Type::kInt:
      g_value_set_int(g, static_cast<gint>(v.i));
      break;
    case Type::kUInt:
      g_value_set_uint(g, static_cast<guint>(v.u));
      break;
    case Type::kInt64:
      g_value_set_int64(g, v.i);
      break;
    case Type::kUInt64:
      g_value_set_uint64(g, v.u);
      break;
    case Type::kFloat:
      g_value_set_float(g, static_cast<gfloat>(v.d));
      break;
    case Type::kDouble:
      g_value_set_double(g, v.d);
      break;
    case Type::kString:
      g_value_set_string(g, v.null ? nullptr : v.s.c_str());
      break;
    case Type::kEnum:
      g_value_set_enum(g, static_cast<gint>(v.i));
      break;
  }
}

void set_property(GObject* object, guint id, const GValue* gvalue, GParamSpec* pspec) {
  const ParamBinding* b = binding_of(pspec);
  const params::Table& table = b->table();
  if (id == 0 || id > table.params.size()) {
    if (b->set_other)
      b->set_other(object, id, gvalue, pspec);
    else
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  const Param& p = table.params[id - 1];
  const Value v = from_gvalue(p, gvalue);
  const std::string why = params::why_invalid(p, v);
  if (!why.empty()) {
    g_warning("%s: %s %s=\"%s\": %s; allowed: %s", table.element.c_str(),
              p.keep_invalid ? "invalid" : "refusing", p.name, params::to_text(p, v).c_str(),
              why.c_str(), params::allowed(p).c_str());
    if (!p.keep_invalid) return;
  }
  GST_OBJECT_LOCK(object);
  params::set(p, b->settings(object), v);
  GST_OBJECT_UNLOCK(object);
  if (b->changed) b->changed(object, p);
}

void get_property(GObject* object, guint id, GValue* gvalue, GParamSpec* pspec) {
  const ParamBinding* b = binding_of(pspec);
  const params::Table& table = b->table();
  if (id == 0 || id > table.params.size()) {
    if (b->get_other)
      b->get_other(object, id, gvalue, pspec);
    else
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  const Param& p = table.params[id - 1];
  GST_OBJECT_LOCK(object);
  const void* fields =
      p.statistic ? (b->statistics ? b->statistics(object) : nullptr) : b->settings(object);
  const Value v = fields ? params::get(p, fields) : p.def;
  GST_OBJECT_UNLOCK(object);
  to_gvalue(p, v, gvalue);
}

}  // namespace

GType enum_type(const params::Param& param) {
  G_LOCK_DEFINE_STATIC(enum_types);
  G_LOCK(enum_types);
  GType type = g_type_from_name(param.enum_type);
  if (!type) {
    // Registered once per process and never freed: GLib keeps the table.
    GEnumValue* values = g_new0(GEnumValue, param.choices.size() + 1);
    for (size_t i = 0; i < param.choices.size(); ++i)
      values[i] = {param.choices[i].value, param.choices[i].doc, param.choices[i].nick};
    type = g_enum_register_static(param.enum_type, values);
  }
  G_UNLOCK(enum_types);
  return type;
}

void install_params(GObjectClass* klass, const ParamBinding& binding) {
  g_type_set_qdata(G_OBJECT_CLASS_TYPE(klass), binding_quark(),
                   const_cast<ParamBinding*>(&binding));
  klass->set_property = set_property;
  klass->get_property = get_property;
  const params::Table& table = binding.table();
  for (size_t i = 0; i < table.params.size(); ++i)
    g_object_class_install_property(klass, static_cast<guint>(i + 1), make_pspec(table.params[i]));
}

void install_structure_property(GObjectClass* klass, guint id, const char* name, const char* nick,
                                const char* blurb) {
  g_object_class_install_property(
      klass, id,
      g_param_spec_boxed(name, nick, blurb, GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

}  // namespace edge::gst
