// Streams a text file line by line, transparently gunzipping it (Boost.Iostreams), counting lines.
#include "line_reader.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "vmsim/workloads/trace.h"

namespace vmsim::workloads::detail {
namespace {

bool hasGzipMagic(std::ifstream& f) {
  unsigned char magic[2] = {0, 0};
  f.read(reinterpret_cast<char*>(magic), 2);
  const bool gz = f.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  f.clear();
  f.seekg(0);
  return gz;
}

}  // namespace

LineReader::LineReader(const std::string& path) : path_(path) {
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) throw TraceError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  gzipped_ = hasGzipMagic(*file);
  if (gzipped_) {
    file.reset();
    namespace io = boost::iostreams;
    auto gz = std::make_unique<io::filtering_istream>();
    gz->push(io::gzip_decompressor());
    gz->push(io::file_source(path, std::ios::binary));
    in_ = std::move(gz);
  } else {
    in_ = std::move(file);
  }
  // Decompression errors surface as exceptions instead of a silent end of file.
  in_->exceptions(std::ios::badbit);
}

LineReader::~LineReader() = default;

bool LineReader::next(std::string& line) {
  if (pushedBack_) {
    pushedBack_ = false;
    line = last_;
    return true;
  }
  try {
    if (!std::getline(*in_, line)) return false;
  } catch (const std::exception& e) {
    throw TraceError(path_, lineNumber_ + 1, std::string("read error: ") + e.what());
  }
  ++lineNumber_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  last_ = line;
  return true;
}

}  // namespace vmsim::workloads::detail
