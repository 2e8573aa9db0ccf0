#include "broker/verifier.hpp"

#include <thread>

#include "broker/response_signature.hpp"

namespace zg::broker {
namespace {

Verdict verdict_of(ResponseVerdict verdict) {
  switch (verdict) {
    case ResponseVerdict::verified: return Verdict::verified;
    case ResponseVerdict::signature_only: return Verdict::signature_only;
    case ResponseVerdict::failed: break;
  }
  return Verdict::failed;
}

bool signature_not_ready(const ProviderError& e) { return e.status() == 404 || e.status() == 400; }

// The record, or the reason it could not be had.
std::optional<SignatureRecord> fetch_signature(ProviderClient& provider, std::string_view chat_id, std::string_view model,
                                               const VerifierOptions& options, std::string& why) {
  for (int attempt = 1;; ++attempt) {
    try {
      return provider.signature(chat_id, model);
    } catch (const ProviderError& e) {
      why = e.what();
      if (!signature_not_ready(e) || attempt >= options.fetch_attempts) return std::nullopt;
    } catch (const Error& e) {
      why = e.what();
      return std::nullopt;
    }
    std::this_thread::sleep_for(options.retry_delay);
  }
}

}  // namespace

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::verified: return "verified";
    case Verdict::signature_only: return "signature-only";
    case Verdict::failed: return "failed";
    case Verdict::not_verifiable: return "not verifiable";
  }
  return "failed";
}

VerificationReport verify_signed_text(std::string_view text, std::string_view signature_hex,
                                      std::string_view expected_signer, std::optional<ByteSpan> received_response) {
  const auto result = verify_response(text, signature_hex, expected_signer, received_response);
  VerificationReport report;
  report.verdict = verdict_of(result.verdict);
  report.reason = result.reason;
  report.expected_signer = std::string(expected_signer);
  return report;
}

ExpectedSigner expected_signer_of(const contracts::InferenceService& service) {
  const std::string tee_signer = service.tee_signer_address.checksummed();
  const auto choice = choose_response_signer(ServiceVerificationInfo{
      service.verifiability, service.tee_signer_acknowledged, tee_signer, service.additional_info});
  return ExpectedSigner{choice.signer, choice.reason};
}

VerificationReport verify_chat(ProviderClient& provider, const contracts::InferenceService& service,
                               std::string_view chat_id, std::optional<ByteSpan> received_response,
                               const VerifierOptions& options) {
  VerificationReport report;
  report.chat_id = std::string(chat_id);
  const auto expected = expected_signer_of(service);
  if (!expected.signer) {
    report.verdict = Verdict::not_verifiable;
    report.reason = expected.reason;
    return report;
  }
  report.expected_signer = *expected.signer;
  if (chat_id.empty()) {
    report.reason = "no chat id: the answer had neither a ZG-Res-Key header nor a completion id";
    return report;
  }
  std::string why;
  // §7.1 step 4: the query names the on-chain default model, even for multi-model requests.
  report.signature = fetch_signature(provider, chat_id, service.model, options, why);
  if (!report.signature) {
    report.reason = "could not fetch the signature: " + why;
    return report;
  }
  const auto judged = verify_signed_text(report.signature->text, report.signature->signature, *expected.signer,
                                         received_response);
  report.verdict = judged.verdict;
  report.reason = judged.reason + " (signer: " + expected.reason + ")";
  return report;
}

}  // namespace zg::broker
