#include "args.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace zg::cli {
namespace {

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& name) {
  const auto it = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

// Options that would put a secret into argv (visible in `ps` to every user) are refused by name.
void refuse_secret_on_command_line(const std::string& name) {
  static const char* kSecretNames[] = {"private-key", "key", "privkey", "secret-key", "mnemonic"};
  for (const char* secret : kSecretNames) {
    if (name == secret) {
      throw UsageError("--" + name + ": private keys are never taken from the command line (other users can read it); "
                       "use --key-file PATH (mode 0600) or the ZG_PRIVATE_KEY environment variable");
    }
  }
}

}  // namespace

void refuse_secret_options(const std::vector<std::string>& tokens) {
  for (const auto& token : tokens) {
    if (token.rfind("--", 0) != 0) continue;
    auto name = token.substr(2);
    if (const auto eq = name.find('='); eq != std::string::npos) name.resize(eq);
    refuse_secret_on_command_line(name);
  }
}

Args Args::parse(const std::vector<std::string>& tokens, const std::vector<OptionSpec>& specs) {
  Args args;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& token = tokens[i];
    if (token == "--") {
      args.positionals_.insert(args.positionals_.end(), tokens.begin() + static_cast<std::ptrdiff_t>(i) + 1, tokens.end());
      break;
    }
    if (token.size() < 3 || token.rfind("--", 0) != 0) {
      args.positionals_.push_back(token);
      continue;
    }
    auto name = token.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    refuse_secret_on_command_line(name);
    const auto* spec = find_spec(specs, name);
    if (spec == nullptr) throw UsageError("unknown option --" + name + " (see --help)");
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
      args.values_[name] = "1";
    } else if (inline_value) {
      args.values_[name] = *inline_value;
    } else {
      if (i + 1 >= tokens.size()) throw UsageError("--" + name + " needs a value (" + spec->value_name + ")");
      args.values_[name] = tokens[++i];
    }
  }
  return args;
}

bool Args::flag(const std::string& name) const { return values_.count(name) != 0; }

std::optional<std::string> Args::value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::required(const std::string& name) const {
  auto v = value(name);
  if (!v) throw UsageError("--" + name + " is required (see --help)");
  return *v;
}

std::string describe_options(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    if (left.size() < 30) left.resize(30, ' ');
    else left += "\n" + std::string(30, ' ');
    std::string help;  // a long help text continues under its first line
    for (const char c : s.help) help += c == '\n' ? "\n" + std::string(30, ' ') : std::string(1, c);
    out += left + help + "\n";
  }
  return out;
}

}  // namespace zg::cli
