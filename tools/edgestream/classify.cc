// edgestream classify MODEL --source mic[:API[:DEVICE]]|serial:DEVICE|file:PATH [--app APP]
//     [--profile NAME|PATH] [--labels FILE --preprocess TEXT] [--statistics FILE]
//     [--output FILE] [--smooth K] [--threshold T] [--silence-gate DB|off] [--background L]
//     [--threads N] [--no-check-preprocess] [--end-on-disconnect] [--print]
// The real-time graph from the model's own metadata (tools/edgestream/classify.h).
#include "tools/edgestream/classify.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include "common/error.h"
#include "common/sha256.h"
#include "graph/graph.h"
#include "nn/metadata.h"
#include "nn/model.h"
#include "nn/tflite_reader.h"
#include "post/open_set.h"
#include "tools/edgestream/classify_source.h"
#include "tools/edgestream/commands.h"
#include "tools/edgestream/stop_signals.h"

namespace edge::cli {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool is_regular(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// An application's realtime mode resolved with a stand-in value for each placeholder without a
// default (only statistics placeholders can appear in the preprocess, and those stay ${name}
// in its canonical text).
graph::ResolvedGraph resolve_realtime(const graph::GraphDefinition& def) {
  std::map<std::string, std::string> values;
  for (const auto& p : def.placeholders)
    if (!p.has_default) values[p.name] = "/" + p.name;
  return graph::resolve(def, "realtime", values);
}

// The canonical preprocess of an application's realtime mode.
std::string realtime_preprocess(const graph::GraphDefinition& def) {
  return resolve_realtime(def).preprocess;
}

// True when an element named `name` starts at argv[i]: the word is the name and is the
// launch line's first or follows a "!" (a property value equal to the name does not count).
bool element_at(const std::vector<std::string>& argv, size_t i, const std::string& name) {
  return i < argv.size() && argv[i] == name && (i == 0 || argv[i - 1] == "!");
}

// True when the realtime mode's edgeinfer names its own labels file (labels=...).
bool realtime_has_labels(const graph::GraphDefinition& def) {
  const std::vector<std::string> argv = resolve_realtime(def).argv;
  bool in_edgeinfer = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "!") in_edgeinfer = false;  // the next element starts
    if (element_at(argv, i, "edgeinfer")) in_edgeinfer = true;
    if (in_edgeinfer && argv[i].compare(0, 7, "labels=") == 0 && argv[i].size() > 7) return true;
  }
  return false;
}

// Samples per window of the last edgewindow of an application's realtime mode (the one that
// feeds the classifier; a front end such as micro-speech's has its own before it) when it
// counts samples (length= or size-samples=), else 0 (windows in seconds).
int64_t realtime_window_samples(const graph::GraphDefinition& def) {
  const std::vector<std::string> argv = resolve_realtime(def).argv;
  int64_t samples = 0;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (!element_at(argv, i, "edgewindow")) continue;
    samples = 0;
    for (size_t k = i + 1; k < argv.size() && argv[k] != "!"; ++k)
      for (const char* key : {"length=", "size-samples="})
        if (argv[k].rfind(key, 0) == 0) samples = std::atoll(argv[k].c_str() + std::strlen(key));
  }
  return samples;
}

// Whether a model of `input_elements` values can take the application's realtime windows:
// a window of N samples must give the model a whole number of channels. Empty when it fits,
// else why not.
std::string window_mismatch(const graph::GraphDefinition& def, int64_t input_elements) {
  const int64_t samples = realtime_window_samples(def);
  if (samples <= 0 || input_elements <= 0 || input_elements % samples == 0) return "";
  return msg("application ", def.name, " (", def.origin, ") cuts windows of ", samples,
             " samples, which cannot fill the model's input of ", input_elements, " values");
}

// The application whose realtime mode runs `preprocess` with windows that fit the model, or
// nullptr; `skipped` collects those with the same preprocess but other windows.
std::unique_ptr<graph::GraphDefinition> application_for(const std::string& preprocess,
                                                        int64_t input_elements,
                                                        std::string* skipped) {
  for (const std::string& dir : data_dirs("EDGE_PIPELINES_DIR", "pipelines", "")) {
    for (const std::string& name : applications_in(dir)) {
      const std::string path = dir + "/" + name + "/graph.toml";
      try {
        auto def = std::make_unique<graph::GraphDefinition>(graph::load_definition(path));
        if (!def->is_mode("realtime") || realtime_preprocess(*def) != preprocess) continue;
        const std::string why = window_mismatch(*def, input_elements);
        if (why.empty()) return def;
        *skipped += (skipped->empty() ? "" : "; ") + why;
      } catch (const Error&) {
        // A definition that does not parse is not the model's; `edgestream launch` reports it.
      }
    }
  }
  return nullptr;
}

// Replaces ${name} of every statistics placeholder left in a canonical text by `path`.
std::string with_statistics(const std::string& canonical, const std::string& path) {
  std::string out;
  size_t copied = 0;
  for (size_t at = canonical.find("${"); at != std::string::npos;
       at = canonical.find("${", copied)) {
    const size_t end = canonical.find('}', at);
    if (end == std::string::npos) break;
    if (path.empty())
      throw Error(msg("the preprocess segment uses ", canonical.substr(at, end - at + 1),
                      " (normalization statistics) but the model carries no statistics; give "
                      "--statistics FILE"));
    out.append(canonical, copied, at - copied);
    out += path;
    copied = end + 1;
  }
  out.append(canonical, copied, std::string::npos);
  return out;
}

// Index of the first word of `element` in argv (a word equal to the element name).
size_t find_element(const std::vector<std::string>& argv, const std::string& element) {
  for (size_t i = 0; i < argv.size(); ++i)
    if (element_at(argv, i, element)) return i;
  return argv.size();
}

// The classifying edgeinfer: the last one (a preprocess may run a front-end model first).
size_t find_classifier(const std::vector<std::string>& argv) {
  size_t found = argv.size();
  for (size_t i = 0; i < argv.size(); ++i)
    if (element_at(argv, i, "edgeinfer")) found = i;
  return found;
}

// Sets property `key` of the element starting at `at` (replacing an existing value).
void set_property(std::vector<std::string>& argv, size_t at, const std::string& key,
                  const std::string& value) {
  size_t end = at + 1;
  while (end < argv.size() && argv[end] != "!") {
    if (argv[end].compare(0, key.size() + 1, key + "=") == 0) {
      argv[end] = key + "=" + value;
      return;
    }
    ++end;
  }
  argv.insert(argv.begin() + static_cast<long>(end), key + "=" + value);
}

// Inserts `words` (an element and its properties) right after the element starting at `at`.
void insert_after(std::vector<std::string>& argv, size_t at,
                  const std::vector<std::string>& words) {
  size_t end = at + 1;
  while (end < argv.size() && argv[end] != "!") ++end;
  std::vector<std::string> link = {"!"};
  link.insert(link.end(), words.begin(), words.end());
  argv.insert(argv.begin() + static_cast<long>(end), link.begin(), link.end());
}

// The model's labels: --labels FILE, else its metadata.
std::vector<std::string> model_labels(const std::string& labels_file,
                                      const std::vector<std::string>& from_model) {
  if (labels_file.empty()) return from_model;
  std::ifstream in(labels_file);
  if (!in) throw Error(msg("--labels ", labels_file, ": cannot be read"));
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  return labels;
}

}  // namespace

std::string write_temp_statistics(const std::string& text) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/edgestream-stats-XXXXXX.json";
  std::vector<char> buffer(path.begin(), path.end());
  buffer.push_back('\0');
  const int fd = ::mkstemps(buffer.data(), 5);
  if (fd < 0)
    throw Error(msg("cannot create a statistics file ", path, ": ", std::strerror(errno)));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) {
    ::unlink(buffer.data());
    throw Error(msg("cannot write the statistics file ", buffer.data()));
  }
  return buffer.data();
}

namespace {
// mkdir -p; false (errno set) on failure.
bool make_dirs(const std::string& path) {
  for (size_t at = 1; at <= path.size(); ++at) {
    if (at != path.size() && path[at] != '/') continue;
    const std::string part = path.substr(0, at);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}
}  // namespace

std::string write_cached_statistics(const std::string& text) {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string dir;
  if (cache && *cache)
    dir = cache;
  else if (home && *home)
    dir = std::string(home) + "/.cache";
  else
    throw Error(
        "--print: the model's statistics need a file the printed line can name, but "
        "neither XDG_CACHE_HOME nor HOME is set; give --statistics FILE");
  dir += "/edgestream/statistics";
  Sha256 digest;
  digest.update(text.data(), text.size());
  const std::string path = dir + "/" + digest.hex_digest().substr(0, 16) + ".json";
  if (is_regular(path)) return path;  // same content, same name
  if (!make_dirs(dir))
    throw Error(msg("--print: cannot create ", dir, " for the model's statistics: ",
                    std::strerror(errno), "; give --statistics FILE"));
  // Written beside it first so a reader never sees half a file.
  const std::string staged = path + ".partial." + std::to_string(::getpid());
  std::string error;
  FILE* out = std::fopen(staged.c_str(), "wb");
  if (!out)
    error = std::strerror(errno);
  else if (std::fwrite(text.data(), 1, text.size(), out) != text.size())
    error = std::strerror(errno);
  if (out && std::fclose(out) != 0 && error.empty()) error = std::strerror(errno);
  if (error.empty() && ::rename(staged.c_str(), path.c_str()) != 0) error = std::strerror(errno);
  if (!error.empty()) {
    ::unlink(staged.c_str());
    throw Error(msg("--print: cannot write the model's statistics to ", path, ": ", error,
                    "; give --statistics FILE"));
  }
  return path;
}

ClassifyPlan::~ClassifyPlan() {
  if (owns_statistics_file && !statistics_file.empty()) ::unlink(statistics_file.c_str());
}

graph::Profile find_profile(const std::string& name) {
  if (name.find('/') != std::string::npos || ends_with(name, ".toml") || is_regular(name))
    return graph::load_profile(name);
  std::vector<std::string> known;
  for (const std::string& dir : data_dirs("EDGE_PROFILES_DIR", "profiles", "/../edge/profiles")) {
    if (is_regular(dir + "/" + name + ".toml"))
      return graph::load_profile(dir + "/" + name + ".toml");
    for (const std::string& file : entries(dir))
      if (ends_with(file, ".toml")) {
        const std::string profile = file.substr(0, file.size() - 5);
        if (std::find(known.begin(), known.end(), profile) == known.end()) known.push_back(profile);
      }
  }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw Error(msg("unknown profile '", name, "'; known profiles: ",
                  list.empty() ? "(none found; set EDGE_PROFILES_DIR)" : list,
                  " (or give the path of a profile file)"));
}

std::unique_ptr<ClassifyPlan> plan_classify(const ClassifyRequest& r) {
  auto plan = std::make_unique<ClassifyPlan>();
  std::unique_ptr<graph::Profile> profile;
  if (!r.profile.empty()) profile = std::make_unique<graph::Profile>(find_profile(r.profile));

  const nn::Model model = nn::read_tflite_file(r.model);
  const nn::EdgeMetadata meta = nn::read_edge_metadata(model);
  std::unique_ptr<graph::GraphDefinition> app;
  if (!r.app.empty()) {
    app = std::make_unique<graph::GraphDefinition>(find_application(r.app));
    if (!app->is_mode("realtime"))
      throw Error(msg("application ", app->name, " has no realtime mode (", app->origin, ")"));
  }
  // A model made elsewhere (TFLM's micro_speech) runs in the application it is given to:
  // the preprocessing is the application's, the labels its edgeinfer's labels= file.
  const std::string preprocess = !r.preprocess.empty()      ? r.preprocess
                                 : !meta.preprocess.empty() ? meta.preprocess
                                 : app                      ? realtime_preprocess(*app)
                                                            : std::string();
  const bool has_labels =
      !r.labels.empty() || !meta.labels.empty() || (app && realtime_has_labels(*app));
  if (preprocess.empty() || !has_labels) {
    std::string missing = preprocess.empty() ? "preprocess segment" : "";
    if (!has_labels) missing += std::string(missing.empty() ? "" : " and ") + "labels";
    throw Error(msg("model ", r.model, " carries no edgestream ", missing,
                    " metadata (it was not made by edgestream train); give them explicitly: "
                    "--labels FILE (one label per line, in output order) and --preprocess TEXT "
                    "(the gst-launch text of the preprocessing it was trained with)"));
  }
  if (!is_regular(r.model)) throw Error(msg("model ", r.model, ": not a regular file"));

  // Statistics: given, or the model's written to a file for edgenormalize to read.
  if (!r.statistics.empty()) {
    graph::Placeholder placeholder;
    placeholder.name = "--statistics";
    placeholder.kind = graph::ValueKind::kFile;
    graph::check_value(placeholder, r.statistics);
    plan->statistics_file = r.statistics;
  } else if (!meta.statistics.empty() && preprocess.find("${") != std::string::npos) {
    if (r.for_print) {
      plan->statistics_file = write_cached_statistics(meta.statistics);
    } else {
      plan->statistics_file = write_temp_statistics(meta.statistics);
      plan->owns_statistics_file = true;
    }
  }

  const Source source = make_source(r.source, profile.get(), r.end_on_disconnect);
  plan->source_words = source.words.size();
  if (r.silence_gate.empty()) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", post::kDefaultSilenceGateDb);
    plan->silence_gate = text;
  } else if (r.silence_gate != "off") {
    char* end = nullptr;
    const double db = std::strtod(r.silence_gate.c_str(), &end);
    if (end == r.silence_gate.c_str() || *end != '\0' || !(db >= -120.0 && db <= 0.0))
      throw Error(msg("--silence-gate ", r.silence_gate,
                      ": expected a level in dBFS from -120 to 0 (e.g. -60), or off"));
    plan->silence_gate = r.silence_gate;
  }
  if (source.kind != SourceKind::kAudio) plan->silence_gate.clear();
  // Values per window the model takes (0 when the file declares no input: then no check).
  const int64_t input_elements =
      model.inputs().size() == 1 ? int64_t(model.input(0).elements()) : 0;
  if (app) {  // given with --app
    const std::string why = window_mismatch(*app, input_elements);
    if (!why.empty()) throw Error(msg("model ", r.model, ": ", why));
  } else {
    // By the model's own metadata: its preprocess and a window that fits its input.
    std::string skipped;
    app = application_for(preprocess, input_elements, &skipped);
    if (!app && !skipped.empty())
      throw Error(msg("model ", r.model,
                      " has the preprocess of an application whose windows do "
                      "not fit it: ",
                      skipped,
                      "; give its own application with --app "
                      "PATH/graph.toml"));
  }

  std::vector<std::string>& argv = plan->argv;
  if (app) {
    plan->application = app->name;
    std::map<std::string, std::string> values;
    for (const auto& p : app->placeholders) {
      if (p.name == "model")
        values[p.name] = r.model;
      else if (p.kind == graph::ValueKind::kStatistics)
        values[p.name] = plan->statistics_file.empty() ? "/" + p.name : plan->statistics_file;
      else if (!p.has_default)
        values[p.name] = "/" + p.name;  // e.g. device: replaced with the source below
    }
    graph::ResolvedGraph resolved = graph::resolve(*app, "realtime", values);
    argv = resolved.argv;
    const auto bang = std::find(argv.begin(), argv.end(), "!");
    const bool imu_app = !argv.empty() && argv[0] == "edgeimusrc";
    if (imu_app != (source.kind == SourceKind::kImu))
      throw Error(
          msg("application ", app->name, " reads ",
              imu_app ? "an IMU (serial:DEVICE or a .csv file)" : "audio (mic or a sound file)",
              "; --source ", r.source, " gives ", imu_app ? "audio" : "IMU frames"));
    argv.erase(argv.begin(), bang);
    argv.insert(argv.begin(), source.words.begin(), source.words.end());
    // The app's live window may need the device's extra settings (baud from the profile).
    if (!r.preprocess.empty() && r.preprocess != resolved.preprocess)
      set_property(argv, find_classifier(argv), "preprocess", r.preprocess);
  } else {
    argv = source.words;
    // Audio reaches the preprocessing as F32 (edgeresample and edgewindow take no other):
    // audioconvert gives the format and channels the preprocessing's caps ask for.
    if (source.kind == SourceKind::kAudio)
      for (const char* word : {"!", "audioconvert"}) argv.push_back(word);
    argv.push_back("!");
    for (const std::string& word :
         graph::split_words(with_statistics(preprocess, plan->statistics_file), "--preprocess"))
      argv.push_back(word);
    for (const char* word : {"!", "edgeinfer", "!", "edgelabelsink"}) argv.push_back(word);
    const size_t infer = find_classifier(argv);
    set_property(argv, infer, "model", r.model);
    set_property(argv, find_classifier(argv), "preprocess", preprocess);
    if (!plan->statistics_file.empty())
      set_property(argv, find_classifier(argv), "statistics", plan->statistics_file);
  }
  if (find_classifier(argv) == argv.size() || find_element(argv, "edgelabelsink") == argv.size())
    throw Error(msg("the realtime mode of ", plan->application,
                    " has no edgeinfer ! edgelabelsink to configure"));
  const auto infer = [&] { return find_classifier(argv); };
  // Every class in the meta, so that edgelabelsink smooths all scores (not only a top-k
  // whose members change from window to window).
  const int64_t classes = std::min<int64_t>(model.output(0).elements(), 1000);
  set_property(argv, infer(), "top-k", std::to_string(classes));
  if (!r.labels.empty()) set_property(argv, infer(), "labels", r.labels);
  const int threads = r.threads > 0 ? r.threads : profile ? profile->threads : 0;
  if (threads > 0) set_property(argv, infer(), "threads", std::to_string(threads));
  if (profile) set_property(argv, infer(), "kernels", profile->kernels);
  if (!r.check_preprocess) set_property(argv, infer(), "check-preprocess", "false");
  const auto sink = [&] { return find_element(argv, "edgelabelsink"); };
  // The open-set rule (post/open_set.h): silence gated after the window, background classes.
  // A graph whose audio windows feed a front-end model (micro-speech: 30 ms frames into
  // features, then windows of features) is not gated: dropping a frame would tear the feature
  // sequence the classifier reads. The default gate is then off; an explicit level is refused.
  size_t windows = 0;
  for (size_t i = 0; i < argv.size(); ++i)
    if (element_at(argv, i, "edgewindow")) ++windows;
  if (windows > 1 && !plan->silence_gate.empty()) {
    if (!r.silence_gate.empty())
      throw Error(msg("--silence-gate ", r.silence_gate, ": the graph's audio windows feed a ",
                      "front-end model before the classifier's windows; gating them would tear "
                      "its feature frames: give --silence-gate off"));
    plan->silence_gate.clear();
  }
  if (!plan->silence_gate.empty()) {
    const size_t window = find_element(argv, "edgewindow");
    if (window == argv.size())
      throw Error(
          msg("--silence-gate: the graph has no edgewindow to gate after; give "
              "--silence-gate off"));
    insert_after(argv, window, {"edgegate", "min-level-db=" + plan->silence_gate});
  }
  const std::vector<std::string> labels = model_labels(r.labels, meta.labels);
  plan->labels = labels;
  plan->background = r.background == "auto" ? post::conventional_background_labels(labels)
                                            : post::parse_background_labels(r.background, labels);
  std::string background;
  for (const std::string& label : plan->background)
    background += (background.empty() ? "" : ",") + label;
  if (!background.empty()) set_property(argv, sink(), "background", background);
  if (!r.output.empty()) set_property(argv, sink(), "location", r.output);
  if (r.smooth != 1) set_property(argv, sink(), "smoothing", std::to_string(r.smooth));
  if (r.threshold > 0) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", r.threshold);
    set_property(argv, sink(), "threshold", text);
  }
  return plan;
}

std::unique_ptr<FusedClassifyPlan> plan_fused_classify(const ClassifyRequest& r,
                                                       const std::vector<std::string>& models) {
  if (models.size() < 2) throw Error("fusion needs at least two models");
  for (const auto& [option, value] : {std::pair<const char*, const std::string*>{"--app", &r.app},
                                      {"--labels", &r.labels},
                                      {"--preprocess", &r.preprocess}})
    if (!value->empty())
      throw Error(msg(option, " describes one model; with ", models.size(),
                      " models each runs in the application its own metadata names"));
  auto fused = std::make_unique<FusedClassifyPlan>();
  for (const std::string& model : models) {
    ClassifyRequest one = r;
    one.model = model;
    fused->branches.push_back(plan_classify(one));
  }
  const ClassifyPlan& first = *fused->branches.front();
  for (size_t i = 1; i < models.size(); ++i) {
    const ClassifyPlan& other = *fused->branches[i];
    // Labels that only the application's labels file names are checked by edgefuse as it runs.
    if (!other.labels.empty() && !first.labels.empty() && other.labels != first.labels)
      throw Error(msg("models ", models[0], " and ", models[i],
                      " classify into different labels, so their scores cannot be fused: [",
                      join(first.labels), "] and [", join(other.labels), "]"));
  }
  // One source into a tee; each plan's words between its source and its edgelabelsink are a
  // branch into edgefuse; the first plan's edgelabelsink (with the request's options) ends it.
  std::vector<std::string>& argv = fused->argv;
  argv.assign(first.argv.begin(), first.argv.begin() + std::ptrdiff_t(first.source_words));
  for (const char* word : {"!", "tee", "name=edge_tee"}) argv.push_back(word);
  for (size_t i = 0; i < models.size(); ++i) {
    std::vector<std::string>& words = fused->branches[i]->argv;
    // edgefuse averages probabilities: an int8 model's scores are dequantized first.
    set_property(words, find_classifier(words), "output-type", "float32");
    const size_t sink = find_element(words, "edgelabelsink");
    const size_t begin = fused->branches[i]->source_words;
    // The plan reads "<source> ! <branch> ! edgelabelsink ...".
    if (sink >= words.size() || sink < begin + 3 || words[begin] != "!" || words[sink - 1] != "!")
      throw Error(msg("model ", models[i], ": its real-time graph has no branch to fuse"));
    for (const char* word : {"edge_tee.", "!", "queue", "!"}) argv.push_back(word);
    argv.insert(argv.end(), words.begin() + std::ptrdiff_t(begin + 1),
                words.begin() + std::ptrdiff_t(sink - 1));
    argv.push_back("!");
    argv.push_back(msg("edge_fuse.sink_", i));
  }
  for (const char* word : {"edgefuse", "name=edge_fuse", "!"}) argv.push_back(word);
  const size_t sink = find_element(first.argv, "edgelabelsink");
  argv.insert(argv.end(), first.argv.begin() + std::ptrdiff_t(sink), first.argv.end());
  return fused;
}

void add_classify_command(CLI::App& app) {
  auto request = std::make_shared<ClassifyRequest>();
  auto print_only = std::make_shared<bool>(false);
  auto no_check = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "classify",
      "Classify a live or recorded stream with a model: the real-time graph is built from the "
      "model's own labels, preprocess segment and statistics; JSON lines out");
  auto models = std::make_shared<std::vector<std::string>>();
  cmd->add_option("model", *models,
                  ".tflite model (made by edgestream train/optimize); several models of the same "
                  "labels are fused: the mean of their scores on each window (edgefuse)")
      ->required();
  cmd->add_option("--source", request->source,
                  "mic (the profile's, else the first of PulseAudio, PipeWire, ALSA that "
                  "answers), mic:pulse[:SOURCE], mic:pipewire[:TARGET], mic:alsa:DEVICE, "
                  "serial[:DEVICE] (serial: the profile's), or file:PATH (audio file, or .csv "
                  "IMU recording)")
      ->required();
  cmd->add_option("--app", request->app,
                  "application whose realtime mode to use (default: the one whose preprocess "
                  "equals the model's)");
  cmd->add_option("--profile", request->profile,
                  "board profile, a name (edge/profiles/NAME.toml) or the path of a profile "
                  "file: audio/serial device, threads, kernels");
  cmd->add_option("--labels", request->labels, "labels file (one per line), overrides the model's");
  cmd->add_option("--preprocess", request->preprocess,
                  "canonical preprocess text, for a model without edgestream metadata");
  cmd->add_option("--statistics", request->statistics,
                  "normalization statistics JSON, overrides the model's");
  cmd->add_option("--output", request->output, "JSON lines file (default: standard output)");
  cmd->add_option("--smooth", request->smooth, "average scores over the last K windows")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--threshold", request->threshold,
                  "smoothed score the best class needs to be reported (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--silence-gate", request->silence_gate,
                  "audio: windows quieter than this RMS level (dBFS) are silence, never "
                  "classified (default " +
                      std::to_string(static_cast<int>(post::kDefaultSilenceGateDb)) +
                      "; off: classify everything)");
  cmd->add_option("--background", request->background,
                  "comma-separated labels of classes that mean no event (default auto: the "
                  "model's background, silence, unknown, noise... classes; \"\": none)");
  cmd->add_option("--threads", request->threads, "inference threads (default: the profile's, or 1)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--no-check-preprocess", *no_check,
                "run even when the graph's preprocessing differs from the model's (warning)");
  cmd->add_flag("--end-on-disconnect", request->end_on_disconnect,
                "serial source: end when the device goes away (default: reconnect and go on)");
  cmd->add_flag("--print", *print_only, "print the gst-launch-1.0 line instead of running it");
  cmd->callback([request, models, print_only, no_check] {
    request->check_preprocess = !*no_check;
    request->for_print = *print_only;
    request->model = models->front();
    // From here SIGINT/SIGTERM stop the graph with EOS; the plan's files go with it.
    const StopOnSignals stop_on_signals;
    std::unique_ptr<ClassifyPlan> plan;
    std::unique_ptr<FusedClassifyPlan> fused;
    if (models->size() == 1)
      plan = plan_classify(*request);
    else
      fused = plan_fused_classify(*request, *models);
    const std::vector<std::string>& argv = plan ? plan->argv : fused->argv;
    if (*print_only) {
      std::printf("%s\n", graph::launch_line(argv).c_str());
      return;
    }
    if (!stop_signal()) {
      const PipelineSummary summary = run_pipeline(argv);
      if (!stop_signal() && summary.results == 0 && request->source.compare(0, 5, "file:") == 0)
        throw Error(msg("--source ", request->source,
                        ": nothing was classified: no window came "
                        "out of the file",
                        summary.warnings ? " (see the warnings above)" : ""));
    }
    if (stop_signal())
      std::fprintf(stderr, "edgestream: stopped by %s\n",
                   stop_signal() == SIGINT ? "SIGINT" : "SIGTERM");
  });
}

}  // namespace edge::cli
