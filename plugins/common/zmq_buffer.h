// GstBuffer <-> wire message (core/runtime/net/wire.h) for edgezmqsink and edgezmqsrc:
// timestamps, offsets, buffer flags, EdgeClipMeta and EdgeClassMeta into the message's
// fields, the buffer's memories into payload frames without a copy, and back. The caps
// and the check of frames against them are net::DataEncoder's.
//
// Thread safety: free functions; a buffer follows GStreamer's rules.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>
#include <zmq.hpp>

#include "net/wire.h"

namespace edge::gst {

// Fills the per-buffer fields of `message`: pts, dts, duration, offsets, flags, the clip
// meta, and (with a class meta) kind kResult, classes, latency and model; kTensors without.
void wire_fields_from_buffer(GstBuffer* buffer, net::WireMessage* message);

// The buffer's payload as frames that keep the buffer mapped (and alive) until ZeroMQ has
// sent them: tensors one frame per GstMemory, audio one frame with the whole buffer.
// views[i] describes frames[i]. False with a sentence in *error when a memory cannot be
// mapped or the buffer's memories are not one per tensor.
bool payload_frames_from_buffer(GstBuffer* buffer, const net::PayloadLayout& layout,
                                std::vector<zmq::message_t>* frames, std::vector<net::Frame>* views,
                                std::string* error);

// Buffer flags that describe the data and may cross the wire; the rest are local.
constexpr guint32 kWireBufferFlags =
    GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_RESYNC | GST_BUFFER_FLAG_CORRUPTED |
    GST_BUFFER_FLAG_MARKER | GST_BUFFER_FLAG_HEADER | GST_BUFFER_FLAG_GAP |
    GST_BUFFER_FLAG_DROPPABLE | GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_NON_DROPPABLE;

// A new buffer from a decoded message and its payload frames (moved from): each frame
// becomes a memory, wrapped without a copy when 16-byte aligned (tensor consumers read
// float/int16/int32 arrays), copied into aligned memory otherwise; fields and metas as the
// message says.
GstBuffer* buffer_from_wire(const net::WireMessage& message, std::vector<zmq::message_t>* payload);

}  // namespace edge::gst
