// Filters, deterministic shuffle, path escapes, missing files and bad metadata.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "datasets/dataset.h"
#include "datasets/source_params.h"
#include "io/path_guard.h"
#include "tests/core/test_dataset_util.h"

using edge::datasets::apply_filter;
using edge::datasets::Dataset;
using edge::datasets::Entry;
using edge::datasets::Filter;
using edge::datasets::load_dataset;
using edge::test::dataset_fixture;
using edge::test::TempDir;

namespace {

std::vector<std::string> ids(const Dataset& ds) {
  std::vector<std::string> out;
  for (const Entry& e : ds.entries) out.push_back(e.clip_id);
  return out;
}

std::string load_error(const std::string& root) {
  try {
    load_dataset(root);
  } catch (const edge::Error& e) {
    return e.what();
  }
  return "";
}

const char* kEscHeader = "filename,fold,target,category,esc10,src_file,take\n";

}  // namespace

TEST(DatasetFilter, FoldsClassesAndEsc10) {
  Dataset ds = load_dataset(dataset_fixture("esc50"));
  Filter f;
  f.folds = {1};
  Dataset folds = ds;
  apply_filter(&folds, f);
  EXPECT_EQ(ids(folds), (std::vector<std::string>{"1-100032-A-0.wav", "1-115545-A-10.wav",
                                                  "1-17367-A-14.wav"}));
  Filter c;
  c.classes = {"chirping_birds", "rain"};
  Dataset classes = ds;
  apply_filter(&classes, c);
  EXPECT_EQ(ids(classes), (std::vector<std::string>{"1-115545-A-10.wav", "1-17367-A-14.wav",
                                                    "3-102583-A-14.wav"}));
  EXPECT_EQ(classes.entries[0].label_index, 10);  // no relabel: the layout's indices stay
  Filter e;
  e.esc10 = true;
  Dataset esc10 = ds;
  apply_filter(&esc10, e);
  EXPECT_EQ(ids(esc10), (std::vector<std::string>{"1-100032-A-0.wav", "1-115545-A-10.wav",
                                                  "2-109505-A-0.wav"}));
}

// What edgedatasetsrc's settings select: filtered, then shuffled, then sharded.
TEST(DatasetFilter, SourceSettingsSelectFilterShuffleShard) {
  edge::datasets::SourceSettings s;
  s.location = dataset_fixture("esc50");
  s.folds = "1";
  EXPECT_EQ(
      ids(edge::datasets::load_selected(s)),
      (std::vector<std::string>{"1-100032-A-0.wav", "1-115545-A-10.wav", "1-17367-A-14.wav"}));
  s.shard = "2/2";
  EXPECT_EQ(ids(edge::datasets::load_selected(s)), (std::vector<std::string>{"1-115545-A-10.wav"}));
  s.shard = "1/1";
  s.shuffle = true;
  s.seed = 7;
  Dataset all = load_dataset(s.location);
  Filter f;
  f.folds = {1};
  apply_filter(&all, f);
  edge::datasets::shuffle_entries(&all.entries, 7);
  EXPECT_EQ(ids(edge::datasets::load_selected(s)), ids(all));
  s.shard = "3/2";
  try {
    edge::datasets::load_selected(s);
    ADD_FAILURE() << "shard 3/2 was taken";
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard"), std::string::npos) << e.what();
  }
}

TEST(DatasetFilter, RelabelKeepsOrderAndIgnoresFolds) {
  Dataset ds = load_dataset(dataset_fixture("esc50"));
  Filter f;
  f.esc10 = true;
  f.relabel = true;
  f.folds = {2};  // fold 2 has only dog; rain must still be index 1
  apply_filter(&ds, f);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"dog", "rain"}));
  ASSERT_EQ(ds.entries.size(), 1u);
  EXPECT_EQ(ds.entries[0].label_index, 0);
  Dataset birds = load_dataset(dataset_fixture("esc50"));
  Filter b;
  b.classes = {"chirping_birds"};
  b.relabel = true;
  apply_filter(&birds, b);
  EXPECT_EQ(birds.classes, std::vector<std::string>{"chirping_birds"});
  for (const Entry& e : birds.entries) EXPECT_EQ(e.label_index, 0);
}

TEST(DatasetFilter, UnknownValuesAreRefusedWithWhatExists) {
  Dataset ds = load_dataset(dataset_fixture("esc50"));
  Filter f;
  f.folds = {7};
  try {
    apply_filter(&ds, f);
    FAIL();
  } catch (const edge::Error& e) {
    EXPECT_STREQ(e.what(), "folds: fold 7 is not in the dataset (it has folds 1,2,3)");
  }
  Filter c;
  c.classes = {"cat"};
  try {
    apply_filter(&ds, c);
    FAIL();
  } catch (const edge::Error& e) {
    EXPECT_STREQ(
        e.what(),
        "classes: 'cat' is not a class of this dataset (classes: dog,rain,chirping_birds)");
  }
  Dataset folders = load_dataset(dataset_fixture("folders"));
  Filter e;
  e.esc10 = true;
  EXPECT_THROW(apply_filter(&folders, e), edge::Error);
  Filter none;  // fold 3 has no rain clip
  none.folds = {3};
  none.classes = {"rain"};
  EXPECT_THROW(apply_filter(&ds, none), edge::Error);
}

TEST(DatasetFilter, ParseLists) {
  EXPECT_EQ(edge::datasets::parse_fold_list(" 1, 2 ,10", "folds"), (std::vector<int>{1, 2, 10}));
  EXPECT_TRUE(edge::datasets::parse_fold_list("", "folds").empty());
  EXPECT_THROW(edge::datasets::parse_fold_list("1,x", "folds"), edge::Error);
  EXPECT_THROW(edge::datasets::parse_fold_list("-1", "folds"), edge::Error);
  EXPECT_THROW(edge::datasets::parse_fold_list("1,,2", "folds"), edge::Error);
  EXPECT_EQ(edge::datasets::parse_name_list("dog, rain", "classes"),
            (std::vector<std::string>{"dog", "rain"}));
}

TEST(DatasetShuffle, UniformBelowGolden) {
  // mt19937_64's 10000th output for the default seed is fixed by the standard.
  std::mt19937_64 check;
  check.discard(9999);
  EXPECT_EQ(check(), 9981545732273789042ull);
  std::mt19937_64 g(42);
  std::mt19937_64 raw(42);
  // With bound 1 every draw is 0; a power of two needs no rejection: r % 8.
  EXPECT_EQ(edge::datasets::uniform_below(&g, 1), 0u);
  raw();
  EXPECT_EQ(edge::datasets::uniform_below(&g, 8), raw() % 8);
  EXPECT_THROW(edge::datasets::uniform_below(&g, 0), edge::Error);
}

TEST(DatasetShuffle, SameSeedSameOrderKnownFirstIds) {
  std::vector<Entry> a(10);
  for (int i = 0; i < 10; ++i) a[i].clip_id = std::to_string(i);
  std::vector<Entry> b = a, c = a;
  edge::datasets::shuffle_entries(&a, 7);
  edge::datasets::shuffle_entries(&b, 7);
  edge::datasets::shuffle_entries(&c, 8);
  std::string order_a, order_b, order_c;
  for (int i = 0; i < 10; ++i) {
    order_a += a[i].clip_id;
    order_b += b[i].clip_id;
    order_c += c[i].clip_id;
  }
  EXPECT_EQ(order_a, order_b);
  EXPECT_NE(order_a, order_c);
  // Golden from the algorithm documented in dataset.h, checked independently by
  // tests/data/datasets/shuffle_golden.py (pure-Python mt19937_64).
  EXPECT_EQ(order_a, "0749312865");
  std::string sorted = order_a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, "0123456789");
  std::vector<Entry> empty, one(1);
  edge::datasets::shuffle_entries(&empty, 1);
  edge::datasets::shuffle_entries(&one, 1);
  EXPECT_EQ(one.size(), 1u);
}

TEST(DatasetShuffle, RealUrbanSoundFirstIds) {
  EDGE_REQUIRE_SHARED(root, "sound/urbansound8k-folds1-2");
  Dataset ds = load_dataset(root);
  edge::datasets::shuffle_entries(&ds.entries, 1234);
  EXPECT_EQ(ds.entries[0].clip_id, "21684-9-0-12.wav");
  EXPECT_EQ(ds.entries[1].clip_id, "77766-9-0-0.wav");
}

TEST(DatasetEscape, ParentAbsoluteAndSymlinkEntriesAreRefused) {
  TempDir dir;
  dir.copy(dataset_fixture("esc50/audio/1-100032-A-0.wav"), "outside.wav");
  dir.copy(dataset_fixture("esc50/audio/1-100032-A-0.wav"), "root/audio/ok.wav");
  ASSERT_EQ(::symlink((dir / "outside.wav").c_str(), (dir / "root/audio/link.wav").c_str()), 0);
  struct Case {
    std::string file, expect;
  } cases[] = {
      {"../../outside.wav", "meta/esc50.csv line 3: 'audio/../../outside.wav' contains '..'"},
      {"link.wav", "meta/esc50.csv line 3: 'audio/link.wav' resolves to "},
  };
  for (const Case& c : cases) {
    dir.write("root/meta/esc50.csv", std::string(kEscHeader) + "ok.wav,1,0,dog,True,1,A\n" +
                                         c.file + ",1,0,dog,True,2,A\n");
    std::string e = load_error(dir / "root");
    EXPECT_EQ(e.find(c.expect), 0u) << e;
  }
  // UrbanSound8K joins audio/fold<N>/ before the name; an absolute name stays refused there.
  dir.write("us/metadata.csv", "slice_file_name,fold,classID,class\n../../../outside.wav,1,0,x\n");
  dir.mkdirs("us/audio/fold1");
  EXPECT_EQ(load_error(dir / "us")
                .find("metadata.csv line 2: 'audio/fold1/../../../outside.wav' "
                      "contains '..'"),
            0u);
  // DCASE names the full relative path: an absolute one is refused as such.
  dir.write("dc/meta.csv", "filename\tscene_label\n" + (dir / "outside.wav") + "\tpark\n");
  EXPECT_NE(load_error(dir / "dc")
                .find("meta.csv line 2: '" + (dir / "outside.wav") + "' is an absolute path"),
            std::string::npos);
  // A class folder that is a symlink out of the tree.
  dir.copy(dataset_fixture("folders/yes/a.wav"), "elsewhere/a.wav");
  dir.copy(dataset_fixture("folders/yes/a.wav"), "fo/yes/a.wav");
  ASSERT_EQ(::symlink((dir / "elsewhere").c_str(), (dir / "fo/evil").c_str()), 0);
  EXPECT_NE(load_error(dir / "fo").find("outside the dataset root"), std::string::npos);
  // The metadata file itself as a symlink out.
  dir.mkdirs("sym/meta");
  dir.write("real-meta.csv", std::string(kEscHeader));
  ASSERT_EQ(::symlink((dir / "real-meta.csv").c_str(), (dir / "sym/meta/esc50.csv").c_str()), 0);
  EXPECT_NE(load_error(dir / "sym").find("outside the dataset root"), std::string::npos);
}

// Found by fuzz_dataset_metadata: "." resolves to the root itself, inside the
// tree but not a recording.
TEST(DatasetEscape, DirectoryEntriesAreRefused) {
  TempDir dir;
  dir.write("dc/meta.csv", "filename\tscene_label\n.\tpark\n");
  EXPECT_EQ(load_error(dir / "dc"), "meta.csv line 2: '.' is a directory, not a recording");
  dir.mkdirs("es/audio/sub");
  dir.write("es/meta/esc50.csv", std::string(kEscHeader) + "sub,1,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir / "es"),
            "meta/esc50.csv line 2: 'audio/sub' is a directory, not a recording");
}

TEST(DatasetMissing, MissingFilesAreKeptAndFlagged) {
  TempDir dir;
  dir.copy(dataset_fixture("esc50/audio/1-100032-A-0.wav"), "audio/a.wav");
  dir.write("meta/esc50.csv", std::string(kEscHeader) +
                                  "a.wav,1,0,dog,True,1,A\n"
                                  "gone.wav,1,0,dog,True,2,A\n");
  Dataset ds = load_dataset(dir.path());
  ASSERT_EQ(ds.entries.size(), 2u);
  EXPECT_TRUE(ds.entries[0].exists);
  EXPECT_FALSE(ds.entries[1].exists);
  EXPECT_EQ(ds.entries[1].origin, "meta/esc50.csv line 3");
}

TEST(DatasetMetadata, MalformedRowsNameFileAndLine) {
  TempDir dir;
  dir.write("meta/esc50.csv", std::string(kEscHeader) + "a.wav,one,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()), "meta/esc50.csv line 2: fold is 'one', expected an integer");
  dir.write("meta/esc50.csv", std::string(kEscHeader) + "a.wav,1,0,dog,Maybe,1,A\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 2: esc10 is 'Maybe', expected True or False");
  dir.write("meta/esc50.csv",
            std::string(kEscHeader) + "a.wav,1,0,dog,True,1,A\nb.wav,1,0,cat,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 3: class index 0 is 'cat' here but 'dog' earlier in the file");
  dir.write("meta/esc50.csv", "filename,fold,category\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 1: missing column 'target' (header has: filename,fold,category)");
  dir.write("meta/esc50.csv", std::string(kEscHeader) + "\"a.wav,1,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 2: quoted field is not closed before the end of the file");
}

TEST(DatasetMetadata, UrbanSoundColumnsByNameInAnyOrder) {
  TempDir dir;
  dir.copy(dataset_fixture("folders/yes/a.wav"), "audio/fold3/1-5-0-0.wav");
  dir.write("metadata/UrbanSound8K.csv",
            "class,classID,fold,slice_file_name,extra\r\nsiren,5,3,1-5-0-0.wav,\"x,y\"\r\n");
  Dataset ds = load_dataset(dir.path());
  ASSERT_EQ(ds.entries.size(), 1u);
  EXPECT_EQ(ds.entries[0].path, "audio/fold3/1-5-0-0.wav");
  EXPECT_EQ(ds.entries[0].label, "siren");
  EXPECT_EQ(ds.entries[0].label_index, 5);
  EXPECT_TRUE(ds.entries[0].exists);
}

TEST(DatasetMetadata, DcaseSetupErrors) {
  TempDir dir;
  dir.write("meta.csv", "filename\tscene_label\naudio/a.wav\tpark\n");
  dir.write("evaluation_setup/fold1_train.csv", "audio/zzz.wav\tpark\n");
  EXPECT_EQ(load_error(dir.path()),
            "evaluation_setup/fold1_train.csv line 1: 'audio/zzz.wav' is not listed in meta.csv");
  dir.write("evaluation_setup/fold1_train.csv", "");
  dir.write("evaluation_setup/fold1_evaluate.csv", "audio/a.wav\tpark\n");
  dir.write("evaluation_setup/fold2_evaluate.csv", "audio/a.wav\tpark\n");
  EXPECT_NE(load_error(dir.path()).find("a clip can be held out in one fold only"),
            std::string::npos);
}

// Issue 11.3: a FIFO among the clips blocked the reader forever (and gst-launch-1.0 with it,
// SIGINT included). Special files where a recording is expected are refused by type when the
// dataset is loaded, without being opened.
TEST(DatasetSpecialFiles, FifoAndDeviceEntriesAreRefusedByType) {
  TempDir dir;
  dir.mkdirs("es/audio");
  ASSERT_EQ(::mkfifo((dir / "es/audio/pipe.wav").c_str(), 0644), 0);
  dir.write("es/meta/esc50.csv", std::string(kEscHeader) + "pipe.wav,1,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir / "es"),
            "meta/esc50.csv line 2: 'audio/pipe.wav' is a FIFO, not a regular file");
  dir.copy(dataset_fixture("folders/yes/a.wav"), "fo/dog/a.wav");
  ASSERT_EQ(::symlink("/dev/zero", (dir / "fo/dog/endless.wav").c_str()), 0);
  EXPECT_EQ(load_error(dir / "fo"),
            "folder walk: dog: 'endless.wav' is a character device, not a regular file");
  dir.copy(dataset_fixture("folders/yes/a.wav"), "ff/dog/a.wav");
  ASSERT_EQ(::mkfifo((dir / "ff/dog/pipe.wav").c_str(), 0644), 0);
  EXPECT_EQ(load_error(dir / "ff"), "folder walk: dog: 'pipe.wav' is a FIFO, not a regular file");
  dir.write("gc/flex.csv", "aX,aY\n1,2\n");
  ASSERT_EQ(::mkfifo((dir / "gc/punch.csv").c_str(), 0644), 0);
  EXPECT_EQ(load_error(dir / "gc"),
            "gesture-csv layout: 'punch.csv' is a FIFO, not a regular file");
  dir.mkdirs("meta");
  ASSERT_EQ(::mkfifo((dir / "meta/meta.csv").c_str(), 0644), 0);
  // A FIFO is not a metadata file: no layout is found (and nothing blocks).
  EXPECT_NE(load_error(dir / "meta").find("cannot tell the dataset layout"), std::string::npos);
}

// Issue 11.7: a class or file name that is not UTF-8 (an ESC-50 copy saved as Latin-1) ended
// as an empty label name or a clip without source record; it is refused naming the line.
TEST(DatasetMetadata, NamesThatAreNotUtf8AreRefusedNamingTheLine) {
  TempDir dir;
  dir.write("meta/esc50.csv", std::string(kEscHeader) + "a.wav,1,0,caf\xE9,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 2: class name 'caf\\xE9' is not valid UTF-8 (byte 3); "
            "re-encode the metadata as UTF-8 or rename the file");
  dir.write("meta/esc50.csv", std::string(kEscHeader) + "\xFF.wav,1,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 2: path 'audio/\\xFF.wav' is not valid UTF-8 (byte 6); "
            "re-encode the metadata as UTF-8 or rename the file");
  dir.write("meta/esc50.csv", std::string(kEscHeader) + "\xC3\xA9t\xC3\xA9.wav,1,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()), "");  // UTF-8 names are fine
}

// Issue 11.7: a duplicate metadata row with another fold was emitted twice.
TEST(DatasetMetadata, AClipListedTwiceIsRefusedNamingBothLines) {
  TempDir dir;
  dir.write("meta/esc50.csv", std::string(kEscHeader) +
                                  "a.wav,1,0,dog,True,1,A\n"
                                  "b.wav,1,0,dog,True,1,A\n"
                                  "a.wav,2,0,dog,True,1,A\n");
  EXPECT_EQ(load_error(dir.path()),
            "meta/esc50.csv line 4: clip 'a.wav' (fold 2, dog) is already listed at "
            "meta/esc50.csv line 2 (fold 1, dog); each clip must appear once");
}

// Issue 11.11: a 5 MB file name gave a 5-million-character error line; what is shown of a
// name is bounded.
TEST(DatasetMetadata, AHugeNameIsShownBounded) {
  TempDir dir;
  dir.write("meta/esc50.csv",
            std::string(kEscHeader) + std::string(5 << 20, 'n') + ",1,0,dog,True,1,A\n");
  const std::string e = load_error(dir.path());
  EXPECT_LT(e.size(), 400u) << e.substr(0, 400);
  EXPECT_NE(e.find("meta/esc50.csv line 2: 'audio/nnn"), std::string::npos) << e.substr(0, 400);
  EXPECT_NE(e.find("...[5242886 bytes in all]' is 5242886 bytes, longer than a path can be"),
            std::string::npos)
      << e.substr(0, 400);
}
