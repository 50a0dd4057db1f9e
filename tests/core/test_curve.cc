// CURVE keys: certificate files, the authorized-keys directory and the ZAP handler
// letting exactly the authorized devices into a hub over loopback TCP.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "common/error.h"
#include "net/curve.h"

namespace edge::net {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/edge-curve-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  EXPECT_NE(dir, nullptr);
  return dir ? dir : "/tmp";
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class Curve : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!curve_available()) GTEST_SKIP() << "SKIPPED: this libzmq has no CURVE support";
    dir_ = temp_dir();
  }
  std::string dir_;
};

TEST_F(Curve, CertificatesRoundTripAndSecretsAreOwnerOnly) {
  const CurveKeyPair keys = generate_keypair();
  ASSERT_EQ(keys.public_key.size(), kZ85KeyLength);
  ASSERT_EQ(keys.secret_key.size(), kZ85KeyLength);
  write_certificates(keys, dir_ + "/hub", false);
  const CurveKeyPair loaded = load_secret_certificate(dir_ + "/hub.key_secret");
  EXPECT_EQ(loaded.public_key, keys.public_key);
  EXPECT_EQ(loaded.secret_key, keys.secret_key);
  EXPECT_EQ(load_public_key(dir_ + "/hub.key"), keys.public_key);
  EXPECT_EQ(load_public_key(dir_ + "/hub.key_secret"), keys.public_key);
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/hub.key_secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Never overwrites a key by accident.
  EXPECT_NE(error_of([&] {
              write_certificates(generate_keypair(), dir_ + "/hub", false);
            }).find("refusing to overwrite"),
            std::string::npos);
}

// Issue 11 item 11: another party's key must be its public certificate. A secret one is
// refused, naming the file to give instead.
TEST_F(Curve, PublicCertificateRefusesASecretOneAndNamesThePublicFile) {
  const CurveKeyPair keys = generate_keypair();
  write_certificates(keys, dir_ + "/hub", false);
  EXPECT_EQ(load_public_certificate(dir_ + "/hub.key"), keys.public_key);
  const std::string why = error_of([&] { load_public_certificate(dir_ + "/hub.key_secret"); });
  EXPECT_NE(why.find("hub.key_secret: is a secret certificate"), std::string::npos) << why;
  EXPECT_NE(why.find("\"" + dir_ + "/hub.key\""), std::string::npos) << why;
  // An authorized-keys directory holding a device's secret certificate is refused too.
  const std::string authorized = dir_ + "/authorized";
  ASSERT_EQ(mkdir(authorized.c_str(), 0700), 0);
  write_text(authorized + "/device.key", "curve\n public-key = \"" + keys.public_key +
                                             "\"\n secret-key = \"" + keys.secret_key + "\"\n");
  EXPECT_NE(error_of([&] {
              AuthorizedKeys::load_directory(authorized);
            }).find("device.key: is a secret certificate"),
            std::string::npos);
}

TEST_F(Curve, KnownKeyPairFromZeroMqsDocumentation) {
  // The test vector of zmq_curve(7): the public key follows from the secret key.
  write_text(dir_ + "/doc.key_secret",
             "curve\n    secret-key = \"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\"\n");
  EXPECT_EQ(load_secret_certificate(dir_ + "/doc.key_secret").public_key,
            "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");
}

TEST_F(Curve, BadCertificatesAreNamed) {
  EXPECT_NE(error_of([&] {
              load_secret_certificate(dir_ + "/missing.key_secret");
            }).find("missing.key_secret: cannot be opened"),
            std::string::npos);
  write_text(dir_ + "/short.key", "curve\n    public-key = \"abc\"\n");
  EXPECT_NE(error_of([&] {
              load_public_key(dir_ + "/short.key");
            }).find("short.key line 2: public-key must be 40 Z85 characters"),
            std::string::npos);
  write_text(dir_ + "/empty.key", "# nothing here\n");
  EXPECT_NE(error_of([&] { load_public_key(dir_ + "/empty.key"); }).find("has no public-key"),
            std::string::npos);
  const CurveKeyPair keys = generate_keypair();
  write_certificates(keys, dir_ + "/dev", false);
  EXPECT_NE(error_of([&] { load_secret_certificate(dir_ + "/dev.key"); }).find("no secret-key"),
            std::string::npos);
  const CurveKeyPair other = generate_keypair();
  write_text(dir_ + "/mixed.key_secret", "curve\n public-key = \"" + other.public_key +
                                             "\"\n secret-key = \"" + keys.secret_key + "\"\n");
  EXPECT_NE(error_of([&] {
              load_secret_certificate(dir_ + "/mixed.key_secret");
            }).find("does not belong"),
            std::string::npos);
}

TEST_F(Curve, AuthorizedKeysDirectory) {
  EXPECT_NE(
      error_of([&] { AuthorizedKeys::load_directory(dir_ + "/nope"); }).find("cannot be opened"),
      std::string::npos);
  EXPECT_NE(error_of([&] { AuthorizedKeys::load_directory(dir_); }).find("holds no *.key"),
            std::string::npos);
  write_certificates(generate_keypair(), dir_ + "/a", false);
  write_certificates(generate_keypair(), dir_ + "/b", false);
  write_text(dir_ + "/README", "not a key, ignored");
  EXPECT_EQ(AuthorizedKeys::load_directory(dir_).size(), 2u);
  write_text(dir_ + "/broken.key", "public-key = \"xyz\"\n");
  EXPECT_NE(error_of([&] { AuthorizedKeys::load_directory(dir_); }).find("broken.key"),
            std::string::npos);
  AuthorizedKeys keys;
  EXPECT_NE(error_of([&] { keys.add_z85("short"); }).find("not a 40-character Z85 key"),
            std::string::npos);
}

// One message from a CURVE client with `client` keys to a server that authorizes
// `authorized`; true when it arrives within a second.
struct HubResult {
  bool delivered = false;
  uint64_t accepted = 0, denied = 0;
};

HubResult send_through_hub(const CurveKeyPair& server, const CurveKeyPair& client,
                           const CurveKeyPair& authorized) {
  zmq::context_t context(1);
  AuthorizedKeys keys;
  keys.add_z85(authorized.public_key);
  HubResult result;
  {
    ZapHandler zap(context, keys);
    zmq::socket_t pull(context, zmq::socket_type::pull);
    pull.set(zmq::sockopt::linger, 0);
    pull.set(zmq::sockopt::curve_server, 1);
    pull.set(zmq::sockopt::curve_secretkey, server.secret_key);
    pull.set(zmq::sockopt::rcvtimeo, 1000);
    pull.bind("tcp://127.0.0.1:*");
    const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);

    zmq::socket_t push(context, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 0);
    push.set(zmq::sockopt::curve_serverkey, server.public_key);
    push.set(zmq::sockopt::curve_publickey, client.public_key);
    push.set(zmq::sockopt::curve_secretkey, client.secret_key);
    push.connect(endpoint);
    push.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
    zmq::message_t message;
    result.delivered = pull.recv(message).has_value() && message.to_string() == "hello";
    // A refused client keeps retrying; give the handler a moment to have answered once.
    for (int i = 0; i < 100 && zap.accepted() + zap.denied() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    result.accepted = zap.accepted();
    result.denied = zap.denied();
  }
  return result;
}

TEST_F(Curve, HubAcceptsAKnownDeviceAndCountsAnUnknownOne) {
  const CurveKeyPair hub = generate_keypair();
  const CurveKeyPair device = generate_keypair();
  const CurveKeyPair stranger = generate_keypair();

  HubResult known = send_through_hub(hub, device, device);
  EXPECT_TRUE(known.delivered);
  EXPECT_GE(known.accepted, 1u);
  EXPECT_EQ(known.denied, 0u);

  HubResult unknown = send_through_hub(hub, stranger, device);
  EXPECT_FALSE(unknown.delivered);
  EXPECT_EQ(unknown.accepted, 0u);
  EXPECT_GE(unknown.denied, 1u);
}

}  // namespace
}  // namespace edge::net
