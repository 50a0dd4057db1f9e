#include "datasets/source_params.h"

#include <tuple>

#include "common/error.h"
#include "signal/resample.h"

namespace edge::datasets {
namespace {

// The list syntaxes, checked when set (parse_* name the property in their messages).
template <typename Parse>
std::string why_not(Parse parse, const params::Value& v) {
  try {
    parse(v.s);
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

std::string check_folds(const params::Value& v) {
  return why_not([](const std::string& s) { parse_fold_list(s, "folds"); }, v);
}
std::string check_classes(const params::Value& v) {
  return why_not([](const std::string& s) { parse_name_list(s, "classes"); }, v);
}
std::string check_shard(const params::Value& v) {
  return why_not([](const std::string& s) { parse_shard(s, "shard"); }, v);
}

}  // namespace

const params::Table& source_params() {
  static const params::Table table = [] {
    params::TableBuilder<SourceSettings, SourceStatistics> b(
        "edgedatasetsrc",
        "Emits the clips of an audio or gesture dataset (ESC-50, UrbanSound8K, DCASE, folder per "
        "class, gesture CSV) as F32LE audio with label, fold and clip id metadata");
    b.text("location", "Location", "Dataset root folder", &SourceSettings::location);
    b.choice(
        "layout", "Layout", "Dataset layout (auto: detect from the files present)",
        &SourceSettings::layout, "GstEdgeDatasetSrcLayout",
        {{static_cast<int>(Layout::kAuto), "auto", "Detect from the files present"},
         {static_cast<int>(Layout::kEsc50), "esc50", "ESC-50: meta/esc50.csv, audio/"},
         {static_cast<int>(Layout::kUrbanSound8k), "urbansound8k",
          "UrbanSound8K: metadata/UrbanSound8K.csv or metadata.csv, audio/fold<N>/"},
         {static_cast<int>(Layout::kDcase), "dcase",
          "DCASE acoustic scenes: tab-separated meta.csv, evaluation_setup/"},
         {static_cast<int>(Layout::kFolders), "folders", "One folder of audio files per class"},
         {static_cast<int>(Layout::kGestureCsv), "gesture-csv", "One gesture CSV file per class"}});
    b.text("folds", "Folds", "Comma-separated folds to emit, e.g. \"1,2\" (empty: all folds)",
           &SourceSettings::folds)
        .check(check_folds, "comma-separated fold numbers such as 1,2 (empty: all)");
    b.text("classes", "Classes",
           "Comma-separated class names to emit, e.g. \"dog,rain\" (empty: all)",
           &SourceSettings::classes)
        .check(check_classes, "comma-separated class names such as dog,rain (empty: all)");
    b.boolean("esc10", "ESC-10", "Only the ESC-10 subset (esc50 layout)", &SourceSettings::esc10);
    b.boolean("relabel", "Relabel",
              "Renumber label indices 0..N-1 over the classes kept by classes/esc10 (folds do not "
              "change them)",
              &SourceSettings::relabel);
    b.boolean("shuffle", "Shuffle", "Emit clips in a deterministic shuffled order (see seed)",
              &SourceSettings::shuffle);
    b.number("seed", "Seed", "Shuffle seed (mt19937_64; same seed, same order)",
             &SourceSettings::seed, uint64_t{0}, UINT64_MAX);
    b.choice("on-missing", "On missing",
             "What a missing or unreadable clip does: error, or skip with a warning",
             &SourceSettings::on_missing, "GstEdgeDatasetSrcOnMissing",
             {{static_cast<int>(OnMissing::kError), "error", "Stop with an error naming the clip"},
              {static_cast<int>(OnMissing::kSkip), "skip", "Warn on the bus, count it and go on"}});
    b.number("chunk-frames", "Chunk frames",
             "Frames decoded per buffer (the last buffer of a clip may be shorter; with rate= the "
             "buffer holds what they resample to)",
             &SourceSettings::chunk_frames, uint32_t{1}, uint32_t{1} << 20);
    b.number("gesture-rate", "Gesture rate", "Nominal sample rate of gesture CSV rows, in Hz",
             &SourceSettings::gesture_rate, uint32_t{1}, uint32_t{1000000});
    b.number("gesture-rows", "Gesture rows",
             "Rows per gesture recording (0: recordings separated by blank lines)",
             &SourceSettings::gesture_rows, uint32_t{0}, uint32_t{1} << 20);
    b.text("shard", "Shard",
           "K/N: emit only the K-th of N deterministic parts of the clip list (clips K, K+N, "
           "K+2N... after filters and shuffle), for parallel and distributed dataset runs",
           &SourceSettings::shard)
        .check(check_shard, "K/N with 1 <= K <= N, such as 2/8");
    b.number("rate", "Rate",
             "Resample every clip to this rate in Hz, each clip as if alone, in the same pass as "
             "its decoding (0: each clip's own rate)",
             &SourceSettings::rate, uint32_t{0},
             static_cast<uint32_t>(signal::Resampler::kMaxRate));
    b.number("channels", "Channels",
             "1: mix every clip down to mono (the mean of its channels); 0: keep each clip's "
             "channels",
             &SourceSettings::channels, uint32_t{0}, uint32_t{1});
    b.statistic("clips-total", "Clips total", "Clips selected by the filters (known after start)",
                &SourceStatistics::clips_total);
    b.statistic("clips-emitted", "Clips emitted", "Clips started downstream so far",
                &SourceStatistics::clips_emitted);
    b.statistic("clips-skipped", "Clips skipped",
                "Missing or unreadable clips skipped (on-missing=skip)",
                &SourceStatistics::clips_skipped);
    return b.build();
  }();
  return table;
}

Dataset load_selected(const SourceSettings& s) {
  Filter filter;
  filter.folds = parse_fold_list(s.folds, "folds");
  filter.classes = parse_name_list(s.classes, "classes");
  filter.esc10 = s.esc10;
  filter.relabel = s.relabel;
  int shard_index = 1, shard_count = 1;
  std::tie(shard_index, shard_count) = parse_shard(s.shard, "shard");
  LoadOptions load;
  load.layout = s.layout;
  load.gesture_rows = static_cast<int>(s.gesture_rows);
  Dataset dataset = load_dataset(s.location, load);
  apply_filter(&dataset, filter);
  if (s.shuffle) shuffle_entries(&dataset.entries, s.seed);
  select_shard(&dataset.entries, shard_index, shard_count);
  return dataset;
}

}  // namespace edge::datasets
