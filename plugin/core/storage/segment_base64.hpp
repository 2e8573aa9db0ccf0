#pragma once
// Base64 for segment payloads (256 KiB each way per segment, the hot path of uploads and downloads):
// the same strict, canonical RFC 4648 alphabet as zg::base64_*, but table-driven a group at a time and
// writing into caller-owned buffers, so a download reuses one buffer per worker instead of growing a
// fresh vector byte by byte (the plain codec was a fifth of a download's CPU time, the encoder half of
// the storage node's).
#include <cstddef>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace zg::storage {

// Bytes that `text` decodes to, assuming it is well formed (decode checks that).
std::size_t base64_decoded_size(std::string_view text) noexcept;
// Decodes into out.first(base64_decoded_size(text)); out must be at least that long. Throws exactly the
// ParseError zg::base64_decode throws for the same text (bad length, characters, padding, non-zero
// unused bits); `out` then holds garbage.
void base64_decode_into(std::string_view text, MutableByteSpan out);
// Appends the encoding of `bytes` to `out` (with '=' padding), as zg::base64_encode would produce it.
void base64_append(std::string& out, ByteSpan bytes);

}  // namespace zg::storage
