#include "net/curve.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace edge::net {

namespace {

constexpr size_t kMaxCertificateBytes = 64 * 1024;

struct Certificate {
  std::string public_key;
  std::string secret_key;
};

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(msg("key file ", path, ": cannot be opened: ", std::strerror(errno)));
  std::string text;
  char chunk[4096];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxCertificateBytes)
      throw Error(msg("key file ", path, ": larger than ", kMaxCertificateBytes,
                      " bytes, not a certificate"));
  }
  return text;
}

bool z85_key_valid(const std::string& z85, uint8_t raw[32]) {
  return z85.size() == kZ85KeyLength && zmq_z85_decode(raw, z85.c_str()) != nullptr;
}

// `name = "value"` (quotes optional) inside a ZPL certificate.
Certificate parse_certificate(const std::string& path, const std::string& text) {
  Certificate cert;
  std::istringstream lines(text);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t eq = line.find('=', start);
    if (eq == std::string::npos) continue;
    std::string name = line.substr(start, eq - start);
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name != "public-key" && name != "secret-key") continue;
    std::string value = line.substr(eq + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    uint8_t raw[32];
    if (!z85_key_valid(value, raw))
      throw Error(msg("key file ", path, " line ", line_no, ": ", name,
                      " must be 40 Z85 characters, found \"", value.substr(0, 60), "\""));
    (name == "public-key" ? cert.public_key : cert.secret_key) = value;
  }
  return cert;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void write_file(const std::string& path, const std::string& text, mode_t mode, bool overwrite) {
  int flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0)
    throw Error(msg("key file ", path, ": cannot be created: ", std::strerror(errno),
                    errno == EEXIST ? " (refusing to overwrite an existing key)" : ""));
  ::fchmod(fd, mode);
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      throw Error(msg("key file ", path, ": write failed: ", std::strerror(saved)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0)
    throw Error(msg("key file ", path, ": close failed: ", std::strerror(errno)));
}

}  // namespace

bool curve_available() { return zmq_has("curve") != 0; }

CurveKeyPair generate_keypair() {
  if (!curve_available())
    throw Error("CURVE keys need libzmq built with libsodium; this libzmq has no CURVE");
  char pub[kZ85KeyLength + 1], sec[kZ85KeyLength + 1];
  if (zmq_curve_keypair(pub, sec) != 0)
    throw Error(msg("zmq_curve_keypair failed: ", zmq_strerror(zmq_errno())));
  return CurveKeyPair{pub, sec};
}

void write_certificates(const CurveKeyPair& keys, const std::string& base, bool overwrite) {
  const std::string header =
      "#   edgestream CURVE certificate (CZMQ zcert layout)\n"
      "#   Share NAME.key; keep NAME.key_secret on this device only.\n"
      "metadata\ncurve\n    public-key = \"" +
      keys.public_key + "\"\n";
  write_file(base + ".key", header, 0644, overwrite);
  write_file(base + ".key_secret", header + "    secret-key = \"" + keys.secret_key + "\"\n", 0600,
             overwrite);
}

CurveKeyPair load_secret_certificate(const std::string& path) {
  Certificate cert = parse_certificate(path, read_small_file(path));
  if (cert.secret_key.empty())
    throw Error(msg("key file ", path, ": has no secret-key (a device or hub needs its ",
                    "NAME.key_secret file, not the public NAME.key)"));
  char derived[kZ85KeyLength + 1];
  if (zmq_curve_public(derived, cert.secret_key.c_str()) != 0)
    throw Error(
        msg("key file ", path, ": cannot derive the public key: ", zmq_strerror(zmq_errno())));
  if (!cert.public_key.empty() && cert.public_key != derived)
    throw Error(msg("key file ", path, ": public-key does not belong to secret-key"));
  return CurveKeyPair{derived, cert.secret_key};
}

std::string load_public_key(const std::string& path) {
  Certificate cert = parse_certificate(path, read_small_file(path));
  if (!cert.public_key.empty()) return cert.public_key;
  if (!cert.secret_key.empty()) return load_secret_certificate(path).public_key;
  throw Error(msg("key file ", path, ": has no public-key line (expected a CURVE certificate ",
                  "as written by edgestream-keygen)"));
}

std::string load_public_certificate(const std::string& path) {
  Certificate cert = parse_certificate(path, read_small_file(path));
  if (!cert.secret_key.empty()) {
    const std::string public_path =
        ends_with(path, "_secret") ? path.substr(0, path.size() - 7) : path + " without _secret";
    throw Error(msg("key file ", path, ": is a secret certificate; give the public one, \"",
                    public_path, "\" (a secret key stays on the machine it belongs to)"));
  }
  if (cert.public_key.empty())
    throw Error(msg("key file ", path, ": has no public-key line (expected a CURVE certificate ",
                    "as written by edgestream-keygen)"));
  return cert.public_key;
}

void AuthorizedKeys::add_z85(const std::string& z85) {
  uint8_t raw[32];
  if (!z85_key_valid(z85, raw)) throw Error(msg("\"", z85, "\" is not a 40-character Z85 key"));
  keys_.insert(std::string(reinterpret_cast<const char*>(raw), 32));
}

bool AuthorizedKeys::contains(const void* key32) const {
  return keys_.count(std::string(static_cast<const char*>(key32), 32)) > 0;
}

AuthorizedKeys AuthorizedKeys::load_directory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d)
    throw Error(
        msg("authorized-keys directory ", dir, ": cannot be opened: ", std::strerror(errno)));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (ends_with(name, ".key")) names.push_back(name);
  }
  ::closedir(d);
  AuthorizedKeys keys;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    keys.add_z85(load_public_certificate(path));
  }
  if (keys.size() == 0)
    throw Error(msg("authorized-keys directory ", dir,
                    ": holds no *.key certificate, so no device could connect"));
  return keys;
}

ZapHandler::ZapHandler(zmq::context_t& context, AuthorizedKeys keys)
    : keys_(std::move(keys)), socket_(context, zmq::socket_type::rep) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { run(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  socket_.close();
}

void ZapHandler::run() {
  // RFC 27 request: version, request id, domain, address, identity, mechanism, credentials.
  while (!stop_) {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) <= 0) continue;
      std::vector<zmq::message_t> request;
      zmq::message_t part;
      do {
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
        request.push_back(std::move(part));
      } while (request.back().more() && request.size() < 16);
      // Drain a (malicious or broken) request that claims more parts.
      while (!request.empty() && request.back().more()) {
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
        if (!part.more()) break;
      }
      if (request.empty()) continue;
      const std::string request_id = request.size() > 1 ? request[1].to_string() : std::string();
      bool ok = request.size() >= 7 && request[0].to_string() == "1.0" &&
                request[5].to_string() == "CURVE" && request[6].size() == 32 &&
                keys_.contains(request[6].data());
      (ok ? accepted_ : denied_)++;
      socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(std::string(ok ? "200" : "400")), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(std::string(ok ? "OK" : "key not authorized")),
                   zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);  // user id
      socket_.send(zmq::str_buffer(""), zmq::send_flags::none);     // metadata
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
    }
  }
}

}  // namespace edge::net
