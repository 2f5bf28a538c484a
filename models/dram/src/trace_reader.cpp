// Reader for DRAMsim3-format traces ("0x1fc0 READ 254"), plain text or gzip (Boost.Iostreams).
#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "vmsim/dram/trace.h"

namespace vmsim::dram {

struct TraceReader::Source {
  boost::iostreams::filtering_istream in;
};

namespace {

bool isGzip(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open trace file");
  unsigned char m[2] = {0, 0};
  f.read(reinterpret_cast<char*>(m), 2);
  return f.gcount() == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

const char* skipSpace(const char* p, const char* e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  return p;
}
const char* word(const char* p, const char* e) {
  while (p < e && *p != ' ' && *p != '\t' && *p != '\r') ++p;
  return p;
}
bool equalsWord(const char* b, const char* e, const char* w) {
  const size_t n = std::strlen(w);
  if (size_t(e - b) != n) return false;
  for (size_t i = 0; i < n; ++i)
    if ((b[i] | 0x20) != (w[i] | 0x20)) return false;
  return true;
}

// Returns an error text, or nullptr when the line parsed.
const char* parseFields(const char* p, const char* e, TraceRecord& rec) {
  p = skipSpace(p, e);
  const char* w = word(p, e);
  if (w - p < 3 || p[0] != '0' || (p[1] | 0x20) != 'x') return "address must be hex with 0x prefix";
  uint64_t a = 0;
  for (const char* q = p + 2; q < w; ++q) {
    const char c = char(*q | 0x20);
    const int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) return "address must be hex with 0x prefix";
    if (q - p > 17) return "address does not fit 64 bits";
    a = a << 4 | unsigned(v);
  }
  p = skipSpace(w, e);
  w = word(p, e);
  if (equalsWord(p, w, "READ"))
    rec.isWrite = false;
  else if (equalsWord(p, w, "WRITE"))
    rec.isWrite = true;
  else
    return "operation must be READ or WRITE";
  p = skipSpace(w, e);
  w = word(p, e);
  if (p == w) return "missing decimal cycle";
  uint64_t c = 0;
  for (const char* q = p; q < w; ++q) {
    if (*q < '0' || *q > '9') return "cycle must be a decimal number";
    if (c > (UINT64_MAX - 9) / 10) return "cycle does not fit 64 bits";
    c = c * 10 + unsigned(*q - '0');
  }
  if (skipSpace(w, e) != e) return "unexpected text after the cycle";
  rec.addr = a, rec.cycle = c;
  return nullptr;
}

}  // namespace

TraceRecord parseTraceLine(const std::string& text) {
  TraceRecord r;
  if (const char* err = parseFields(text.data(), text.data() + text.size(), r))
    throw std::invalid_argument("trace line '" + text + "': " + err);
  return r;
}

TraceReader::TraceReader(const std::string& path)
    : path_(path), src_(std::make_unique<Source>()), buf_(1 << 16) {
  const bool gz = isGzip(path);
  if (gz) src_->in.push(boost::iostreams::gzip_decompressor());
  src_->in.push(boost::iostreams::file_source(path, std::ios::binary));
  src_->in.exceptions(std::ios::badbit);
}

TraceReader::~TraceReader() = default;

void TraceReader::fail(const std::string& what) const {
  throw std::runtime_error(path_ + ":" + std::to_string(line_) + ": " + what);
}

bool TraceReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {  // keep the partial line at the front
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_, pos_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  try {
    src_->in.read(buf_.data() + end_, std::streamsize(buf_.size() - end_));
  } catch (const std::exception& ex) {
    fail(std::string("cannot decompress: ") + ex.what());
  }
  const std::streamsize got = src_->in.gcount();
  if (got <= 0) eof_ = true;
  end_ += size_t(std::max<std::streamsize>(got, 0));
  return got > 0;
}

bool TraceReader::next(TraceRecord& rec) {
  for (;;) {
    const char* b = buf_.data() + pos_;
    const char* nl = static_cast<const char*>(std::memchr(b, '\n', end_ - pos_));
    size_t consumed;
    if (nl) {
      consumed = size_t(nl - buf_.data()) + 1;
    } else {
      if (fill()) continue;  // fill() moved the partial line: rescan
      if (pos_ == end_) return false;
      b = buf_.data() + pos_;
      nl = buf_.data() + end_;  // last line without a newline
      consumed = end_;
    }
    ++line_;
    pos_ = consumed;
    if (parse(b, nl, rec)) return true;
  }
}

bool TraceReader::parse(const char* b, const char* e, TraceRecord& rec) {
  const char* p = skipSpace(b, e);
  if (p == e || *p == '#') return false;
  if (const char* err = parseFields(p, e, rec)) fail(err);
  if (rec.cycle < lastCycle_)
    fail("cycle " + std::to_string(rec.cycle) + " is below the previous line's " +
         std::to_string(lastCycle_));
  lastCycle_ = rec.cycle;
  return true;
}

}  // namespace vmsim::dram
