#include "model_delivery.hpp"

#include <sys/random.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/ecies.hpp"
#include "crypto/keccak.hpp"
#include "finetune/model_cipher.hpp"

namespace zg::finetune_sim {

namespace {

template <std::size_t N>
FixedBytes<N> random_bytes() {
  FixedBytes<N> out{};
  if (::getrandom(out.data(), out.size(), 0) != static_cast<ssize_t>(out.size())) {
    throw IoError("getrandom failed while making model key material");
  }
  return out;
}

}  // namespace

SealedModel seal_model(ByteSpan plaintext_zip, const crypto::PublicKey& user_key, const crypto::PrivateKey& tag_signer,
                       const std::filesystem::path& encrypted_file, const ModelUploader& upload,
                       const std::function<void(const std::string&)>& log) {
  auto key_bytes = random_bytes<32>();
  const finetune::ModelKey key{std::span<const std::uint8_t, 32>(key_bytes)};
  const finetune::Iv iv = random_bytes<finetune::kIvSize>();
  const Bytes encrypted = finetune::encrypt_model(plaintext_zip, key, tag_signer, iv);
  write_file_atomically(encrypted_file, as_text(encrypted), 0600);

  SealedModel sealed;
  sealed.encrypted_file = encrypted_file;
  sealed.encrypted_secret = crypto::ecies::encrypt(user_key, ByteSpan(key.view()));
  secure_wipe(key_bytes.data(), key_bytes.size());
  if (upload) {
    try {
      sealed.model_root_hash = from_hex(upload(encrypted_file));
      sealed.stored_on_0g = true;
    } catch (const std::exception& error) {
      log(std::string("0G Storage upload failed, using keccak256 of the encrypted model instead: ") + error.what());
    }
  }
  if (!sealed.stored_on_0g) {
    const Hash256 digest = crypto::keccak256(encrypted);
    sealed.model_root_hash.assign(digest.begin(), digest.end());
  }
  return sealed;
}

}  // namespace zg::finetune_sim
