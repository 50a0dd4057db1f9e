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
// Settings are edgeinfer's (core/runtime/nn/classifier_params.h: remote, remote-timeout-ms,
// remote-key, remote-server-key, remote-log), counters its statistics (remote-answered,
// local-fallbacks, late-replies, remote-rejected).
//
// Thread safety: a RemoteClassifier is used from the streaming thread only; it publishes its
// counters with params::publish, so they are readable from any thread.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>

#include "nn/classifier.h"
#include "nn/classifier_params.h"

namespace edge::gst {

class RemoteClassifier;

// The window's place in the stream, what classify() tells a server with it (the local engine
// ignores it): pts, dts, duration, offsets, buffer flags, and the buffer's EdgeClipMeta copied
// into *clip (which must outlive the context).
nn::WindowContext window_context(GstBuffer* buffer, nn::WindowClip* clip);

// start(): with `remote` set in the settings, a RemoteClassifier over `local` in *out, counting
// into *statistics (element error and false when the settings are wrong); without it,
// nullptr in *out and true.
bool remote_classifier_start(const nn::InferSettings& settings, GstElement* element,
                             nn::WindowClassifier& local, nn::InferStatistics* statistics,
                             std::unique_ptr<RemoteClassifier>* out);

class RemoteClassifier final : public nn::WindowClassifier {
 public:
  struct Runtime;
  RemoteClassifier(GstElement* element, nn::WindowClassifier& local,
                   nn::InferStatistics* statistics, std::unique_ptr<Runtime> runtime);
  ~RemoteClassifier() override;  // closes the socket, writes the summary to `remote-log`

  // set_caps(): the input caps travel in every request (one window is one tensor of them);
  // the output caps decide which replies fit. False (logged) when either cannot be used.
  bool set_caps(GstCaps* incaps, GstCaps* outcaps);

  // Never blocks longer than remote-timeout-ms (less when the sink pad starts flushing).
  const nn::Classification& classify(const void* window, const nn::WindowContext& context) override;
  void read_output(size_t i, void* dst, size_t bytes) const override;

 private:
  bool ask_server(const void* window, const nn::WindowContext& context);
  // ++*counter, published into the statistics field (read from any thread).
  void count(uint64_t* counter, uint64_t nn::InferStatistics::*field);

  GstElement* element_;
  nn::WindowClassifier& local_;
  nn::InferStatistics* statistics_;
  std::unique_ptr<Runtime> rt_;
  nn::Classification result_;
  uint64_t answered_ = 0, fallbacks_ = 0, late_ = 0, rejected_ = 0;
};

}  // namespace edge::gst
