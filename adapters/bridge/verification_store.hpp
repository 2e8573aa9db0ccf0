#pragma once
// The verification outcomes of recent 0G answers by chat id, for GET /v1/zg/verifications/<chat_id>:
// how a streaming client (whose headers left before the outcome was known) or an async-verify client
// learns it. Bounded: the oldest entries go first.
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace zg::bridge {

class VerificationStore {
 public:
  explicit VerificationStore(std::size_t capacity = 10000) : capacity_(capacity) {}
  // Records (or updates) what is known about a chat: merges `fields` into its entry.
  void record(const std::string& chat_id, const nlohmann::json& fields);
  std::optional<nlohmann::json> find(const std::string& chat_id) const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, nlohmann::json> entries_;
  std::deque<std::string> order_;
};

}  // namespace zg::bridge
