#include "contracts/flow_contract.hpp"

#include "crypto/keccak.hpp"
#include "eth/revert.hpp"

namespace zg::contracts {
namespace {

constexpr const char* kSubmissionData = "(uint256 length, bytes tags, (bytes32 root, uint256 height)[] nodes)";

const eth::Function& fn_submit() {
  static const auto f = eth::Function::parse(std::string("function submit((") + kSubmissionData +
                                             " data, address submitter) submission) payable returns "
                                             "(uint256 index, bytes32 digest, uint256 startIndex, uint256 length)");
  return f;
}
const eth::Function& fn_market() {
  static const auto f = eth::Function::parse("function market() view returns (address)");
  return f;
}
const eth::Function& fn_price_per_sector() {
  static const auto f = eth::Function::parse("function pricePerSector() view returns (uint256)");
  return f;
}
const eth::Function& fn_initialize() {
  static const auto f = eth::Function::parse("function initialize(address market_, uint256 blocksPerEpoch_)");
  return f;
}
const eth::Function& fn_market_initialize() {
  static const auto f =
      eth::Function::parse("function initialize(uint256 pricePerSector_, address flow_, address reward_)");
  return f;
}
const eth::Event& submit_event() {
  static const auto e = eth::Event::parse(
      std::string("event Submit(address indexed sender, bytes32 indexed identity, uint256 submissionIndex, "
                  "uint256 startPos, uint256 length, ") +
      kSubmissionData + " submission)");
  return e;
}

// The Flow and market errors (FixedPriceFlow / FixedPrice ABIs), so a refusal reads as a sentence.
std::span<const eth::CustomError> flow_errors() {
  static const std::vector<eth::CustomError> errors = {
      eth::CustomError::parse("error NotEnoughFee(uint256 price, uint256 amount, uint256 paid)"),
      eth::CustomError::parse("error InvalidSubmission()"),
      eth::CustomError::parse("error EnforcedPause()"),
  };
  return errors;
}

eth::AbiValue submission_value(const FlowSubmission& s) {
  eth::AbiValue::List nodes;
  for (const auto& node : s.nodes) nodes.emplace_back(eth::AbiValue::List{node.root, std::uint64_t{node.height}});
  eth::AbiValue data(eth::AbiValue::List{s.length, s.tags, eth::AbiValue(std::move(nodes))});
  return eth::AbiValue(eth::AbiValue::List{std::move(data), s.submitter});
}

}  // namespace

std::uint64_t FlowSubmission::sectors() const noexcept {
  std::uint64_t sectors = 0;
  for (const auto& node : nodes) sectors += std::uint64_t{1} << node.height;
  return sectors;
}

Hash256 FlowSubmission::root() const {
  if (nodes.empty()) throw ParseError("a Flow submission without nodes has no root");
  Hash256 root = nodes.back().root;
  for (auto i = nodes.size() - 1; i-- > 0;) root = crypto::keccak256_pair(nodes[i].root, root);
  return root;
}

eth::Address FlowContract::market() const { return contract_.call(fn_market(), {})[0].as_address(); }

eth::Uint256 FlowContract::price_per_sector() const {
  const Contract market_contract(*rpc_, market(), "FixedPrice market");
  return market_contract.call(fn_price_per_sector(), {})[0].as_uint();
}

eth::Receipt FlowContract::submit(eth::TxSender& sender, const FlowSubmission& submission, const eth::Uint256& fee) const {
  eth::TxRequest request;
  request.to = contract_.address();
  request.data = fn_submit().encode_call({submission_value(submission)});
  request.value = fee;
  try {
    return sender.send_and_wait(request);
  } catch (const eth::RpcError& e) {
    if (e.is_revert()) throw ContractRevert("Flow", "submit", eth::decode_revert(e.data().value_or(Bytes{}), flow_errors()));
    throw;
  } catch (const eth::TxFailedError& e) {
    throw ContractRevert("Flow", "submit", eth::decode_revert(e.revert_data().value_or(Bytes{}), flow_errors()));
  }
}

const Hash256& FlowContract::submit_topic() { return submit_event().topic0(); }

FlowSubmitEvent FlowContract::decode_submit_log(const eth::Log& log) {
  const auto args = submit_event().decode_log(log.topics, log.data);
  FlowSubmitEvent event;
  event.sender = args["sender"].as_address();
  const auto& identity = args["identity"].as_bytes();
  if (identity.size() != 32) throw ParseError("Submit log: identity is not 32 bytes");
  std::copy(identity.begin(), identity.end(), event.identity.begin());
  event.submission_index = args["submissionIndex"].as_u64();
  event.start_position = args["startPos"].as_u64();
  event.flow_length = args["length"].as_u64();
  const auto& data = args["submission"];
  event.submission.length = data["length"].as_u64();
  event.submission.tags = data["tags"].as_bytes();
  for (const auto& node : data["nodes"].as_list()) {
    const auto& root = node["root"].as_bytes();
    const auto height = node["height"].as_u64();
    if (root.size() != 32 || height > 63) throw ParseError("Submit log: malformed node");
    storage::SubmissionNode n;
    std::copy(root.begin(), root.end(), n.root.begin());
    n.height = static_cast<unsigned>(height);
    event.submission.nodes.push_back(n);
  }
  event.transaction_hash = log.transaction_hash;
  event.block_number = log.block_number;
  return event;
}

std::vector<FlowSubmitEvent> FlowContract::submissions(std::uint64_t from_block, std::uint64_t to_block) const {
  eth::LogFilter filter;
  filter.address = contract_.address();
  filter.topics = {std::vector<Hash256>{submit_topic()}};
  filter.from_block = eth::BlockTag::number(from_block);
  filter.to_block = eth::BlockTag::number(to_block);
  std::vector<FlowSubmitEvent> events;
  for (const auto& log : rpc_->get_logs(filter)) {
    if (!log.removed) events.push_back(decode_submit_log(log));
  }
  return events;
}

std::vector<FlowSubmitEvent> FlowContract::submissions_in(const eth::Receipt& receipt) const {
  std::vector<FlowSubmitEvent> events;
  for (const auto& log : receipt.logs) {
    if (log.address == contract_.address() && !log.topics.empty() && log.topics[0] == submit_topic()) {
      events.push_back(decode_submit_log(log));
    }
  }
  return events;
}

Bytes FlowContract::initialize_calldata(const eth::Address& market, std::uint64_t blocks_per_epoch) {
  return fn_initialize().encode_call({market, blocks_per_epoch});
}

Bytes FlowContract::market_initialize_calldata(const eth::Uint256& price_per_sector, const eth::Address& flow,
                                               const eth::Address& reward) {
  return fn_market_initialize().encode_call({price_per_sector, flow, reward});
}

FlowSubmission submission_for(const storage::FileMerkleTree& tree, const eth::Address& submitter) {
  FlowSubmission s;
  s.length = tree.layout().file_size;
  s.nodes = tree.submission_nodes();
  s.submitter = submitter;
  return s;
}

}  // namespace zg::contracts
