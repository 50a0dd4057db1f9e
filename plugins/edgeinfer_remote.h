// Remote inference with local fallback: a second implementation of nn::WindowClassifier
// (core/runtime/nn/classifier.h) that edgeinfer uses when `remote` is set.
//
//   edge:   ... ! edgeinfer model=small.tflite remote=tcp://server:5560 remote-timeout-ms=50
//               ! edgelabelsink
//   server: edgezmqsrc mode=router address=tcp://0.0.0.0:5560 ! edgeinfer model=big.tflite
//               ! edgezmqsink mode=router
//
// Every input window goes to the server as a wire-format request (a tensors message with a
// request id, core/runtime/net/wire.h) over a DEALER socket, and classify() waits at most
// `remote-timeout-ms` for the reply with that id. A reply in time is the answer (Answer::kRemote:
// the server's tensors and top-k); otherwise the local classifier answers (Answer::kFallback).
// Replies that come after their window's deadline are discarded and counted in `late-replies`.
// The socket only queues on live connections (ZMQ_IMMEDIATE): with no server connected a window
// falls back at once instead of waiting, so a server that is down, killed or restarting costs at
// most one timeout per window, and ZeroMQ reconnects by itself. ZMTP heartbeats (every 1 s, peer
// dead after 3 s of silence) drop a connection whose server vanished without closing it.
//
// A reply is used only when its tensors have exactly the types and shapes of this element's
// outputs (same classes; use output-type=float32 on both sides when the two models differ in
// quantization); others are refused, counted in `remote-rejected` and answered locally.
//
// Thread safety: settings are guarded by the element's object lock (the property hooks run with
// it held); a RemoteClassifier is used from the streaming thread only; counters are atomics,
// readable from any thread.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>

#include "nn/classifier.h"

namespace edge::gst {

// The remote properties and counters of one element (kept across start/stop).
struct InferRemote;

InferRemote* infer_remote_new();
void infer_remote_free(InferRemote* remote);

// Installs the remote properties with ids from kInferRemoteFirstProperty on (the element's
// own property ids stay below it).
constexpr guint kInferRemoteFirstProperty = 1000;
void infer_remote_install_properties(GObjectClass* klass);
// Property hooks, called with the object lock held; false: not a remote property.
bool infer_remote_set_property(InferRemote* remote, guint id, const GValue* value);
bool infer_remote_get_property(InferRemote* remote, guint id, GValue* value);

class RemoteClassifier;

// start(): with `remote` set, a RemoteClassifier over `local` (element error and false when
// the settings are wrong); without it, nullptr in *out (and true). Counters restart at 0.
bool infer_remote_start(InferRemote* remote, GstElement* element, nn::WindowClassifier& local,
                        std::unique_ptr<RemoteClassifier>* out);

class RemoteClassifier final : public nn::WindowClassifier {
 public:
  struct Runtime;
  RemoteClassifier(InferRemote& remote, GstElement* element, nn::WindowClassifier& local,
                   std::unique_ptr<Runtime> runtime);
  ~RemoteClassifier() override;  // closes the socket, writes the summary to `remote-log`

  // set_caps(): the input caps travel in every request (one window is one tensor of them);
  // the output caps decide which replies fit. False (logged) when either cannot be used.
  bool set_caps(GstCaps* incaps, GstCaps* outcaps);

  // Never blocks longer than remote-timeout-ms (less when the sink pad starts flushing).
  const nn::Classification& classify(const void* window, const nn::WindowContext& context) override;
  void read_output(size_t i, void* dst, size_t bytes) const override;

 private:
  bool ask_server(const void* window, const nn::WindowContext& context);

  InferRemote& remote_;
  GstElement* element_;
  nn::WindowClassifier& local_;
  std::unique_ptr<Runtime> rt_;
  nn::Classification result_;
};

}  // namespace edge::gst
