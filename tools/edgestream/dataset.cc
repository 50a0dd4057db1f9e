// edgestream dataset APP key=value... [--jobs J] [--shard K/N] [--mode M]
//
// Runs the dataset mode. With J jobs the clip list (or shard K/N of it) is split into J
// deterministic sub-shards: job j runs shard K+N*j of N*J, which together are exactly shard
// K/N; each job is a pipeline in its own thread writing <out>.jobs/job-j, then the jobs are
// merged into <out>. Progress comes from each edgedatasetsrc's clips-emitted/clips-total.
//
// Stopped at any point (kill -9, a full disk), the same command resumes: jobs resume their
// folders (complete ones are not run again), the merge starts over on an <out> without
// manifest, and on an <out> that already holds exactly this merge it changes nothing. The job
// folders are removed only after the merged manifest is in place.
#include "datasets/dataset.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.h"
#include "graph/dataset_merge.h"
#include "io/regular_file.h"
#include "tools/edgestream/commands.h"

namespace edge::cli {
namespace {

std::string format_seconds(double seconds) {
  const long s = long(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof(text), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return text;
}

// A bar with ETA on a terminal, a plain line per 10 % otherwise (logs, CI).
class ProgressReport {
 public:
  explicit ProgressReport(bool terminal) : terminal_(terminal), start_(Clock::now()) {}
  void update(unsigned long long done, unsigned long long total) {
    if (total == 0) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double fraction = double(done) / double(total);
    const std::string eta = done > 0 ? format_seconds(elapsed * (1.0 - fraction) / fraction) : "?";
    if (terminal_) {
      const int width = 30, filled = int(fraction * width);
      std::fprintf(stderr, "\r[%s%s] %llu/%llu clips %3d%% ETA %s ",
                   std::string(size_t(filled), '#').c_str(),
                   std::string(size_t(width - filled), '-').c_str(), done, total,
                   int(fraction * 100), eta.c_str());
      std::fflush(stderr);
    } else {
      const int decile = int(fraction * 10);
      if (decile <= last_decile_) return;
      last_decile_ = decile;
      std::fprintf(stderr, "progress: %llu/%llu clips (%d%%), elapsed %s, ETA %s\n", done, total,
                   int(fraction * 100), format_seconds(elapsed).c_str(), eta.c_str());
    }
  }
  void finish() {
    if (terminal_) std::fprintf(stderr, "\n");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool terminal_;
  Clock::time_point start_;
  int last_decile_ = -1;
};

void remove_dataset_dir(const std::string& dir) {
  // A job folder holds only the files its dataset run wrote (no subfolders). The manifest
  // goes first: a run stopped during this removal then finds no dataset there and redoes the
  // job, instead of failing on a manifest whose shards are gone.
  ::unlink((dir + "/manifest.json").c_str());
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") ::unlink((dir + "/" + name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

// True when `dir` holds a dataset whose manifest says it is complete.
bool complete_dataset(const std::string& dir) {
  try {
    const std::string text = io::read_regular_file(dir + "/manifest.json", size_t(256) << 20);
    const nlohmann::json m = nlohmann::json::parse(text, nullptr, false);
    return m.is_object() && m.value("complete", false) == true;
  } catch (const Error&) {
    return false;  // none there (yet)
  }
}

// The jobs folder remembers the pipelines its job folders were made by (plan.json). Job
// folders of another plan (other --jobs, --shard or values) are removed, not resumed: their
// windows belong to other parts of the clip list.
void prepare_jobs_folder(const std::string& jobs_dir, const nlohmann::json& plan) {
  const std::string plan_path = jobs_dir + "/plan.json";
  if (::access(plan_path.c_str(), F_OK) == 0) {
    std::string text;
    try {
      text = io::read_regular_file(plan_path, size_t(16) << 20);
    } catch (const Error&) {
    }
    if (nlohmann::json::parse(text, nullptr, false) == plan) return;
    std::fprintf(stderr, "edgestream: %s holds the jobs of another run; starting them afresh\n",
                 jobs_dir.c_str());
    if (DIR* d = ::opendir(jobs_dir.c_str())) {
      std::vector<std::string> stale;
      while (dirent* e = ::readdir(d))
        if (std::strncmp(e->d_name, "job-", 4) == 0) stale.push_back(e->d_name);
      ::closedir(d);
      for (const auto& name : stale) remove_dataset_dir(jobs_dir + "/" + name);
    }
  } else {
    io::make_directories(jobs_dir);
  }
  const std::string tmp = plan_path + ".tmp", text = plan.dump(1) + "\n";
  FILE* f = std::fopen(tmp.c_str(), "w");
  const bool written = f && std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                       std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  if (f) std::fclose(f);
  if (!written || std::rename(tmp.c_str(), plan_path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(msg("cannot write ", plan_path, ": ", why));
  }
}

}  // namespace

void add_dataset_command(CLI::App& app) {
  struct Options {
    std::string application, mode = "dataset", shard = "1/1";
    std::vector<std::string> assignments;
    unsigned jobs = 0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "dataset", "Run an application's dataset mode on every core, optionally one shard of it");
  cmd->add_option("app", options->application, "application name or path to a graph.toml")
      ->required();
  cmd->add_option("values", options->assignments, "placeholder values, key=value (out=DIR)");
  cmd->add_option("--jobs,-j", options->jobs, "parallel pipelines (default: every core)");
  cmd->add_option("--shard", options->shard,
                  "K/N: run only the K-th of N deterministic parts (for GNU parallel, Slurm)");
  cmd->add_option("--mode", options->mode, "mode to run (dataset or export)")
      ->capture_default_str();
  cmd->callback([options] {
    const graph::GraphDefinition def = find_application(options->application);
    std::map<std::string, std::string> values = parse_assignments(options->assignments);
    if (!def.placeholder("shard"))
      throw Error(msg("application ", def.name, " has no ${shard} placeholder; cannot split"));
    if (values.count("shard")) throw Error("give the shard as --shard K/N, not shard=");
    auto out = values.find("out");
    if (out == values.end() || out->second.empty())
      throw Error(msg(def.name, " ", options->mode, ": give out=DIR (the dataset folder)"));
    const std::string output = out->second;
    const auto shard = datasets::parse_shard(options->shard, "--shard");
    unsigned jobs =
        options->jobs ? options->jobs : std::max(1u, std::thread::hardware_concurrency());

    std::vector<std::vector<std::string>> pipelines;
    std::vector<std::string> job_dirs;
    for (unsigned j = 0; j < jobs; ++j) {
      std::map<std::string, std::string> job_values = values;
      job_values["shard"] = std::to_string(shard.first + shard.second * int(j)) + "/" +
                            std::to_string(shard.second * int(jobs));
      if (jobs > 1) {
        job_dirs.push_back(output + ".jobs/job-" + std::to_string(j));
        job_values["out"] = job_dirs.back();
      }
      pipelines.push_back(resolve_checked(def, options->mode, job_values).argv);
    }

    std::vector<PipelineProgress> progress(jobs);
    std::vector<std::string> failures(jobs);
    std::vector<char> finished(jobs, 0);  // a job may have no clips at all: total stays 0
    if (jobs > 1) {
      prepare_jobs_folder(output + ".jobs", pipelines);
      // A job whose folder is complete (a run stopped later, in the merge) is not run again.
      for (unsigned j = 0; j < jobs; ++j) finished[j] = complete_dataset(job_dirs[j]);
    }
    std::mutex lock;
    std::vector<std::thread> threads;
    for (unsigned j = 0; j < jobs; ++j) {
      if (finished[j]) continue;
      threads.emplace_back([&, j] {
        try {
          run_pipeline(pipelines[j], [&, j](const PipelineProgress& p) {
            std::lock_guard<std::mutex> guard(lock);
            progress[j] = p;
          });
        } catch (const std::exception& err) {
          std::lock_guard<std::mutex> guard(lock);
          failures[j] = err.what();
        }
        std::lock_guard<std::mutex> guard(lock);
        finished[j] = 1;
      });
    }
    ProgressReport report(::isatty(STDERR_FILENO) != 0);
    for (bool running = true; running;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      std::lock_guard<std::mutex> guard(lock);
      unsigned long long done = 0, total = 0;
      for (const auto& p : progress) {
        done += p.clips_emitted;
        total += p.clips_total;
      }
      report.update(done, total);
      running = std::count(finished.begin(), finished.end(), 0) > 0;
    }
    for (auto& t : threads) t.join();
    report.finish();
    for (unsigned j = 0; j < jobs; ++j)
      if (!failures[j].empty())
        throw Error(msg(jobs > 1 ? "job " + std::to_string(j) + ": " : "", failures[j],
                        jobs > 1 ? "; what the jobs stored is kept in " + output +
                                       ".jobs/: the same command resumes from it"
                                 : ""));
    if (jobs > 1) {
      // Resumable at every step: each job resumes its own folder; the merge starts over on
      // an output without manifest and changes nothing on one that already holds this merge;
      // the job folders go only after the merged manifest is in place.
      std::vector<std::string> with_data;
      for (const auto& dir : job_dirs)
        if (::access((dir + "/manifest.json").c_str(), F_OK) == 0) with_data.push_back(dir);
      const graph::MergeResult merged = graph::merge_datasets(output, with_data);
      for (const auto& dir : job_dirs) remove_dataset_dir(dir);
      ::unlink((output + ".jobs/plan.json").c_str());
      ::rmdir((output + ".jobs").c_str());
      std::printf("%s: %s%lld windows in %zu shards from %zu clips (%u jobs)\n", output.c_str(),
                  merged.unchanged ? "already complete, unchanged: " : "", merged.windows,
                  merged.shards, merged.sources, jobs);
    } else {
      std::printf("%s: written (1 job)\n", output.c_str());
    }
  });
}

}  // namespace edge::cli
