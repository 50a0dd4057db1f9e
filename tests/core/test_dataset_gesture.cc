// Gesture CSV recordings: blank-line and fixed-row splitting, line ends, errors.
#include <gtest/gtest.h>

#include "common/error.h"
#include "datasets/gesture_csv.h"

using edge::datasets::GestureFile;
using edge::datasets::parse_gesture_csv;

namespace {

std::string error_of(const std::string& text, int rows) {
  try {
    parse_gesture_csv(text, "punch.csv", rows);
  } catch (const edge::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(GestureCsv, BlankLineSeparatedCrlf) {
  GestureFile f = parse_gesture_csv(
      "aX,aY\r\n1,2\r\n3,4\r\n\r\n5,6\r\n\r\n\r\n7,8\r\n9,10\r\n11,12\r\n\r\n", "punch.csv", 0);
  EXPECT_EQ(f.channels, (std::vector<std::string>{"aX", "aY"}));
  EXPECT_EQ(f.rows(), 6);
  ASSERT_EQ(f.recordings.size(), 3u);
  EXPECT_EQ(f.recordings[0].first_row, 0);
  EXPECT_EQ(f.recordings[0].row_count, 2);
  EXPECT_EQ(f.recordings[0].line, 2u);
  EXPECT_EQ(f.recordings[1].first_row, 2);
  EXPECT_EQ(f.recordings[1].row_count, 1);
  EXPECT_EQ(f.recordings[2].first_row, 3);
  EXPECT_EQ(f.recordings[2].row_count, 3);
  EXPECT_EQ(f.recordings[2].line, 8u);
  EXPECT_FLOAT_EQ(f.row(4)[1], 10.0f);
}

TEST(GestureCsv, FixedRowsIgnoreBlankLinesAndAcceptLf) {
  GestureFile f = parse_gesture_csv("\xEF\xBB\xBFx\n1\n2\n\n3\n4\n", "wave.csv", 2);
  ASSERT_EQ(f.recordings.size(), 2u);
  EXPECT_EQ(f.recordings[1].first_row, 2);
  EXPECT_EQ(f.recordings[1].line, 5u);
  EXPECT_EQ(f.channels, std::vector<std::string>{"x"});
}

TEST(GestureCsv, OneRowAndNoTrailingNewline) {
  GestureFile f = parse_gesture_csv("a,b,c\n-0.5,1e2,3", "x.csv", 0);
  ASSERT_EQ(f.recordings.size(), 1u);
  EXPECT_EQ(f.values, (std::vector<float>{-0.5f, 100.0f, 3.0f}));
}

TEST(GestureCsv, HeaderOnlyHasNoRecordings) {
  EXPECT_TRUE(parse_gesture_csv("aX,aY\r\n\r\n", "x.csv", 0).recordings.empty());
}

TEST(GestureCsv, MalformedRowsNameFileLineAndField) {
  EXPECT_EQ(error_of("aX,aY\n1,2\n3\n", 0),
            "punch.csv line 3: 1 fields, expected 2 (one per header channel)");
  EXPECT_EQ(error_of("aX,aY\n1,2\n3,abc\n", 0),
            "punch.csv line 3: field 2 (aY) is 'abc', expected a finite number");
  EXPECT_EQ(error_of("aX,aY\n1,nan\n", 0),
            "punch.csv line 2: field 2 (aY) is 'nan', expected a finite number");
  EXPECT_EQ(error_of("aX,aY\n1,2\n3,4\n5,6\n", 2),
            "punch.csv line 4: last recording has 1 rows, expected 2 (gesture rows per recording); "
            "the file ends mid-recording");
  EXPECT_EQ(error_of("1,2\n3,4\n", 0),
            "punch.csv line 1: expected a header of channel names (e.g. aX,aY,aZ,gX,gY,gZ), found "
            "numbers");
  EXPECT_EQ(error_of("", 0), "punch.csv: empty file, expected a header line");
  EXPECT_EQ(error_of("a,,b\n", 0), "punch.csv line 1: empty channel name in the header");
  EXPECT_NE(error_of("a\n1\n", -1).find("rows per recording"), std::string::npos);
}
