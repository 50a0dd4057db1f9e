#include <dirent.h>
#include <gst/gst.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "common/error.h"
#include "tools/edgestream/commands.h"
#include "tools/edgestream/stop_signals.h"

#ifndef EDGE_SOURCE_PIPELINES_DIR
#define EDGE_SOURCE_PIPELINES_DIR ""
#endif

namespace edge::cli {
namespace {

bool is_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string executable_dir() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "";
  std::string path(buffer, size_t(n));
  return path.substr(0, path.find_last_of('/'));
}

}  // namespace

std::vector<std::string> data_dirs(const char* env, const std::string& installed,
                                   const std::string& source_relative) {
  std::vector<std::string> dirs;
  if (const char* value = std::getenv(env)) dirs.push_back(value);
  const std::string exe = executable_dir();
  if (!exe.empty()) dirs.push_back(exe + "/../share/edgestream/" + installed);
  if (*EDGE_SOURCE_PIPELINES_DIR)
    dirs.push_back(std::string(EDGE_SOURCE_PIPELINES_DIR) + source_relative);
  return dirs;
}

std::vector<std::string> applications_in(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name[0] != '.' && is_file(dir + "/" + name + "/graph.toml")) names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

graph::GraphDefinition find_application(const std::string& name) {
  const bool is_path = name.find('/') != std::string::npos ||
                       (name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0);
  if (is_path) return graph::load_definition(name);
  std::string searched;
  for (const std::string& dir : data_dirs("EDGE_PIPELINES_DIR", "pipelines", "")) {
    const std::vector<std::string> known = applications_in(dir);
    if (std::find(known.begin(), known.end(), name) != known.end())
      return graph::load_definition(dir + "/" + name + "/graph.toml");
    if (!known.empty() && searched.empty()) {
      for (const auto& k : known) searched += (searched.empty() ? "" : ", ") + k;
      searched = " in " + dir + " (known: " + searched + ")";
    }
  }
  if (searched.empty())
    throw Error(msg("unknown application '", name,
                    "': no pipelines folder found (set EDGE_PIPELINES_DIR or give a path to a "
                    "graph.toml)"));
  throw Error(msg("unknown application '", name, "'", searched));
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& words) {
  std::map<std::string, std::string> values;
  for (const std::string& word : words) {
    auto kv = graph::parse_assignment(word);
    if (kv.second.empty())
      throw Error(msg(kv.first, "= has no value: give ", kv.first,
                      "=VALUE, or leave it out to use its default"));
    if (!values.emplace(kv.first, kv.second).second) throw Error(msg(kv.first, " is given twice"));
  }
  return values;
}

graph::ResolvedGraph resolve_checked(const graph::GraphDefinition& definition,
                                     const std::string& mode,
                                     const std::map<std::string, std::string>& values) {
  graph::ResolvedGraph resolved = graph::resolve(definition, mode, values);
  for (const auto& [name, value] : resolved.values)
    if (const graph::Placeholder* p = definition.placeholder(name)) graph::check_value(*p, value);
  // gst-launch joins its words with blanks and allows blanks after '=': a property left
  // empty ("location=") would take the next word ("dataset-root=...") as its value.
  std::string element;
  for (size_t i = 0; i < resolved.argv.size(); ++i) {
    const std::string& word = resolved.argv[i];
    if (i == 0 || resolved.argv[i - 1] == "!") element = word;
    const size_t eq = word.find('=');
    if (eq != std::string::npos && eq > 0 && eq + 1 == word.size())
      throw Error(msg(definition.name, " ", mode, ": property ", word.substr(0, eq), " of ",
                      element, " would be empty (", definition.origin,
                      "); give the placeholder it comes from a value"));
  }
  return resolved;
}

namespace {

GstElement* find_element_of(GstElement* pipeline, const char* factory_name) {
  if (!GST_IS_BIN(pipeline)) return nullptr;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GstElement* found = nullptr;
  GValue item = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElement* element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* factory = gst_element_get_factory(element);
    if (factory && g_strcmp0(GST_OBJECT_NAME(factory), factory_name) == 0)
      found = GST_ELEMENT(gst_object_ref(element));
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return found;
}

}  // namespace

PipelineSummary run_pipeline(const std::vector<std::string>& argv,
                             const std::function<void(const PipelineProgress&)>& on_poll) {
  // Jobs call this from several threads at once: every caller must wait until gst_init (and
  // its registry scan) has finished, or a job looks up elements in an empty registry.
  static std::once_flag gst_initialized;
  std::call_once(gst_initialized, [] { gst_init(nullptr, nullptr); });
  std::vector<const gchar*> words;
  for (const auto& w : argv) words.push_back(w.c_str());
  words.push_back(nullptr);
  GError* error = nullptr;
  GstElement* pipeline =
      gst_parse_launchv_full(words.data(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!pipeline || error) {
    std::string text = error ? error->message : "unknown parse error";
    if (error) g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    throw Error(msg("cannot build the pipeline: ", text));
  }
  GstElement* source = find_element_of(pipeline, "edgedatasetsrc");
  GstElement* label_sink = find_element_of(pipeline, "edgelabelsink");
  GstBus* bus = gst_element_get_bus(pipeline);
  std::string failure;
  PipelineSummary summary;
  constexpr unsigned long long kWarningsShown = 20;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    failure = "the pipeline refused to start";
  gint64 stop_deadline_us = 0;  // a stop signal came: EOS sent, wait until then
  for (bool done = false; !done;) {
    if (stop_signal() && !stop_deadline_us) {
      gst_element_send_event(pipeline, gst_event_new_eos());
      stop_deadline_us = g_get_monotonic_time() + kStopGraceMs * 1000;
    }
    if (stop_deadline_us && (stop_signal_count() > 1 || g_get_monotonic_time() > stop_deadline_us))
      break;
    GstMessage* message = gst_bus_timed_pop_filtered(
        bus, 200 * GST_MSECOND,
        GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_WARNING));
    if (on_poll) {
      PipelineProgress progress;
      if (source) {
        guint64 emitted = 0, total = 0;
        g_object_get(source, "clips-emitted", &emitted, "clips-total", &total, nullptr);
        progress.clips_emitted = emitted;
        progress.clips_total = total;
      }
      on_poll(progress);
    }
    if (!message) continue;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING) {
      // A warning is not the end, but it must not pass unseen (a source retrying a device,
      // a file without one valid line).
      if (++summary.warnings <= kWarningsShown) {
        GError* err = nullptr;
        gst_message_parse_warning(message, &err, nullptr);
        std::fprintf(stderr, "edgestream: warning: %s: %s\n",
                     GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), err ? err->message : "?");
        if (err) g_error_free(err);
      }
      gst_message_unref(message);
      continue;
    }
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &err, &debug);
      failure = msg(GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), ": ", err->message,
                    debug ? std::string(" (") + debug + ")" : std::string());
      g_error_free(err);
      g_free(debug);
    }
    gst_message_unref(message);
    done = true;
  }
  if (summary.warnings > kWarningsShown)
    std::fprintf(stderr, "edgestream: %llu more warnings not shown\n",
                 summary.warnings - kWarningsShown);
  if (label_sink) {
    guint64 results = 0;
    g_object_get(label_sink, "results", &results, nullptr);
    summary.results = static_cast<long long>(results);
    gst_object_unref(label_sink);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (source) gst_object_unref(source);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  if (!failure.empty()) throw Error(failure);
  return summary;
}

}  // namespace edge::cli
