// tiny-gguf, our generator of the tiny random-weight model the end-to-end tests load: it refuses bad
// arguments with a usage message, never leaves a partial file, and the same arguments give the same
// bytes (so a test that compares two answers compares the same model).
#include <gtest/gtest.h>

#include <string>

#include "e2e_support.hpp"

namespace zg::e2e {
namespace {

TEST(TinyGguf, WritesTheSameModelForTheSameSeedAndAnotherForAnotherSeed) {
  ScratchDir scratch("tiny-gguf");
  const fs::path first = scratch.path() / "first";
  const fs::path second = scratch.path() / "second";
  fs::create_directories(first);
  fs::create_directories(second);
  const auto a = generate_tiny_model(first, "m");
  const auto b = generate_tiny_model(second, "m");
  const auto c = generate_tiny_model(second, "other", 43);
  // 2 x 64 x 32000 F32 matrices and the tokenizer: about 17 MB.
  EXPECT_GT(fs::file_size(a), 16'000'000U);
  EXPECT_LT(fs::file_size(a), 18'000'000U);
  EXPECT_EQ(read_text(a), read_text(b));
  EXPECT_NE(read_text(a), read_text(c));
  EXPECT_EQ(read_text(a).substr(0, 4), "GGUF");
  EXPECT_FALSE(fs::exists(a.string() + ".partial"));
}

TEST(TinyGguf, WritesALoraAdapter) {
  ScratchDir scratch("tiny-gguf-lora");
  const fs::path out = scratch.path() / "adapter.gguf";
  ASSERT_EQ(run_tool({ZG_TINY_GGUF_PATH, "lora", "--out", out.string()}, scratch.path() / "log"), 0);
  const std::string bytes = read_text(out);
  EXPECT_EQ(bytes.substr(0, 4), "GGUF");
  EXPECT_NE(bytes.find("adapter.lora.alpha"), std::string::npos);
  EXPECT_NE(bytes.find("blk.0.attn_q.weight.lora_a"), std::string::npos);
  EXPECT_LT(bytes.size(), 8192U);
}

TEST(TinyGguf, RefusesBadArgumentsAndBadVocabFiles) {
  ScratchDir scratch("tiny-gguf-bad");
  const fs::path log = scratch.path() / "log";
  const fs::path out = scratch.path() / "out.gguf";
  EXPECT_EQ(run_tool({ZG_TINY_GGUF_PATH, "model", "--out", out.string()}, log), 2);
  EXPECT_NE(read_text(log).find("model needs --vocab"), std::string::npos) << read_text(log);
  EXPECT_EQ(run_tool({ZG_TINY_GGUF_PATH, "weights", "--out", out.string()}, log), 2);
  EXPECT_NE(read_text(log).find("unknown command 'weights'"), std::string::npos) << read_text(log);
  EXPECT_EQ(run_tool({ZG_TINY_GGUF_PATH, "lora", "--out", out.string(), "--seed", "x"}, log), 2);

  const fs::path not_gguf = scratch.path() / "not.gguf";
  std::ofstream(not_gguf) << "this is not a GGUF file";
  EXPECT_EQ(run_tool({ZG_TINY_GGUF_PATH, "model", "--vocab", not_gguf.string(), "--out", out.string()}, log), 1);
  EXPECT_NE(read_text(log).find("not a readable GGUF file"), std::string::npos) << read_text(log);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

}  // namespace
}  // namespace zg::e2e
