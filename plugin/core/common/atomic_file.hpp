#pragma once
// Nothing reaches its final path until it is complete: write to a temporary file in the same
// directory, fsync, then rename over the destination.
#include <filesystem>
#include <string_view>

#include "common/bytes.hpp"

namespace zg {

void write_file_atomically(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

}  // namespace zg
