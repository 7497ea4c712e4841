// Checked file I/O for the appliance's scratch and output files: every write
// either lands whole or returns a message naming the file and the reason.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace appliance {

// Empty on success, else "cannot write PATH: REASON".
std::string write_file(const std::string& path, std::string_view bytes);
std::string write_file(const std::string& path, const std::vector<uint8_t>& bytes);
// nullopt with `error` set ("cannot read PATH: REASON") when it fails.
std::optional<std::vector<uint8_t>> read_file(const std::string& path, std::string& error);

}  // namespace appliance
