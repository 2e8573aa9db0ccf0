#include "verification_store.hpp"

namespace zg::bridge {

void VerificationStore::record(const std::string& chat_id, const nlohmann::json& fields) {
  if (chat_id.empty() || !fields.is_object()) return;
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(chat_id, nlohmann::json{{"chat_id", chat_id}});
  it->second.update(fields);
  if (!inserted) return;
  order_.push_back(chat_id);
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<nlohmann::json> VerificationStore::find(const std::string& chat_id) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(chat_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace zg::bridge
