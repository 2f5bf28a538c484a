// Forward-only reading of a trace file's bytes, plain or compressed (gzip, xz, zstd), from any
// file: regular files, pipes, FIFOs, /dev/stdin, <(...) process substitution. The line reader
// (line_source.h) and the binary ChampSim reader sit on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vmsim::workloads {

enum class Compression : uint8_t { None, Gzip, Xz, Zstd };
// "plain", "gzip", "xz", "zstd".
const char* toString(Compression c);

// A read or decompression error in the middle of a file. The reader above it adds where (line or
// record) and rethrows it as a TraceError.
class StreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The compression is recognised from the first bytes (gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd
// 28 b5 2f fd), never from the file name, and those bytes are kept, so nothing is sought back.
// Concatenated gzip members, xz streams and zstd frames read as one stream (as gunzip, unxz and
// unzstd do). The decoders are zlib, liblzma and libzstd used directly: a truncated or corrupt
// stream is reported once every byte decoded before the damage has been delivered, so the reader
// above can name the first line or record it could not read.
class ByteSource {
 public:
  // Throws TraceError "FILE: cannot open: <reason>" (vmsim/workloads/trace.h).
  explicit ByteSource(const std::string& path);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Up to n decoded bytes into dst (at least one unless at the end); 0 at the end of the file.
  // Throws StreamError on a read error, a truncated or a corrupt stream.
  size_t read(char* dst, size_t n);
  // The next n decoded bytes (fewer at the end of the file) without consuming them: read()
  // delivers them again. Throws StreamError when not a byte can be decoded.
  std::string_view peek(size_t n);

  Compression compression() const { return compression_; }
  const std::string& path() const { return path_; }

  struct Decoder;  // one per compression, in byte_source.cpp

 private:
  size_t readRaw(char* dst, size_t n);      // the file's own bytes; 0 at the end
  size_t readDecoded(char* dst, size_t n);  // past the bytes peeked

  std::string path_;
  int fd_ = -1;
  Compression compression_ = Compression::None;
  std::unique_ptr<Decoder> decoder_;
  // Bytes decoded ahead (peek(), and for a plain file the bytes read to recognise the
  // compression), delivered before any other.
  std::string ahead_;
  size_t aheadPos_ = 0;
  std::string pendingError_;  // raised once the output produced before it has been consumed
};

}  // namespace vmsim::workloads
