#pragma once
// The broker's task services in one place (protocol-finetune.md §3 steps 8-12): setup (dataset,
// fee, on-chain account checks, the task signature), "training" (the deterministic tiny LoRA),
// delivery (seal, upload, addDeliverable) and settlement (settleFees with the released secret once
// the user acknowledged, or the penalty without it after min(ackTimeout, lockTime/2) of chain time).
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "eth/tx_sender.hpp"
#include "finetune_chain.hpp"
#include "finetune_config.hpp"
#include "model_delivery.hpp"
#include "task_store.hpp"

namespace zg::finetune_sim {

// Downloads a dataset from 0G Storage by root (0x + 64 hex); throws when it cannot.
using DatasetDownloader = std::function<Bytes(const std::string& root)>;

struct RunnerParts {
  const FinetuneConfig& config;
  TaskStore& tasks;
  FinetuneChain& chain;
  eth::RpcClient& rpc;
  eth::TxSender& provider;        // signs addDeliverable and settleFees
  const crypto::PrivateKey& tee_key;   // signs the settlement
  const crypto::PrivateKey& tag_key;   // signs the model's tags (the TEE key unless misbehaving)
  std::uint64_t chain_id = 0;
  ModelUploader upload;           // empty: no 0G Storage
  DatasetDownloader download;     // empty: datasets only from the TEE upload route
  std::function<void(const std::string&)> log;
};

// Where the TEE upload route keeps datasets: <data dir>/datasets/<lowercase user>/<0x hash>.
std::filesystem::path dataset_path(const std::filesystem::path& data_dir, const eth::Address& user,
                                   const std::string& dataset_hash);

class TaskRunner {
 public:
  explicit TaskRunner(RunnerParts parts);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void start();
  void stop();
  void wake();  // a task was created

  // One pass each (also what the threads run); public for tests.
  void run_pending_tasks();
  void settle_round();

 private:
  void run_task(const std::string& id);
  void set_up(const Task& task);
  Bytes train(const Task& task);
  void deliver(const Task& task, const Bytes& plaintext_zip);
  void settle(const Task& task, bool acknowledged);
  void step(const std::string& id, TaskState to, const std::string& line);
  void fail(const std::string& id, const std::string& reason);
  Bytes load_dataset(const Task& task);
  std::uint64_t chain_now();
  std::uint64_t ack_timeout();

  RunnerParts parts_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool work_ = false;
  std::thread worker_;
  std::thread settler_;
  std::mutex chain_mutex_;  // one provider transaction at a time (addDeliverable vs settleFees)
};

}  // namespace zg::finetune_sim
