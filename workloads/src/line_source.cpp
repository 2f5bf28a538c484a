// Forward-only line reading of plain or gzip trace files (regular files, pipes, FIFOs).
#include "vmsim/workloads/line_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#include <zlib.h>

#include "vmsim/workloads/trace.h"

namespace vmsim::workloads {
namespace {

// read(2) without EINTR; -1 with errno on error.
ssize_t readFd(int fd, char* dst, size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd, dst, n);
    if (got >= 0 || errno != EINTR) return got;
  }
}

}  // namespace

// zlib's inflate on the file's bytes, as gunzip reads them: concatenated members are one stream.
// Used directly (not through a stream library) so that an error is raised exactly where the good
// data ends, after every complete line before it has been delivered.
struct LineSource::Gzip {
  z_stream z{};
  std::vector<unsigned char> in = std::vector<unsigned char>(size_t{1} << 16);
  bool inputEnd = false;
  bool memberEnd = false;
  std::string pendingError;  // raised once the output produced before it has been consumed

  Gzip() {
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~Gzip() { inflateEnd(&z); }
};

LineSource::LineSource(const std::string& path, size_t maxLineBytes)
    : path_(path), maxLine_(maxLineBytes) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(0, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    fail(0, "cannot open: Is a directory");
  }
  buf_.resize(std::max<size_t>(size_t{1} << 16, 2 * (maxLine_ + 2)));
  // The first two bytes decide the format; a pipe may deliver them one at a time.
  try {
    while (end_ < 2) {
      const size_t got = readSome(buf_.data() + end_, 2 - end_);
      if (got == 0) break;
      end_ += got;
    }
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  if (end_ == 2 && static_cast<unsigned char>(buf_[0]) == 0x1f &&
      static_cast<unsigned char>(buf_[1]) == 0x8b) {
    gzipped_ = true;
    gz_ = std::make_unique<Gzip>();
    std::memcpy(gz_->in.data(), buf_.data(), 2);  // the magic bytes start the compressed stream
    gz_->z.next_in = gz_->in.data();
    gz_->z.avail_in = 2;
    end_ = 0;
  }
}

LineSource::~LineSource() {
  gz_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void LineSource::fail(uint64_t line, const std::string& problem) const {
  throw TraceError(path_, line, problem);
}

size_t LineSource::readSome(char* dst, size_t n) {
  auto readRaw = [this](char* to, size_t k) {
    const ssize_t got = readFd(fd_, to, k);
    if (got < 0) fail(lineNumber_ + 1, std::string("read error: ") + std::strerror(errno));
    return static_cast<size_t>(got);
  };
  if (!gz_) return readRaw(dst, n);
  Gzip& g = *gz_;
  if (!g.pendingError.empty()) fail(lineNumber_ + 1, g.pendingError);
  z_stream& z = g.z;
  z.next_out = reinterpret_cast<unsigned char*>(dst);
  z.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
  const uInt want = z.avail_out;
  std::string error;
  while (z.avail_out == want && error.empty()) {
    if (z.avail_in == 0 && !g.inputEnd) {
      const size_t got = readRaw(reinterpret_cast<char*>(g.in.data()), g.in.size());
      if (got == 0) g.inputEnd = true;
      z.next_in = g.in.data();
      z.avail_in = static_cast<uInt>(got);
    }
    if (g.memberEnd) {
      if (z.avail_in == 0) return 0;  // end of the last member: end of the file
      if (z.next_in[0] != 0x1f) {
        error = "data after the end of the gzip stream";
        break;
      }
      inflateReset(&z);  // another member follows (as `cat a.gz b.gz` makes)
      g.memberEnd = false;
    }
    if (z.avail_in == 0) {
      error = "truncated gzip stream (the file ends inside compressed data)";
      break;
    }
    const int rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END)
      g.memberEnd = true;
    else if (rc != Z_OK && rc != Z_BUF_ERROR)
      error = std::string("corrupt gzip data: ") + (z.msg ? z.msg : "inflate failed");
  }
  const size_t produced = want - z.avail_out;
  if (!error.empty()) {
    if (produced == 0) fail(lineNumber_ + 1, error);
    g.pendingError = error;
  }
  return produced;
}

bool LineSource::fill() {
  if (eof_) return false;
  if (pos_ > 0) {  // keep the partial line at the front
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  const size_t got = readSome(buf_.data() + end_, buf_.size() - end_);
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
