#pragma once
// What "training" produces: a small LoRA adapter in the PEFT layout for the tiny llama test model
// (n_embd 64, one block, rank 4 on q_proj and v_proj), as `output_model/adapter_model.safetensors`
// + `output_model/adapter_config.json`, zipped the way the broker ships its output directory
// (protocol-finetune.md §3 step 13). Deterministic: the same seed gives the same bytes, so tests
// can compare a decrypted download with what was trained byte for byte.
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"

namespace zg::finetune_sim {

inline constexpr unsigned kTinyEmbedding = 64;
inline constexpr unsigned kTinyBlocks = 1;
inline constexpr unsigned kLoraRank = 4;
inline constexpr unsigned kLoraAlpha = 8;
inline constexpr const char* kTinyBaseModel = "zg-tiny-llama";

struct AdapterFiles {
  Bytes safetensors;        // adapter_model.safetensors
  std::string config_json;  // adapter_config.json
};

// "Trains" the adapter: weights are a keccak stream of `seed` (the task's dataset, parameters and
// base model), scaled to the magnitudes a short LoRA run gives.
AdapterFiles train_tiny_lora(const Hash256& seed);

// The ZIP of output_model/ (deflate, fixed timestamps), in memory.
Bytes zip_output_model(const AdapterFiles& files);

// ---- safetensors (https://github.com/huggingface/safetensors: 8-byte LE header size, JSON header,
// then the tensor bytes) ----------------------------------------------------------------------------

struct TensorInfo {
  std::string name;
  std::string dtype;                  // "F32", "F16", "BF16", ...
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0, end = 0;   // byte offsets into the data section
};

struct SafetensorsFile {
  std::vector<TensorInfo> tensors;    // sorted by name
  std::string format;                 // __metadata__.format when present ("pt")
  std::uint64_t header_size = 0;
  std::uint64_t data_size = 0;
};

// Writes F32 tensors (name -> shape, values) in name order; the header is space-padded to 8 bytes.
struct F32Tensor {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<float> values;
};
Bytes write_safetensors(std::vector<F32Tensor> tensors);

// Parses and checks the header of untrusted bytes: ParseError for a short file, a header that
// overruns the file or is not a JSON object, unknown dtypes, bad shapes, offsets outside the data
// or not matching shape x dtype size, and overlapping or gapped tensors.
SafetensorsFile parse_safetensors(ByteSpan file);

}  // namespace zg::finetune_sim
