// The importer through the C ABI, against a real llama-server router: a host dlopens lib0g.so,
// negotiates, and calls import_model to put a second model file into the router's --models-dir.
// The router lists it (the importer asked it to reload), it answers a chat, and a bad import leaves
// nothing behind. The cases share one router and run in order.
#include <dlfcn.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "e2e_support.hpp"
#include "zg/plugin.h"

namespace zg::e2e {
namespace {

// lib0g.so loaded the way a third-party host loads it: dlopen, the two exported symbols, negotiation.
class Lib0g {
 public:
  Lib0g() : handle_(::dlopen(ZG_LIB_PATH, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) throw std::runtime_error(std::string("dlopen lib0g: ") + ::dlerror());
    const auto negotiate = reinterpret_cast<zg_plugin_negotiate_fn>(::dlsym(handle_, "zg_plugin_negotiate"));
    const auto get_api = reinterpret_cast<zg_plugin_get_api_fn>(::dlsym(handle_, "zg_plugin_get_api"));
    if (negotiate == nullptr || get_api == nullptr) throw std::runtime_error("lib0g lacks the ABI entry symbols");
    zg_version agreed{};
    if (negotiate({1, 0}, {ZG_PLUGIN_ABI_VERSION_MAJOR, ZG_PLUGIN_ABI_VERSION_MINOR}, &agreed) != ZG_OK) {
      throw std::runtime_error("lib0g did not agree to ABI 1.x");
    }
    api_ = get_api(agreed);
    if (api_ == nullptr || !ZG_API_HAS(api_, zg_plugin_api, import_model)) {
      throw std::runtime_error("lib0g has no import_model in its table");
    }
  }
  Lib0g(const Lib0g&) = delete;
  Lib0g& operator=(const Lib0g&) = delete;
  ~Lib0g() { ::dlclose(handle_); }

  struct Imported {
    zg_status status = ZG_OK;
    std::string result;   // result_json on success
    std::string message;  // zg_error.message on failure
  };

  // No backend: importing needs no chain or key (lib0g accepts a NULL backend for import_model).
  Imported import_model(const nlohmann::json& spec) const {
    const std::string text = spec.dump();
    char* result = nullptr;
    zg_error error{};
    error.struct_size = sizeof error;
    Imported out;
    out.status = api_->import_model(nullptr, text.data(), text.size(), &result, &error);
    if (result != nullptr) out.result = result;
    api_->free_string(result);
    if (out.status != ZG_OK) out.message = error.message;
    return out;
  }

 private:
  void* handle_;
  const zg_plugin_api* api_ = nullptr;
};

class LlamaImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<ScratchDir>("import");
    models_ = scratch_->path() / "models";
    staging_ = scratch_->path() / "downloads";  // where a decrypted fine-tuned model would be
    fs::create_directories(models_);
    fs::create_directories(staging_);
    generate_tiny_model(models_, "tiny-llama");
    generate_tiny_model(staging_, "tiny-llama-ft", 43);
    router_ = std::make_unique<LlamaRouter>(LlamaRouter::start(models_, scratch_->path()));
  }
  static void TearDownTestSuite() {
    router_.reset();
    scratch_.reset();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "llama-server log:\n" << read_text(router_->log()) << "\n";
  }
  static nlohmann::json models() { return http_get(router_->url(), "/models").json(); }

  static std::unique_ptr<ScratchDir> scratch_;
  static std::unique_ptr<LlamaRouter> router_;
  static fs::path models_;
  static fs::path staging_;
};
std::unique_ptr<ScratchDir> LlamaImportTest::scratch_;
std::unique_ptr<LlamaRouter> LlamaImportTest::router_;
fs::path LlamaImportTest::models_;
fs::path LlamaImportTest::staging_;

TEST_F(LlamaImportTest, AModelOutsideTheModelsDirIsNotListed) {
  EXPECT_TRUE(listed_model(models(), "tiny-llama"));
  EXPECT_FALSE(listed_model(models(), "tiny-llama-ft"));
}

TEST_F(LlamaImportTest, ImportThroughTheCAbiPutsTheFileInPlaceAndReloadsTheRouter) {
  const Lib0g plugin;
  const auto imported = plugin.import_model({{"source", (staging_ / "tiny-llama-ft.gguf").string()},
                                             {"name", "tiny-llama-ft"},
                                             {"models_dir", models_.string()},
                                             {"router_url", router_->url()}});
  ASSERT_EQ(imported.status, ZG_OK) << imported.message;
  const auto result = nlohmann::json::parse(imported.result);
  const fs::path placed = models_ / "tiny-llama-ft.gguf";
  EXPECT_EQ(fs::path(result.at("path").get<std::string>()), placed);
  EXPECT_EQ(result.at("name"), "tiny-llama-ft");
  EXPECT_EQ(result.at("reloaded"), true);
  EXPECT_EQ(read_text(placed), read_text(staging_ / "tiny-llama-ft.gguf"));
  struct stat info {};
  ASSERT_EQ(::stat(placed.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  for (const auto& entry : fs::recursive_directory_iterator(models_)) {  // no temporary copy left behind
    EXPECT_TRUE(entry.is_directory() || entry.path().extension() == ".gguf") << entry.path();
  }

  // Listed without another ?reload=1: the importer's reload is what the router saw.
  const auto model = listed_model(models(), "tiny-llama-ft");
  ASSERT_TRUE(model) << models().dump();
  EXPECT_EQ(model->at("source"), "models_dir");
}

TEST_F(LlamaImportTest, TheImportedModelAnswersAndTheFirstStillDoes) {
  for (const std::string name : {"tiny-llama-ft", "tiny-llama"}) {
    const auto reply = http_post_json(router_->url(), "/v1/chat/completions", chat_request(name, false));
    ASSERT_EQ(reply.status, 200) << name << ": " << reply.body;
    EXPECT_EQ(reply.json().at("model"), name);
    EXPECT_TRUE(reply.json().at("choices").at(0).at("message").at("content").is_string()) << reply.body;
  }
}

TEST_F(LlamaImportTest, ABadImportIsRefusedAndLeavesTheModelsDirAsItWas) {
  const Lib0g plugin;
  const fs::path not_a_model = staging_ / "notes.gguf";
  std::ofstream(not_a_model) << "not a GGUF file";
  const auto bad_file = plugin.import_model({{"source", not_a_model.string()},
                                             {"name", "notes"},
                                             {"models_dir", models_.string()},
                                             {"router_url", router_->url()}});
  EXPECT_EQ(bad_file.status, ZG_E_INVALID) << bad_file.message;
  EXPECT_FALSE(bad_file.message.empty());

  const auto bad_name = plugin.import_model({{"source", (staging_ / "tiny-llama-ft.gguf").string()},
                                             {"name", "../escape"},
                                             {"models_dir", models_.string()},
                                             {"router_url", router_->url()}});
  EXPECT_EQ(bad_name.status, ZG_E_INVALID) << bad_name.message;

  const auto taken = plugin.import_model({{"source", (staging_ / "tiny-llama-ft.gguf").string()},
                                          {"name", "tiny-llama"},
                                          {"models_dir", models_.string()},
                                          {"router_url", router_->url()}});
  EXPECT_EQ(taken.status, ZG_E_INVALID) << "a second model must not silently replace the first: " << taken.message;

  // The two models and nothing else a router would list; the importer's hidden staging folder may
  // stay behind, but empty: no partial copy is left anywhere.
  std::size_t model_files = 0;
  for (const auto& entry : fs::directory_iterator(models_)) {
    if (entry.path().filename().string().starts_with(".")) {
      EXPECT_TRUE(fs::is_directory(entry.path()) && fs::is_empty(entry.path())) << entry.path();
    } else {
      ++model_files;
    }
  }
  EXPECT_EQ(model_files, 2U);
  EXPECT_FALSE(fs::exists(scratch_->path() / "escape.gguf"));
  EXPECT_EQ(models().at("data").size(), 2U);
}

}  // namespace
}  // namespace zg::e2e
