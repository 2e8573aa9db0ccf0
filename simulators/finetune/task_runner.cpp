#include "task_runner.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "common/atomic_file.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "lora_adapter.hpp"
#include "model_catalog.hpp"
#include "request_auth.hpp"
#include "training_params.hpp"

namespace zg::finetune_sim {

namespace {

constexpr unsigned kMaxSettleFailures = 3;

// A setup check that failed: the task goes to Failed with this text in its log.
class SetupFailure : public Error {
 public:
  using Error::Error;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

Bytes read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

eth::Address task_user(const Task& task) { return eth::Address::from_hex(lower(task.user_address)); }

}  // namespace

std::filesystem::path dataset_path(const std::filesystem::path& data_dir, const eth::Address& user,
                                   const std::string& dataset_hash) {
  return data_dir / "datasets" / user.lower_hex() / lower(dataset_hash);
}

TaskRunner::TaskRunner(RunnerParts parts) : parts_(std::move(parts)) {}

TaskRunner::~TaskRunner() { stop(); }

void TaskRunner::start() {
  worker_ = std::thread([this] {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_ || work_; });
      if (stopping_) break;
      work_ = false;
      lock.unlock();
      run_pending_tasks();
      lock.lock();
    }
  });
  settler_ = std::thread([this] {
    std::unique_lock lock(wake_mutex_);
    while (!wake_.wait_for(lock, parts_.config.settle_interval, [this] { return stopping_; })) {
      lock.unlock();
      settle_round();
      lock.lock();
    }
  });
}

void TaskRunner::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (settler_.joinable()) settler_.join();
}

void TaskRunner::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    work_ = true;
  }
  wake_.notify_all();
}

void TaskRunner::run_pending_tasks() {
  // One task at a time, oldest first, as the broker's single training slot.
  for (;;) {
    const auto waiting = parts_.tasks.in_state(TaskState::init);
    if (waiting.empty()) return;
    {
      std::lock_guard lock(wake_mutex_);
      if (stopping_) return;
    }
    run_task(waiting.front().id);
  }
}

void TaskRunner::step(const std::string& id, TaskState to, const std::string& line) {
  if (parts_.config.misbehaviour.step_delay.count() > 0) std::this_thread::sleep_for(parts_.config.misbehaviour.step_delay);
  parts_.tasks.transition(id, to, line);  // StateError when the user cancelled meanwhile
  parts_.log("task " + id + " -> " + state_name(to));
}

void TaskRunner::fail(const std::string& id, const std::string& reason) {
  try {
    parts_.tasks.transition(id, TaskState::failed, "Task failed: " + reason);
    parts_.log("task " + id + " failed: " + reason);
  } catch (const StateError&) {
    // Already cancelled or finished.
  }
}

void TaskRunner::run_task(const std::string& id) {
  try {
    step(id, TaskState::setting_up, "Setting up the task: dataset, fee and account checks.");
    set_up(*parts_.tasks.get(id));
    step(id, TaskState::set_up, "Setup finished.");
    step(id, TaskState::training, "Training started.");
    const Bytes plaintext = train(*parts_.tasks.get(id));
    step(id, TaskState::trained, "Training finished.");
    step(id, TaskState::delivering, "Encrypting and uploading the model.");
    deliver(*parts_.tasks.get(id), plaintext);
  } catch (const StateError& cancelled) {
    parts_.log(std::string("task stopped: ") + cancelled.what());
  } catch (const std::exception& error) {
    fail(id, error.what());
  }
}

Bytes TaskRunner::load_dataset(const Task& task) {
  const auto local = dataset_path(parts_.config.data_dir, task_user(task), task.dataset_hash);
  if (std::filesystem::exists(local)) return read_file_bytes(local);
  if (parts_.download) {
    try {
      return parts_.download(task.dataset_hash);
    } catch (const std::exception& error) {
      throw SetupFailure("dataset " + task.dataset_hash + " is neither uploaded to this provider nor downloadable from "
                         "0G Storage: " + error.what());
    }
  }
  throw SetupFailure("dataset " + task.dataset_hash + " not found: upload it to this provider (POST /v1/user/" +
                     task.user_address + "/dataset) first");
}

void TaskRunner::set_up(const Task& task) {
  const Bytes dataset = load_dataset(task);
  const auto params = parse_training_params(task.training_params);
  const auto model = choose_model(task.pretrained_model_hash, parts_.config.custom_models);
  const eth::Uint256 fee = task_fee(count_tokens(dataset), parts_.config.price_per_token,
                                    static_cast<std::uint64_t>(params.num_train_epochs), model);
  parts_.tasks.update(task.id, [&](Task& t) { t.fee = fee.to_dec(); });
  parts_.tasks.append_log(task.id, "Task fee: " + fee.to_dec() + " neuron (" + std::to_string(count_tokens(dataset)) +
                                       " tokens x " + std::to_string(params.num_train_epochs) + " epochs).");

  const eth::Address user = task_user(task);
  const auto service = parts_.chain.get_service(parts_.provider.address());
  if (!service || !service->tee_signer_acknowledged) {
    throw SetupFailure("service TEE signer has not been acknowledged by 0G team");
  }
  const auto account = parts_.chain.get_account(user, parts_.provider.address());
  if (!account) throw SetupFailure("get account in contract: AccountNotExists(" + user.checksummed() + ")");
  const eth::Uint256 available =
      account->balance > account->pending_refund ? account->balance - account->pending_refund : eth::Uint256{};
  if (available < fee) {
    throw SetupFailure("insufficient account balance after pending refund: expected " + fee.to_dec() + ", got " +
                       available.to_dec());
  }
  eth::Uint256 nonce;
  try {
    nonce = eth::Uint256::from_dec(task.nonce);
  } catch (const Error&) {
    throw SetupFailure("invalid nonce: " + task.nonce);
  }
  if (account->nonce >= nonce) {
    throw SetupFailure("invalid nonce: expected " + account->nonce.to_dec() + ", got " + nonce.to_dec());
  }
  if (!account->acknowledged) throw SetupFailure("user not acknowledged yet");

  crypto::PublicKey key;
  try {
    key = recover_personal_key(create_task_hash(user, nonce, task.dataset_hash), task.signature);
  } catch (const AuthError& error) {
    throw SetupFailure(std::string("invalid signature: ") + error.what());
  }
  if (eth::Address::from_public_key(key) != user) {
    throw SetupFailure("signature verification failed: the task signature was not made by " + user.checksummed());
  }
  parts_.tasks.update(task.id, [&](Task& t) { t.user_public_key.assign(key.begin(), key.end()); });
}

Bytes TaskRunner::train(const Task& task) {
  // The seed covers everything the result should depend on, so the same task trains the same adapter.
  Bytes seed_input = load_dataset(task);
  append(seed_input, as_bytes(task.training_params));
  append(seed_input, as_bytes(task.pretrained_model_hash));
  const Bytes zip = zip_output_model(train_tiny_lora(crypto::keccak256(seed_input)));
  if (parts_.config.plaintext_dir) {
    std::filesystem::create_directories(*parts_.config.plaintext_dir);
    write_file_atomically(*parts_.config.plaintext_dir / (task.id + ".zip"), as_text(zip), 0600);
  }
  parts_.tasks.append_log(task.id, "Trained a rank-" + std::to_string(kLoraRank) + " LoRA adapter (" +
                                       std::to_string(zip.size()) + " bytes zipped).");
  return zip;
}

void TaskRunner::deliver(const Task& task, const Bytes& plaintext_zip) {
  crypto::PublicKey user_key{};
  if (task.user_public_key.size() != user_key.size()) throw Error("the user's public key is missing");
  std::copy(task.user_public_key.begin(), task.user_public_key.end(), user_key.begin());
  const auto encrypted_file = parts_.config.data_dir / "models" / (task.id + "_encrypted.data");
  std::filesystem::create_directories(encrypted_file.parent_path());
  const auto sealed = seal_model(plaintext_zip, user_key, parts_.tag_key, encrypted_file, parts_.upload,
                                 [&](const std::string& line) { parts_.tasks.append_log(task.id, line); });
  std::uint64_t deliver_time = 0;
  {
    std::lock_guard lock(chain_mutex_);
    deliver_time = parts_.chain.add_deliverable(parts_.provider, task_user(task), task.id, sealed.model_root_hash);
  }
  parts_.tasks.update(task.id, [&](Task& t) {
    t.model_root_hash = to_hex(sealed.model_root_hash);
    t.encrypted_file = sealed.encrypted_file.string();
    t.encrypted_secret = sealed.encrypted_secret;
    t.deliver_time = static_cast<std::int64_t>(deliver_time);
  });
  step(task.id, TaskState::delivered,
       "Delivered: modelRootHash " + to_hex(sealed.model_root_hash) +
           (sealed.stored_on_0g ? " (0G Storage root)" : " (keccak256 of the encrypted model)") +
           ". Acknowledge it within " + std::to_string(ack_timeout()) + " s.");
}

std::uint64_t TaskRunner::chain_now() {
  const auto block = parts_.rpc.get_block_by_number(eth::BlockTag::latest());
  return block ? block->timestamp : 0;
}

std::uint64_t TaskRunner::ack_timeout() { return std::min(parts_.config.ack_timeout_seconds, parts_.chain.lock_time() / 2); }

void TaskRunner::settle_round() {
  try {
    for (const auto& task : parts_.tasks.in_state(TaskState::delivered)) {
      const auto deliverable = parts_.chain.get_deliverable(task_user(task), parts_.provider.address(), task.id);
      if (deliverable && deliverable->acknowledged) {
        parts_.tasks.transition(task.id, TaskState::user_acknowledged, "The user acknowledged the deliverable.");
        continue;
      }
      if (parts_.config.misbehaviour.skip_penalty) continue;
      const bool timed_out = chain_now() >= static_cast<std::uint64_t>(task.deliver_time) + ack_timeout();
      if (parts_.config.misbehaviour.force_penalty || timed_out) settle(task, false);
    }
    for (const auto& task : parts_.tasks.in_state(TaskState::user_acknowledged)) settle(task, true);
  } catch (const std::exception& error) {
    parts_.log(std::string("settlement round failed, will retry: ") + error.what());
  }
}

void TaskRunner::settle(const Task& task, bool acknowledged) {
  VerifierMessage message;
  message.id = task.id;
  if (acknowledged) message.encrypted_secret = task.encrypted_secret;
  message.model_root_hash = from_hex(task.model_root_hash);
  message.nonce = eth::Uint256::from_dec(task.nonce);
  message.task_fee = eth::Uint256::from_dec(task.fee);
  message.user = task_user(task);
  try {
    const Bytes signature = sign_settlement(message, parts_.chain_id, parts_.chain.address(), parts_.tee_key);
    {
      std::lock_guard lock(chain_mutex_);
      parts_.chain.settle_fees(parts_.provider, message, signature);
    }
    parts_.tasks.transition(task.id, TaskState::finished,
                            acknowledged ? "Settled: fee " + task.fee + " neuron; the model key is released on chain."
                                         : "Settled without acknowledgement: penalty fee charged, the model key is "
                                           "never released.");
    parts_.log("settled task " + task.id + (acknowledged ? " with the secret" : " with the penalty"));
  } catch (const std::exception& error) {
    unsigned failures = 0;
    parts_.tasks.update(task.id, [&](Task& t) { failures = ++t.settle_failures; });
    parts_.log("settlement of task " + task.id + " failed (" + std::to_string(failures) + "): " + error.what());
    if (failures >= kMaxSettleFailures) fail(task.id, std::string("settlement failed: ") + error.what());
  }
}

}  // namespace zg::finetune_sim
