#pragma once
// The provider's off-chain bill: per user, the fees of requests served but not yet settled on
// chain, with the request ids a settlement's requestsHash covers. Thread-safe.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::provider {

struct UnsettledBill {
  eth::Address user;
  eth::Uint256 fee;
  std::vector<std::string> request_ids;
};

class FeeLedger {
 public:
  void charge(const eth::Address& user, const eth::Uint256& fee, const std::string& request_id);
  eth::Uint256 unsettled(const eth::Address& user) const;
  // Every user with a non-zero bill, as of now.
  std::vector<UnsettledBill> bills() const;
  // Removes what a settlement covered: `paid` from the fee and the first `request_count` ids.
  // Requests charged while the settlement was in flight stay on the bill.
  void settled(const eth::Address& user, const eth::Uint256& paid, std::size_t request_count);

 private:
  mutable std::mutex mutex_;
  std::map<eth::Address, UnsettledBill> bills_;
};

}  // namespace zg::provider
