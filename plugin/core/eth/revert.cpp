#include "eth/revert.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "common/error.hpp"
#include "common/hex.hpp"

namespace zg::eth {
namespace {

// The custom errors of the 0G serving contracts, from the SDK 0.9.0 typechain ABIs
// (InferenceServing__factory, LedgerManager__factory, FineTuningServing__factory) as ethers prints
// them. An error already listed for an earlier contract with the same selector is not repeated.
constexpr const char* kContractErrors[] = {
    // InferenceServing
    "error AccountExists(address user, address provider)",
    "error AccountNotExists(address user, address provider)",
    "error AdditionalInfoTooLong()",
    "error AlreadyInitialized()",
    "error BatchSizeTooLarge(uint256 size, uint256 max)",
    "error CallerNotLedger(address caller)",
    "error CannotAddStakeWhenUpdating()",
    "error CannotRevokeWithNonZeroBalance(address user, address provider, uint256 balance)",
    "error DirectDepositsDisabled()",
    "error InsufficientStake(uint256 provided, uint256 required)",
    "error InvalidAddress(address addr)",
    "error InvalidTEESignature(string reason)",
    "error LimitTooLarge(uint256 limit, uint256 max)",
    "error LockTimeOutOfRange(uint256 lockTime, uint256 min, uint256 max)",
    "error NoSettlementsProvided()",
    "error ProviderCannotBeUser()",
    "error ServiceNotExist(address provider)",
    "error TooManyRefunds(address user, address provider)",
    "error TooManySettlements(uint256 count, uint256 max)",
    "error TransferFailed()",
    // LedgerManager
    "error AdditionalInfoTooLong(uint256 length, uint256 max)",
    "error CallFailed()",
    "error CallerNotRegisteredService(address caller)",
    "error InsufficientAvailableBalance(uint256 available, uint256 required)",
    "error InsufficientBalance(address user)",
    "error InvalidServiceAddress(address serviceAddress)",
    "error InvalidServiceType(string serviceType)",
    "error LedgerExists(address user)",
    "error LedgerLocked()",
    "error LedgerNotExists(address user)",
    "error MinimumDepositRequired(uint256 provided, uint256 required)",
    "error MustWithdrawAllFundsFirst(uint256 remainingBalance)",
    "error NoRecommendedService(string serviceType)",
    "error ServiceAlreadyRegistered(address serviceAddress)",
    "error ServiceMustImplementIServing(address serviceAddress)",
    "error ServiceNameExists(string serviceName)",
    "error ServiceNotFound(address serviceAddress)",
    "error ServiceNotRegistered(address serviceAddress)",
    "error ServiceRegistryLimitReached(uint256 limit)",
    "error ServiceTypeRequired()",
    "error TooManyProviders(uint256 requested, uint256 maximum)",
    "error TooManyProvidersForService(uint256 current, uint256 maximum)",
    "error VersionRequired()",
    "error ZeroAddressNotAllowed()",
    "error ZeroAmountNotAllowed()",
    // FineTuningServing
    "error CallerNotLedger()",
    "error CannotAcknowledgeSettledDeliverable(string id)",
    "error CannotEvictUnsettledDeliverable(string id)",
    "error DeliverableAlreadyExists(string id)",
    "error DeliverableAlreadySettled(string id)",
    "error DeliverableIdInvalidLength(uint256 length)",
    "error DeliverableNotExists(string id)",
    "error ETHTransferFailed()",
    "error InvalidLedgerAddress()",
    "error InvalidVerifierInput(string reason)",
    "error LimitTooLarge(uint256 limit)",
    "error LockTimeOutOfRange(uint256 lockTime)",
    "error PenaltyPercentageTooHigh(uint256 percentage)",
    "error PreviousDeliverableNotAcknowledged(string id)",
    "error SecretShouldBeEmpty()",
    "error SecretShouldNotBeEmpty()",
    "error TransferToLedgerFailed()",
};

// Solidity's panic codes (language documentation, "Panic via assert and Error via require").
struct PanicCode {
  std::uint64_t code;
  const char* meaning;
};
constexpr PanicCode kPanicCodes[] = {
    {0x00, "generic compiler panic"},
    {0x01, "assertion failed"},
    {0x11, "arithmetic overflow or underflow"},
    {0x12, "division or modulo by zero"},
    {0x21, "invalid enum value"},
    {0x22, "invalid storage byte array encoding"},
    {0x31, "pop() on an empty array"},
    {0x32, "array index out of bounds"},
    {0x41, "out of memory or array too large"},
    {0x51, "call to an uninitialized internal function"},
};

// Long revert data is shortened in messages; the caller can still log all of it.
constexpr std::size_t kMaxShownBytes = 256;

std::vector<CustomError> build_registry() {
  std::vector<CustomError> errors;
  for (const char* line : kContractErrors) {
    auto error = CustomError::parse(line);
    const bool duplicate = std::any_of(errors.begin(), errors.end(),
                                       [&](const CustomError& known) { return known.selector() == error.selector(); });
    if (!duplicate) errors.push_back(std::move(error));
  }
  return errors;
}

const CustomError& error_string_error() {
  static const CustomError error = CustomError::parse("error Error(string reason)");
  return error;
}

const CustomError& panic_error() {
  static const CustomError error = CustomError::parse("error Panic(uint256 code)");
  return error;
}

std::string shown_hex(ByteSpan data) {
  if (data.size() <= kMaxShownBytes) return zg::to_hex(data);
  return zg::to_hex(data.first(kMaxShownBytes)) + "... (" + std::to_string(data.size()) + " bytes)";
}

// The reason string is chosen by whoever wrote the contract: keep it on one line, escape control bytes.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

const CustomError* find_in(std::span<const CustomError> errors, const Selector& selector) noexcept {
  const auto found = std::find_if(errors.begin(), errors.end(), [&](const CustomError& e) { return e.selector() == selector; });
  return found == errors.end() ? nullptr : &*found;
}

RevertReason malformed(std::string name, ByteSpan data) {
  RevertReason reason;
  reason.kind = RevertReason::Kind::kMalformed;
  reason.message = (name.empty() ? std::string("malformed revert data") : name + " with malformed arguments") +
                   " (data " + shown_hex(data) + ")";
  reason.error_name = std::move(name);
  return reason;
}

RevertReason decode_error_string(ByteSpan data) {
  RevertReason reason{RevertReason::Kind::kErrorString, "Error", error_string_error().decode(data), {}};
  reason.message = printable(reason.arguments[0].as_string());
  if (reason.message.empty()) reason.message = "reverted with an empty reason";
  return reason;
}

RevertReason decode_panic(ByteSpan data) {
  RevertReason reason{RevertReason::Kind::kPanic, "Panic", panic_error().decode(data), {}};
  const auto& code = reason.arguments[0].as_uint();
  const auto meaning = panic_description(code);
  reason.message = "panic " + code.to_hex() + (meaning.empty() ? std::string() : " (" + meaning + ")");
  return reason;
}

RevertReason decode_custom(const CustomError& error, ByteSpan data) {
  RevertReason reason{RevertReason::Kind::kCustomError, error.name(), error.decode(data), {}};
  reason.message = error.format(reason.arguments);
  return reason;
}

}  // namespace

std::span<const CustomError> known_errors() {
  static const std::vector<CustomError> registry = build_registry();
  return registry;
}

const CustomError* find_known_error(const Selector& selector) noexcept { return find_in(known_errors(), selector); }

std::string panic_description(const Uint256& code) {
  if (!code.fits_u64()) return {};
  for (const auto& panic : kPanicCodes) {
    if (panic.code == code.low_u64()) return panic.meaning;
  }
  return {};
}

RevertReason decode_revert(ByteSpan data, std::span<const CustomError> extra_errors) {
  if (data.empty()) return {RevertReason::Kind::kEmpty, {}, {}, "reverted without a reason"};
  if (data.size() < 4) return malformed({}, data);
  Selector selector{};
  std::copy_n(data.begin(), selector.size(), selector.begin());
  const CustomError* custom = find_in(extra_errors, selector);
  if (custom == nullptr) custom = find_known_error(selector);
  try {
    if (selector == kErrorStringSelector) return decode_error_string(data);
    if (selector == kPanicSelector) return decode_panic(data);
    if (custom != nullptr) return decode_custom(*custom, data);
  } catch (const ParseError&) {
    return malformed(selector == kErrorStringSelector ? "Error" : selector == kPanicSelector ? "Panic" : custom->name(), data);
  }
  RevertReason reason;
  reason.kind = RevertReason::Kind::kUnknownError;
  reason.message = "unknown custom error " + zg::to_hex(selector) +
                   (data.size() > 4 ? " with data " + shown_hex(data.subspan(4)) : std::string());
  return reason;
}

std::string describe_revert(ByteSpan data) { return decode_revert(data).message; }

}  // namespace zg::eth
