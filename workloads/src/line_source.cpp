// Forward-only line reading of plain or compressed trace files (regular files, pipes, FIFOs).
#include "vmsim/workloads/line_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#include "vmsim/workloads/trace.h"

namespace vmsim::workloads {

LineSource::LineSource(const std::string& path, size_t maxLineBytes)
    : LineSource(std::make_unique<ByteSource>(path), maxLineBytes) {}

LineSource::LineSource(std::unique_ptr<ByteSource> bytes, size_t maxLineBytes)
    : path_(bytes->path()), maxLine_(maxLineBytes), bytes_(std::move(bytes)) {
  buf_.resize(std::max<size_t>(size_t{1} << 16, 2 * (maxLine_ + 2)));
}

LineSource::~LineSource() = default;

void LineSource::fail(uint64_t line, const std::string& problem) const {
  throw TraceError(path_, line, problem);
}

bool LineSource::fill() {
  if (eof_) return false;
  if (pos_ > 0) {  // keep the partial line at the front
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  size_t got = 0;
  try {
    got = bytes_->read(buf_.data() + end_, buf_.size() - end_);
  } catch (const StreamError& e) {
    fail(lineNumber_ + 1, e.what());
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

bool LineSource::next(std::string_view& line) {
  if (pushedBack_) {
    pushedBack_ = false;
    line = last_;
    return true;
  }
  auto tooLong = [this] {
    fail(lineNumber_ + 1, "line longer than " + std::to_string(maxLine_) + " bytes");
  };
  for (;;) {
    const char* b = buf_.data() + pos_;
    size_t avail = end_ - pos_;
    const void* nl = std::memchr(b, '\n', avail);
    size_t len;
    if (nl) {
      len = static_cast<size_t>(static_cast<const char*>(nl) - b);
      pos_ += len + 1;
    } else {
      if (avail > maxLine_ + 1) tooLong();  // even a trailing '\r' cannot make it fit
      if (fill()) continue;
      b = buf_.data() + pos_;  // fill() may have moved the partial line to the front
      avail = end_ - pos_;
      if (avail == 0) return false;
      len = avail;  // last line without a newline
      pos_ = end_;
    }
    if (len > 0 && b[len - 1] == '\r') --len;
    if (len > maxLine_) tooLong();
    ++lineNumber_;
    last_ = line = std::string_view(b, len);
    return true;
  }
}

std::string quoteForMessage(std::string_view text, size_t max) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "'";
  const size_t n = std::min(text.size(), max);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '\'';
  if (text.size() > n) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace vmsim::workloads
