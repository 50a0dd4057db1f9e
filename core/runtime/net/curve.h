// CURVE keys for edgezmqsink/edgezmqsrc: key files, a hub's authorized-keys
// directory, and the ZAP handler that lets only those keys in.
//
// Key files use CZMQ's certificate layout (ZPL), so keys made with zcert or
// `edgestream-keygen` are interchangeable:
//   NAME.key          public certificate:  curve / public-key = "<40 Z85 chars>"
//   NAME.key_secret   secret certificate:  the same plus secret-key = "<40 Z85 chars>",
//                     written with mode 0600
// Lines starting with '#' are comments; other lines are ignored.
//
// A hub's authorized-keys directory holds one public certificate (*.key) per device;
// every other file is ignored. ZapHandler answers ZeroMQ's ZAP requests (RFC 27,
// "inproc://zeromq.zap.01") for one context: a CURVE client whose public key is in
// the set gets "200", anything else "400" and is counted as denied.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace edge::net {

constexpr size_t kZ85KeyLength = 40;  // a 32-byte CURVE key in Z85

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; empty for a public certificate
};

// True when libzmq was built with CURVE (libsodium).
bool curve_available();

// A fresh key pair (zmq_curve_keypair). Throws edge::Error without CURVE support.
CurveKeyPair generate_keypair();

// Writes BASE.key (public) and BASE.key_secret (both keys, mode 0600). Refuses to
// overwrite existing files unless `overwrite`. Throws edge::Error naming the file.
void write_certificates(const CurveKeyPair& keys, const std::string& base, bool overwrite);

// Reads a secret certificate: both keys, checked to belong together (the public key is
// derived when the file holds only the secret one). Throws edge::Error naming the file
// and what is wrong with it.
CurveKeyPair load_secret_certificate(const std::string& path);
// Reads the public key of a certificate (public or secret). Throws edge::Error.
std::string load_public_key(const std::string& path);
// Reads a public certificate (another party's key: a hub's server-key, a device in
// authorized-keys). Throws edge::Error also when the file holds a secret key, naming the
// public certificate to give instead: a secret key belongs on its own device only.
std::string load_public_certificate(const std::string& path);

// The public keys a hub accepts, as 32 raw bytes each.
class AuthorizedKeys {
 public:
  // Every *.key file of `dir`; throws edge::Error when the directory cannot be read,
  // a *.key file is not a valid public certificate (a secret one is refused: the device's
  // secret key does not belong on the hub), or there is no key at all.
  static AuthorizedKeys load_directory(const std::string& dir);
  void add_z85(const std::string& z85_public_key);  // throws edge::Error if not a Z85 key
  bool contains(const void* key32) const;
  size_t size() const { return keys_.size(); }

 private:
  std::set<std::string> keys_;  // raw 32-byte keys
};

// Serves ZAP for every socket of `context`: must be constructed before any CURVE
// server socket of that context binds, and destroyed before the context. Runs one
// thread that polls with a short timeout, so destruction takes at most ~50 ms.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& context, AuthorizedKeys keys);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  uint64_t accepted() const { return accepted_.load(); }
  uint64_t denied() const { return denied_.load(); }

 private:
  void run();

  AuthorizedKeys keys_;
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> denied_{0};
  std::thread thread_;
};

}  // namespace edge::net
