#include "plugins/common/zmq_buffer.h"

#include <cstring>

#include "common/error.h"
#include "plugins/common/edgemeta.h"

namespace edge::gst {

namespace {

// Keeps a GstMemory mapped, and its buffer alive, while ZeroMQ still sends from it.
struct MappedPayload {
  GstBuffer* buffer;
  GstMemory* memory;
  GstMapInfo map;
};

void release_payload(void*, void* hint) {
  auto* p = static_cast<MappedPayload*>(hint);
  gst_memory_unmap(p->memory, &p->map);
  gst_memory_unref(p->memory);
  gst_buffer_unref(p->buffer);
  delete p;
}

void free_frame(gpointer data) { delete static_cast<zmq::message_t*>(data); }

GstMemory* frame_memory(zmq::message_t&& received) {
  const gsize size = received.size();
  if (reinterpret_cast<uintptr_t>(received.data()) % 16 == 0) {
    auto* frame = new zmq::message_t(std::move(received));
    return gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, frame->data(), size, 0, size, frame,
                                  free_frame);
  }
  GstAllocationParams params;
  gst_allocation_params_init(&params);
  params.align = 15;
  GstMemory* memory = gst_allocator_alloc(nullptr, size, &params);
  GstMapInfo map;
  if (memory && gst_memory_map(memory, &map, GST_MAP_WRITE)) {
    std::memcpy(map.data, received.data(), size);
    gst_memory_unmap(memory, &map);
  }
  return memory;
}

}  // namespace

void wire_fields_from_buffer(GstBuffer* buffer, net::WireMessage* m) {
  m->pts = GST_BUFFER_PTS(buffer);
  m->dts = GST_BUFFER_DTS(buffer);
  m->duration = GST_BUFFER_DURATION(buffer);
  m->offset = GST_BUFFER_OFFSET(buffer);
  m->offset_end = GST_BUFFER_OFFSET_END(buffer);
  m->buffer_flags = GST_BUFFER_FLAGS(buffer);
  const EdgeClipMeta* clip = edge_buffer_get_clip_meta(buffer);
  m->has_clip = clip != nullptr;
  if (clip) {
    m->clip.clip_id = clip->clip_id ? clip->clip_id : "";
    m->clip.label = clip->label ? clip->label : "";
    m->clip.label_index = clip->label_index;
    m->clip.fold = clip->fold;
    m->clip.source = clip->source ? clip->source : "";
    m->clip.window_index = clip->window_index;
  }
  const EdgeClassMeta* classes = edge_buffer_get_class_meta(buffer);
  m->kind = classes ? net::MessageKind::kResult : net::MessageKind::kTensors;
  m->classes.resize(classes ? classes->n_entries : 0);
  for (size_t i = 0; i < m->classes.size(); ++i) {
    const EdgeClassEntry& e = classes->entries[i];
    m->classes[i].label = e.label ? e.label : "";
    m->classes[i].index = e.index;
    m->classes[i].score = e.score;
  }
  m->latency_ns = classes ? classes->latency_ns : 0;
  m->model = classes && classes->model ? classes->model : "";
}

bool payload_frames_from_buffer(GstBuffer* buffer, const net::PayloadLayout& layout,
                                std::vector<zmq::message_t>* frames, std::vector<net::Frame>* views,
                                std::string* error) {
  frames->clear();
  views->clear();
  const guint n_memory = gst_buffer_n_memory(buffer);
  if (!layout.audio && n_memory != layout.sizes.size()) {
    *error = msg("the buffer has ", n_memory, " memories, its caps describe ", layout.sizes.size(),
                 " tensors (one GstMemory per tensor expected)");
    return false;
  }
  const guint n_frames = layout.audio ? 1 : n_memory;
  for (guint i = 0; i < n_frames; ++i) {
    auto* p = new MappedPayload{gst_buffer_ref(buffer), nullptr, GstMapInfo()};
    p->memory = layout.audio ? gst_buffer_get_all_memory(buffer)
                             : gst_memory_ref(gst_buffer_peek_memory(buffer, i));
    if (!p->memory || !gst_memory_map(p->memory, &p->map, GST_MAP_READ)) {
      if (p->memory) gst_memory_unref(p->memory);
      gst_buffer_unref(p->buffer);
      delete p;
      *error = msg("could not map payload memory ", i);
      frames->clear();
      views->clear();
      return false;
    }
    views->push_back({p->map.data, p->map.size});
    frames->emplace_back(p->map.data, p->map.size, release_payload, p);
  }
  return true;
}

GstBuffer* buffer_from_wire(const net::WireMessage& m, std::vector<zmq::message_t>* payload) {
  GstBuffer* buffer = gst_buffer_new();
  for (zmq::message_t& frame : *payload)
    gst_buffer_append_memory(buffer, frame_memory(std::move(frame)));
  GST_BUFFER_PTS(buffer) = m.pts;
  GST_BUFFER_DTS(buffer) = m.dts;
  GST_BUFFER_DURATION(buffer) = m.duration;
  GST_BUFFER_OFFSET(buffer) = m.offset;
  GST_BUFFER_OFFSET_END(buffer) = m.offset_end;
  GST_BUFFER_FLAG_SET(buffer, m.buffer_flags & kWireBufferFlags);
  if (m.has_clip) {
    ClipInfo info{m.clip.clip_id, m.clip.label, m.clip.label_index, m.clip.fold, m.clip.source};
    clip_meta_set(buffer, info, m.clip.window_index);
  }
  if (m.kind == net::MessageKind::kResult) {
    std::vector<ClassEntry> entries;
    entries.reserve(m.classes.size());
    for (const auto& c : m.classes) entries.push_back({c.label, c.index, c.score});
    EdgeClassMeta* meta = class_meta_set(buffer, entries, m.latency_ns);
    if (!m.model.empty()) class_meta_set_model(meta, m.model.c_str());
  }
  return buffer;
}

}  // namespace edge::gst
