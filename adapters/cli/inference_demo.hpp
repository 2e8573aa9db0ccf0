#pragma once
// The inference part of `zg demo`: acknowledge the devnet's provider, one streamed chat,
// verified, then the balances after the provider settled on chain.
#include <functional>

#include "command.hpp"
#include "devnet/devnet_file.hpp"
#include "eth/rpc_client.hpp"

namespace zg::cli {

// `settle` stops the provider so that it settles its fees on chain before balances are read.
nlohmann::json run_inference_demo(Context& ctx, eth::RpcClient& rpc, const devnet::DevnetState& state,
                                   const crypto::PrivateKey& user_key, const std::function<void()>& settle);

}  // namespace zg::cli
