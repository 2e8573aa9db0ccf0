// The fine-tuning broker client against a real HTTP server on 127.0.0.1: request paths and bodies
// as the broker expects them, the broker's error text surfaced, the pending count parsed strictly,
// a multipart dataset upload, and a /lora download that lands only when complete.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "finetune/provider_api.hpp"

namespace zg::finetune {
namespace {

namespace fs = std::filesystem;

class FinetuneProviderApi : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zg-ft-api-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    server_.Get("/prefix/v1/task/pending", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(pending_, "text/plain");
    });
    server_.Post(R"(/prefix/v1/user/([^/]+)/task)", [this](const httplib::Request& req, httplib::Response& res) {
      last_body_ = req.body;
      last_user_ = req.matches[1];
      res.status = 201;
      res.set_content(R"({"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301"})", "application/json");
    });
    server_.Get(R"(/prefix/v1/model/([^/]+))", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(R"({"error":"model not found"})", "application/json");
    });
    server_.Post(R"(/prefix/v1/user/([^/]+)/dataset)", [this](const httplib::Request& req, httplib::Response& res) {
      ASSERT_TRUE(req.has_file("file"));
      dataset_ = req.get_file_value("file").content;
      signature_ = req.get_file_value("signature").content;
      timestamp_ = req.get_file_value("timestamp").content;
      res.set_content(R"({"datasetHash":"0x)" + std::string(64, 'a') + R"(","message":"ok"})", "application/json");
    });
    server_.Post(R"(/prefix/v1/user/([^/]+)/task/([^/]+)/lora)", [this](const httplib::Request& req, httplib::Response& res) {
      last_body_ = req.body;
      if (lora_fails_) {
        res.status = 409;
        res.set_content(R"({"error":"task is not ready for download. Please wait for 'Delivered' status"})", "application/json");
        return;
      }
      res.set_content(std::string(300000, 'm'), "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
    fs::remove_all(dir_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/prefix/"; }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  fs::path dir_;
  std::string pending_ = "0";
  bool lora_fails_ = false;
  std::string last_body_, last_user_, dataset_, signature_, timestamp_;
};

TEST_F(FinetuneProviderApi, CreateTaskAndPendingCount) {
  ProviderApi api(url());
  EXPECT_EQ(api.pending_task_count(), 0u);
  pending_ = "3\n";
  EXPECT_EQ(api.pending_task_count(), 3u);
  pending_ = "three";
  EXPECT_THROW(api.pending_task_count(), ParseError);
  EXPECT_EQ(api.create_task("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", R"({"a":1})"), "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
  EXPECT_EQ(last_body_, R"({"a":1})");
  EXPECT_EQ(last_user_, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  // A user-chosen value never adds path segments.
  EXPECT_THROW(api.get_task("0xf39F", "../../quote"), UsageError);
}

TEST_F(FinetuneProviderApi, BrokerErrorsCarryTheBrokersText) {
  ProviderApi api(url());
  try {
    api.model("no-such-model");
    FAIL() << "a 404 was taken as a model";
  } catch (const broker::ProviderError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.provider_message(), "model not found");
  }
}

TEST_F(FinetuneProviderApi, DatasetUploadIsMultipartWithSignatureAndTimestamp) {
  ProviderApi api(url());
  const auto file = dir_ / "train.jsonl";
  std::ofstream(file) << "{\"text\":\"hello\"}\n";
  EXPECT_EQ(api.upload_dataset("0xf39F", file, "0xsig", 1700000000), "0x" + std::string(64, 'a'));
  EXPECT_EQ(dataset_, "{\"text\":\"hello\"}\n");
  EXPECT_EQ(signature_, "0xsig");
  EXPECT_EQ(timestamp_, "1700000000");
  EXPECT_THROW(api.upload_dataset("0xf39F", dir_ / "train.csv", "0xsig", 1), UsageError);
}

TEST_F(FinetuneProviderApi, LoraDownloadLandsOnlyWhenComplete) {
  ProviderApi api(url());
  const auto out = dir_ / "model.enc";
  std::uint64_t last = 0;
  EXPECT_EQ(api.download_lora("0xf39F", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "0xsig", 1700000000, out,
                              [&](std::uint64_t done, std::uint64_t) { last = done; }),
            300000u);
  EXPECT_EQ(last, 300000u);
  EXPECT_EQ(fs::file_size(out), 300000u);
  EXPECT_EQ(nlohmann::json::parse(last_body_), (nlohmann::json{{"signature", "0xsig"}, {"timestamp", 1700000000}}));
  fs::remove(out);

  lora_fails_ = true;
  try {
    api.download_lora("0xf39F", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "0xsig", 1, out);
    FAIL() << "a 409 was saved as a model";
  } catch (const broker::ProviderError& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_NE(std::string(e.what()).find("Please wait for 'Delivered' status"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));

  // A size limit below the answer: refused, nothing left behind.
  lora_fails_ = false;
  ProviderApiOptions small;
  small.max_download_bytes = 1000;
  ProviderApi limited(url(), small);
  EXPECT_THROW(limited.download_lora("0xf39F", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "0xsig", 1, out), IoError);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

}  // namespace
}  // namespace zg::finetune
