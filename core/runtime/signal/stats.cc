#include "signal/stats.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace edge::signal {

double Moments::stddev() const { return std::sqrt(variance()); }

void Moments::add(double x) {
  if (count == 0) {
    min = max = x;
  } else {
    min = std::min(min, x);
    max = std::max(max, x);
  }
  ++count;
  const double delta = x - mean;
  mean += delta / static_cast<double>(count);
  m2 += delta * (x - mean);
}

void Moments::add(const float* values, size_t count) {
  constexpr size_t kLanes = 8;  // independent partial sums, so the compiler can vectorize
  for (size_t begin = 0; begin < count; begin += StatsAccumulator::kBlockFrames) {
    const size_t n = std::min(StatsAccumulator::kBlockFrames, count - begin);
    const float* block = values + begin;
    double sums[kLanes] = {};
    double lo = block[0], hi = block[0];
    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (size_t k = 0; k < kLanes; ++k) sums[k] += block[i + k];
    for (; i < n; ++i) sums[i % kLanes] += block[i];
    for (i = 0; i < n; ++i) {
      lo = std::min<double>(lo, block[i]);
      hi = std::max<double>(hi, block[i]);
    }
    double sum = 0.0;
    for (double partial : sums) sum += partial;
    Moments part;
    part.count = n;
    part.mean = sum / static_cast<double>(n);
    part.min = lo;
    part.max = hi;
    double m2s[kLanes] = {};
    for (i = 0; i + kLanes <= n; i += kLanes)
      for (size_t k = 0; k < kLanes; ++k) {
        const double d = block[i + k] - part.mean;
        m2s[k] += d * d;
      }
    for (; i < n; ++i) {
      const double d = block[i] - part.mean;
      m2s[i % kLanes] += d * d;
    }
    for (double partial : m2s) part.m2 += partial;
    merge(part);
  }
}

void Moments::merge(const Moments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count), nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.mean - mean;
  mean += delta * (nb / n);
  m2 += other.m2 + delta * delta * (na * nb / n);
  count += other.count;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
}

StatsAccumulator::StatsAccumulator(int channels) {
  if (channels < 1) throw Error(msg("statistics: channels must be >= 1, got ", channels));
  per_channel_.resize(static_cast<size_t>(channels));
  block_sum_.resize(static_cast<size_t>(channels));
  block_count_.resize(static_cast<size_t>(channels));
}

void StatsAccumulator::clear() {
  std::fill(per_channel_.begin(), per_channel_.end(), Moments());
  nonfinite_ = 0;
}

void StatsAccumulator::add(const float* data, size_t frames) {
  const size_t ch = per_channel_.size();
  for (size_t begin = 0; begin < frames; begin += kBlockFrames) {
    const size_t n = std::min(kBlockFrames, frames - begin);
    const float* block = data + begin * ch;
    for (size_t c = 0; c < ch; ++c) {
      // Pass 1: sum, count, min, max of the finite values of channel c.
      double sum = 0.0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
      uint64_t count = 0;
      for (size_t i = 0; i < n; ++i) {
        const float x = block[i * ch + c];
        if (!std::isfinite(x)) continue;
        sum += x;
        lo = std::min<double>(lo, x);
        hi = std::max<double>(hi, x);
        ++count;
      }
      nonfinite_ += n - count;
      if (count == 0) continue;
      Moments part;
      part.count = count;
      part.mean = sum / static_cast<double>(count);
      part.min = lo;
      part.max = hi;
      // Pass 2: squared deviations from the block mean (no cancellation).
      double m2 = 0.0;
      for (size_t i = 0; i < n; ++i) {
        const float x = block[i * ch + c];
        if (!std::isfinite(x)) continue;
        const double d = x - part.mean;
        m2 += d * d;
      }
      part.m2 = m2;
      per_channel_[c].merge(part);
    }
  }
}

void StatsAccumulator::merge(const StatsAccumulator& other) {
  if (other.per_channel_.size() != per_channel_.size())
    throw Error(msg("statistics: cannot merge ", other.per_channel_.size(),
                    "-channel statistics into ", per_channel_.size(), "-channel statistics"));
  for (size_t c = 0; c < per_channel_.size(); ++c) per_channel_[c].merge(other.per_channel_[c]);
  nonfinite_ += other.nonfinite_;
}

Moments StatsAccumulator::global() const {
  Moments all;
  for (const Moments& m : per_channel_) all.merge(m);
  return all;
}

namespace {
nlohmann::json moments_to_json(const Moments& m) {
  nlohmann::json j = {{"count", m.count}, {"mean", m.mean}, {"std", m.stddev()}};
  if (m.count > 0) {
    j["min"] = m.min;
    j["max"] = m.max;
  }
  return j;
}

double number_field(const nlohmann::json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number())
    throw Error(msg(where, ": expected a number \"", key, "\""));
  double v = it->get<double>();
  if (!std::isfinite(v)) throw Error(msg(where, ": \"", key, "\" is not finite"));
  return v;
}

Moments moments_from_json(const nlohmann::json& obj, const std::string& where) {
  if (!obj.is_object()) throw Error(msg(where, ": expected an object"));
  Moments m;
  auto it = obj.find("count");
  if (it == obj.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
    throw Error(msg(where, ": expected a non-negative integer \"count\""));
  m.count = it->get<uint64_t>();
  m.mean = number_field(obj, "mean", where);
  const double sd = number_field(obj, "std", where);
  if (sd < 0) throw Error(msg(where, ": \"std\" must be >= 0, got ", sd));
  m.m2 = sd * sd * static_cast<double>(m.count);
  if (m.count > 0) {
    m.min = obj.contains("min") ? number_field(obj, "min", where) : m.mean;
    m.max = obj.contains("max") ? number_field(obj, "max", where) : m.mean;
  }
  return m;
}
}  // namespace

std::string StatsAccumulator::to_json() const {
  nlohmann::json per = nlohmann::json::array();
  for (const Moments& m : per_channel_) per.push_back(moments_to_json(m));
  nlohmann::json j = {{"format", "edgestream-stats"},
                      {"version", 1},
                      {"std", "population"},
                      {"channels", per_channel_.size()},
                      {"nonfinite", nonfinite_},
                      {"global", moments_to_json(global())},
                      {"per_channel", per}};
  return j.dump(2) + "\n";
}

StatsAccumulator StatsAccumulator::from_json(const std::string& text, const std::string& name) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(msg("statistics file ", name, ": not valid JSON (", e.what(), ")"));
  }
  if (!j.is_object() || j.value("format", std::string()) != "edgestream-stats")
    throw Error(msg("statistics file ", name,
                    ": expected a JSON object with \"format\": \"edgestream-stats\""));
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != 1)
    throw Error(msg("statistics file ", name, ": unsupported \"version\" (this build reads 1)"));
  if (j.contains("std") && j["std"] != "population")
    throw Error(msg("statistics file ", name, ": \"std\" must be \"population\""));
  auto per = j.find("per_channel");
  if (per == j.end() || !per->is_array() || per->empty())
    throw Error(msg("statistics file ", name, ": expected a non-empty \"per_channel\" array"));
  if (j.contains("channels") &&
      (!j["channels"].is_number_integer() || j["channels"].get<int64_t>() != int64_t(per->size())))
    throw Error(msg("statistics file ", name, ": \"channels\" does not match the ", per->size(),
                    " entries of \"per_channel\""));
  if (per->size() > 65536) throw Error(msg("statistics file ", name, ": too many channels"));
  StatsAccumulator acc(static_cast<int>(per->size()));
  for (size_t c = 0; c < per->size(); ++c)
    acc.per_channel_[c] =
        moments_from_json((*per)[c], msg("statistics file ", name, ": per_channel[", c, "]"));
  if (j.contains("nonfinite") && j["nonfinite"].is_number_unsigned())
    acc.nonfinite_ = j["nonfinite"].get<uint64_t>();
  return acc;
}

void StatsAccumulator::save(const std::string& path) const {
  const std::string text = to_json();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(msg("statistics file ", path, ": cannot open for writing"));
  out << text;
  out.flush();
  if (!out) throw Error(msg("statistics file ", path, ": write failed"));
}

StatsAccumulator StatsAccumulator::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(msg("statistics file ", path, ": cannot open (missing or unreadable)"));
  std::ostringstream text;
  text << in.rdbuf();
  return from_json(text.str(), path);
}

}  // namespace edge::signal
