#include "finetune/model_root.hpp"

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/keccak.hpp"
#include "finetune/model_cipher.hpp"
#include "storage/merkle.hpp"

namespace zg::finetune {
namespace {

Hash256 keccak_of_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot open " + file.string() + " for reading");
  crypto::Keccak256 hasher;
  Bytes buffer(1 << 20);
  while (in) {
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    hasher.update(ByteSpan(buffer).first(got));
  }
  if (in.bad()) throw IoError("cannot read " + file.string());
  return hasher.finalize();
}

std::string roots_text(const ModelRootHash& expected) {
  std::string text;
  for (const auto& root : expected.roots) text += (text.empty() ? "" : ",") + to_hex(root);
  return text;
}

}  // namespace

ModelRootHash parse_model_root_hash(ByteSpan raw) {
  ModelRootHash parsed;
  if (raw.size() == 32) {
    parsed.roots.push_back(fixed_from_hex<32>(to_hex(raw), "modelRootHash"));
    return parsed;
  }
  if (raw.empty()) throw ParseError("the deliverable has an empty modelRootHash");
  parsed.legacy_text = true;
  const std::string_view text = as_text(raw);
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.size() != 66 || item.substr(0, 2) != "0x") {
      throw ParseError("modelRootHash is neither 32 bytes nor 0x-hex roots separated by commas: " +
                       printable_excerpt(text, 200, '?'));
    }
    parsed.roots.push_back(fixed_from_hex<32>(item, "modelRootHash"));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parsed;
}

FileRoots compute_file_roots(const std::filesystem::path& file) {
  FileRoots roots;
  const auto tree = storage::FileMerkleTree::from_file(file);
  roots.storage_root = tree.root();
  roots.size = tree.layout().file_size;
  roots.keccak = keccak_of_file(file);
  return roots;
}

FileRoots compute_roots(ByteSpan bytes) {
  FileRoots roots;
  roots.storage_root = storage::FileMerkleTree::from_bytes(bytes).root();
  roots.keccak = crypto::keccak256(bytes);
  roots.size = bytes.size();
  return roots;
}

const char* root_form_name(RootForm form) noexcept {
  return form == RootForm::storage_root ? "0G Storage root" : "keccak256";
}

RootMatch match_model_root(const FileRoots& file, const ModelRootHash& expected) {
  RootMatch match;
  match.legacy_text = expected.legacy_text;
  const std::string stored = std::string(expected.legacy_text ? " (stored as text by an older broker)" : "");
  if (expected.roots.size() != 1) {
    match.explanation = "modelRootHash names " + std::to_string(expected.roots.size()) +
                        " fragments (" + roots_text(expected) + "); a fine-tuned model is a single file, so this "
                        "deliverable cannot be matched to the download";
    return match;
  }
  const auto& root = expected.roots.front();
  if (root == file.storage_root || root == file.keccak) {
    match.matches = true;
    match.form = root == file.storage_root ? RootForm::storage_root : RootForm::keccak256;
    match.explanation = std::string("the file's ") + root_form_name(match.form) + " " + to_hex(root) +
                        " equals the deliverable's modelRootHash" + stored;
    return match;
  }
  match.explanation = "the downloaded file (" + std::to_string(file.size) + " bytes) does not match the deliverable: "
                      "modelRootHash is " + to_hex(root) + stored + ", but the file's 0G Storage root is " +
                      to_hex(file.storage_root) + " and its keccak256 is " + to_hex(file.keccak) +
                      " (the file was altered in transit or is not this deliverable)";
  return match;
}

std::string DeliverableCheck::summary() const {
  return std::string(root.matches ? "root: ok, " : "root: MISMATCH, ") + root.explanation + "\n" +
         (signature_ok ? "tag signature: ok, " : "tag signature: FAILED, ") + signature_explanation;
}

DeliverableCheck check_deliverable_file(const std::filesystem::path& encrypted_file, ByteSpan model_root_hash,
                                        const eth::Address& tee_signer) {
  DeliverableCheck check;
  check.file = compute_file_roots(encrypted_file);
  try {
    check.root = match_model_root(check.file, parse_model_root_hash(model_root_hash));
  } catch (const ParseError& e) {
    check.root.explanation = e.what();
  }
  try {
    verify_tag_signature(encrypted_file, tee_signer);
    check.signature_ok = true;
    check.signature_explanation = "the chunk tags are signed by the provider's TEE signer " + tee_signer.checksummed();
  } catch (const crypto::AuthenticationError& e) {
    check.signature_explanation = e.what();
  } catch (const ParseError& e) {
    check.signature_explanation = e.what();
  }
  return check;
}

}  // namespace zg::finetune
