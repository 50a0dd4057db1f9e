// Errors raised by the core.
//
// The core throws edge::Error with a message a person can act on: it names the
// thing (file, line, property, tensor, operator) and says what was expected and
// what was found. GStreamer elements catch it at the C boundary and turn it into
// GST_ELEMENT_ERROR; the command line prints it and exits non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace edge {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds a message from any streamable parts: throw edge::Error(edge::msg("file ", p, ": ", why)).
template <typename... Parts>
std::string msg(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

}  // namespace edge
