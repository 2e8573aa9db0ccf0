#include "quote.hpp"

#include <nlohmann/json.hpp>

#include "common/base64.hpp"
#include "common/hex.hpp"
#include "crypto/sha256.hpp"

namespace zg::provider {

std::string report_data_base64(const eth::Address& signer) {
  std::string report = signer.checksummed();
  report.resize(64, '\0');
  return base64_encode(as_bytes(report));
}

std::string app_compose(const std::string& model) {
  const nlohmann::json compose = {{"manifest_version", 2},
                                  {"name", "zg-provider-sim"},
                                  {"runner", "docker-compose"},
                                  {"docker_compose_file", "services:\n  broker:\n    image: zg-provider-sim\n"},
                                  {"model", model}};
  return compose.dump();
}

std::string quote_body(const eth::Address& signer, const std::string& model, bool honest_compose_hash) {
  const std::string compose = app_compose(model);
  const std::string hashed = honest_compose_hash ? compose : compose + " (not what runs)";
  const std::string compose_hash = to_hex(crypto::sha256(as_bytes(hashed)), false);
  const nlohmann::json event_log = nlohmann::json::array(
      {{{"imr", 3}, {"event_type", 134217729}, {"digest", compose_hash}, {"event", "compose-hash"},
        {"event_payload", compose_hash}}});
  const nlohmann::json tcb_info = {{"app_compose", compose}, {"simulated", true}};
  // Not a real TDX quote: a marker plus the report data, so nobody mistakes it for attestation.
  const std::string fake_quote = to_hex(as_bytes("zg-provider-sim: simulated quote, not attested"), false);
  const nlohmann::json body = {{"quote", fake_quote},
                               {"event_log", event_log.dump()},
                               {"report_data", report_data_base64(signer)},
                               {"vm_config", nlohmann::json{{"simulated", true}}.dump()},
                               {"tcb_info", tcb_info.dump()}};
  return body.dump();
}

}  // namespace zg::provider
