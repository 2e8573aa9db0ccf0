#pragma once
// The bridge's counters and histograms, rendered in the Prometheus text format (version 0.0.4) for
// GET /metrics. One mutex guards them: a request touches it a few times, far below its other costs.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace zg::bridge {

class Metrics {
 public:
  // One finished request. `route` is a short name (chat_completions, completions, embeddings, models,
  // ...), `target` 0g, local or none. `ttfb_seconds` < 0 when no body byte was sent.
  void record_request(std::string_view route, std::string_view target, int status, double seconds,
                      double ttfb_seconds);
  void record_error(std::string_view kind);
  void record_tokens(std::uint64_t prompt, std::uint64_t completion);
  void record_fee_neuron(double neuron);
  void record_verification(std::string_view outcome);
  void add_in_flight(int delta) noexcept { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  std::string render() const;

  // Upper bounds of the latency buckets, in seconds (the +Inf bucket is implicit).
  static constexpr std::array<double, 16> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25,   0.5,   1.0,    2.5,   5.0,  10.0,  30.0, 60.0};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // not cumulative; summed when rendered
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double seconds);
  };
  using RouteTarget = std::pair<std::string, std::string>;

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> errors_;
  std::map<RouteTarget, Histogram> latency_;
  std::map<RouteTarget, Histogram> ttfb_;
  std::uint64_t prompt_tokens_ = 0;
  std::uint64_t completion_tokens_ = 0;
  double fees_neuron_ = 0;
  std::map<std::string, std::uint64_t> verifications_;
  std::atomic<int> in_flight_{0};
};

}  // namespace zg::bridge
