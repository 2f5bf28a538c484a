// Streams a text file line by line, transparently gunzipping it (Boost.Iostreams), counting lines.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>

namespace vmsim::workloads::detail {

class LineReader {
 public:
  // Throws TraceError if the file cannot be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();

  // Reads the next line (without '\n' or a trailing '\r'); false at end of file.
  // Throws TraceError on a read or decompression error.
  bool next(std::string& line);
  // Makes the following next() return the line just read again, with the same line number.
  void pushBack() { pushedBack_ = true; }

  uint64_t lineNumber() const { return lineNumber_; }
  const std::string& path() const { return path_; }
  bool gzipped() const { return gzipped_; }

 private:
  std::string path_;
  bool gzipped_ = false;
  std::unique_ptr<std::istream> in_;
  uint64_t lineNumber_ = 0;
  bool pushedBack_ = false;
  std::string last_;
};

}  // namespace vmsim::workloads::detail
