// Helpers shared by the edgezmqsink/edgezmqsrc element tests (test_edgezmq.cc,
// test_edgezmq_delivery.cc): private ipc:// addresses, tensor buffers, bounded waits,
// raw wire messages and bus collection. Every wait has a deadline.
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "net/wire.h"

namespace edge::gst::zmqtest {

// One int8 tensor of 4 values; escaped as GStreamer 1.14 and 1.22 both parse.
inline const char kOneTensorCaps[] =
    "other/tensors, format=(string)static, num_tensors=(int)1, types=(string)int8, "
    "dimensions=(string)4, framerate=(fraction)0/1";

inline std::string temp_dir() {
  gchar* dir = g_dir_make_tmp("edgezmq-XXXXXX", nullptr);
  std::string path = dir;
  g_free(dir);
  return path;
}

inline GstBuffer* one_tensor_buffer(GstClockTime pts) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 4, nullptr);
  gst_buffer_fill(b, 0, "\x05\x06\x07\x08", 4);
  GST_BUFFER_PTS(b) = pts;
  return b;
}

// Pulls a buffer within `timeout`, or nullptr.
inline GstBuffer* pull_within(GstHarness* h, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (GstBuffer* b = gst_harness_try_pull(h)) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return nullptr;
}

inline guint64 get_u64(GstElement* e, const char* property) {
  guint64 value = 0;
  g_object_get(e, property, &value, nullptr);
  return value;
}

inline guint64 get_u64(GstHarness* h, const char* element, const char* property) {
  GstElement* e = gst_harness_find_element(h, element);
  const guint64 value = get_u64(e, property);
  gst_object_unref(e);
  return value;
}

// A field of an element's `stats` structure.
inline guint64 stat_u64(GstElement* e, const char* field) {
  GstStructure* stats = nullptr;
  g_object_get(e, "stats", &stats, nullptr);
  guint64 value = G_MAXUINT64;
  if (!stats || !gst_structure_get_uint64(stats, field, &value))
    ADD_FAILURE() << "no field " << field << " in the stats of " << GST_OBJECT_NAME(e);
  if (stats) gst_structure_free(stats);
  return value;
}

inline guint64 stat_u64(GstHarness* h, const char* element, const char* field) {
  GstElement* e = gst_harness_find_element(h, element);
  const guint64 value = stat_u64(e, field);
  gst_object_unref(e);
  return value;
}

// Sends raw frames from a plain ZeroMQ socket.
inline void send_raw(zmq::socket_t& socket, const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i)
    socket.send(zmq::buffer(frames[i]),
                i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

inline std::string header_for(const net::WireMessage& m) {
  std::string h;
  net::encode_header(m, &h);
  return h;
}

// A well-formed data message of one int8[4] tensor from sender "raw".
inline net::WireMessage raw_message(uint64_t seq) {
  net::WireMessage m;
  m.sender = "raw";
  m.seq = seq;
  m.caps = kOneTensorCaps;
  m.payload_sizes = {4};
  return m;
}

// Everything a bus carries, popped within a deadline.
class BusLog {
 public:
  explicit BusLog(GstElement* element) : bus_(gst_bus_new()) { gst_element_set_bus(element, bus_); }
  ~BusLog() {
    for (GstMessage* m : messages_) gst_message_unref(m);
    gst_object_unref(bus_);
  }
  // Collects until a message of `type` (and, for element messages, structure `name`) is
  // there or `timeout` passed; returns it (owned by the log) or nullptr.
  GstMessage* wait_for(GstMessageType type, const char* name = nullptr,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      while (GstMessage* m = gst_bus_pop(bus_)) messages_.push_back(m);
      for (GstMessage* m : messages_)
        if (matches(m, type, name)) return m;
      if (std::chrono::steady_clock::now() >= deadline) return nullptr;
      if (GstMessage* m = gst_bus_timed_pop(bus_, 10 * GST_MSECOND)) messages_.push_back(m);
    }
  }
  // How many collected so far (after draining what is queued) match.
  size_t count(GstMessageType type, const char* name = nullptr) {
    while (GstMessage* m = gst_bus_pop(bus_)) messages_.push_back(m);
    size_t n = 0;
    for (GstMessage* m : messages_) n += matches(m, type, name);
    return n;
  }
  // The text of the first error or warning of `type`, "" when there is none yet.
  std::string text(GstMessageType type) {
    GstMessage* m = wait_for(type, nullptr, std::chrono::milliseconds(0));
    if (!m) return "";
    GError* err = nullptr;
    gchar* debug = nullptr;
    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error(m, &err, &debug);
    else
      gst_message_parse_warning(m, &err, &debug);
    std::string text = err->message;
    g_error_free(err);
    g_free(debug);
    return text;
  }

 private:
  static bool matches(GstMessage* m, GstMessageType type, const char* name) {
    if (GST_MESSAGE_TYPE(m) != type) return false;
    if (!name) return true;
    const GstStructure* s = gst_message_get_structure(m);
    return s && gst_structure_has_name(s, name);
  }
  GstBus* bus_;
  std::vector<GstMessage*> messages_;
};

}  // namespace edge::gst::zmqtest
