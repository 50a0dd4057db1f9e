// Small text helpers shared by every parser of settings, caps, CSV fields and graph files, so
// they agree on what a blank is.
#pragma once

#include <string>
#include <vector>

namespace edge {

// `text` without the leading and trailing characters in `blanks` (spaces and tabs by default).
std::string trim(const std::string& text, const char* blanks = " \t");

// The parts of `text` between `sep`s, each trimmed of spaces and tabs. "" is one empty part,
// "1," two.
std::vector<std::string> split_trimmed(const std::string& text, char sep);

}  // namespace edge
