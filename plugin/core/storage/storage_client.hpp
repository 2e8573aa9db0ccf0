#pragma once
// Our own 0G Storage client (protocol-finetune.md §7.2): upload = merkle tree, Flow.submit with the
// fee the official SDK charges, then every segment with its proof to the nodes the indexer picks;
// download = every segment with its proof, each proof and the file root checked, the output written
// under a temporary name and renamed only when everything matched.
//
//   eth::RpcClient rpc(state.rpc_url);
//   eth::TxSender sender(rpc, key, rpc.chain_id());
//   storage::StorageClient client(state.storage_indexer_url, rpc, state.contracts.flow);
//   auto up = client.upload_file("data.jsonl", sender, progress);     // up.root = "0x" + 64 hex
//   client.download_file(up.root, "copy.jsonl", progress);            // IntegrityError on a bad segment
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "eth/address.hpp"
#include "eth/rpc_client.hpp"
#include "eth/tx_sender.hpp"
#include "finetune/model_cipher.hpp"
#include "storage/merkle.hpp"

namespace zg::storage {

// Called after each segment: bytes of the file done so far and the file size.
using Progress = std::function<void(std::uint64_t done_bytes, std::uint64_t total_bytes)>;

// Data that does not match its root or proof (a node served something else). what() names the
// segment, e.g. "segment 3 of 0x12…: merkle proof root mismatch".
class IntegrityError : public Error {
 public:
  using Error::Error;
};

struct UploadResult {
  std::string root;         // 0x + 64 lowercase hex
  std::string tx_hash;      // the Flow.submit transaction (0x + 64 hex); empty when the file was already known
  std::uint64_t size = 0;   // file size in bytes
  eth::Uint256 fee;         // wei sent with submit: fee_sectors * market.pricePerSector()
  bool already_stored = false;  // the node knew the root before: no transaction was sent
};

struct StorageClientOptions {
  unsigned hash_threads = 2;             // merkle tree workers
  std::size_t segments_per_request = 4;  // zgs_uploadSegments batch size
  unsigned download_workers = 4;         // segment requests in flight while downloading
  std::chrono::milliseconds tx_seen_timeout{60000};  // wait for the node to see the submission
};

class StorageClient {
 public:
  // indexer_url: the indexer's JSON-RPC URL (a storage node URL works too: it is then used directly).
  // flow_contract: the Flow contract (its market() gives the price per sector); a zero address means
  // "the one the storage node reports" (zgs_getStatus networkIdentity.flowAddress, as the SDK does).
  // `rpc` (the EVM chain) must outlive this.
  StorageClient(std::string indexer_url, eth::RpcClient& rpc, eth::Address flow_contract,
                StorageClientOptions options = {});
  ~StorageClient();
  StorageClient(const StorageClient&) = delete;
  StorageClient& operator=(const StorageClient&) = delete;

  // The fee submit() would pay for a file with this tree (wei).
  eth::Uint256 submission_fee(const FileMerkleTree& tree);

  // Sends Flow.submit (signed by `sender`, value = fee) unless a node already knows the root, then
  // uploads every segment with its proof. IoError / contracts::ContractRevert / Error on failure.
  UploadResult upload_file(const std::filesystem::path& file, eth::TxSender& sender, const Progress& progress = {});
  UploadResult upload_bytes(std::span<const std::uint8_t> data, eth::TxSender& sender,
                            const Progress& progress = {});

  // Downloads by root (0x + 64 hex), checks every segment's proof and the root, writes `out` via a
  // temporary file + rename only when everything matched; throws IntegrityError naming the segment
  // otherwise (nothing at `out` then). UsageError for a malformed root; IoError when no node has it.
  void download_file(std::string_view root, const std::filesystem::path& out, const Progress& progress = {});
  // A re-download of an encrypted model whose key the user already holds (a settled deliverable):
  // the same segment and root checks, and each verified segment is decrypted as it arrives
  // (ModelStreamDecryptor: every chunk tag, then the TEE tag signature), so no encrypted copy is
  // written. The plaintext goes to `out` + ".partial" and is renamed to `out` only when every check
  // passed; IntegrityError / crypto::AuthenticationError / ParseError otherwise (nothing at `out`).
  // Not the fine-tuning flow's first download: that verifies the root before acknowledging and
  // decrypts only after settlement. Returns the plaintext size.
  std::uint64_t download_decrypted(std::string_view root, const finetune::ModelKey& key, const eth::Address& tee_signer,
                                   const std::filesystem::path& out, const Progress& progress = {});
  // Same checks, into memory (for small files such as a dataset in a test).
  Bytes download_bytes(std::string_view root, const Progress& progress = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zg::storage
