#pragma once
// The broker's task table (protocol-finetune.md §3 step 9, §4; broker internal/db): one row per
// fine-tuning task, its progress state, and the per-task progress log. Thread-safe: the HTTP
// handlers, the task runner and the settler all use it.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::finetune_sim {

// In the order a task goes through them (broker internal/db/schema.go); Failed from any state.
enum class TaskState { init, setting_up, set_up, training, trained, delivering, delivered, user_acknowledged, finished, failed };

std::string state_name(TaskState state);  // "Init", "SettingUp", ..., "Failed"
// Whether `to` may follow `from`: each state its successor, Failed from any unfinished state, and
// Delivered -> Finished (the penalty settlement of a deliverable that was never acknowledged).
bool can_move(TaskState from, TaskState to) noexcept;
// Init, SettingUp, SetUp, Training: what GET /v1/task/pending counts.
bool is_pending(TaskState state) noexcept;
// Neither Finished nor Failed: a user may have only one such task.
bool is_unfinished(TaskState state) noexcept;
// Init, SettingUp, SetUp: the states a cancel is accepted in.
bool is_cancellable(TaskState state) noexcept;

enum class ModelType { predefined = 0, customized = 1 };

struct Task {
  std::string id;  // UUID, lowercase with dashes
  std::string user_address;  // as the client spelled it
  std::string pretrained_model_hash;
  std::string dataset_hash;
  std::string training_params;
  std::string fee = "0";  // decimal neuron; set during setup
  std::string nonce;      // decimal
  std::string signature;  // 0x + 130 hex
  bool wait = false;
  ModelType model_type = ModelType::predefined;
  TaskState state = TaskState::init;
  std::int64_t created_at = 0;    // unix seconds (wall clock)
  std::int64_t updated_at = 0;
  std::int64_t deliver_time = 0;  // chain time of addDeliverable, 0 before
  std::string log;                // progress.log

  // Filled by the runner on the way (never shown in the task JSON).
  std::string model_root_hash;     // 0x + hex, as sent to addDeliverable
  std::string encrypted_file;      // path of the encrypted model the /lora route serves
  std::vector<std::uint8_t> encrypted_secret;  // ECIES(userPub, aesKey)
  std::vector<std::uint8_t> user_public_key;   // X || Y, recovered from the task signature at setup
  unsigned settle_failures = 0;

  // The broker's Task JSON (schema/task.go) as GET task returns it.
  nlohmann::json to_json() const;
};

// Thrown by TaskStore::transition for a move the state machine forbids.
class StateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

class TaskStore {
 public:
  void add(Task task);
  std::optional<Task> get(const std::string& id) const;
  // The user's tasks (address compared case-insensitively), newest first unless `ascending`.
  std::vector<Task> list(const eth::Address& user, bool ascending) const;
  std::vector<Task> in_state(TaskState state) const;
  std::size_t pending_count() const;
  std::size_t unfinished_count(const eth::Address& user) const;

  // Moves the task to `to` (StateError when the machine forbids it) and appends `log_line`.
  void transition(const std::string& id, TaskState to, const std::string& log_line = {});
  // Cancel: Init/SettingUp/SetUp -> Failed. Returns the state the task was in, or none when absent.
  // `cancelled` tells whether the move happened.
  std::optional<TaskState> cancel(const std::string& id, bool& cancelled);
  void append_log(const std::string& id, const std::string& line);
  void update(const std::string& id, const std::function<void(Task&)>& change);

  // Runs `check` and `add` as one step, so two creations cannot both pass the queue checks.
  template <typename Check>
  void add_if(Task task, Check check) {
    std::lock_guard lock(mutex_);
    check();
    add_locked(std::move(task));
  }

  // Lock-free variants for use inside add_if's check.
  std::size_t pending_count_locked() const;
  std::size_t unfinished_count_locked(const eth::Address& user) const;

 private:
  void add_locked(Task task);
  Task* find_locked(const std::string& id);

  mutable std::mutex mutex_;
  std::vector<Task> tasks_;  // creation order
};

std::int64_t unix_now();
// A random RFC 4122 version 4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
std::string new_task_id();
// The 16 raw bytes of a UUID in its canonical text form; ParseError otherwise.
std::vector<std::uint8_t> uuid_bytes(std::string_view uuid);

}  // namespace zg::finetune_sim
