// The llama-server router importer against real files and a small in-process HTTP router that
// records the reload call: the copy lands complete, mode 0600, under <name>.gguf (or <name>/ for a
// model directory) before the router is asked to rescan; bad names, missing files, taken names and
// router failures give the documented errors. (The real llama-server is exercised by the e2e tests.)
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/gateway.hpp"
#include "importer/model_importer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using zg::gateway::Failure;
using zg::gateway::GatewayError;
using zg::importer::import_model;
using zg::importer::ImportSpec;

const std::string kModelBytes = std::string("GGUF\x03\x00\x00\x00", 8) + std::string(300000, 'w');

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// A llama-server router stand-in: GET /models (optionally under a base path) records each call and
// what the models dir held at that moment.
class Router {
 public:
  explicit Router(fs::path models_dir, std::string base = "") : models_dir_(std::move(models_dir)) {
    server_.Get(base + "/models", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      calls_.push_back(req.path + "?reload=" + req.get_param_value("reload"));
      std::vector<std::string> names;
      for (const auto& entry : fs::directory_iterator(models_dir_)) names.push_back(entry.path().filename().string());
      listings_.push_back(names);
      res.status = status_;
      res.set_content(status_ == 200 ? "{\"data\":[]}" : "{\"error\":\"reload failed\"}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~Router() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void answer_with(int status) { status_ = status; }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::vector<std::string>> listings() {
    std::lock_guard lock(mutex_);
    return listings_;
  }

 private:
  fs::path models_dir_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> calls_;
  std::vector<std::vector<std::string>> listings_;
  std::atomic<int> status_{200};
};

class Importer : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("zg-importer-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "models");
    fs::create_directories(root_ / "in");
    source_ = root_ / "in" / "decrypted.gguf";
    write_file(source_, kModelBytes);
  }
  void TearDown() override { fs::remove_all(root_); }

  ImportSpec spec(const std::string& name, const std::string& router_url = "") const {
    return ImportSpec{source_, name, models(), router_url, false};
  }
  fs::path models() const { return root_ / "models"; }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(models())) names.push_back(entry.path().filename().string());
    return names;
  }

  fs::path root_;
  fs::path source_;
};

Failure failure_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const GatewayError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no GatewayError";
  return Failure::internal;
}

TEST_F(Importer, FileLandsComplete0600ThenTheRouterReloadsOnce) {
  Router router(models());
  const auto result = import_model(spec("my-lora-v2", router.url()));
  const auto target = models() / "my-lora-v2.gguf";
  EXPECT_EQ(result.path, target);
  EXPECT_EQ(result.name, "my-lora-v2");
  EXPECT_TRUE(result.reloaded);
  EXPECT_EQ(read_file(target), kModelBytes);
  EXPECT_EQ(mode_of(target), 0600u);
  EXPECT_EQ(router.calls(), std::vector<std::string>{"/models?reload=1"});
  // When the router rescanned, the model was in place under its final name and nothing else was.
  EXPECT_EQ(router.listings(), std::vector<std::vector<std::string>>{{"my-lora-v2.gguf"}});
  EXPECT_EQ(listing(), std::vector<std::string>{"my-lora-v2.gguf"});  // no staging left behind
  EXPECT_EQ(zg::importer::to_json(result),
            nlohmann::json({{"path", target.string()}, {"name", "my-lora-v2"}, {"reloaded", true}}));
}

TEST_F(Importer, WithoutRouterUrlNothingIsCalled) {
  const auto result = import_model(spec("quiet"));
  EXPECT_FALSE(result.reloaded);
  EXPECT_EQ(read_file(models() / "quiet.gguf"), kModelBytes);
}

TEST_F(Importer, RouterUnderABasePathIsAskedThere) {
  Router router(models(), "/llama");
  import_model(spec("based", router.url() + "/llama/"));
  EXPECT_EQ(router.calls(), std::vector<std::string>{"/llama/models?reload=1"});
}

TEST_F(Importer, DirectoryBecomesAModelSubdirectory) {
  const auto dir = root_ / "in" / "vision";
  fs::create_directories(dir);
  write_file(dir / "model.gguf", kModelBytes);
  write_file(dir / "mmproj-model.gguf", "GGUF-projector");
  Router router(models());
  auto s = spec("vision", router.url());
  s.source = dir;
  const auto result = import_model(s);
  EXPECT_EQ(result.path, models() / "vision");
  EXPECT_EQ(mode_of(models() / "vision"), 0700u);
  EXPECT_EQ(read_file(models() / "vision" / "model.gguf"), kModelBytes);
  EXPECT_EQ(read_file(models() / "vision" / "mmproj-model.gguf"), "GGUF-projector");
  EXPECT_EQ(mode_of(models() / "vision" / "model.gguf"), 0600u);
  EXPECT_EQ(router.listings(), std::vector<std::vector<std::string>>{{"vision"}});
}

TEST_F(Importer, RefusesNamesThatAreNotOnePlainComponent) {
  const std::vector<std::string> names = {"a/b",        "..",         "../up", "x..y", ".hidden", "",
                                         "with space", "semi;colon", std::string(129, 'n'), std::string("nul\0byte", 8)};
  for (const auto& name : names) {
    EXPECT_EQ(failure_of([&] { import_model(spec(name)); }), Failure::invalid) << name;
  }
  EXPECT_TRUE(listing().empty());
  EXPECT_NO_THROW(zg::importer::check_model_name("Qwen2.5-0.5B_ft+lora@3"));
}

TEST_F(Importer, ATakenNameNeedsReplace) {
  import_model(spec("taken"));
  write_file(source_, kModelBytes + "v2");
  try {
    import_model(spec("taken"));
    FAIL() << "a taken name was overwritten";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::invalid);
    EXPECT_EQ(e.http_status(), 409);
    EXPECT_NE(std::string(e.what()).find("\"replace\": true"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(models() / "taken.gguf"), kModelBytes);
  auto s = spec("taken");
  s.replace = true;
  import_model(s);
  EXPECT_EQ(read_file(models() / "taken.gguf"), kModelBytes + "v2");
  EXPECT_EQ(listing(), std::vector<std::string>{"taken.gguf"});
}

TEST_F(Importer, ReplacingADirectorySwapsItWhole) {
  const auto dir = root_ / "in" / "adapter";
  fs::create_directories(dir);
  write_file(dir / "a.gguf", "GGUF-one");
  auto s = spec("adapter");
  s.source = dir;
  import_model(s);
  fs::remove(dir / "a.gguf");
  write_file(dir / "b.gguf", "GGUF-two");
  EXPECT_EQ(failure_of([&] { import_model(s); }), Failure::invalid);
  s.replace = true;
  import_model(s);
  EXPECT_FALSE(fs::exists(models() / "adapter" / "a.gguf"));
  EXPECT_EQ(read_file(models() / "adapter" / "b.gguf"), "GGUF-two");
  EXPECT_EQ(listing(), std::vector<std::string>{"adapter"});
}

TEST_F(Importer, RefusesWhatIsNotAGgufModel) {
  write_file(source_, "PK\x03\x04 a zip, not a model");
  EXPECT_EQ(failure_of([&] { import_model(spec("zip")); }), Failure::invalid);
  const auto dir = root_ / "in" / "empty";
  fs::create_directories(dir);
  auto s = spec("empty");
  s.source = dir;
  EXPECT_EQ(failure_of([&] { import_model(s); }), Failure::invalid);
  EXPECT_TRUE(listing().empty());
}

TEST_F(Importer, MissingSourceOrModelsDirIsNotFound) {
  auto s = spec("m");
  s.source = root_ / "in" / "absent.gguf";
  EXPECT_EQ(failure_of([&] { import_model(s); }), Failure::not_found);
  s = spec("m");
  s.models_dir = root_ / "no-such-dir";
  EXPECT_EQ(failure_of([&] { import_model(s); }), Failure::not_found);
  EXPECT_FALSE(fs::exists(root_ / "no-such-dir"));
}

TEST_F(Importer, RouterErrorIsANetworkFailureAndTheModelStaysInPlace) {
  Router router(models());
  router.answer_with(500);
  try {
    import_model(spec("kept", router.url()));
    FAIL() << "a failed reload was reported as success";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::network);
    const std::string message = e.what();
    EXPECT_NE(message.find("imported " + (models() / "kept.gguf").string()), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 500"), std::string::npos) << message;
  }
  EXPECT_EQ(read_file(models() / "kept.gguf"), kModelBytes);
}

TEST_F(Importer, UnreachableRouterIsANetworkFailure) {
  std::string url;
  {
    Router gone(models());
    url = gone.url();
  }
  zg::importer::ImportOptions options;
  options.connect_timeout = 500ms;
  EXPECT_EQ(failure_of([&] { import_model(spec("lonely", url), options); }), Failure::network);
}

TEST(ImportSpec, ReadsTheDocumentedMembersAndNamesWhatIsWrong) {
  const auto spec = zg::importer::parse_import_spec(
      {{"source", "/tmp/a.gguf"}, {"name", "a"}, {"models_dir", "/models"}, {"router_url", "http://127.0.0.1:8080"}});
  EXPECT_EQ(spec.source, "/tmp/a.gguf");
  EXPECT_EQ(spec.name, "a");
  EXPECT_EQ(spec.models_dir, "/models");
  EXPECT_EQ(spec.router_url, "http://127.0.0.1:8080");
  EXPECT_FALSE(spec.replace);

  const auto message_of = [](const nlohmann::json& j) {
    try {
      zg::importer::parse_import_spec(j);
    } catch (const GatewayError& e) {
      EXPECT_EQ(e.kind(), Failure::invalid);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message_of({{"name", "a"}, {"models_dir", "/m"}}).find("\"source\" is missing"), std::string::npos);
  EXPECT_NE(message_of({{"source", 5}, {"name", "a"}, {"models_dir", "/m"}}).find("\"source\" must be"), std::string::npos);
  EXPECT_NE(message_of({{"source", "/a"}, {"name", "a"}}).find("\"models_dir\" is missing"), std::string::npos);
  EXPECT_NE(message_of({{"source", "/a"}, {"name", "a/b"}, {"models_dir", "/m"}}).find("not allowed"), std::string::npos);
  EXPECT_NE(message_of({{"source", "/a"}, {"name", "a"}, {"models_dir", "/m"}, {"router_url", "ftp://x"}}).find("http://"),
            std::string::npos);
  EXPECT_NE(message_of({{"source", "/a"}, {"name", "a"}, {"models_dir", "/m"}, {"replace", "yes"}}).find("\"replace\""),
            std::string::npos);
  EXPECT_NE(message_of(nlohmann::json::array()).find("JSON object"), std::string::npos);
}

}  // namespace
