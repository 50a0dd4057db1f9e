// The parameter tables (params/params.h) of the elements that declare theirs, by element
// name: what graph.toml checks against before a pipeline runs, and what
// docs/elements-reference.md is made from (tools/elements-reference.cc).
//
// An element converted to declared parameters adds its table to element_params.cc (one line).
#pragma once

#include <string>
#include <vector>

#include "params/params.h"

namespace edge::graph {

// The table of `element` ("edgewindow"), or nullptr when it declares none.
const params::Table* element_params(const std::string& element);

// Every declared table, sorted by element name.
const std::vector<const params::Table*>& all_element_params();

}  // namespace edge::graph
