#include "plugins/edgeinfer_remote.h"

#include <gst/base/gstbasetransform.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/error.h"
#include "net/wire.h"
#include "plugins/common/edgemeta.h"
#include "plugins/common/tensorcaps.h"
#include "plugins/common/zmq_socket.h"

GST_DEBUG_CATEGORY_STATIC(edge_infer_remote_debug);
#define GST_CAT_DEFAULT edge_infer_remote_debug

namespace edge::gst {

namespace {

constexpr int kSendQueue = 16;  // requests queued per connection before "no server"
constexpr int kReconnectMs = 100;
constexpr int kReconnectMaxMs = 1000;
constexpr size_t kMaxReplyBytes = 16 * 1024 * 1024;

}  // namespace

// Built in start(), used from the streaming thread.
struct RemoteClassifier::Runtime {
  zmq::context_t context{1};
  zmq::socket_t dealer;
  std::chrono::milliseconds timeout{0};
  net::DataEncoder encoder;  // the request: caps once, fields overwritten per window
  std::string header;        // reused encode buffer
  bool have_caps = false;
  TensorsInfo out_info;
  std::string fitting_caps;  // reply caps string last checked to fit out_info
  std::vector<zmq::message_t> frames;
  std::vector<net::Frame> views;
  net::WireMessage reply;
  bool warned_mismatch = false;
  bool server_was_down = false;  // the last window found no connected server
  FILE* log = nullptr;

  ~Runtime() {
    if (log) std::fclose(log);
  }
};

namespace {

void write_log(RemoteClassifier::Runtime& rt, const nlohmann::json& line) {
  if (!rt.log) return;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(rt.log, "%s\n", text.c_str());
  std::fflush(rt.log);
}

std::string caps_string(GstCaps* caps) {
  gchar* text = gst_caps_to_string(caps);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

// Whether a reply's caps describe this element's outputs (types and shapes).
bool reply_fits(RemoteClassifier::Runtime& rt, const std::string& reply_caps, std::string* why) {
  if (reply_caps == rt.fitting_caps) return true;
  GstCaps* caps = gst_caps_from_string(net::portable_caps(reply_caps).c_str());
  TensorsInfo info;
  std::string error;
  const bool parsed = caps && tensors_caps_parse(caps, &info, &error);
  if (caps) gst_caps_unref(caps);
  if (!parsed) {
    *why = msg("the reply's caps are not tensors: ", error);
    return false;
  }
  bool fits = info.tensors.size() == rt.out_info.tensors.size();
  for (size_t i = 0; fits && i < info.tensors.size(); ++i)
    fits = info.tensors[i].type == rt.out_info.tensors[i].type &&
           shapes_match(info.tensors[i].shape, rt.out_info.tensors[i].shape);
  if (!fits) {
    *why = msg("the server answers ", tensors_info_to_string(info), " but this model gives ",
               tensors_info_to_string(rt.out_info),
               " (same classes needed; output-type=float32 on both sides evens out "
               "quantization)");
    return false;
  }
  rt.fitting_caps = reply_caps;
  return true;
}

// Reads one whole multipart message; false when none is waiting.
bool receive(RemoteClassifier::Runtime& rt, size_t* parts) {
  rt.frames.clear();
  *parts = 0;
  while (true) {
    zmq::message_t part;
    if (!rt.dealer.recv(part, zmq::recv_flags::dontwait)) break;
    const bool more = part.more();
    if (++*parts <= net::kMaxPayloadFrames + 1) rt.frames.push_back(std::move(part));
    if (!more) break;
  }
  return !rt.frames.empty();
}

// Waits for `events` on the DEALER until `deadline`, in slices short enough to see a
// state change (the sink pad flushing) soon: 1 ready, 0 deadline passed, -1 flushing.
int wait_for(RemoteClassifier::Runtime& rt, short events,
             std::chrono::steady_clock::time_point deadline, GstPad* sinkpad) {
  constexpr std::chrono::microseconds kSlice{50000};
  while (true) {
    if (GST_PAD_IS_FLUSHING(sinkpad)) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    zmq::pollitem_t item{static_cast<void*>(rt.dealer), 0, events, 0};
    // Round up: a 0 ms poll would spin until the deadline.
    const auto slice = std::min(left, kSlice);
    if (zmq::poll(&item, 1, std::chrono::milliseconds((slice.count() + 999) / 1000)) > 0) return 1;
  }
}

}  // namespace

bool remote_classifier_start(const nn::InferSettings& s, GstElement* element,
                             nn::WindowClassifier& local, nn::InferStatistics* statistics,
                             std::unique_ptr<RemoteClassifier>* out) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(edge_infer_remote_debug, "edgeinfer-remote", 0,
                            "edgestream remote inference");
    g_once_init_leave(&debug_once, 1);
  }
  out->reset();
  if (s.remote.empty()) {
    if (!s.remote_key.empty() || !s.remote_server_key.empty() || !s.remote_log.empty())
      GST_WARNING_OBJECT(element,
                         "remote-key, remote-server-key and remote-log do nothing "
                         "without 'remote'");
    return true;
  }
  if (s.remote_key.empty() != s.remote_server_key.empty()) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                      ("edgeinfer: CURVE needs both 'remote-key' (this device's secret "
                       "certificate) and 'remote-server-key' (the server's public certificate); "
                       "only '%s' is set",
                       s.remote_key.empty() ? "remote-server-key" : "remote-key"),
                      (nullptr));
    return false;
  }
  auto rt = std::make_unique<RemoteClassifier::Runtime>();
  rt->timeout = std::chrono::milliseconds(s.remote_timeout_ms);
  try {
    rt->dealer = zmq::socket_t(rt->context, zmq::socket_type::dealer);
    zmq::socket_t& sock = rt->dealer;
    sock.set(zmq::sockopt::linger, 0);
    sock.set(zmq::sockopt::immediate, 1);  // no server connected: fall back at once
    sock.set(zmq::sockopt::sndhwm, kSendQueue);
    sock.set(zmq::sockopt::reconnect_ivl, kReconnectMs);
    sock.set(zmq::sockopt::reconnect_ivl_max, kReconnectMaxMs);
    zmq_set_heartbeat(sock, kDefaultHeartbeatMs);  // a vanished server is dropped in 3 s
    sock.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxReplyBytes));
    if (!s.remote_key.empty()) zmq_set_curve_client(sock, s.remote_key, s.remote_server_key);
    sock.connect(s.remote);
  } catch (const Error& e) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("edgeinfer: %s", e.what()), (nullptr));
    return false;
  } catch (const zmq::error_t& e) {
    GST_ELEMENT_ERROR(element, RESOURCE, OPEN_READ_WRITE,
                      ("edgeinfer: could not connect to property 'remote' \"%s\": %s",
                       s.remote.c_str(), e.what()),
                      (nullptr));
    return false;
  }
  if (!s.remote_log.empty()) {
    rt->log = std::fopen(s.remote_log.c_str(), "w");
    if (!rt->log) {
      GST_ELEMENT_ERROR(element, RESOURCE, OPEN_WRITE,
                        ("edgeinfer: could not open property 'remote-log' \"%s\" to write: %s",
                         s.remote_log.c_str(), g_strerror(errno)),
                        (nullptr));
      return false;
    }
  }
  net::WireMessage& m = rt->encoder.message();
  gchar* name = gst_object_get_name(GST_OBJECT(element));
  m.sender = std::string(g_get_host_name()) + "/" + name;
  g_free(name);
  m.session = (static_cast<guint64>(g_random_int()) << 32) | g_random_int();
  m.kind = net::MessageKind::kTensors;
  rt->header.reserve(1024);
  GST_INFO_OBJECT(element, "remote inference via %s, %u ms per window", s.remote.c_str(),
                  s.remote_timeout_ms);
  *out = std::make_unique<RemoteClassifier>(element, local, statistics, std::move(rt));
  return true;
}

RemoteClassifier::RemoteClassifier(GstElement* element, nn::WindowClassifier& local,
                                   nn::InferStatistics* statistics,
                                   std::unique_ptr<Runtime> runtime)
    : element_(element), local_(local), statistics_(statistics), rt_(std::move(runtime)) {}

RemoteClassifier::~RemoteClassifier() {
  write_log(*rt_, {{"summary", true},
                   {"windows", answered_ + fallbacks_},
                   {"remote", answered_},
                   {"local", fallbacks_},
                   {"late", late_},
                   {"rejected", rejected_}});
}

void RemoteClassifier::count(uint64_t* counter, uint64_t nn::InferStatistics::*field) {
  params::publish(&(statistics_->*field), ++*counter);
}

bool RemoteClassifier::set_caps(GstCaps* incaps, GstCaps* outcaps) {
  std::string error;
  rt_->have_caps = false;
  rt_->fitting_caps.clear();
  if (!tensors_caps_parse(outcaps, &rt_->out_info, &error)) {
    GST_ERROR_OBJECT(element_, "remote: output caps %" GST_PTR_FORMAT ": %s", outcaps,
                     error.c_str());
    return false;
  }
  if (!rt_->encoder.set_caps(caps_string(incaps), &error)) {
    GST_ERROR_OBJECT(element_, "remote: the input caps cannot travel to the server: %s",
                     error.c_str());
    return false;
  }
  rt_->have_caps = true;
  return true;
}

const nn::Classification& RemoteClassifier::classify(const void* window,
                                                     const nn::WindowContext& context) {
  if (rt_->have_caps && ask_server(window, context)) {
    const net::WireMessage& reply = rt_->reply;
    result_.top.resize(reply.classes.size());
    for (size_t k = 0; k < reply.classes.size(); ++k)
      result_.top[k] = {reply.classes[k].index, reply.classes[k].score, reply.classes[k].label};
    result_.latency_ns = reply.latency_ns;
    result_.answer = nn::Answer::kRemote;
    count(&answered_, &nn::InferStatistics::remote_answered);
    return result_;
  }
  result_ = local_.classify(window, context);
  result_.answer = nn::Answer::kFallback;
  count(&fallbacks_, &nn::InferStatistics::local_fallbacks);
  return result_;
}

void RemoteClassifier::read_output(size_t i, void* dst, size_t bytes) const {
  if (result_.answer != nn::Answer::kRemote) {
    local_.read_output(i, dst, bytes);
    return;
  }
  if (i + 1 < rt_->frames.size())
    std::memcpy(dst, rt_->frames[i + 1].data(), std::min(bytes, rt_->frames[i + 1].size()));
}

// Sends the window and waits for its reply: true when one that fits came in time (in
// rt_->reply and rt_->frames).
bool RemoteClassifier::ask_server(const void* window, const nn::WindowContext& context) {
  Runtime* rt = rt_.get();
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  net::WireMessage& m = rt->encoder.message();
  const uint64_t id = ++m.request;  // 1, 2, 3...; also the sequence number
  m.seq = id - 1;
  m.pts = context.pts;
  m.dts = context.dts;
  m.duration = context.duration;
  m.offset = context.offset;
  m.offset_end = context.offset_end;
  m.buffer_flags = context.buffer_flags;
  const nn::WindowClip* clip = context.clip;
  m.has_clip = clip != nullptr;
  if (clip) {
    m.clip.clip_id = clip->clip_id ? clip->clip_id : "";
    m.clip.label = clip->label ? clip->label : "";
    m.clip.label_index = clip->label_index;
    m.clip.fold = clip->fold;
    m.clip.source = clip->source ? clip->source : "";
    m.clip.window_index = clip->window_index;
  }
  const char* why = "timeout";
  std::string detail;
  try {
    const net::Frame frame{window, rt->encoder.layout().sizes.at(0)};
    if (!rt->encoder.encode(&frame, 1, &rt->header, &detail)) throw Error(detail);
    zmq::message_t payload(frame.data, frame.size);
    const Clock::time_point deadline = start + rt->timeout;
    GstPad* sinkpad = GST_BASE_TRANSFORM_SINK_PAD(element_);
    auto send_header = [rt] {
      return rt->dealer
          .send(zmq::buffer(rt->header), zmq::send_flags::sndmore | zmq::send_flags::dontwait)
          .has_value();
    };
    bool queued = send_header();
    // Not connected (yet): at start or just after the server went away. Wait for a
    // connection within this window's time; once one window found no server, later ones
    // fall back at once until ZeroMQ has reconnected in the background.
    int ready = 1;
    while (!queued && !rt->server_was_down &&
           (ready = wait_for(*rt, ZMQ_POLLOUT, deadline, sinkpad)) > 0)
      queued = send_header();
    rt->server_was_down = !queued;
    if (queued) rt->dealer.send(payload, zmq::send_flags::none);
    if (ready < 0) {
      why = "flushing";
    } else if (!queued) {
      why = "no-server";
    } else {
      while (true) {
        ready = wait_for(*rt, ZMQ_POLLIN, deadline, sinkpad);
        if (ready < 0) why = "flushing";
        if (ready <= 0) break;
        size_t parts = 0;
        if (!receive(*rt, &parts)) continue;
        rt->views.clear();
        for (const auto& f : rt->frames) rt->views.push_back({f.data(), f.size()});
        net::DecodeError error;
        bool decoded = parts <= rt->frames.size();
        if (!decoded) {
          error.reason = net::RejectReason::kPayload;
          error.detail = msg("message has ", parts, " frames, at most ", net::kMaxPayloadFrames + 1,
                             " allowed");
        } else {
          decoded = net::decode_message(rt->views.data(), rt->views.size(), kMaxReplyBytes,
                                        &rt->reply, &error);
        }
        if (!decoded) {
          count(&rejected_, &nn::InferStatistics::remote_rejected);
          GST_WARNING_OBJECT(element_, "remote: refused a message from the server (%s): %s",
                             net::reject_reason_name(error.reason), error.detail.c_str());
          continue;
        }
        if (rt->reply.kind != net::MessageKind::kResult || rt->reply.request == 0 ||
            rt->reply.request > id) {
          count(&rejected_, &nn::InferStatistics::remote_rejected);
          GST_WARNING_OBJECT(element_,
                             "remote: refused a %s message with request id %" G_GUINT64_FORMAT
                             " (expected a result for a request up to %" G_GUINT64_FORMAT ")",
                             net::message_kind_name(rt->reply.kind), rt->reply.request, id);
          continue;
        }
        if (rt->reply.request < id) {  // an earlier window's answer, too late to use
          count(&late_, &nn::InferStatistics::late_replies);
          write_log(*rt, {{"late", rt->reply.request}});
          continue;
        }
        if (!reply_fits(*rt, rt->reply.caps, &detail)) {
          count(&rejected_, &nn::InferStatistics::remote_rejected);
          if (!rt->warned_mismatch)
            GST_ELEMENT_WARNING(element_, STREAM, FORMAT,
                                ("edgeinfer: the remote server's replies do not fit this model; "
                                 "the local model answers instead"),
                                ("%s", detail.c_str()));
          rt->warned_mismatch = true;
          why = "mismatch";
          break;
        }
        const double wait_ms =
            std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        write_log(*rt, {{"request", id},
                        {"window", m.has_clip ? m.clip.window_index : -1},
                        {"model", "remote"},
                        {"wait_ms", wait_ms}});
        return true;
      }
    }
  } catch (const zmq::error_t& e) {
    why = "socket-error";
    GST_WARNING_OBJECT(element_, "remote: %s", e.what());
  } catch (const Error& e) {
    why = "encode-error";
    GST_WARNING_OBJECT(element_, "remote: %s", e.what());
  }
  const double wait_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  GST_LOG_OBJECT(element_, "request %" G_GUINT64_FORMAT ": local (%s after %.2f ms)", id, why,
                 wait_ms);
  write_log(*rt, {{"request", id},
                  {"window", m.has_clip ? m.clip.window_index : -1},
                  {"model", "local"},
                  {"why", why},
                  {"wait_ms", wait_ms}});
  return false;
}

nn::WindowContext window_context(GstBuffer* buffer, nn::WindowClip* clip) {
  nn::WindowContext context;
  context.pts = GST_BUFFER_PTS(buffer);
  context.dts = GST_BUFFER_DTS(buffer);
  context.duration = GST_BUFFER_DURATION(buffer);
  context.offset = GST_BUFFER_OFFSET(buffer);
  context.offset_end = GST_BUFFER_OFFSET_END(buffer);
  context.buffer_flags = GST_BUFFER_FLAGS(buffer);
  if (const EdgeClipMeta* meta = edge_buffer_get_clip_meta(buffer)) {
    *clip = {meta->clip_id, meta->label,  meta->label_index,
             meta->fold,    meta->source, meta->window_index};
    context.clip = clip;
  }
  return context;
}

}  // namespace edge::gst
