// GObject properties made from a parameter table (core/runtime/params/params.h): the one
// place in plugins/ that makes GParamSpecs.
//
// From each Param it installs one GParamSpec (name, nick, doc, range, default, flags with
// G_PARAM_STATIC_STRINGS and GStreamer's mutability), registers each enum's GType once under
// its declared name with its choices (nick, doc as value name), and sets the class's
// get_property/set_property to generic ones that copy between the GValue and the bound field
// under the object lock. An element's whole property code is then:
//
//   static void* settings_of(GObject* o) { return GST_EDGE_RESHAPE(o)->settings; }
//   static const edge::gst::ParamBinding kBinding = {edge::signal::reshape_params, settings_of};
//   ... in class_init:  edge::gst::install_params(gobject_class, kBinding);
//
// and it reads a snapshot where it sets up:
//   GST_OBJECT_LOCK(self); Settings s = *self->settings; GST_OBJECT_UNLOCK(self);
//
// Setting a property: GLib refuses values outside the GParamSpec's range itself; a value that
// fails the parameter's check is refused here with a g_warning naming the element, the
// property, the value and what is allowed, and the previous value stays (unless the Param is
// keep_invalid: then it is stored, and the element's start fails with its own message).
//
// Property ids are 1..n in table order. An element with a further property that no table
// can declare (a GstStructure of counters by name) installs it with install_structure_property
// under an id above n and reads it in get_other.
#pragma once

#include <gst/gst.h>

#include "params/params.h"

namespace edge::gst {

struct ParamBinding {
  // The table (a core function such as edge::signal::reshape_params).
  const params::Table& (*table)();
  // The instance's Settings struct, guarded by the object lock. Required when the table has
  // writable parameters.
  void* (*settings)(GObject* object) = nullptr;
  // The instance's Statistics struct, or nullptr while there is none (statistics then read
  // as their defaults). Called with the object lock held; fields are read with relaxed
  // atomic loads (writers use params::publish or hold the object lock).
  const void* (*statistics)(GObject* object) = nullptr;
  // After a parameter was set, without the object lock (e.g. to reconfigure a pad).
  void (*changed)(GObject* object, const params::Param& param) = nullptr;
  // Properties with ids above the table's, installed by the element itself.
  GObjectSetPropertyFunc set_other = nullptr;
  GObjectGetPropertyFunc get_other = nullptr;
};

// Installs the table's properties on `klass` (call from class_init) and its generic
// get_property/set_property. `binding` must outlive the class (a static).
void install_params(GObjectClass* klass, const ParamBinding& binding);

// A read-only GstStructure property `id` (above the table's ids), filled by the binding's
// get_other: a snapshot of counters by name.
void install_structure_property(GObjectClass* klass, guint id, const char* name, const char* nick,
                                const char* blurb);

// The GType of an enum parameter, registered on first use under param.enum_type (the same
// GType when asked again, from any thread).
GType enum_type(const params::Param& param);

}  // namespace edge::gst
