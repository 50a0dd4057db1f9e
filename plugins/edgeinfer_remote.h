// Remote inference with local fallback, the part of edgeinfer that talks to a server:
//
//   edge:   ... ! edgeinfer model=small.tflite remote=tcp://server:5560 remote-timeout-ms=50
//               ! edgelabelsink
//   server: edgezmqsrc mode=router address=tcp://0.0.0.0:5560 ! edgeinfer model=big.tflite
//               ! edgezmqsink mode=router
//
// With `remote` set, every input window goes to the server as a wire-format request (a
// tensors message with a request id, core/runtime/net/wire.h) over a DEALER socket, and edgeinfer
// waits at most `remote-timeout-ms` for the reply with that id. A reply in time fills the
// output tensors and the EdgeClassMeta (model "remote"); otherwise the local model answers
// (model "local"). Replies that come after their window's deadline are discarded and
// counted in `late-replies`. The socket only queues on live connections (ZMQ_IMMEDIATE):
// with no server connected a window falls back at once instead of waiting, so a server
// that is down, killed or restarting costs at most one timeout per window, and ZeroMQ
// reconnects by itself. ZMTP heartbeats (every 1 s, peer dead after 3 s of silence) drop a
// connection whose server vanished without closing it.
//
// A reply is used only when its tensors have exactly the types and shapes of this
// element's outputs (same classes; use output-type=float32 on both sides when the two
// models differ in quantization); others are refused, counted in `remote-rejected` and
// answered locally.
//
// Thread safety: settings are guarded by the element's object lock (the property hooks
// run with it held); the runtime part is used from the streaming thread only; counters
// are atomics, readable from any thread.
#pragma once

#include <gst/gst.h>

namespace edge::gst {

struct InferRemote;

InferRemote* infer_remote_new();
void infer_remote_free(InferRemote* remote);

// Installs the remote properties with ids from kInferRemoteFirstProperty on (the
// element's own property ids stay below it).
constexpr guint kInferRemoteFirstProperty = 1000;
void infer_remote_install_properties(GObjectClass* klass);
// Property hooks, called with the object lock held; false: not a remote property.
bool infer_remote_set_property(InferRemote* remote, guint id, const GValue* value);
bool infer_remote_get_property(InferRemote* remote, guint id, GValue* value);

// start(): opens the DEALER socket when `remote` is set (element error and false when
// the settings are wrong); stop(): closes it and writes the summary to `remote-log`.
bool infer_remote_start(InferRemote* remote, GstElement* element);
void infer_remote_stop(InferRemote* remote);
// set_caps(): the input caps travel in every request; the output caps decide which
// replies fit.
bool infer_remote_set_caps(InferRemote* remote, GstElement* element, GstCaps* incaps,
                           GstCaps* outcaps);

// transform(): true when the server answered `inbuf` in time and `outbuf` (tensors and
// class meta) holds its answer; false when the local model must answer. Never blocks
// longer than remote-timeout-ms. Does nothing (false) without `remote`.
bool infer_remote_answer(InferRemote* remote, GstElement* element, GstBuffer* inbuf,
                         GstBuffer* outbuf);
// After a local answer: marks the class meta "local" and counts the fallback (no-op
// without `remote`).
void infer_remote_mark_local(InferRemote* remote, GstBuffer* outbuf);

}  // namespace edge::gst
