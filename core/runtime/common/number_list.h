// Comma-separated numbers as properties and graph files give them: "2,1", " 1, 2.5 ,-3e2".
// Shared by every element that takes such a list (edgenormalize's mean/std, edgewindow's
// trigger-channels, edgefuse's weights), so they accept and refuse the same texts.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/text.h"  // split_trimmed, which callers of the list use too

namespace edge {

// A list refused for one entry: which one (counted from 1) and its text without surrounding
// spaces and tabs (empty for an empty entry), so a caller can word the error its own way.
class NumberListError : public Error {
 public:
  NumberListError(const std::string& message, size_t entry, std::string item)
      : Error(message), entry_(entry), item_(std::move(item)) {}
  size_t entry() const { return entry_; }
  const std::string& item() const { return item_; }

 private:
  size_t entry_;
  std::string item_;
};

// One finite number (surrounding spaces and tabs ignored); throws edge::Error naming `what`
// when `text` is empty or is not one.
double parse_number(const std::string& text, const std::string& what);

// "a" or "a,b,c" into finite numbers; throws NumberListError naming `what` at the first empty
// or malformed entry.
std::vector<double> parse_number_list(const std::string& text, const std::string& what);

}  // namespace edge
