// tiny-gguf: writes a tiny random-weight llama model (or a LoRA adapter for it) as GGUF, so the
// end-to-end tests can run a real llama-server without downloading a model. The vocabulary comes
// from a vocab-only GGUF of the llama.cpp source (models/ggml-vocab-llama-spm.gguf); the weights are
// random normal numbers from a fixed seed, so the same arguments always give the same bytes.
//
//   tiny-gguf model --vocab VOCAB.gguf --out MODEL.gguf [--name NAME] [--seed N]
//   tiny-gguf lora --out ADAPTER.gguf [--seed N]
//
// Only the public ggml.h / gguf.h API is used; the output is written to OUT.partial and renamed into
// place once complete, so a llama-server scanning the directory never sees half a model.
#include <ggml.h>
#include <gguf.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

// The model's shape. One block is enough for llama.cpp to load, decode and sample; the two
// n_embd x n_vocab matrices make up almost all of the ~17 MB.
constexpr std::uint32_t kEmbedding = 64;
constexpr std::uint32_t kFeedForward = 128;
constexpr std::uint32_t kHeads = 4;
constexpr std::uint32_t kContext = 512;
constexpr std::uint32_t kLoraRank = 4;
constexpr float kLoraAlpha = 8.0F;

struct GgufDeleter {
  void operator()(gguf_context* context) const noexcept { gguf_free(context); }
};
struct GgmlDeleter {
  void operator()(ggml_context* context) const noexcept { ggml_free(context); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;
using GgmlPtr = std::unique_ptr<ggml_context, GgmlDeleter>;

GgmlPtr new_tensor_arena(std::size_t bytes) {
  ggml_init_params params{};
  params.mem_size = bytes;
  params.mem_buffer = nullptr;
  params.no_alloc = false;
  GgmlPtr arena(ggml_init(params));
  if (!arena) throw std::runtime_error("cannot allocate " + std::to_string(bytes) + " bytes for the tensors");
  return arena;
}

// Adds one F32 tensor (ne0 x ne1; ne1 = 0 for a vector) to `out`, filled by `fill`.
template <typename Fill>
void add_tensor(gguf_context* out, ggml_context* arena, const std::string& name, std::int64_t ne0, std::int64_t ne1,
                Fill&& fill) {
  ggml_tensor* tensor = ne1 == 0 ? ggml_new_tensor_1d(arena, GGML_TYPE_F32, ne0)
                                 : ggml_new_tensor_2d(arena, GGML_TYPE_F32, ne0, ne1);
  if (tensor == nullptr) throw std::runtime_error("out of tensor memory at " + name);
  ggml_set_name(tensor, name.c_str());
  auto* data = static_cast<float*>(tensor->data);
  const std::int64_t count = ggml_nelements(tensor);
  for (std::int64_t i = 0; i < count; ++i) data[i] = fill();
  gguf_add_tensor(out, tensor);
}

// Writes beside the target and renames: readers see either no file or the whole file.
void write_atomically(const gguf_context* out, const std::filesystem::path& path) {
  const std::filesystem::path partial = path.string() + ".partial";
  if (!gguf_write_to_file(out, partial.c_str(), /*only_meta=*/false)) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw std::runtime_error("cannot write " + partial.string());
  }
  std::filesystem::rename(partial, path);
}

GgufPtr read_vocab(const std::filesystem::path& vocab_path, std::uint32_t& n_vocab) {
  gguf_init_params params{};
  params.no_alloc = true;
  params.ctx = nullptr;
  GgufPtr vocab(gguf_init_from_file(vocab_path.c_str(), params));
  if (!vocab) throw std::runtime_error(vocab_path.string() + " is not a readable GGUF file");
  const std::int64_t tokens = gguf_find_key(vocab.get(), "tokenizer.ggml.tokens");
  if (tokens < 0 || gguf_get_kv_type(vocab.get(), tokens) != GGUF_TYPE_ARRAY) {
    throw std::runtime_error(vocab_path.string() + " has no tokenizer.ggml.tokens array: not a vocab GGUF");
  }
  n_vocab = static_cast<std::uint32_t>(gguf_get_arr_n(vocab.get(), tokens));
  if (n_vocab < 3) throw std::runtime_error(vocab_path.string() + " has fewer than 3 tokens");
  return vocab;
}

void set_llama_hyperparameters(gguf_context* out, const std::string& name, std::uint32_t n_vocab) {
  gguf_set_val_str(out, "general.architecture", "llama");
  gguf_set_val_str(out, "general.name", name.c_str());
  gguf_set_val_u32(out, "general.file_type", 0);  // all F32
  gguf_set_val_u32(out, "llama.context_length", kContext);
  gguf_set_val_u32(out, "llama.embedding_length", kEmbedding);
  gguf_set_val_u32(out, "llama.block_count", 1);
  gguf_set_val_u32(out, "llama.feed_forward_length", kFeedForward);
  gguf_set_val_u32(out, "llama.attention.head_count", kHeads);
  gguf_set_val_u32(out, "llama.attention.head_count_kv", kHeads);
  gguf_set_val_f32(out, "llama.attention.layer_norm_rms_epsilon", 1e-5F);
  gguf_set_val_u32(out, "llama.rope.dimension_count", kEmbedding / kHeads);
  gguf_set_val_u32(out, "llama.vocab_size", n_vocab);
}

void write_model(const std::filesystem::path& vocab_path, const std::filesystem::path& out_path,
                 const std::string& name, std::uint32_t seed) {
  std::uint32_t n_vocab = 0;
  const GgufPtr vocab = read_vocab(vocab_path, n_vocab);
  const GgufPtr out(gguf_init_empty());
  gguf_set_kv(out.get(), vocab.get());  // the tokenizer: tokens, scores, types, special ids
  set_llama_hyperparameters(out.get(), name, n_vocab);

  const std::size_t weights = 2ULL * kEmbedding * n_vocab + 4ULL * kEmbedding * kEmbedding +
                              3ULL * kEmbedding * kFeedForward + 3ULL * kEmbedding;
  const GgmlPtr arena = new_tensor_arena(weights * sizeof(float) + 64 * ggml_tensor_overhead());
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.0F, 0.02F);
  auto noise = [&] { return normal(random); };
  auto ones = [] { return 1.0F; };
  ggml_context* a = arena.get();
  gguf_context* o = out.get();
  add_tensor(o, a, "token_embd.weight", kEmbedding, n_vocab, noise);
  add_tensor(o, a, "output_norm.weight", kEmbedding, 0, ones);
  add_tensor(o, a, "output.weight", kEmbedding, n_vocab, noise);
  add_tensor(o, a, "blk.0.attn_norm.weight", kEmbedding, 0, ones);
  for (const char* projection : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
    add_tensor(o, a, std::string("blk.0.") + projection + ".weight", kEmbedding, kEmbedding, noise);
  }
  add_tensor(o, a, "blk.0.ffn_norm.weight", kEmbedding, 0, ones);
  add_tensor(o, a, "blk.0.ffn_gate.weight", kEmbedding, kFeedForward, noise);
  add_tensor(o, a, "blk.0.ffn_down.weight", kFeedForward, kEmbedding, noise);
  add_tensor(o, a, "blk.0.ffn_up.weight", kEmbedding, kFeedForward, noise);
  write_atomically(o, out_path);
}

// A rank-4 LoRA on block 0's q and v projections: lora_a is [n_in, r], lora_b is [r, n_out].
void write_lora(const std::filesystem::path& out_path, std::uint32_t seed) {
  const GgufPtr out(gguf_init_empty());
  gguf_set_val_str(out.get(), "general.type", "adapter");
  gguf_set_val_str(out.get(), "general.architecture", "llama");
  gguf_set_val_str(out.get(), "adapter.type", "lora");
  gguf_set_val_f32(out.get(), "adapter.lora.alpha", kLoraAlpha);

  const GgmlPtr arena = new_tensor_arena(4ULL * kEmbedding * kLoraRank * sizeof(float) + 16 * ggml_tensor_overhead());
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.0F, 0.5F);
  auto noise = [&] { return normal(random); };
  for (const char* projection : {"attn_q", "attn_v"}) {
    const std::string base = std::string("blk.0.") + projection + ".weight";
    add_tensor(out.get(), arena.get(), base + ".lora_a", kEmbedding, kLoraRank, noise);
    add_tensor(out.get(), arena.get(), base + ".lora_b", kLoraRank, kEmbedding, noise);
  }
  write_atomically(out.get(), out_path);
}

constexpr const char* kUsage =
    "usage: tiny-gguf model --vocab VOCAB.gguf --out MODEL.gguf [--name NAME] [--seed N]\n"
    "       tiny-gguf lora --out ADAPTER.gguf [--seed N]\n"
    "Writes a tiny random-weight llama model (1 block, n_embd 64, F32, the vocab's tokenizer) or a\n"
    "rank-4 LoRA adapter for it. Same arguments, same bytes.\n";

struct Arguments {
  std::string command;
  std::map<std::string, std::string, std::less<>> options;
};

Arguments parse_arguments(int argc, char** argv) {
  if (argc < 2) throw std::invalid_argument("missing command");
  Arguments parsed{argv[1], {}};
  if (parsed.command != "model" && parsed.command != "lora") {
    throw std::invalid_argument("unknown command '" + parsed.command + "'");
  }
  for (int i = 2; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag != "--vocab" && flag != "--out" && flag != "--name" && flag != "--seed") {
      throw std::invalid_argument("unknown option '" + std::string(flag) + "'");
    }
    if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value");
    parsed.options[std::string(flag.substr(2))] = argv[i + 1];
  }
  return parsed;
}

std::string required(const Arguments& arguments, const std::string& name) {
  const auto found = arguments.options.find(name);
  if (found == arguments.options.end() || found->second.empty()) {
    throw std::invalid_argument(arguments.command + " needs --" + name);
  }
  return found->second;
}

std::uint32_t seed_of(const Arguments& arguments, std::uint32_t fallback) {
  const auto found = arguments.options.find("seed");
  if (found == arguments.options.end()) return fallback;
  std::size_t used = 0;
  const unsigned long value = std::stoul(found->second, &used);
  if (used != found->second.size() || value > UINT32_MAX) throw std::invalid_argument("--seed wants 0..4294967295");
  return static_cast<std::uint32_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Arguments arguments;
  try {
    arguments = parse_arguments(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tiny-gguf: %s\n%s", error.what(), kUsage);
    return 2;
  }
  try {
    if (arguments.command == "model") {
      const auto found_name = arguments.options.find("name");
      const std::string name = found_name == arguments.options.end() ? "tiny-random-llama" : found_name->second;
      write_model(required(arguments, "vocab"), required(arguments, "out"), name, seed_of(arguments, 42));
    } else {
      write_lora(required(arguments, "out"), seed_of(arguments, 7));
    }
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "tiny-gguf: %s\n%s", error.what(), kUsage);
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tiny-gguf: %s\n", error.what());
    return 1;
  }
  return 0;
}
