// Each layout read from its fixture tree, and from the real sets in ../shared/data.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/error.h"
#include "datasets/dataset.h"
#include "tests/core/test_dataset_util.h"

using edge::datasets::Dataset;
using edge::datasets::Entry;
using edge::datasets::Layout;
using edge::datasets::load_dataset;
using edge::test::dataset_fixture;

namespace {

const Entry* find_clip(const Dataset& ds, const std::string& id) {
  for (const Entry& e : ds.entries) {
    if (e.clip_id == id) return &e;
  }
  return nullptr;
}

}  // namespace

TEST(DatasetLayouts, Esc50Fixture) {
  Dataset ds = load_dataset(dataset_fixture("esc50"));
  EXPECT_EQ(ds.layout, Layout::kEsc50);
  ASSERT_EQ(ds.entries.size(), 5u);
  ASSERT_EQ(ds.classes.size(), 15u);  // indexed by target: 0, 10 and 14 are present
  EXPECT_EQ(ds.classes[0], "dog");
  EXPECT_EQ(ds.classes[10], "rain");
  EXPECT_EQ(ds.classes[14], "chirping_birds");
  EXPECT_EQ(ds.classes[5], "");
  const Entry& first = ds.entries[0];
  EXPECT_EQ(first.path, "audio/1-100032-A-0.wav");
  EXPECT_EQ(first.clip_id, "1-100032-A-0.wav");
  EXPECT_EQ(first.label, "dog");
  EXPECT_EQ(first.label_index, 0);
  EXPECT_EQ(first.fold, 1);
  EXPECT_TRUE(first.esc10);
  EXPECT_TRUE(first.exists);
  EXPECT_EQ(first.resolved, ds.root + "/audio/1-100032-A-0.wav");
  EXPECT_EQ(first.origin, "meta/esc50.csv line 2");
  const Entry* birds = find_clip(ds, "1-17367-A-14.wav");  // its row has a quoted field
  ASSERT_NE(birds, nullptr);
  EXPECT_FALSE(birds->esc10);
  EXPECT_EQ(birds->label_index, 14);
}

TEST(DatasetLayouts, UrbanSound8kOfficialFixture) {
  Dataset ds = load_dataset(dataset_fixture("urbansound8k"));
  EXPECT_EQ(ds.layout, Layout::kUrbanSound8k);
  ASSERT_EQ(ds.entries.size(), 3u);
  EXPECT_EQ(ds.entries[0].path, "audio/fold1/100032-3-0-0.wav");
  EXPECT_EQ(ds.entries[0].label, "dog_bark");
  EXPECT_EQ(ds.entries[0].label_index, 3);
  EXPECT_EQ(ds.entries[2].path, "audio/fold2/102305-6-0-0.wav");
  EXPECT_EQ(ds.entries[2].fold, 2);
  EXPECT_EQ(ds.classes[6], "gun_shot");
  for (const Entry& e : ds.entries) EXPECT_TRUE(e.exists) << e.path;
}

TEST(DatasetLayouts, DcaseFixtureFoldsFromEvaluationSetup) {
  Dataset ds = load_dataset(dataset_fixture("dcase"));
  EXPECT_EQ(ds.layout, Layout::kDcase);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"airport", "park", "street_traffic"}));
  ASSERT_EQ(ds.entries.size(), 4u);
  std::map<std::string, int> fold;
  for (const Entry& e : ds.entries) fold[e.clip_id] = e.fold;
  EXPECT_EQ(fold["street_traffic-lyon-1-0-a.wav"], 1);  // fold1_evaluate.csv
  EXPECT_EQ(fold["airport-paris-2-0-a.wav"], 0);        // fold1_train.csv only
  EXPECT_EQ(fold["street_traffic-lyon-3-0-b.wav"], 0);
  EXPECT_EQ(fold["park-vienna-4-0-c.wav"], -1);  // in no setup list
  const Entry* park = find_clip(ds, "park-vienna-4-0-c.wav");
  ASSERT_NE(park, nullptr);
  EXPECT_EQ(park->label_index, 1);
  EXPECT_EQ(park->path, "audio/park-vienna-4-0-c.wav");
}

TEST(DatasetLayouts, FoldersFixtureSkipsNonClassFolders) {
  Dataset ds = load_dataset(dataset_fixture("folders"));
  EXPECT_EQ(ds.layout, Layout::kFolders);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"no", "yes"}));
  std::vector<std::string> ids;
  for (const Entry& e : ds.entries) ids.push_back(e.clip_id + ":" + std::to_string(e.label_index));
  EXPECT_EQ(ids,
            (std::vector<std::string>{"no/c.ogg:0", "no/d.wav:0", "yes/a.wav:1", "yes/b.flac:1"}));
  for (const Entry& e : ds.entries) EXPECT_EQ(e.fold, -1);
}

TEST(DatasetLayouts, GestureFixedRowsFixture) {
  edge::datasets::LoadOptions options;
  options.gesture_rows = 3;
  Dataset ds = load_dataset(dataset_fixture("gesture-fixed"), options);
  EXPECT_EQ(ds.layout, Layout::kGestureCsv);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"flex", "punch"}));
  ASSERT_EQ(ds.entries.size(), 5u);  // flex 3 recordings, punch 2
  EXPECT_EQ(ds.entries[0].clip_id, "flex.csv#1");
  EXPECT_EQ(ds.entries[2].clip_id, "flex.csv#3");
  EXPECT_EQ(ds.entries[2].first_row, 6);
  EXPECT_EQ(ds.entries[2].row_count, 3);
  EXPECT_EQ(ds.entries[2].origin, "flex.csv line 8");
  EXPECT_EQ(ds.entries[4].clip_id, "punch.csv#2");
  EXPECT_EQ(ds.entries[4].label_index, 1);
  // Four rows per recording does not divide flex's nine rows.
  options.gesture_rows = 4;
  EXPECT_THROW(load_dataset(dataset_fixture("gesture-fixed"), options), edge::Error);
}

TEST(DatasetLayouts, ExplicitLayoutMustMatch) {
  edge::datasets::LoadOptions options;
  options.layout = Layout::kEsc50;
  try {
    load_dataset(dataset_fixture("folders"), options);
    FAIL();
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("esc50 layout: meta/esc50.csv not found"),
              std::string::npos);
  }
  edge::test::TempDir empty;
  try {
    load_dataset(empty.path());
    FAIL();
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot tell the dataset layout"), std::string::npos);
  }
}

TEST(DatasetLayouts, LayoutNames) {
  Layout l;
  EXPECT_TRUE(edge::datasets::layout_from_name("gesture-csv", &l));
  EXPECT_EQ(l, Layout::kGestureCsv);
  EXPECT_FALSE(edge::datasets::layout_from_name("esc-50", &l));
  EXPECT_STREQ(edge::datasets::layout_name(Layout::kUrbanSound8k), "urbansound8k");
}

TEST(DatasetLayoutsReal, UrbanSound8kReducedFolds12) {
  EDGE_REQUIRE_SHARED(root, "sound/urbansound8k-folds1-2");
  Dataset ds = load_dataset(root);
  EXPECT_EQ(ds.layout, Layout::kUrbanSound8k);
  ASSERT_EQ(ds.entries.size(), 500u);
  ASSERT_EQ(ds.classes.size(), 10u);
  EXPECT_EQ(ds.classes[3], "dog_bark");
  EXPECT_EQ(ds.classes[0], "air_conditioner");
  std::map<std::pair<int, int>, int> per_class_fold;
  for (const Entry& e : ds.entries) {
    EXPECT_TRUE(e.exists) << e.path;
    ++per_class_fold[{e.fold, e.label_index}];
  }
  EXPECT_EQ(per_class_fold.size(), 20u);
  for (const auto& kv : per_class_fold) EXPECT_EQ(kv.second, 25) << kv.first.first;
  EXPECT_EQ(ds.entries[0].clip_id, "101415-3-0-2.wav");
  EXPECT_EQ(ds.entries[0].path, "audio/fold1/101415-3-0-2.wav");
}

TEST(DatasetLayoutsReal, GesturePaperData) {
  // The bundled copy of the paper's data (datasets/gesture-punch-flex).
  const char* source_root = std::getenv("EDGE_SOURCE_ROOT");
  const std::string root =
      std::string(source_root ? source_root : ".") + "/datasets/gesture-punch-flex";
  Dataset ds = load_dataset(root);
  EXPECT_EQ(ds.layout, Layout::kGestureCsv);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"flex", "punch"}));
  ASSERT_EQ(ds.entries.size(), 60u);
  int flex = 0, punch = 0;
  for (const Entry& e : ds.entries) {
    EXPECT_EQ(e.row_count, 30) << e.clip_id;
    (e.label == "flex" ? flex : punch)++;
  }
  EXPECT_EQ(flex, 43);
  EXPECT_EQ(punch, 17);
  EXPECT_EQ(ds.entries[43].clip_id, "punch.csv#1");
  EXPECT_EQ(ds.entries[45].clip_id, "punch.csv#3");
}

TEST(DatasetLayoutsReal, GestureSharedCopy) {
  EDGE_REQUIRE_SHARED(root, "imu/paper-mpu6050-punch-flex");
  edge::datasets::LoadOptions options;
  options.layout = Layout::kGestureCsv;
  Dataset ds = load_dataset(root, options);
  EXPECT_EQ(ds.entries.size(), 60u);
}

TEST(DatasetLayoutsReal, SpeechCommandsFolders) {
  EDGE_REQUIRE_SHARED(root, "speech/speech-commands-sample");
  Dataset ds = load_dataset(root);
  EXPECT_EQ(ds.layout, Layout::kFolders);
  ASSERT_EQ(ds.classes.size(), 30u);
  EXPECT_EQ(ds.classes.front(), "bed");
  EXPECT_EQ(ds.classes.back(), "zero");
  ASSERT_EQ(ds.entries.size(), 300u);
  std::map<int, int> per_class, per_fold;
  for (const Entry& e : ds.entries) {
    ++per_class[e.label_index];
    ++per_fold[e.fold];
  }
  for (const auto& kv : per_class) EXPECT_EQ(kv.second, 10);
  // Split lists of the full set: 51 of these clips are in testing_list.txt, 44 in
  // validation_list.txt.
  EXPECT_EQ(per_fold[1], 205);
  EXPECT_EQ(per_fold[2], 44);
  EXPECT_EQ(per_fold[3], 51);
}

TEST(DatasetLayoutsReal, DcaseExampleClip) {
  EDGE_REQUIRE_SHARED(clip, "sound/dcase-example/acoustic_scene.wav");
  edge::test::TempDir dir;
  dir.copy(clip, "audio/street-example-0-a.wav");
  dir.write("meta.csv",
            "filename\tscene_label\tidentifier\tsource_label\n"
            "audio/street-example-0-a.wav\tstreet\texample-0\ta\n");
  Dataset ds = load_dataset(dir.path());
  EXPECT_EQ(ds.layout, Layout::kDcase);
  ASSERT_EQ(ds.entries.size(), 1u);
  EXPECT_EQ(ds.entries[0].label, "street");
  EXPECT_EQ(ds.entries[0].fold, -1);
  EXPECT_TRUE(ds.entries[0].exists);
}
