#pragma once
// GET /v1/quote in the dstack "legacy" layout (protocol-inference.md §8), with a fake TDX quote:
// report_data = base64 of the signer address as ASCII, NUL-padded to 64 bytes; tcb_info is a JSON
// string holding app_compose; event_log is a JSON string whose "compose-hash" event carries
// hex(sha256(app_compose)), so the SDK's signer-match and compose-hash checks both pass.
#include <string>

#include "eth/address.hpp"

namespace zg::provider {

std::string report_data_base64(const eth::Address& signer);
// The app_compose text of this simulator (names the model so it is not a constant).
std::string app_compose(const std::string& model);
// The response body (JSON text). `honest_compose_hash` false: the compose-hash event names the hash
// of other text, which a client must refuse (--quote-wrong-compose-hash).
std::string quote_body(const eth::Address& signer, const std::string& model, bool honest_compose_hash = true);

}  // namespace zg::provider
