// Comma-separated numbers as properties and graph files give them: "2,1", " 1, 2.5 ,-3e2".
// Shared by the elements that take such a list (edgenormalize's mean/std, edgewindow's
// trigger-channels), so they accept and refuse the same texts.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace edge {

// The parts of `text` between `sep`s, each without surrounding spaces and tabs. "" is one
// empty part, "1," two.
std::vector<std::string> split_trimmed(const std::string& text, char sep);

// One finite number (surrounding spaces and tabs ignored); throws edge::Error naming `what`
// when `text` is empty or is not one.
double parse_number(const std::string& text, const std::string& what);

// "a" or "a,b,c" into finite numbers; throws edge::Error naming `what` at the first empty or
// malformed entry.
std::vector<double> parse_number_list(const std::string& text, const std::string& what);

}  // namespace edge
