// Comma-separated number lists: accepted texts, refused entries, and which entry was refused.
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

TEST(NumberList, SaysWhichEntryWasRefused) {
  try {
    parse_number_list("1, 2 , zz ,4", "weights");
    ADD_FAILURE() << "zz was accepted";
  } catch (const NumberListError& e) {
    EXPECT_EQ(e.entry(), 3u);
    EXPECT_EQ(e.item(), "zz");
  }
  try {
    parse_number_list("1,\t,2", "weights");
    ADD_FAILURE() << "an empty entry was accepted";
  } catch (const NumberListError& e) {
    EXPECT_EQ(e.entry(), 2u);
    EXPECT_EQ(e.item(), "");
    EXPECT_EQ(std::string(e.what()), "weights: empty number");
  }
}

}  // namespace
}  // namespace edge
