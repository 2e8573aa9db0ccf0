#include "metrics.hpp"

#include <cstdio>
#include <cstdlib>

namespace zg::bridge {
namespace {

// The shortest text that reads back as the same double (0.0005, not 0.00050000000000000001).
std::string number(double value) {
  char buffer[64];
  if (value == static_cast<double>(static_cast<long long>(value)) && value < 1e15 && value > -1e15) {
    std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(value));
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

// Label values are our own short names, but escape anyway so the text format can never break.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Metrics::Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++buckets[i];
      break;
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::record_request(std::string_view route, std::string_view target, int status, double seconds,
                             double ttfb_seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), std::string(target), status}];
  RouteTarget key{std::string(route), std::string(target)};
  latency_[key].observe(seconds);
  if (ttfb_seconds >= 0) ttfb_[key].observe(ttfb_seconds);
}

void Metrics::record_error(std::string_view kind) {
  std::lock_guard lock(mutex_);
  ++errors_[std::string(kind)];
}

void Metrics::record_tokens(std::uint64_t prompt, std::uint64_t completion) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += prompt;
  completion_tokens_ += completion;
}

void Metrics::record_fee_neuron(double neuron) {
  std::lock_guard lock(mutex_);
  fees_neuron_ += neuron;
}

void Metrics::record_verification(std::string_view outcome) {
  std::lock_guard lock(mutex_);
  ++verifications_[std::string(outcome)];
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "zg_bridge_requests_total", "counter", "Requests answered, by route, target (0g, local, none) and HTTP status.");
  for (const auto& [key, count] : requests_) {
    const auto& [route, target, status] = key;
    out += "zg_bridge_requests_total{route=\"" + label(route) + "\",target=\"" + label(target) + "\",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(count) + "\n";
  }
  header(out, "zg_bridge_errors_total", "counter", "Failed requests by kind.");
  for (const auto& [kind, count] : errors_) {
    out += "zg_bridge_errors_total{kind=\"" + label(kind) + "\"} " + std::to_string(count) + "\n";
  }
  const auto histograms = [&](const char* name, const char* help, const std::map<RouteTarget, Histogram>& all) {
    header(out, name, "histogram", help);
    for (const auto& [key, h] : all) {
      const std::string labels = "route=\"" + label(key.first) + "\",target=\"" + label(key.second) + "\"";
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.buckets[i];
        out += std::string(name) + "_bucket{" + labels + ",le=\"" + number(kBuckets[i]) + "\"} " +
               std::to_string(cumulative) + "\n";
      }
      out += std::string(name) + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += std::string(name) + "_sum{" + labels + "} " + number(h.sum) + "\n";
      out += std::string(name) + "_count{" + labels + "} " + std::to_string(h.count) + "\n";
    }
  };
  histograms("zg_bridge_request_duration_seconds", "Time from the request to the last response byte.", latency_);
  histograms("zg_bridge_time_to_first_byte_seconds", "Time from the request to the first response body byte.", ttfb_);
  header(out, "zg_bridge_tokens_total", "counter", "Tokens of 0G requests, as the provider accounted them.");
  out += "zg_bridge_tokens_total{kind=\"prompt\"} " + std::to_string(prompt_tokens_) + "\n";
  out += "zg_bridge_tokens_total{kind=\"completion\"} " + std::to_string(completion_tokens_) + "\n";
  header(out, "zg_bridge_fees_neuron_total", "counter", "Fees of 0G requests in neuron (1 0G = 1e18 neuron).");
  out += "zg_bridge_fees_neuron_total " + number(fees_neuron_) + "\n";
  header(out, "zg_bridge_verifications_total", "counter", "0G response verification outcomes.");
  for (const auto& [outcome, count] : verifications_) {
    out += "zg_bridge_verifications_total{outcome=\"" + label(outcome) + "\"} " + std::to_string(count) + "\n";
  }
  header(out, "zg_bridge_in_flight_requests", "gauge", "Requests being answered now.");
  out += "zg_bridge_in_flight_requests " + std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace zg::bridge
