#include "plugins/common/edgemeta.h"

#include <cstring>

namespace {

const char kClipEventName[] = "edgestream-clip";

gboolean clip_meta_init(GstMeta* meta, gpointer, GstBuffer*) {
  auto* m = reinterpret_cast<EdgeClipMeta*>(meta);
  m->clip_id = nullptr;
  m->label = nullptr;
  m->label_index = -1;
  m->fold = -1;
  m->source = nullptr;
  m->window_index = -1;
  return TRUE;
}

void clip_meta_free(GstMeta* meta, GstBuffer*) {
  auto* m = reinterpret_cast<EdgeClipMeta*>(meta);
  g_free(m->clip_id);
  g_free(m->label);
  g_free(m->source);
}

void fill_clip_meta(EdgeClipMeta* m, const char* clip_id, const char* label, gint label_index,
                    gint fold, const char* source, gint64 window_index) {
  g_free(m->clip_id);
  g_free(m->label);
  g_free(m->source);
  m->clip_id = g_strdup(clip_id);
  m->label = g_strdup(label);
  m->label_index = label_index;
  m->fold = fold;
  m->source = g_strdup(source);
  m->window_index = window_index;
}

gboolean clip_meta_transform(GstBuffer* dest, GstMeta* meta, GstBuffer*, GQuark type, gpointer) {
  if (!GST_META_TRANSFORM_IS_COPY(type)) return FALSE;
  auto* src = reinterpret_cast<EdgeClipMeta*>(meta);
  auto* dst = edge_buffer_get_clip_meta(dest);
  if (!dst)
    dst = reinterpret_cast<EdgeClipMeta*>(gst_buffer_add_meta(dest, EDGE_CLIP_META_INFO, nullptr));
  if (!dst) return FALSE;
  fill_clip_meta(dst, src->clip_id, src->label, src->label_index, src->fold, src->source,
                 src->window_index);
  return TRUE;
}

gboolean class_meta_init(GstMeta* meta, gpointer, GstBuffer*) {
  auto* m = reinterpret_cast<EdgeClassMeta*>(meta);
  m->entries = nullptr;
  m->n_entries = 0;
  m->latency_ns = 0;
  m->model = nullptr;
  return TRUE;
}

void clear_class_entries(EdgeClassMeta* m) {
  for (guint i = 0; i < m->n_entries; ++i) g_free(m->entries[i].label);
  g_free(m->entries);
  m->entries = nullptr;
  m->n_entries = 0;
}

void class_meta_free(GstMeta* meta, GstBuffer*) {
  clear_class_entries(reinterpret_cast<EdgeClassMeta*>(meta));
  g_free(reinterpret_cast<EdgeClassMeta*>(meta)->model);
}

void fill_class_meta(EdgeClassMeta* m, const EdgeClassEntry* entries, guint n, guint64 latency) {
  clear_class_entries(m);
  m->entries = g_new0(EdgeClassEntry, n > 0 ? n : 1);
  for (guint i = 0; i < n; ++i) {
    m->entries[i].label = g_strdup(entries[i].label);
    m->entries[i].index = entries[i].index;
    m->entries[i].score = entries[i].score;
  }
  m->n_entries = n;
  m->latency_ns = latency;
}

gboolean class_meta_transform(GstBuffer* dest, GstMeta* meta, GstBuffer*, GQuark type, gpointer) {
  if (!GST_META_TRANSFORM_IS_COPY(type)) return FALSE;
  auto* src = reinterpret_cast<EdgeClassMeta*>(meta);
  auto* dst = edge_buffer_get_class_meta(dest);
  if (!dst)
    dst =
        reinterpret_cast<EdgeClassMeta*>(gst_buffer_add_meta(dest, EDGE_CLASS_META_INFO, nullptr));
  if (!dst) return FALSE;
  fill_class_meta(dst, src->entries, src->n_entries, src->latency_ns);
  edge::gst::class_meta_set_model(dst, src->model);
  return TRUE;
}

// The plugin and a program that links this code too (a test, the command line) each
// carry their own statics, so register by name only once per process.
GType register_api(const char* name) {
  GType existing = g_type_from_name(name);
  if (existing) return existing;
  static const gchar* tags[] = {nullptr};  // untagged: survives stock transforms
  return gst_meta_api_type_register(name, tags);
}

const GstMetaInfo* register_meta(GType api, const char* name, gsize size, GstMetaInitFunction init,
                                 GstMetaFreeFunction free_func,
                                 GstMetaTransformFunction transform) {
  const GstMetaInfo* existing = gst_meta_get_info(name);
  if (existing) return existing;
  return gst_meta_register(api, name, size, init, free_func, transform);
}

}  // namespace

GType edge_clip_meta_api_get_type(void) {
  static GType type = 0;
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    type = register_api("EdgeClipMetaAPI");
    g_once_init_leave(&once, 1);
  }
  return type;
}

const GstMetaInfo* edge_clip_meta_get_info(void) {
  static const GstMetaInfo* info = nullptr;
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    info = register_meta(EDGE_CLIP_META_API_TYPE, "EdgeClipMeta", sizeof(EdgeClipMeta),
                         clip_meta_init, clip_meta_free, clip_meta_transform);
    g_once_init_leave(&once, 1);
  }
  return info;
}

GType edge_class_meta_api_get_type(void) {
  static GType type = 0;
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    type = register_api("EdgeClassMetaAPI");
    g_once_init_leave(&once, 1);
  }
  return type;
}

const GstMetaInfo* edge_class_meta_get_info(void) {
  static const GstMetaInfo* info = nullptr;
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    info = register_meta(EDGE_CLASS_META_API_TYPE, "EdgeClassMeta", sizeof(EdgeClassMeta),
                         class_meta_init, class_meta_free, class_meta_transform);
    g_once_init_leave(&once, 1);
  }
  return info;
}

namespace edge::gst {

EdgeClipMeta* clip_meta_set(GstBuffer* buffer, const ClipInfo& info, gint64 window_index) {
  auto* m = edge_buffer_get_clip_meta(buffer);
  if (!m)
    m = reinterpret_cast<EdgeClipMeta*>(gst_buffer_add_meta(buffer, EDGE_CLIP_META_INFO, nullptr));
  fill_clip_meta(m, info.clip_id.c_str(), info.label.c_str(), info.label_index, info.fold,
                 info.source.c_str(), window_index);
  return m;
}

bool clip_meta_get(GstBuffer* buffer, ClipInfo* info, gint64* window_index) {
  auto* m = edge_buffer_get_clip_meta(buffer);
  if (!m) return false;
  info->clip_id = m->clip_id ? m->clip_id : "";
  info->label = m->label ? m->label : "";
  info->label_index = m->label_index;
  info->fold = m->fold;
  info->source = m->source ? m->source : "";
  if (window_index) *window_index = m->window_index;
  return true;
}

void clip_meta_copy(GstBuffer* from, GstBuffer* to, gint64 window_index) {
  ClipInfo info;
  if (clip_meta_get(from, &info)) clip_meta_set(to, info, window_index);
}

EdgeClassMeta* class_meta_set(GstBuffer* buffer, const std::vector<ClassEntry>& entries,
                              guint64 latency_ns) {
  std::vector<EdgeClassEntry> raw(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    raw[i].label = const_cast<gchar*>(entries[i].label.c_str());
    raw[i].index = entries[i].index;
    raw[i].score = entries[i].score;
  }
  auto* m = edge_buffer_get_class_meta(buffer);
  if (!m)
    m = reinterpret_cast<EdgeClassMeta*>(
        gst_buffer_add_meta(buffer, EDGE_CLASS_META_INFO, nullptr));
  fill_class_meta(m, raw.data(), static_cast<guint>(raw.size()), latency_ns);
  return m;
}

bool class_meta_get(GstBuffer* buffer, std::vector<ClassEntry>* entries, guint64* latency_ns) {
  auto* m = edge_buffer_get_class_meta(buffer);
  if (!m) return false;
  entries->clear();
  for (guint i = 0; i < m->n_entries; ++i)
    entries->push_back(
        {m->entries[i].label ? m->entries[i].label : "", m->entries[i].index, m->entries[i].score});
  if (latency_ns) *latency_ns = m->latency_ns;
  return true;
}

void class_meta_set_model(EdgeClassMeta* meta, const char* model) {
  if (meta->model == model) return;
  g_free(meta->model);
  meta->model = g_strdup(model);
}

GstEvent* clip_event_new(const ClipInfo& info) {
  GstStructure* s = gst_structure_new(
      kClipEventName, "clip-id", G_TYPE_STRING, info.clip_id.c_str(), "label", G_TYPE_STRING,
      info.label.c_str(), "label-index", G_TYPE_INT, info.label_index, "fold", G_TYPE_INT,
      info.fold, "source", G_TYPE_STRING, info.source.c_str(), nullptr);
  return gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

bool clip_event_parse(GstEvent* event, ClipInfo* info) {
  if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_DOWNSTREAM) return false;
  const GstStructure* s = gst_event_get_structure(event);
  if (!s || !gst_structure_has_name(s, kClipEventName)) return false;
  if (info) {
    const gchar* v;
    info->clip_id = (v = gst_structure_get_string(s, "clip-id")) ? v : "";
    info->label = (v = gst_structure_get_string(s, "label")) ? v : "";
    info->source = (v = gst_structure_get_string(s, "source")) ? v : "";
    if (!gst_structure_get_int(s, "label-index", &info->label_index)) info->label_index = -1;
    if (!gst_structure_get_int(s, "fold", &info->fold)) info->fold = -1;
  }
  return true;
}

GstEvent* gate_event_new(const GateInfo& info) {
  GstEvent* event = gst_event_new_gap(info.pts, info.duration);
  GstStructure* s = gst_event_writable_structure(event);
  gst_structure_set(s, "edgestream-gate", G_TYPE_STRING, info.reason.c_str(), "level-db",
                    G_TYPE_DOUBLE, info.level_db, "window-index", G_TYPE_INT64, info.window_index,
                    nullptr);
  if (info.has_clip)
    gst_structure_set(s, "clip-id", G_TYPE_STRING, info.clip.clip_id.c_str(), "label",
                      G_TYPE_STRING, info.clip.label.c_str(), nullptr);
  return event;
}

bool gate_event_parse(GstEvent* event, GateInfo* info) {
  if (GST_EVENT_TYPE(event) != GST_EVENT_GAP) return false;
  const GstStructure* s = gst_event_get_structure(event);
  const gchar* reason = s ? gst_structure_get_string(s, "edgestream-gate") : nullptr;
  if (!reason) return false;
  if (info) {
    gst_event_parse_gap(event, &info->pts, &info->duration);
    info->reason = reason;
    if (!gst_structure_get_double(s, "level-db", &info->level_db)) info->level_db = 0.0;
    if (!gst_structure_get_int64(s, "window-index", &info->window_index)) info->window_index = -1;
    const gchar* clip_id = gst_structure_get_string(s, "clip-id");
    info->has_clip = clip_id != nullptr;
    info->clip = ClipInfo();
    if (clip_id) {
      const gchar* label = gst_structure_get_string(s, "label");
      info->clip.clip_id = clip_id;
      info->clip.label = label ? label : "";
    }
  }
  return true;
}

}  // namespace edge::gst
