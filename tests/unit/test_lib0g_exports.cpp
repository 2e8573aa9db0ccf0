// lib0g.so is built with hidden visibility and --exclude-libs: the only dynamic symbols it may
// define are the C ABI entry points (zg_plugin_*). Nothing of the C++ core, the standard library
// or the system libraries it links may leak out, or hosts could bind to it by accident.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

namespace {

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) out += buffer;
  return out;
}

TEST(Lib0gExports, OnlyAbiEntryPointsAreExported) {
  const auto symbols = run(std::string("nm -D --defined-only ") + ZG_LIB_PATH + " 2>&1");
  ASSERT_EQ(symbols.find("No such file"), std::string::npos) << symbols;
  std::istringstream lines(symbols);
  std::string line;
  while (std::getline(lines, line)) {
    const auto name = line.substr(line.find_last_of(' ') + 1);
    EXPECT_EQ(name.rfind("zg_plugin_", 0), 0u) << "unexpected export: " << line;
  }
}

TEST(Lib0gExports, ExportsNoCxxSymbols) {
  const auto symbols = run(std::string("nm -D --defined-only -C ") + ZG_LIB_PATH + " 2>&1");
  EXPECT_EQ(symbols.find("::"), std::string::npos) << symbols;
}

}  // namespace
