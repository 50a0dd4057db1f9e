// What rides along the data: which clip a buffer came from, and what a model
// said about it.
//
// EdgeClipMeta  label, label index, fold and clip id of the recording a buffer
//               (or window) came from, plus the window index once windowed.
//               Registered with no tags, so stock elements that copy untagged
//               metas (audioconvert, audioresample, queue, tee) keep it, and every
//               edgestream element copies it onto the buffers it makes.
// EdgeClassMeta top-k labels and scores from edgeinfer, with the invoke latency.
//
// Clip boundaries travel as a serialized custom downstream event
// ("edgestream-clip", see clip_event_new) pushed right after the new clip's
// SEGMENT and before its first buffer: windowing pads out and restarts there.
// Sources send a new SEGMENT per clip first so resamplers drain the previous
// clip's tail before the boundary.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace edge::gst {

// Plain C++ description of a clip, used to build metas and events.
struct ClipInfo {
  std::string clip_id;   // stable id: file name, or file#recording for gesture CSV
  std::string label;     // class name ("" when unknown)
  int label_index = -1;  // index into the dataset's sorted class list, -1 when unknown
  int fold = -1;         // dataset fold, -1 when none
  std::string source;    // path of the file it was read from, relative to the dataset root
};

}  // namespace edge::gst

G_BEGIN_DECLS

typedef struct {
  GstMeta meta;
  gchar* clip_id;
  gchar* label;
  gint label_index;
  gint fold;
  gchar* source;
  gint64 window_index;  // -1 before windowing
} EdgeClipMeta;

GType edge_clip_meta_api_get_type(void);
const GstMetaInfo* edge_clip_meta_get_info(void);
#define EDGE_CLIP_META_API_TYPE (edge_clip_meta_api_get_type())
#define EDGE_CLIP_META_INFO (edge_clip_meta_get_info())
#define edge_buffer_get_clip_meta(b) \
  ((EdgeClipMeta*)gst_buffer_get_meta((b), EDGE_CLIP_META_API_TYPE))

typedef struct {
  gchar* label;
  gint index;
  gfloat score;
} EdgeClassEntry;

typedef struct {
  GstMeta meta;
  EdgeClassEntry* entries;  // sorted by score, best first
  guint n_entries;
  guint64 latency_ns;  // time spent in the model's invoke for this buffer
  gchar* model;        // which model answered ("remote", "local"); NULL: not said
} EdgeClassMeta;

GType edge_class_meta_api_get_type(void);
const GstMetaInfo* edge_class_meta_get_info(void);
#define EDGE_CLASS_META_API_TYPE (edge_class_meta_api_get_type())
#define EDGE_CLASS_META_INFO (edge_class_meta_get_info())
#define edge_buffer_get_class_meta(b) \
  ((EdgeClassMeta*)gst_buffer_get_meta((b), EDGE_CLASS_META_API_TYPE))

G_END_DECLS

namespace edge::gst {

// Adds (or replaces) the clip meta of a writable buffer.
EdgeClipMeta* clip_meta_set(GstBuffer* buffer, const ClipInfo& info, gint64 window_index = -1);
// Reads a buffer's clip meta; false when it has none.
bool clip_meta_get(GstBuffer* buffer, ClipInfo* info, gint64* window_index = nullptr);
// Copies the clip meta of `from` onto writable `to` (no-op when `from` has none).
void clip_meta_copy(GstBuffer* from, GstBuffer* to, gint64 window_index = -1);

struct ClassEntry {
  std::string label;
  int index = -1;
  float score = 0.0f;
};
EdgeClassMeta* class_meta_set(GstBuffer* buffer, const std::vector<ClassEntry>& entries,
                              guint64 latency_ns);
bool class_meta_get(GstBuffer* buffer, std::vector<ClassEntry>* entries,
                    guint64* latency_ns = nullptr);
// Sets (or clears, with nullptr) the `model` field of a class meta.
void class_meta_set_model(EdgeClassMeta* meta, const char* model);

// The clip-boundary event: serialized, downstream, structure "edgestream-clip".
GstEvent* clip_event_new(const ClipInfo& info);
// True (and fills *info when non-null) if event is a clip boundary.
bool clip_event_parse(GstEvent* event, ClipInfo* info);

// A window the silence gate (edgegate) took out of the stream: it goes on as a GAP event
// (time passes for every element after it; stock elements forward it) that also says why,
// the window's level and clip, so edgelabelsink can write its line.
struct GateInfo {
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  GstClockTime duration = GST_CLOCK_TIME_NONE;
  std::string reason = "silence";
  double level_db = 0.0;
  bool has_clip = false;
  ClipInfo clip;
  gint64 window_index = -1;
};
GstEvent* gate_event_new(const GateInfo& info);
// True (and fills *info when non-null) if event is a GAP made by the gate.
bool gate_event_parse(GstEvent* event, GateInfo* info);

}  // namespace edge::gst
