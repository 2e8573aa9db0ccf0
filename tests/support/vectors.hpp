#pragma once
// Loads the official SDK test vectors from ../shared/vectors (ZG_VECTORS_DIR).
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace zg::test {

inline std::string vectors_path(const std::string& file) { return std::string(ZG_VECTORS_DIR) + "/" + file; }

inline nlohmann::json load_vectors(const std::string& file) {
  std::ifstream in(vectors_path(file));
  if (!in) throw std::runtime_error("cannot open test vectors " + vectors_path(file));
  return nlohmann::json::parse(in);
}

}  // namespace zg::test
