#include "task_store.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include "common/error.hpp"
#include "common/hex.hpp"

namespace zg::finetune_sim {

namespace {

constexpr std::array<const char*, 10> kStateNames = {"Init",      "SettingUp",  "SetUp",     "Training",
                                                     "Trained",   "Delivering", "Delivered", "UserAcknowledged",
                                                     "Finished",  "Failed"};

std::string rfc3339(std::int64_t unix_seconds) {
  const std::time_t t = unix_seconds;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

bool same_user(const std::string& spelled, const eth::Address& user) {
  try {
    return eth::Address::from_hex(spelled) == user;
  } catch (const Error&) {
    // A stored spelling with a bad checksum still names its 20 bytes (Go's HexToAddress).
    std::string lower = spelled;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower == user.lower_hex();
  }
}

}  // namespace

std::string state_name(TaskState state) { return kStateNames.at(static_cast<std::size_t>(state)); }

bool can_move(TaskState from, TaskState to) noexcept {
  if (from == TaskState::finished || from == TaskState::failed) return false;
  if (to == TaskState::failed) return true;
  // The penalty settlement finishes a deliverable the user never acknowledged.
  if (from == TaskState::delivered && to == TaskState::finished) return true;
  return static_cast<int>(to) == static_cast<int>(from) + 1;
}

bool is_pending(TaskState state) noexcept {
  return state == TaskState::init || state == TaskState::setting_up || state == TaskState::set_up ||
         state == TaskState::training;
}

bool is_unfinished(TaskState state) noexcept { return state != TaskState::finished && state != TaskState::failed; }

bool is_cancellable(TaskState state) noexcept {
  return state == TaskState::init || state == TaskState::setting_up || state == TaskState::set_up;
}

nlohmann::json Task::to_json() const {
  return {{"id", id},
          {"createdAt", rfc3339(created_at)},
          {"updatedAt", rfc3339(updated_at)},
          {"userAddress", user_address},
          {"preTrainedModelHash", pretrained_model_hash},
          {"datasetHash", dataset_hash},
          {"trainingParams", training_params},
          {"fee", fee},
          {"nonce", nonce},
          {"signature", signature},
          {"progress", state_name(state)},
          {"deliverIndex", 0},
          {"deliverTime", deliver_time},
          {"modelType", static_cast<int>(model_type)},
          {"wait", wait}};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string new_task_id() {
  std::array<std::uint8_t, 16> bytes{};
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    throw IoError("getrandom failed while making a task id");
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = to_hex(bytes, false);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::vector<std::uint8_t> uuid_bytes(std::string_view uuid) {
  if (uuid.size() != 36 || uuid[8] != '-' || uuid[13] != '-' || uuid[18] != '-' || uuid[23] != '-') {
    throw ParseError("invalid UUID length or format: " + std::string(uuid.substr(0, 64)));
  }
  std::string hex;
  for (const char c : uuid) {
    if (c != '-') hex.push_back(c);
  }
  try {
    return from_hex(hex);
  } catch (const Error&) {
    throw ParseError("invalid UUID format: " + std::string(uuid));
  }
}

void TaskStore::add(Task task) {
  std::lock_guard lock(mutex_);
  add_locked(std::move(task));
}

void TaskStore::add_locked(Task task) { tasks_.push_back(std::move(task)); }

Task* TaskStore::find_locked(const std::string& id) {
  for (auto& task : tasks_) {
    if (task.id == id) return &task;
  }
  return nullptr;
}

std::optional<Task> TaskStore::get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& task : tasks_) {
    if (task.id == id) return task;
  }
  return std::nullopt;
}

std::vector<Task> TaskStore::list(const eth::Address& user, bool ascending) const {
  std::lock_guard lock(mutex_);
  std::vector<Task> found;
  for (const auto& task : tasks_) {
    if (same_user(task.user_address, user)) found.push_back(task);
  }
  if (!ascending) std::reverse(found.begin(), found.end());
  return found;
}

std::vector<Task> TaskStore::in_state(TaskState state) const {
  std::lock_guard lock(mutex_);
  std::vector<Task> found;
  for (const auto& task : tasks_) {
    if (task.state == state) found.push_back(task);
  }
  return found;
}

std::size_t TaskStore::pending_count() const {
  std::lock_guard lock(mutex_);
  return pending_count_locked();
}

std::size_t TaskStore::pending_count_locked() const {
  return static_cast<std::size_t>(
      std::count_if(tasks_.begin(), tasks_.end(), [](const Task& task) { return is_pending(task.state); }));
}

std::size_t TaskStore::unfinished_count(const eth::Address& user) const {
  std::lock_guard lock(mutex_);
  return unfinished_count_locked(user);
}

std::size_t TaskStore::unfinished_count_locked(const eth::Address& user) const {
  return static_cast<std::size_t>(std::count_if(tasks_.begin(), tasks_.end(), [&](const Task& task) {
    return is_unfinished(task.state) && same_user(task.user_address, user);
  }));
}

void TaskStore::transition(const std::string& id, TaskState to, const std::string& log_line) {
  std::lock_guard lock(mutex_);
  Task* task = find_locked(id);
  if (task == nullptr) throw StateError("task " + id + " not found");
  if (!can_move(task->state, to)) {
    throw StateError("task " + id + " cannot move from " + state_name(task->state) + " to " + state_name(to));
  }
  task->state = to;
  task->updated_at = unix_now();
  if (!log_line.empty()) task->log += log_line + "\n";
}

std::optional<TaskState> TaskStore::cancel(const std::string& id, bool& cancelled) {
  std::lock_guard lock(mutex_);
  cancelled = false;
  Task* task = find_locked(id);
  if (task == nullptr) return std::nullopt;
  const TaskState before = task->state;
  if (is_cancellable(before)) {
    task->state = TaskState::failed;
    task->updated_at = unix_now();
    task->log += "Task cancelled by the user.\n";
    cancelled = true;
  }
  return before;
}

void TaskStore::append_log(const std::string& id, const std::string& line) {
  std::lock_guard lock(mutex_);
  if (Task* task = find_locked(id)) task->log += line + "\n";
}

void TaskStore::update(const std::string& id, const std::function<void(Task&)>& change) {
  std::lock_guard lock(mutex_);
  if (Task* task = find_locked(id)) change(*task);
}

}  // namespace zg::finetune_sim
