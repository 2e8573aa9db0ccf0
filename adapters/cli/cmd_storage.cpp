// `zg storage root|upload|download`: the 0G Storage merkle root of a file, and our own storage
// client (Flow.submit with the fee, segments with proofs; downloads verified segment by segment).
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "devnet/devnet_file.hpp"
#include "finetune/model_delivery.hpp"
#include "ledger_view.hpp"
#include "storage/merkle.hpp"
#include "storage/storage_client.hpp"

namespace zg::cli {
namespace {

int storage_root(Context& ctx, const Args& args) {
  if (args.positionals().size() != 1) throw UsageError("usage: zg storage root FILE");
  const std::filesystem::path file = args.positionals()[0];
  if (!std::filesystem::is_regular_file(file)) throw UsageError(file.string() + " is not a regular file");
  const auto tree = storage::FileMerkleTree::from_file(file);
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : tree.submission_nodes()) nodes.push_back({{"root", to_hex(n.root)}, {"height", n.height}});
  const auto& layout = tree.layout();
  ctx.emit({{"root", to_hex(tree.root())},
            {"size", layout.file_size},
            {"chunks", layout.chunks},
            {"paddedChunks", layout.padded_chunks},
            {"segments", layout.segments},
            {"submissionNodes", nodes},
            {"feeSectors", tree.fee_sectors()}},
           to_hex(tree.root()));
  return 0;
}

// Where the storage network is: --indexer / ZG_STORAGE_INDEXER, else the devnet's storage node
// (local network) or the network's turbo indexer. The Flow address comes from the devnet file, or
// (zero) from the storage node itself, as the SDK does.
struct StorageEndpoint {
  std::string indexer_url;
  eth::Address flow;
};

StorageEndpoint storage_endpoint(Context& ctx, const Args& args) {
  StorageEndpoint endpoint;
  const auto& net = ctx.network();
  if (net.name == "local") {
    const auto state =
        devnet::DevnetState::load(ctx.network_selection.devnet_file.value_or(config::default_devnet_file()));
    endpoint.indexer_url = state.storage_url;
    endpoint.flow = state.contracts.flow;
  } else {
    endpoint.indexer_url = net.storage_indexer;
  }
  if (const char* env = std::getenv("ZG_STORAGE_INDEXER"); env != nullptr && *env != '\0') endpoint.indexer_url = env;
  if (auto flag = args.value("indexer")) endpoint.indexer_url = *flag;
  if (endpoint.indexer_url.empty()) {
    throw UsageError("no 0G Storage indexer: pass --indexer URL (the devnet has none running)");
  }
  return endpoint;
}

// One progress line on stderr: rewritten in place on a terminal, a line per 10% otherwise.
class ProgressLine {
 public:
  explicit ProgressLine(std::string verb) : verb_(std::move(verb)), tty_(::isatty(STDERR_FILENO) == 1) {}
  ~ProgressLine() {
    if (tty_ && shown_) std::cerr << "\n";
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void operator()(std::uint64_t done, std::uint64_t total) {
    const unsigned percent = total == 0 ? 100 : static_cast<unsigned>(done * 100 / total);
    if (!tty_ && shown_ && percent / 10 == last_percent_ / 10 && percent != 100) return;
    if (shown_ && percent == last_percent_) return;
    char line[128];
    std::snprintf(line, sizeof line, "%s: %.1f / %.1f MiB (%u%%)", verb_.c_str(), static_cast<double>(done) / (1 << 20),
                  static_cast<double>(total) / (1 << 20), percent);
    std::cerr << (tty_ ? "\r" : "") << line << (tty_ ? "" : "\n") << std::flush;
    shown_ = true;
    last_percent_ = percent;
  }

 private:
  std::string verb_;
  bool tty_;
  bool shown_ = false;
  unsigned last_percent_ = 0;
};

storage::Progress progress_for(const Context& ctx, ProgressLine& line) {
  if (ctx.json_output) return {};
  return [&line](std::uint64_t done, std::uint64_t total) { line(done, total); };
}

int storage_upload(Context& ctx, const Args& args) {
  if (args.positionals().size() != 1) throw UsageError("usage: zg storage upload FILE");
  const std::filesystem::path file = args.positionals()[0];
  if (!std::filesystem::is_regular_file(file)) throw UsageError(file.string() + " is not a regular file");
  const auto endpoint = storage_endpoint(ctx, args);
  const auto key = ctx.wallet_key();
  auto chain = connect(ctx);
  eth::TxSender sender(*chain.rpc, key, chain.chain_id);
  storage::StorageClient client(endpoint.indexer_url, *chain.rpc, endpoint.flow);
  storage::UploadResult result;
  {
    ProgressLine line("upload");
    result = client.upload_file(file, sender, progress_for(ctx, line));
  }
  const std::string human = "root " + result.root + "\n" +
                            (result.already_stored ? std::string("already stored: no transaction sent")
                                                   : "tx   " + result.tx_hash + "\nfee  " + eth::format_amount(result.fee) + " 0G");
  ctx.emit({{"root", result.root},
            {"txHash", result.tx_hash},
            {"size", result.size},
            {"feeWei", result.fee.to_dec()},
            {"alreadyStored", result.already_stored}},
           human);
  return 0;
}

// --decrypt-secret: a re-download of a settled model, decrypted while it downloads (the key is
// already released). The first download of a deliverable stays `zg ft acknowledge-model` then
// `zg ft decrypt`: the root is verified before acknowledging, decryption waits for settlement.
int storage_download_decrypted(Context& ctx, const Args& args, const std::string& root, const std::filesystem::path& out,
                               storage::StorageClient& client) {
  const auto signer = eth::Address::from_hex(args.required("tee-signer"));
  const auto model_key = finetune::decrypt_model_key(ctx.wallet_key(), from_hex(args.required("decrypt-secret")));
  std::uint64_t plaintext_size = 0;
  {
    ProgressLine line("download+decrypt");
    plaintext_size = client.download_decrypted(root, model_key, signer, out, progress_for(ctx, line));
  }
  ctx.emit({{"root", root}, {"out", out.string()}, {"size", plaintext_size}, {"verified", true}, {"decrypted", true}},
           "downloaded and decrypted " + std::to_string(plaintext_size) + " bytes to " + out.string() +
               " (every segment's proof checked against " + root + ", every chunk tag and the TEE signature of " +
               signer.checksummed() + " verified)");
  return 0;
}

int storage_download(Context& ctx, const Args& args) {
  if (args.positionals().size() != 1) throw UsageError("usage: zg storage download ROOT --out FILE");
  const std::string root = args.positionals()[0];
  const std::filesystem::path out = args.required("out");
  const auto endpoint = storage_endpoint(ctx, args);
  eth::RpcClient chain(ctx.network().rpc_url.empty() ? std::string("http://127.0.0.1:8545") : ctx.network().rpc_url);
  storage::StorageClient client(endpoint.indexer_url, chain, endpoint.flow);
  if (args.value("decrypt-secret")) return storage_download_decrypted(ctx, args, root, out, client);
  if (args.value("tee-signer")) throw UsageError("--tee-signer goes with --decrypt-secret");
  {
    ProgressLine line("download");
    client.download_file(root, out, progress_for(ctx, line));
  }
  const auto size = std::filesystem::file_size(out);
  ctx.emit({{"root", root}, {"out", out.string()}, {"size", size}, {"verified", true}},
           "downloaded " + std::to_string(size) + " bytes to " + out.string() + " (every segment's proof checked against " +
               root + ")");
  return 0;
}

}  // namespace

void add_storage_commands(std::vector<Command>& commands) {
  commands.push_back({"storage root", "print the 0G Storage merkle root of a file",
                      "Computes the file's 0G Storage root (256-byte chunks, 1024-chunk segments, flow padding)\n"
                      "exactly as 0g-storage-client does, reading the file in a streaming way on two threads.\n"
                      "--json adds the Flow.submit node list and the fee in sectors.\n\n"
                      "example: zg storage root dataset.jsonl",
                      {}, storage_root});
  const OptionSpec indexer{"indexer", "URL", "0G Storage indexer or node JSON-RPC URL (env ZG_STORAGE_INDEXER)"};
  commands.push_back({"storage upload", "upload a file to 0G Storage (Flow.submit with the fee, then segments)",
                      "Computes the file's root, submits it to the Flow contract paying\n"
                      "sectors x market.pricePerSector (as the official SDK does), then uploads every 256 KiB\n"
                      "segment with its merkle proof. Prints the root and the transaction; progress on stderr.\n"
                      "A file the storage node already holds is not paid for again.\n\n"
                      "example: zg storage upload dataset.jsonl",
                      {indexer}, storage_upload});
  commands.push_back({"storage download", "download a file from 0G Storage, verifying every segment",
                      "Downloads every segment with its proof, checks each against ROOT, and writes FILE\n"
                      "(through FILE.partial + rename) only when everything matched; a corrupted segment is\n"
                      "refused with the segment named and nothing is written.\n"
                      "With --decrypt-secret (a settled model's Deliverable.encryptedSecret, opened with your key)\n"
                      "and --tee-signer, an encrypted fine-tuned model is decrypted while it downloads: FILE is\n"
                      "the plaintext (the ZIP), renamed into place only after every segment proof, chunk tag and\n"
                      "the TEE tag signature checked. For re-downloads: a new deliverable goes through\n"
                      "`zg ft acknowledge-model` (root checked before acknowledging) and `zg ft decrypt`.\n\n"
                      "example: zg storage download 0x1234...cdef --out dataset.jsonl",
                      {indexer,
                       {"out", "FILE", "where to write the verified file (required)"},
                       {"decrypt-secret", "HEX", "decrypt an encrypted model with this encryptedSecret (your key opens it)"},
                       {"tee-signer", "ADDR", "the TEE signer the model's tags must be signed by (with --decrypt-secret)"}},
                      storage_download});
}

}  // namespace zg::cli
