#include "broker/response_signature.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/sha256.hpp"
#include "eth/address.hpp"

namespace zg::broker {
namespace {

constexpr std::size_t kShaHexLength = 64;

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_sha_hex(std::string_view field) noexcept {
  if (field.size() != kShaHexLength) return false;
  for (const char c : field) {
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return false;
  }
  return true;
}

// The recovered signer, or nullopt with the reason in `why`.
std::optional<eth::Address> recover_text_signer(std::string_view text, std::string_view signature_hex, std::string& why) {
  try {
    return crypto::recover_personal_signer(as_bytes(text), crypto::Signature::from_hex(signature_hex));
  } catch (const ParseError& e) {
    why = std::string("malformed signature: ") + e.what();
    return std::nullopt;
  }
}

ResponseVerification failed(std::string reason) { return {ResponseVerdict::failed, std::move(reason)}; }
ResponseVerification signature_only(std::string reason) { return {ResponseVerdict::signature_only, std::move(reason)}; }

}  // namespace

bool response_signature_matches(std::string_view text, std::string_view signature_hex,
                                std::string_view expected_signer) noexcept {
  try {
    std::string why;
    const auto signer = recover_text_signer(text, signature_hex, why);
    return signer && signer->lower_hex() == lower_ascii(expected_signer);
  } catch (...) {  // allocation failure: not verified
    return false;
  }
}

std::optional<SignedHashes> split_signed_text(std::string_view text) {
  const auto first = text.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  const auto rest = text.substr(first + 1);
  const auto second = rest.find(':');
  const auto request = text.substr(0, first);
  const auto response = rest.substr(0, second);  // npos: up to the end
  if (!is_sha_hex(request) || !is_sha_hex(response)) return std::nullopt;
  return SignedHashes{lower_ascii(request), lower_ascii(response)};
}

ResponseVerification verify_response(std::string_view text, std::string_view signature_hex,
                                     std::string_view expected_signer, std::optional<ByteSpan> received_response) {
  std::string why;
  const auto signer = recover_text_signer(text, signature_hex, why);
  if (!signer) return failed(why);
  if (signer->lower_hex() != lower_ascii(expected_signer)) {
    return failed("signed by " + signer->checksummed() + ", not by the expected signer " + std::string(expected_signer));
  }
  const auto hashes = split_signed_text(text);
  if (!hashes) return signature_only("signature ok; the signed text carries no response hash to compare");
  if (!received_response) return signature_only("signature ok; the received response bytes are not available");
  const auto actual = to_hex(crypto::sha256(*received_response), false);
  if (actual != hashes->response_sha256) {
    // Newer brokers may rewrite the body after signing, so this is reported, not fatal.
    return signature_only("signature ok; the signed response hash " + hashes->response_sha256 +
                          " differs from sha256 of the received bytes " + actual);
  }
  return {ResponseVerdict::verified, "signature from the expected signer and the response hash matches"};
}

SignerChoice choose_response_signer(const ServiceVerificationInfo& service) {
  const auto& v = service.verifiability;
  if (v != "OpML" && v != "TeeML" && v != "ZKML") {
    return {std::nullopt, "not verifiable: verifiability \"" + std::string(v) + "\" is not OpML, TeeML or ZKML"};
  }
  if (!service.tee_signer_acknowledged) return {std::nullopt, "not verifiable: the TEE signer is not acknowledged"};
  if (service.additional_info.empty()) return {std::nullopt, "not verifiable: additionalInfo is empty"};
  const auto info = nlohmann::json::parse(service.additional_info, nullptr, false);
  if (info.is_discarded()) return {std::nullopt, "not verifiable: additionalInfo is not JSON"};

  const std::string default_signer(service.tee_signer_address);
  if (!info.is_object()) return {default_signer, "teeSignerAddress (additionalInfo is not an object)"};
  const auto separated = info.find("TargetSeparated");
  if (separated == info.end() || !separated->is_boolean() || !separated->get<bool>()) {
    return {default_signer, "teeSignerAddress (TargetSeparated is not true)"};
  }
  const auto type = info.find("ProviderType");
  if (type != info.end() && type->is_string() && type->get<std::string>() == "centralized") {
    return {default_signer, "teeSignerAddress (centralized provider)"};
  }
  const auto target = info.find("TargetTeeAddress");
  if (target == info.end() || !target->is_string() || target->get<std::string>().empty()) {
    return {default_signer, "teeSignerAddress (TargetTeeAddress is not set)"};
  }
  return {target->get<std::string>(), "additionalInfo.TargetTeeAddress (separated decentralized provider)"};
}

}  // namespace zg::broker
