// edgezmqsink's and edgezmqsrc's parameters (declared once, see params/params.h) and
// counters. The settings both sockets share (address, bind, queue, key, heartbeat-ms) are
// one struct, SocketSettings, declared by one set of helpers in zmq_params.cc; each
// element's own settings extend it.
#pragma once

#include <cstdint>
#include <string>

#include "net/receiver.h"
#include "net/sender.h"
#include "net/socket.h"
#include "params/params.h"

namespace edge::net {

enum class SinkMode { kPub, kPush, kRouter };
enum class QueuePolicy { kDrop, kBlock };
enum class SourceMode { kSub, kPull, kRouter };

// What both sockets are configured with.
struct SocketSettings {
  std::string address = "tcp://127.0.0.1:5555";
  bool bind = false;      // edges connect; a hub binds (edgezmqsrc's default)
  uint32_t queue = 1000;  // high-water mark, messages
  std::string key;        // CURVE: this side's secret certificate
  uint32_t heartbeat_ms = kDefaultHeartbeatMs;
};

struct ZmqSinkSettings : SocketSettings {
  SinkMode mode = SinkMode::kPub;
  std::string sender_id;  // empty: "<host>/<element name>"
  QueuePolicy policy = QueuePolicy::kDrop;
  std::string server_key;
  uint32_t linger_ms = 500;
  uint32_t reconnect_ms = 100;
  uint32_t reconnect_max_ms = 2000;
};

// Counters of one run, published by the streaming thread (params::publish).
struct ZmqSinkStatistics {
  uint64_t sent = 0;
  uint64_t dropped = 0;
};

struct ZmqSourceSettings : SocketSettings {
  ZmqSourceSettings() { bind = true; }
  SourceMode mode = SourceMode::kSub;
  std::string authorized_keys;
  uint64_t max_message_size = 16 * 1024 * 1024;
  std::string log;
};

struct ZmqSourceStatistics {
  uint64_t received = 0;
  uint64_t rejected = 0;
  uint64_t missing = 0;
  uint64_t unauthenticated = 0;
  uint64_t replies = 0;
  uint64_t replies_lost = 0;
};

const params::Table& zmq_sink_params();
const params::Table& zmq_source_params();

// The socket options the settings describe (the sink's for pub and push).
SenderOptions sender_options(const ZmqSinkSettings& settings);
ReceiverOptions receiver_options(const ZmqSourceSettings& settings);

}  // namespace edge::net
