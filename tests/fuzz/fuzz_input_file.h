// The fuzz input as a file the readers can open by name: an anonymous in-memory file (memfd),
// rewritten for every input and opened through /proc/self/fd, so each open starts at offset 0.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace vmsim::fuzz {

inline const std::string& inputFile(const uint8_t* data, size_t size) {
  static const int fd = [] {
    const int f = ::memfd_create("vmsim-fuzz-input", MFD_CLOEXEC);
    if (f < 0) std::abort();
    return f;
  }();
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (::ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return path;
}

}  // namespace vmsim::fuzz
