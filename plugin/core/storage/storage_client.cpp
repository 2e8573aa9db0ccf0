#include "storage/storage_client.hpp"

namespace zg::storage {

struct StorageClient::Impl {
  std::string indexer_url;
  eth::RpcClient* rpc;
  eth::Address flow;
  StorageClientOptions options;
};

StorageClient::StorageClient(std::string indexer_url, eth::RpcClient& rpc, eth::Address flow_contract,
                             StorageClientOptions options)
    : impl_(std::make_unique<Impl>(Impl{std::move(indexer_url), &rpc, flow_contract, options})) {}

StorageClient::~StorageClient() = default;

eth::Uint256 StorageClient::submission_fee(const FileMerkleTree&) { throw Error("storage client: not implemented yet"); }

UploadResult StorageClient::upload_file(const std::filesystem::path&, eth::TxSender&, const Progress&) {
  throw Error("storage client: not implemented yet");
}

UploadResult StorageClient::upload_bytes(std::span<const std::uint8_t>, eth::TxSender&, const Progress&) {
  throw Error("storage client: not implemented yet");
}

void StorageClient::download_file(std::string_view, const std::filesystem::path&, const Progress&) {
  throw Error("storage client: not implemented yet");
}

Bytes StorageClient::download_bytes(std::string_view, const Progress&) { throw Error("storage client: not implemented yet"); }

}  // namespace zg::storage
