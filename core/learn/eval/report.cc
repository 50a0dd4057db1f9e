#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace edge::eval {
namespace {

using nlohmann::json;

std::string class_name(const std::vector<std::string>& names, size_t c) {
  return c < names.size() ? names[c] : std::to_string(c);
}

std::string fixed(double value, int digits) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

std::string count_or_dash(int64_t value) { return value < 0 ? "-" : std::to_string(value); }

json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
json count_or_null(int64_t value) { return value < 0 ? json(nullptr) : json(value); }

// Text content for SVG/XML.
std::string xml_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// A Markdown table cell: pipes would split the cell.
std::string md_cell(const std::string& text) {
  std::string out;
  for (char ch : text) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

}  // namespace

namespace {

// Per-class table with a macro row, then the confusion matrix.
void class_tables(std::ostringstream& out, const Metrics& m,
                  const std::vector<std::string>& class_names) {
  out << "| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n";
  for (size_t c = 0; c < m.per_class.size(); ++c) {
    const ClassScores& s = m.per_class[c];
    out << "| " << md_cell(class_name(class_names, c)) << " | " << fixed(s.precision, 4) << " | "
        << fixed(s.recall, 4) << " | " << fixed(s.f1, 4) << " | " << s.support << " |\n";
  }
  out << "| macro average | " << fixed(m.macro_precision, 4) << " | " << fixed(m.macro_recall, 4)
      << " | " << fixed(m.macro_f1, 4) << " | " << m.samples << " |\n\n";
  out << "Confusion matrix (rows: true class, columns: predicted)\n\n| true \\ predicted |";
  for (size_t c = 0; c < m.confusion.size(); ++c) {
    out << " " << md_cell(class_name(class_names, c)) << " |";
  }
  out << "\n|---|";
  for (size_t c = 0; c < m.confusion.size(); ++c) out << "---:|";
  out << "\n";
  for (size_t t = 0; t < m.confusion.size(); ++t) {
    out << "| " << md_cell(class_name(class_names, t)) << " |";
    for (int64_t v : m.confusion[t]) out << " " << v << " |";
    out << "\n";
  }
}

json metrics_json(const Metrics& m, const std::vector<std::string>& class_names) {
  json j;
  j["samples"] = m.samples;
  j["accuracy"] = number_or_null(m.accuracy);
  j["loss"] = number_or_null(m.loss);
  json classes = json::array();
  for (size_t c = 0; c < m.per_class.size(); ++c) {
    const ClassScores& s = m.per_class[c];
    classes.push_back({{"name", class_name(class_names, c)},
                       {"precision", s.precision},
                       {"recall", s.recall},
                       {"f1", s.f1},
                       {"support", s.support}});
  }
  j["classes"] = classes;
  j["macro"] = {{"precision", m.macro_precision}, {"recall", m.macro_recall}, {"f1", m.macro_f1}};
  j["confusion"] = m.confusion;
  return j;
}

}  // namespace

std::string Report::ClipSection::description() const {
  if (one_window_per_clip()) return "one window per clip: the same figures as by window";
  return msg(min_windows == max_windows ? std::to_string(max_windows)
                                        : msg(min_windows, " to ", max_windows),
             " windows per clip, a clip's class probabilities are the mean of its windows'");
}

std::string to_markdown(const Report& report) {
  const Metrics& m = report.metrics;
  std::ostringstream out;
  out << "# " << md_cell(report.title.empty() ? "Evaluation" : report.title) << "\n\n";
  out << (report.clips ? "By window: samples: " : "Samples: ") << m.samples
      << ", accuracy: " << fixed(m.accuracy, 4) << ", loss: " << fixed(m.loss, 4) << "\n\n";
  class_tables(out, m, report.class_names);
  if (report.clips) {
    const Metrics& c = report.clips->metrics;
    out << "\n## By clip\n\nClips: " << c.samples << ", accuracy: " << fixed(c.accuracy, 4)
        << ", loss: " << fixed(c.loss, 4) << " (" << report.clips->description() << ")\n\n";
    class_tables(out, c, report.class_names);
  }
  if (!report.variants.empty()) {
    out << "\n| variant | accuracy | clip accuracy | loss | file bytes | parameters | MACs | "
           "arena bytes | latency (us) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const Variant& v : report.variants) {
      out << "| " << md_cell(v.name) << " | " << fixed(v.accuracy, 4) << " | "
          << fixed(v.clip_accuracy, 4) << " | " << fixed(v.loss, 4) << " | "
          << count_or_dash(v.file_bytes) << " | " << count_or_dash(v.parameters) << " | "
          << count_or_dash(v.macs) << " | " << count_or_dash(v.arena_bytes) << " | "
          << fixed(v.latency_us, 1) << " |\n";
    }
  }
  return out.str();
}

std::string to_json(const Report& report) {
  json j = metrics_json(report.metrics, report.class_names);
  j["title"] = report.title;
  if (report.clips) {
    json clips = metrics_json(report.clips->metrics, report.class_names);
    clips["min_windows_per_clip"] = report.clips->min_windows;
    clips["max_windows_per_clip"] = report.clips->max_windows;
    clips["note"] = report.clips->description();
    j["by_clip"] = clips;
  } else {
    j["by_clip"] = nullptr;
  }
  json variants = json::array();
  for (const Variant& v : report.variants) {
    variants.push_back({{"name", v.name},
                        {"accuracy", number_or_null(v.accuracy)},
                        {"clip_accuracy", number_or_null(v.clip_accuracy)},
                        {"clips", count_or_null(v.clips)},
                        {"loss", number_or_null(v.loss)},
                        {"file_bytes", count_or_null(v.file_bytes)},
                        {"parameters", count_or_null(v.parameters)},
                        {"macs", count_or_null(v.macs)},
                        {"arena_bytes", count_or_null(v.arena_bytes)},
                        {"latency_us", number_or_null(v.latency_us)}});
  }
  j["variants"] = variants;
  json history = json::array();
  for (const EpochPoint& e : report.history) {
    history.push_back({{"loss", number_or_null(e.loss)},
                       {"accuracy", number_or_null(e.accuracy)},
                       {"val_loss", number_or_null(e.val_loss)},
                       {"val_accuracy", number_or_null(e.val_accuracy)}});
  }
  j["history"] = history;
  return j.dump(2) + "\n";
}

namespace {

// One panel of the curves plot: a frame at (x0, y0) of w x h, y axis from 0 to
// y_max, one polyline per series.
void curves_panel(std::ostringstream& out, double x0, double y0, double w, double h,
                  const std::string& title, const std::vector<EpochPoint>& history,
                  double EpochPoint::*train, double EpochPoint::*val) {
  double y_max = 0.0;
  for (const EpochPoint& e : history) {
    for (double v : {e.*train, e.*val}) {
      if (std::isfinite(v)) y_max = std::max(y_max, v);
    }
  }
  if (y_max <= 0.0) y_max = 1.0;
  const size_t n = history.size();
  auto px = [&](size_t i) { return x0 + (n == 1 ? w / 2 : w * double(i) / double(n - 1)); };
  auto py = [&](double v) { return y0 + h - h * std::clamp(v / y_max, 0.0, 1.0); };
  out << "<rect x=\"" << x0 << "\" y=\"" << y0 << "\" width=\"" << w << "\" height=\"" << h
      << "\" fill=\"none\" stroke=\"#444\"/>\n";
  out << "<text x=\"" << x0 << "\" y=\"" << y0 - 8 << "\" font-size=\"13\">" << xml_escape(title)
      << " (0 to " << fixed(y_max, 3) << ", epochs 1 to " << n << ")</text>\n";
  for (int series = 0; series < 2; ++series) {
    double EpochPoint::*field = series == 0 ? train : val;
    std::ostringstream points;
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) {
      const double v = history[i].*field;
      if (!std::isfinite(v)) continue;
      points << (count++ ? " " : "") << fixed(px(i), 1) << "," << fixed(py(v), 1);
    }
    if (count == 0) continue;
    out << "<polyline fill=\"none\" stroke=\"" << (series == 0 ? "#1f77b4" : "#d62728")
        << "\" stroke-width=\"1.5\"" << (series == 1 ? " stroke-dasharray=\"5,3\"" : "")
        << " points=\"" << points.str() << "\"><title>" << (series == 0 ? "train" : "validation")
        << "</title></polyline>\n";
  }
}

}  // namespace

std::string training_curves_svg(const std::vector<EpochPoint>& history) {
  if (history.empty()) throw Error("training curves: the history has no epochs");
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"300\" "
         "font-family=\"sans-serif\">\n";
  curves_panel(out, 40, 40, 300, 200, "loss", history, &EpochPoint::loss, &EpochPoint::val_loss);
  curves_panel(out, 400, 40, 300, 200, "accuracy", history, &EpochPoint::accuracy,
               &EpochPoint::val_accuracy);
  out << "<text x=\"40\" y=\"280\" font-size=\"12\" fill=\"#1f77b4\">train (solid)</text>\n"
         "<text x=\"160\" y=\"280\" font-size=\"12\" fill=\"#d62728\">validation (dashed)</text>\n"
         "</svg>\n";
  return out.str();
}

std::string confusion_svg(const Metrics& metrics, const std::vector<std::string>& class_names) {
  const size_t n = metrics.confusion.size();
  if (n == 0) throw Error("confusion heat map: the confusion matrix is empty");
  const int cell = 48, left = 120, top = 60;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left + cell * int(n) + 20
      << "\" height=\"" << top + cell * int(n) + 40 << "\" font-family=\"sans-serif\">\n";
  out << "<text x=\"" << left
      << "\" y=\"20\" font-size=\"13\">predicted class (columns), true "
         "class (rows)</text>\n";
  for (size_t c = 0; c < n; ++c) {
    out << "<text x=\"" << left + cell * int(c) + cell / 2 << "\" y=\"" << top - 8
        << "\" font-size=\"11\" text-anchor=\"middle\">" << xml_escape(class_name(class_names, c))
        << "</text>\n";
    out << "<text x=\"" << left - 6 << "\" y=\"" << top + cell * int(c) + cell / 2 + 4
        << "\" font-size=\"11\" text-anchor=\"end\">" << xml_escape(class_name(class_names, c))
        << "</text>\n";
  }
  for (size_t t = 0; t < n; ++t) {
    int64_t row = 0;
    for (int64_t v : metrics.confusion[t]) row += v;
    for (size_t p = 0; p < n; ++p) {
      const int64_t v = metrics.confusion[t][p];
      const double fraction = row == 0 ? 0.0 : double(v) / double(row);
      // White (0) to dark blue (1).
      const int r = int(std::lround(255 - 222 * fraction));
      const int g = int(std::lround(255 - 154 * fraction));
      const int b = int(std::lround(255 - 75 * fraction));
      out << "<rect x=\"" << left + cell * int(p) << "\" y=\"" << top + cell * int(t)
          << "\" width=\"" << cell << "\" height=\"" << cell << "\" fill=\"rgb(" << r << "," << g
          << "," << b << ")\" stroke=\"#888\"/>\n";
      out << "<text x=\"" << left + cell * int(p) + cell / 2 << "\" y=\""
          << top + cell * int(t) + cell / 2 + 4 << "\" font-size=\"12\" text-anchor=\"middle\""
          << (fraction > 0.5 ? " fill=\"white\"" : "") << ">" << v << "</text>\n";
    }
  }
  out << "</svg>\n";
  return out.str();
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) throw Error(msg("cannot write '", tmp, "'"));
    file << text;
    file.flush();
    if (!file) throw Error(msg("writing '", tmp, "' failed"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(msg("cannot rename '", tmp, "' to '", path, "'"));
  }
}

void append_run_log(const std::string& path, const std::string& run,
                    const std::string& parameters_json, const std::string& results_json) {
  auto parse_object = [&](const std::string& text, const char* what) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      throw Error(msg("run log '", path, "': ", what, " must be a JSON object, got '", text, "'"));
    }
    return j;
  };
  json line;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  line["time"] = stamp;
  line["run"] = run;
  line["parameters"] = parse_object(parameters_json, "parameters");
  line["results"] = parse_object(results_json, "results");
  std::ofstream file(path, std::ios::app);
  if (!file) throw Error(msg("cannot open run log '", path, "' for appending"));
  file << line.dump() << "\n";
  if (!file) throw Error(msg("appending to run log '", path, "' failed"));
}

}  // namespace edge::eval
