// `zg storage root FILE`: the 0G Storage merkle root of a file.
#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "storage/merkle.hpp"

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

}  // namespace

void add_storage_commands(std::vector<Command>& commands) {
  commands.push_back({"storage root", "print the 0G Storage merkle root of a file",
                      "Computes the file's 0G Storage root (256-byte chunks, 1024-chunk segments, flow padding)\n"
                      "exactly as 0g-storage-client does, reading the file in a streaming way on two threads.\n"
                      "--json adds the Flow.submit node list and the fee in sectors.\n\n"
                      "example: zg storage root dataset.jsonl",
                      {}, storage_root});
}

}  // namespace zg::cli
