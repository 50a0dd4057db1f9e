// "Would you take these caps?" asked before they are sent, by a source whose caps come
// from the network (edgezmqsrc): it must refuse one message whose caps its graph cannot
// take and go on, where a static source would rather fail loudly.
//
// GStreamer's ACCEPT_CAPS query answers that for most elements. Some accept any tensors
// there on purpose, so that a static pipeline with a wrong shape reaches set_caps and
// fails with an error that names both shapes (edgeinfer); they answer this custom
// downstream query instead, truthfully and without posting anything. Elements that do not
// know it pass it on (GstBaseTransform, queue and the like forward unknown queries), so
// the first element that answers decides; unanswered means "no objection".
//
// Thread safety: queries follow GStreamer's rules.
#pragma once

#include <gst/gst.h>

#include <string>

namespace edge::gst {

// A new query asking whether `caps` would be taken (the caps are copied by reference).
GstQuery* caps_fit_query_new(GstCaps* caps);
// For an element's query handler: true (and *caps, not owned) when `query` is one.
bool caps_fit_query_parse(GstQuery* query, GstCaps** caps);
// The answering element's verdict; `why` says what does not fit, for a person.
void caps_fit_query_answer(GstQuery* query, bool fits, const std::string& why);
// After gst_pad_peer_query(): false when some element answered "does not fit" (with its
// reason in *why); true when it fits or nobody answered.
bool caps_fit_query_result(GstQuery* query, std::string* why);

// Asks downstream of `srcpad`: GStreamer's ACCEPT_CAPS query, then this one. False with
// the reason in *why when either says no.
bool caps_fit_downstream(GstPad* srcpad, GstCaps* caps, std::string* why);

}  // namespace edge::gst
