// Small GStreamer helpers that more than one element needs.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

namespace edge::gst {

// The element's running time now (its clock's time minus its base time, 0 before the base
// time). False, *now untouched, when it has no clock (not PLAYING, or a harness without one).
bool running_time_now(GstElement* element, GstClockTime* now);

// Whether the object's class has a property `name` (another version of a stock element may
// lack one).
bool has_property(gpointer object, const char* name);

// Whether `message` comes from `element` or from anything inside it (false for a null element).
bool message_from(GstMessage* message, GstElement* element);

// The text of an ERROR message for a person: the GError's message, and when the debug text
// has several lines its last one in parentheses (alsasrc says what was wrong only there:
// "Could not open audio device for recording. (snd_pcm_open: No such file or directory)").
// *details gets the whole debug text ("" when there is none).
std::string error_message_text(GstMessage* message, std::string* details);

// A buffer over `bytes` bytes at `data` that someone else owns, without a copy: its one
// memory is read-only (an element that writes in place gets a copy) and holds `owner` until
// the memory is freed, on whatever thread that happens.
GstBuffer* buffer_wrapping(const void* data, size_t bytes, std::shared_ptr<const void> owner);

}  // namespace edge::gst
