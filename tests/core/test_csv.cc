// RFC 4180 parsing: quoting, line ends, BOM, header tables, and bad input.
#include <gtest/gtest.h>

#include "common/error.h"
#include "io/csv.h"

using edge::io::CsvOptions;
using edge::io::CsvRecord;
using edge::io::CsvTable;
using edge::io::parse_csv;

namespace {

std::vector<std::vector<std::string>> fields(const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const CsvRecord& r : records) out.push_back(r.fields);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse_csv(text, "meta.csv");
  } catch (const edge::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Csv, PlainFieldsAndLineNumbers) {
  auto records = parse_csv("a,b,c\n1,2,3\n", "x.csv");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(fields(records),
            (std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].line, 2u);
}

TEST(Csv, EmptyInputHasNoRecords) {
  EXPECT_TRUE(parse_csv("", "x.csv").empty());
  EXPECT_TRUE(parse_csv("\xEF\xBB\xBF", "x.csv").empty());
}

TEST(Csv, OneFieldWithoutLineEnd) {
  auto records = parse_csv("x", "x.csv");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, std::vector<std::string>{"x"});
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  auto records = parse_csv("\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"\"\nnext,1\n", "x.csv");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a,b", "say \"hi\"", "two\r\nlines", ""}));
  EXPECT_EQ(records[1].line, 3u);  // the quoted line break counts
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"next", "1"}));
}

TEST(Csv, CrlfLfAndLoneCrLineEndsMix) {
  auto records = parse_csv("a,b\r\nc,d\ne,f\rg,h", "x.csv");
  EXPECT_EQ(fields(records), (std::vector<std::vector<std::string>>{
                                 {"a", "b"}, {"c", "d"}, {"e", "f"}, {"g", "h"}}));
  EXPECT_EQ(records[3].line, 4u);
}

TEST(Csv, BomIsSkippedAndBlankLinesKept) {
  auto records = parse_csv("\xEF\xBB\xBFh1,h2\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n", "x.csv");
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0].fields[0], "h1");
  EXPECT_TRUE(records[1].blank());
  EXPECT_EQ(records[2].line, 3u);
  EXPECT_TRUE(records[3].blank());
  EXPECT_TRUE(records[4].blank());
  EXPECT_EQ(records[5].line, 6u);
}

TEST(Csv, EmptyFieldsAndTrailingDelimiter) {
  auto records = parse_csv(",,\na,\n", "x.csv");
  EXPECT_EQ(fields(records), (std::vector<std::vector<std::string>>{{"", "", ""}, {"a", ""}}));
}

TEST(Csv, TabDelimiter) {
  CsvOptions tabs;
  tabs.delimiter = '\t';
  auto records = parse_csv("audio/a.wav\tpark\tx,y\n", "meta.csv", tabs);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"audio/a.wav", "park", "x,y"}));
}

TEST(Csv, MalformedInputNamesSourceAndLine) {
  EXPECT_EQ(error_of("a,b\n\"open,c\n"),
            "meta.csv line 2: quoted field is not closed before the end of the file");
  EXPECT_NE(error_of("a,b\nx,ab\"c\n").find("meta.csv line 2: quote inside an unquoted field"),
            std::string::npos);
  EXPECT_NE(error_of("\"ab\"c,d\n").find("meta.csv line 1: unexpected 'c' after a closing quote"),
            std::string::npos);
  EXPECT_NE(error_of(std::string("a,b\nc\0d\n", 8)).find("line 2: NUL byte"), std::string::npos);
}

TEST(Csv, SizeLimit) {
  CsvOptions small;
  small.max_bytes = 4;
  EXPECT_THROW(parse_csv("a,b,c\n", "big.csv", small), edge::Error);
}

TEST(CsvTable, ColumnsByNameAndRowWidth) {
  CsvTable t = CsvTable::parse("\n name , fold\nx.wav,1\n\ny.wav,2\n", "m.csv");
  EXPECT_EQ(t.header(), (std::vector<std::string>{"name", "fold"}));
  EXPECT_EQ(t.header_line(), 2u);
  EXPECT_EQ(t.find_column("fold"), 1);
  EXPECT_EQ(t.find_column("class"), -1);
  ASSERT_EQ(t.rows().size(), 2u);
  EXPECT_EQ(t.rows()[1].line, 5u);
  try {
    t.require_column("classID");
    FAIL() << "expected an error";
  } catch (const edge::Error& e) {
    EXPECT_STREQ(e.what(), "m.csv line 2: missing column 'classID' (header has: name,fold)");
  }
  try {
    CsvTable::parse("a,b\n1,2,3\n", "m.csv");
    FAIL() << "expected an error";
  } catch (const edge::Error& e) {
    EXPECT_STREQ(e.what(), "m.csv line 2: 3 fields, expected 2 as in the header");
  }
  EXPECT_THROW(CsvTable::parse("\r\n\r\n", "m.csv"), edge::Error);
}

TEST(CsvTable, MissingFileNamesPath) {
  try {
    CsvTable::read("/nonexistent/dir/meta.csv", "meta.csv");
    FAIL() << "expected an error";
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/meta.csv: cannot open"),
              std::string::npos);
  }
}

TEST(CsvNumbers, IntAndFloatFields) {
  int i = 0;
  EXPECT_TRUE(edge::io::parse_int(" 42 ", &i));
  EXPECT_EQ(i, 42);
  EXPECT_TRUE(edge::io::parse_int("-3", &i));
  EXPECT_EQ(i, -3);
  EXPECT_FALSE(edge::io::parse_int("4x", &i));
  EXPECT_FALSE(edge::io::parse_int("", &i));
  EXPECT_FALSE(edge::io::parse_int("99999999999", &i));
  float f = 0;
  EXPECT_TRUE(edge::io::parse_float("-1.430", &f));
  EXPECT_FLOAT_EQ(f, -1.43f);
  EXPECT_TRUE(edge::io::parse_float("1e-3", &f));
  EXPECT_FLOAT_EQ(f, 0.001f);
  EXPECT_FALSE(edge::io::parse_float("nan", &f));
  EXPECT_FALSE(edge::io::parse_float("inf", &f));
  EXPECT_FALSE(edge::io::parse_float("1e39", &f));
  EXPECT_FALSE(edge::io::parse_float("0,5", &f));
  EXPECT_FALSE(edge::io::parse_float("", &f));
}
