#include "nn/parity.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "io/regular_file.h"

namespace edge::nn {
namespace {

std::string shown(const std::string& text) { return text.empty() ? std::string("(none)") : text; }

// Statistics as one line (JSON compact when it parses), so both sides line up in a message.
std::string shown_statistics(const std::string& text) {
  if (text.empty()) return "(none)";
  const nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  return value.is_discarded() ? text : value.dump();
}

}  // namespace

bool same_statistics(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty();
  const nlohmann::json ja = nlohmann::json::parse(a, nullptr, false);
  const nlohmann::json jb = nlohmann::json::parse(b, nullptr, false);
  if (ja.is_discarded() || jb.is_discarded()) return a == b;
  return ja == jb;
}

std::string preprocess_difference(const std::string& graph_preprocess,
                                  const std::string& graph_statistics,
                                  const std::string& model_preprocess,
                                  const std::string& model_statistics,
                                  const std::string& graph_origin,
                                  const std::string& model_origin) {
  std::ostringstream out;
  if (graph_preprocess != model_preprocess) {
    out << "preprocess differs:\n  " << graph_origin << ": " << shown(graph_preprocess) << "\n  "
        << model_origin << ": " << shown(model_preprocess);
  }
  if (!same_statistics(graph_statistics, model_statistics)) {
    if (out.tellp() > 0) out << "\n";
    out << "statistics differ:\n  " << graph_origin << ": " << shown_statistics(graph_statistics)
        << "\n  " << model_origin << ": " << shown_statistics(model_statistics);
  }
  return out.str();
}

std::string read_text_file(const std::string& path, const std::string& what, size_t max_bytes) {
  // A regular file of bounded size: a FIFO would block, /dev/zero would never end.
  return io::read_regular_file(path, max_bytes, msg(what, " ", path));
}

}  // namespace edge::nn
