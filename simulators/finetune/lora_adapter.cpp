#include "lora_adapter.hpp"

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "crypto/keccak.hpp"

namespace zg::finetune_sim {

namespace {

using nlohmann::json;

constexpr std::uint64_t kMaxHeaderSize = 100u << 20;  // the safetensors library's own limit
constexpr std::time_t kZipTime = 1700000000;          // fixed, so the same adapter zips to the same bytes

// A reproducible stream of floats in [-scale, scale] from keccak256(seed || label || counter).
std::vector<float> keccak_floats(const Hash256& seed, const std::string& label, std::size_t count, float scale) {
  std::vector<float> values;
  values.reserve(count);
  for (std::uint32_t block = 0; values.size() < count; ++block) {
    Bytes input(seed.begin(), seed.end());
    append(input, as_bytes(label));
    for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<std::uint8_t>(block >> shift));
    const Hash256 digest = crypto::keccak256(input);
    for (std::size_t i = 0; i + 4 <= digest.size() && values.size() < count; i += 4) {
      const std::uint32_t word = (std::uint32_t{digest[i]} << 24) | (std::uint32_t{digest[i + 1]} << 16) |
                                 (std::uint32_t{digest[i + 2]} << 8) | digest[i + 3];
      const float unit = static_cast<float>(word) / 4294967295.0f;  // [0, 1]
      values.push_back((unit * 2.0f - 1.0f) * scale);
    }
  }
  return values;
}

std::size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, std::size_t> sizes{{"BOOL", 1}, {"U8", 1},  {"I8", 1},   {"F8_E5M2", 1},
                                                        {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
                                                        {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},
                                                        {"F64", 8},  {"I64", 8}, {"U64", 8}};
  const auto found = sizes.find(dtype);
  if (found == sizes.end()) throw ParseError("safetensors: unknown dtype \"" + dtype.substr(0, 32) + "\"");
  return found->second;
}

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) throw ParseError("safetensors: tensor size overflows");
  return a * b;
}

TensorInfo parse_tensor(const std::string& name, const json& entry) {
  if (!entry.is_object()) throw ParseError("safetensors: entry \"" + name.substr(0, 64) + "\" is not an object");
  TensorInfo info;
  info.name = name;
  const auto dtype = entry.find("dtype");
  const auto shape = entry.find("shape");
  const auto offsets = entry.find("data_offsets");
  if (dtype == entry.end() || !dtype->is_string() || shape == entry.end() || !shape->is_array() ||
      offsets == entry.end() || !offsets->is_array() || offsets->size() != 2) {
    throw ParseError("safetensors: tensor \"" + name.substr(0, 64) + "\" needs dtype, shape and data_offsets [begin, end]");
  }
  info.dtype = dtype->get<std::string>();
  std::uint64_t bytes = dtype_size(info.dtype);
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned()) throw ParseError("safetensors: tensor \"" + name.substr(0, 64) + "\" has a bad shape");
    info.shape.push_back(dim.get<std::uint64_t>());
    bytes = checked_mul(bytes, info.shape.back());
  }
  for (const auto& offset : *offsets) {
    if (!offset.is_number_unsigned()) throw ParseError("safetensors: tensor \"" + name.substr(0, 64) + "\" has bad offsets");
  }
  info.begin = (*offsets)[0].get<std::uint64_t>();
  info.end = (*offsets)[1].get<std::uint64_t>();
  if (info.end < info.begin || info.end - info.begin != bytes) {
    throw ParseError("safetensors: tensor \"" + name.substr(0, 64) + "\" offsets do not match its shape and dtype");
  }
  return info;
}

struct ZipCloser {
  void operator()(zip_t* archive) const noexcept { zip_discard(archive); }
};
struct SourceCloser {
  void operator()(zip_source_t* source) const noexcept { zip_source_free(source); }
};

void add_entry(zip_t* archive, const std::string& name, ByteSpan data) {
  zip_source_t* source = zip_source_buffer(archive, data.data(), data.size(), 0);
  if (source == nullptr) throw Error("zip: " + std::string(zip_strerror(archive)));
  const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
  if (index < 0) {
    zip_source_free(source);
    throw Error("zip: " + std::string(zip_strerror(archive)));
  }
  const auto entry = static_cast<zip_uint64_t>(index);
  if (zip_set_file_compression(archive, entry, ZIP_CM_DEFLATE, 9) != 0 ||
      zip_file_set_mtime(archive, entry, kZipTime, 0) != 0) {
    throw Error("zip: " + std::string(zip_strerror(archive)));
  }
}

Bytes read_all(zip_source_t* source) {
  if (zip_source_open(source) != 0) throw Error("zip: cannot reopen the archive buffer");
  Bytes out;
  std::uint8_t buffer[65536];
  zip_int64_t got = 0;
  while ((got = zip_source_read(source, buffer, sizeof buffer)) > 0) out.insert(out.end(), buffer, buffer + got);
  zip_source_close(source);
  if (got < 0) throw Error("zip: cannot read the archive buffer");
  return out;
}

}  // namespace

Bytes write_safetensors(std::vector<F32Tensor> tensors) {
  std::sort(tensors.begin(), tensors.end(), [](const F32Tensor& a, const F32Tensor& b) { return a.name < b.name; });
  json header = json::object();
  header["__metadata__"] = {{"format", "pt"}};
  std::uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    const std::uint64_t size = tensor.values.size() * sizeof(float);
    header[tensor.name] = {{"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string header_text = header.dump();
  header_text.resize((header_text.size() + 7) / 8 * 8, ' ');  // data starts 8-byte aligned
  Bytes file;
  const std::uint64_t header_size = header_text.size();
  for (int i = 0; i < 8; ++i) file.push_back(static_cast<std::uint8_t>(header_size >> (8 * i)));
  append(file, as_bytes(header_text));
  for (const auto& tensor : tensors) {
    for (const float value : tensor.values) {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &value, sizeof bits);
      for (int i = 0; i < 4; ++i) file.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));  // little-endian
    }
  }
  return file;
}

SafetensorsFile parse_safetensors(ByteSpan file) {
  if (file.size() < 8) throw ParseError("safetensors: file shorter than its 8-byte header size");
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | file[static_cast<std::size_t>(i)];
  if (header_size > kMaxHeaderSize || header_size > file.size() - 8) {
    throw ParseError("safetensors: header size " + std::to_string(header_size) + " overruns the file");
  }
  const std::string_view text(reinterpret_cast<const char*>(file.data()) + 8, header_size);
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& error) {
    throw ParseError(std::string("safetensors: header is not JSON: ") + error.what());
  }
  if (!header.is_object()) throw ParseError("safetensors: header is not a JSON object");

  SafetensorsFile parsed;
  parsed.header_size = header_size;
  parsed.data_size = file.size() - 8 - header_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw ParseError("safetensors: __metadata__ is not an object");
      if (const auto format = entry.find("format"); format != entry.end() && format->is_string()) {
        parsed.format = format->get<std::string>();
      }
      continue;
    }
    parsed.tensors.push_back(parse_tensor(name, entry));
  }
  // The tensors must tile the data section exactly: no overlap, no gap, nothing past the end.
  auto by_offset = parsed.tensors;
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo& a, const TensorInfo& b) { return a.begin < b.begin; });
  std::uint64_t expected = 0;
  for (const auto& tensor : by_offset) {
    if (tensor.begin != expected) throw ParseError("safetensors: tensor \"" + tensor.name.substr(0, 64) + "\" overlaps or leaves a gap");
    expected = tensor.end;
  }
  if (expected != parsed.data_size) throw ParseError("safetensors: tensor data does not end where the file does");
  return parsed;
}

AdapterFiles train_tiny_lora(const Hash256& seed) {
  std::vector<F32Tensor> tensors;
  for (unsigned block = 0; block < kTinyBlocks; ++block) {
    for (const std::string projection : {"q_proj", "v_proj"}) {
      const std::string prefix =
          "base_model.model.model.layers." + std::to_string(block) + ".self_attn." + projection + ".";
      tensors.push_back({prefix + "lora_A.weight", {kLoraRank, kTinyEmbedding},
                         keccak_floats(seed, prefix + "lora_A", kLoraRank * kTinyEmbedding, 0.125f)});
      tensors.push_back({prefix + "lora_B.weight", {kTinyEmbedding, kLoraRank},
                         keccak_floats(seed, prefix + "lora_B", kTinyEmbedding * kLoraRank, 0.02f)});
    }
  }
  const json config = {{"alpha_pattern", json::object()},
                       {"auto_mapping", nullptr},
                       {"base_model_name_or_path", kTinyBaseModel},
                       {"bias", "none"},
                       {"fan_in_fan_out", false},
                       {"inference_mode", true},
                       {"init_lora_weights", true},
                       {"layers_pattern", nullptr},
                       {"layers_to_transform", nullptr},
                       {"lora_alpha", kLoraAlpha},
                       {"lora_dropout", 0.0},
                       {"modules_to_save", nullptr},
                       {"peft_type", "LORA"},
                       {"r", kLoraRank},
                       {"rank_pattern", json::object()},
                       {"revision", nullptr},
                       {"target_modules", {"q_proj", "v_proj"}},
                       {"task_type", "CAUSAL_LM"}};
  return AdapterFiles{write_safetensors(std::move(tensors)), config.dump(2) + "\n"};
}

Bytes zip_output_model(const AdapterFiles& files) {
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, SourceCloser> buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!buffer) throw Error("zip: cannot create a buffer");
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error));
  if (!archive) throw Error(std::string("zip: ") + zip_error_strerror(&error));
  zip_source_keep(buffer.get());  // the archive takes a reference; ours stays for reading back

  const zip_int64_t directory = zip_dir_add(archive.get(), "output_model", ZIP_FL_ENC_UTF_8);
  if (directory < 0 || zip_file_set_mtime(archive.get(), static_cast<zip_uint64_t>(directory), kZipTime, 0) != 0) {
    throw Error("zip: cannot add output_model/");
  }
  add_entry(archive.get(), "output_model/adapter_config.json", as_bytes(files.config_json));
  add_entry(archive.get(), "output_model/adapter_model.safetensors", files.safetensors);
  if (zip_close(archive.get()) != 0) throw Error("zip: " + std::string(zip_strerror(archive.get())));
  archive.release();  // zip_close freed it
  return read_all(buffer.get());
}

}  // namespace zg::finetune_sim
