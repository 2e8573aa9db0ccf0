#pragma once
// A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag`, and
// positionals. Unknown options are errors (a typo must not silently fall back to a default).
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zg::cli {

struct OptionSpec {
  std::string name;         // without the leading dashes
  std::string value_name;   // empty for a boolean flag
  std::string help;
};

class Args {
 public:
  // Parses `tokens` against `specs`; throws UsageError naming the offending token.
  static Args parse(const std::vector<std::string>& tokens, const std::vector<OptionSpec>& specs);

  bool flag(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  std::string required(const std::string& name) const;  // UsageError "--name is required"
  const std::vector<std::string>& positionals() const noexcept { return positionals_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positionals_;
};

// Throws UsageError when argv carries an option meant for a private key (--private-key, ...),
// wherever it stands: such options must be refused before anything else looks at argv.
void refuse_secret_options(const std::vector<std::string>& tokens);

// Renders the options section of a --help text.
std::string describe_options(const std::vector<OptionSpec>& specs);

}  // namespace zg::cli
