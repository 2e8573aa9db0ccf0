#include "finetune/task.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/text.hpp"

namespace zg::finetune {
namespace {

using nlohmann::json;

struct StateName {
  TaskState state;
  const char* name;
};

constexpr std::array<StateName, 10> kStates = {{{TaskState::init, "Init"},
                                                {TaskState::setting_up, "SettingUp"},
                                                {TaskState::set_up, "SetUp"},
                                                {TaskState::training, "Training"},
                                                {TaskState::trained, "Trained"},
                                                {TaskState::delivering, "Delivering"},
                                                {TaskState::delivered, "Delivered"},
                                                {TaskState::user_acknowledged, "UserAcknowledged"},
                                                {TaskState::finished, "Finished"},
                                                {TaskState::failed, "Failed"}}};

std::string string_member(const json& object, const char* name, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) throw ParseError(std::string("task: `") + name + "` is missing");
    return {};
  }
  if (!it->is_string()) throw ParseError(std::string("task: `") + name + "` is not a string");
  return it->get<std::string>();
}

// `fee` and `nonce` are strings in the schema; a number is taken as well, never a float.
std::string amount_member(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  throw ParseError(std::string("task: `") + name + "` is not a decimal string");
}

std::optional<std::uint64_t> unsigned_member(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(it->get<std::int64_t>());
  throw ParseError(std::string("task: `") + name + "` is not a non-negative integer");
}

json parse_json(std::string_view body, const char* what) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) throw ParseError(std::string(what) + " is not JSON: " + printable_excerpt(body, 200));
  return parsed;
}

}  // namespace

TaskState parse_task_state(std::string_view progress) noexcept {
  for (const auto& s : kStates) {
    if (progress == s.name) return s.state;
  }
  return TaskState::unknown;
}

const char* task_state_name(TaskState state) noexcept {
  for (const auto& s : kStates) {
    if (s.state == state) return s.name;
  }
  return "Unknown";
}

bool is_terminal(TaskState state) noexcept { return state == TaskState::finished || state == TaskState::failed; }

bool has_deliverable(TaskState state) noexcept {
  return state == TaskState::delivered || state == TaskState::user_acknowledged || state == TaskState::finished;
}

bool is_cancellable(TaskState state) noexcept {
  return state == TaskState::init || state == TaskState::setting_up || state == TaskState::set_up;
}

std::optional<eth::Uint256> Task::fee_amount() const {
  if (fee.empty() || !std::all_of(fee.begin(), fee.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  try {
    return eth::Uint256::from_dec(fee);
  } catch (const Error&) {
    return std::nullopt;
  }
}

Task parse_task_object(const json& object) {
  if (!object.is_object()) throw ParseError("task is not a JSON object");
  Task task;
  task.id = string_member(object, "id", true);
  task.user_address = string_member(object, "userAddress", false);
  task.pretrained_model_hash = string_member(object, "preTrainedModelHash", false);
  task.dataset_hash = string_member(object, "datasetHash", false);
  task.training_params = string_member(object, "trainingParams", false);
  task.fee = amount_member(object, "fee");
  task.nonce = amount_member(object, "nonce");
  task.progress = string_member(object, "progress", false);
  task.state = parse_task_state(task.progress);
  task.created_at = string_member(object, "createdAt", false);
  task.updated_at = string_member(object, "updatedAt", false);
  task.deliver_time = unsigned_member(object, "deliverTime");
  if (task.deliver_time == 0u) task.deliver_time.reset();  // Go's zero value: not delivered yet
  if (const auto type = unsigned_member(object, "modelType")) task.model_type = static_cast<int>(std::min<std::uint64_t>(*type, 255));
  return task;
}

Task parse_task(std::string_view body) { return parse_task_object(parse_json(body, "task")); }

std::vector<Task> parse_task_list(std::string_view body) {
  const json list = parse_json(body, "task list");
  if (list.is_null()) return {};
  if (!list.is_array()) throw ParseError("task list is not a JSON array: " + printable_excerpt(body, 200));
  std::vector<Task> tasks;
  for (const auto& item : list) tasks.push_back(parse_task_object(item));
  return tasks;
}

json task_json(const Task& task) {
  json j = {{"id", task.id},
            {"userAddress", task.user_address},
            {"progress", task.progress},
            {"preTrainedModelHash", task.pretrained_model_hash},
            {"datasetHash", task.dataset_hash},
            {"trainingParams", task.training_params},
            {"fee", task.fee},
            {"nonce", task.nonce},
            {"createdAt", task.created_at},
            {"updatedAt", task.updated_at},
            {"deliverTime", nullptr}};
  if (task.deliver_time) j["deliverTime"] = *task.deliver_time;
  if (task.model_type) j["modelType"] = *task.model_type;
  if (const auto fee = task.fee_amount()) j["fee0G"] = eth::format_amount(*fee);
  return j;
}

std::string create_task_body(const CreateTaskRequest& r) {
  // ordered_json keeps the SDK's field order (the vector's requestBody), which keeps logs comparable.
  nlohmann::ordered_json body;
  body["userAddress"] = r.user_address;
  body["datasetHash"] = r.dataset_hash;
  body["trainingParams"] = r.training_params;
  body["preTrainedModelHash"] = r.pretrained_model_hash;
  body["fee"] = "0";
  body["nonce"] = r.nonce.to_dec();
  body["signature"] = r.signature;
  body["wait"] = r.wait;
  return body.dump();
}

std::uint64_t acknowledgement_window(std::uint64_t lock_time_seconds) noexcept {
  return std::min(kDefaultAckTimeoutSeconds, lock_time_seconds / 2);
}

std::uint64_t acknowledgement_deadline(std::uint64_t delivered_at, std::uint64_t lock_time_seconds) noexcept {
  return delivered_at + acknowledgement_window(lock_time_seconds);
}

}  // namespace zg::finetune
