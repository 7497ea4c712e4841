#include "appliance/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace appliance {

std::string write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();  // a full disk shows here, not at the write
  if (!out) return "cannot write " + path + ": " + std::strerror(errno ? errno : EIO);
  return {};
}

std::string write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  return write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::optional<std::vector<uint8_t>> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "cannot read " + path + ": " + std::strerror(errno ? errno : EIO);
    return std::nullopt;
  }
  return bytes;
}

}  // namespace appliance
