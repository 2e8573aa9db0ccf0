#pragma once
// A fine-tuning task as the provider broker reports it (protocol-finetune.md §3 step 9, §4): the
// Task JSON, its states, the create-task body, and the acknowledgement deadline of §5. Everything
// the provider sends is untrusted: a malformed task is a ParseError naming the field.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eth/uint256.hpp"

namespace zg::finetune {

// Broker internal/db/schema.go, in order; Failed can follow any state (cancel sets it too).
enum class TaskState { init, setting_up, set_up, training, trained, delivering, delivered, user_acknowledged,
                       finished, failed, unknown };

TaskState parse_task_state(std::string_view progress) noexcept;  // unknown for anything else
const char* task_state_name(TaskState state) noexcept;           // "Delivered", ...
bool is_terminal(TaskState state) noexcept;                      // Finished or Failed
// Delivered and later (not Failed): there is a deliverable on chain to check and acknowledge.
bool has_deliverable(TaskState state) noexcept;
// States in which the broker accepts a cancel (Init, SettingUp, SetUp).
bool is_cancellable(TaskState state) noexcept;

struct Task {
  std::string id;
  std::string user_address;
  std::string pretrained_model_hash;
  std::string dataset_hash;
  std::string training_params;
  std::string fee;     // decimal neuron, as the broker wrote it ("0" until setup priced it)
  std::string nonce;   // decimal
  std::string progress;
  TaskState state = TaskState::unknown;
  std::string created_at;  // RFC 3339, as sent
  std::string updated_at;
  std::optional<std::uint64_t> deliver_time;  // unix seconds, once delivered
  std::optional<int> model_type;              // 0 predefined, 1 customized

  std::optional<eth::Uint256> fee_amount() const;  // nullopt when `fee` is not a decimal amount
};

// One Task object. ParseError when it is not an object, `id` is missing, or a field has the wrong type.
Task parse_task_object(const nlohmann::json& object);
Task parse_task(std::string_view body);
// GET .../task: a JSON array of tasks.
std::vector<Task> parse_task_list(std::string_view body);
nlohmann::json task_json(const Task& task);

// POST /v1/user/{addr}/task body, fields in the SDK's order; `fee` is "0" (the broker prices it).
struct CreateTaskRequest {
  std::string user_address;
  std::string pretrained_model_hash;
  std::string dataset_hash;
  std::string training_params;  // the file's text, verbatim
  eth::Uint256 nonce;
  std::string signature;
  bool wait = false;
};
std::string create_task_body(const CreateTaskRequest& request);

// The broker settles an unacknowledged deliverable with a penalty (and never releases the key)
// once min(deliveredTaskAckTimeoutSecs = 6 h, lockTime / 2) has passed since delivery.
inline constexpr std::uint64_t kDefaultAckTimeoutSeconds = 6 * 3600;
std::uint64_t acknowledgement_window(std::uint64_t lock_time_seconds) noexcept;
std::uint64_t acknowledgement_deadline(std::uint64_t delivered_at, std::uint64_t lock_time_seconds) noexcept;

}  // namespace zg::finetune
