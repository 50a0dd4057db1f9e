// Comma-separated number lists: accepted texts and refused ones.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "common/number_list.h"

namespace edge {
namespace {

TEST(NumberList, Parses) {
  EXPECT_EQ(parse_number_list("-0.0008", "mean"), (std::vector<double>{-0.0008}));
  EXPECT_EQ(parse_number_list(" 1, 2.5 ,-3e2", "mean"), (std::vector<double>{1, 2.5, -300}));
  EXPECT_EQ(parse_number(" \t7 ", "n"), 7.0);
  EXPECT_EQ(split_trimmed("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split_trimmed(" a ,\tb,", ','), (std::vector<std::string>{"a", "b", ""}));
}

TEST(NumberList, RefusesNamingWhat) {
  for (const char* bad : {"", "1,,2", "abc", "1x", "nan", "inf", "1e999", "1,"})
    EXPECT_THROW(parse_number_list(bad, "mean"), Error) << bad;
  try {
    parse_number_list("1,x", "std");
    ADD_FAILURE() << "1,x was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "std: \"x\" is not a finite number");
  }
}

}  // namespace
}  // namespace edge
