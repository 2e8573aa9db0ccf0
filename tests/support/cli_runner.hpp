#pragma once
// Runs the real zg binary the way a user does and captures what they would see.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zg::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A key file the way zg wants it: the text on one line, readable by its owner only (0600).
inline void write_private_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text << "\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `env` entries are "NAME=value", put in front of the command; `args` are passed verbatim.
inline CliResult run_zg(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const auto tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  const auto out = dir / ("zg-test-out-" + tag);
  const auto err = dir / ("zg-test-err-" + tag);
  std::string command = "env -u ZG_PRIVATE_KEY -u ZG_KEY_FILE -u ZG_NETWORK -u ZG_RPC";
  for (const auto& e : env) command += " " + shell_quote(e);
  command += " " + shell_quote(ZG_CLI_PATH);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace zg::test
