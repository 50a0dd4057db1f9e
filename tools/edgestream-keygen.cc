// edgestream-keygen NAME [--force]: makes a CURVE key pair for edgezmqsink/edgezmqsrc.
// Writes NAME.key (public: copy it to the hub's authorized-keys directory, or to the
// devices as their server-key) and NAME.key_secret (mode 0600: stays on this machine).
#include <cstdio>
#include <cstring>
#include <string>

#include "common/error.h"
#include "net/curve.h"

int main(int argc, char** argv) {
  std::string name;
  bool force = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--force") == 0) {
      force = true;
    } else if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      name.clear();
      break;
    } else if (name.empty() && argv[i][0] != '-') {
      name = argv[i];
    } else {
      std::fprintf(stderr, "edgestream-keygen: unexpected argument \"%s\"\n", argv[i]);
      return 2;
    }
  }
  if (name.empty()) {
    std::fprintf(stderr,
                 "usage: edgestream-keygen NAME [--force]\n"
                 "  writes NAME.key (public certificate) and NAME.key_secret (secret, 0600)\n"
                 "  --force  overwrite existing files\n");
    return 2;
  }
  try {
    const edge::net::CurveKeyPair keys = edge::net::generate_keypair();
    edge::net::write_certificates(keys, name, force);
    std::printf("%s.key         public key %s\n%s.key_secret  keep it private\n", name.c_str(),
                keys.public_key.c_str(), name.c_str());
  } catch (const edge::Error& e) {
    std::fprintf(stderr, "edgestream-keygen: %s\n", e.what());
    return 1;
  }
  return 0;
}
