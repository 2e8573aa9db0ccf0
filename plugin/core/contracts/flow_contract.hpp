#pragma once
// 0G Storage's Flow contract (FixedPriceFlow from @0gfoundation/0g-ts-sdk) and its market
// (FixedPrice): submit a file's node list with the storage fee, read the price, read Submit logs.
//   submit(((uint256 length, bytes tags, (bytes32 root, uint256 height)[] nodes) data, address submitter))
//   selector 0xbc8c11f8, msg.value = fee; fee = Σ 2^height × market.pricePerSector() exactly as the
//   SDK's calculatePrice (transfer/utils.js) and the Go client's Submission.Fee compute it.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "contracts/contract.hpp"
#include "storage/merkle.hpp"

namespace zg::contracts {

struct FlowSubmission {
  std::uint64_t length = 0;  // the file size in bytes
  Bytes tags;                // 0x for plain uploads
  std::vector<storage::SubmissionNode> nodes;
  eth::Address submitter;

  // Σ 2^height: the sectors the market charges for.
  std::uint64_t sectors() const noexcept;
  // The file root the node list stands for: right fold root = keccak(node[i].root || root).
  Hash256 root() const;
};

// One Submit(address indexed sender, bytes32 indexed identity, uint256 submissionIndex,
// uint256 startPos, uint256 length, (uint256 length, bytes tags, (bytes32,uint256)[] nodes)) log.
struct FlowSubmitEvent {
  eth::Address sender;
  Hash256 identity{};
  std::uint64_t submission_index = 0;  // the node's tx.seq
  std::uint64_t start_position = 0;    // flow position in sectors
  std::uint64_t flow_length = 0;       // sectors appended to the flow
  FlowSubmission submission;           // submitter left zero: the log does not carry it
  Hash256 transaction_hash{};
  std::uint64_t block_number = 0;
};

class FlowContract {
 public:
  FlowContract(eth::RpcClient& rpc, eth::Address address) : rpc_(&rpc), contract_(rpc, address, "Flow") {}
  const eth::Address& address() const noexcept { return contract_.address(); }

  eth::Address market() const;
  eth::Uint256 price_per_sector() const;  // market().pricePerSector()
  // sectors × price: what submit must carry.
  eth::Uint256 fee(const FlowSubmission& submission) const { return price_per_sector() * submission.sectors(); }

  // Sends submit with `fee` as value and waits for the receipt. ContractRevert names the Flow
  // error (e.g. "NotEnoughFee(price=…, amount=…, paid=…)") when the contract refuses.
  eth::Receipt submit(eth::TxSender& sender, const FlowSubmission& submission, const eth::Uint256& fee) const;

  // Submit logs of this contract in [from_block, to_block].
  std::vector<FlowSubmitEvent> submissions(std::uint64_t from_block, std::uint64_t to_block) const;
  // Submit logs in a receipt (from this contract only).
  std::vector<FlowSubmitEvent> submissions_in(const eth::Receipt& receipt) const;

  // Devnet set-up: initialize(market, blocksPerEpoch) and the market's
  // initialize(pricePerSector, flow, reward).
  static Bytes initialize_calldata(const eth::Address& market, std::uint64_t blocks_per_epoch);
  static Bytes market_initialize_calldata(const eth::Uint256& price_per_sector, const eth::Address& flow,
                                          const eth::Address& reward);

  // Decodes one Submit log; ParseError when it is not one.
  static FlowSubmitEvent decode_submit_log(const eth::Log& log);
  static const Hash256& submit_topic();

 private:
  eth::RpcClient* rpc_;
  Contract contract_;
};

// The submission the SDK builds for a file: length = size, tags = 0x, the tree's node list.
FlowSubmission submission_for(const storage::FileMerkleTree& tree, const eth::Address& submitter);

}  // namespace zg::contracts
