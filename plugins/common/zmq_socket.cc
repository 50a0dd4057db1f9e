#include "plugins/common/zmq_socket.h"

namespace edge::gst {

bool zmq_endpoint_valid(const char* address) {
  return address && net::endpoint_problem(address).empty();
}

void zmq_set_endpoint_property(const char* element, const char* property, const GValue* value,
                               std::string* address, bool allow_empty) {
  const gchar* v = g_value_get_string(value);
  if (allow_empty && (!v || !*v)) {
    address->clear();
    return;
  }
  const std::string why = net::endpoint_problem(v ? v : "");
  if (why.empty()) {
    *address = v;
    return;
  }
  g_warning("%s: property '%s' \"%s\": %s; keeping \"%s\"", element, property, v ? v : "(null)",
            why.c_str(), address->c_str());
}

}  // namespace edge::gst
