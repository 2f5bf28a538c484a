// Forward-only decoding of plain, gzip, xz and zstd trace files (regular files, pipes, FIFOs).
#include "vmsim/workloads/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

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

constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kXzMagic[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};

template <size_t N>
bool startsWith(const char* data, size_t size, const unsigned char (&magic)[N]) {
  return size >= N && std::memcmp(data, magic, N) == 0;
}

}  // namespace

const char* toString(Compression c) {
  switch (c) {
    case Compression::None:
      return "plain";
    case Compression::Gzip:
      return "gzip";
    case Compression::Xz:
      return "xz";
    case Compression::Zstd:
      return "zstd";
  }
  return "?";
}

// A decoder owns its input buffer, refilled from the file through the source. decode() returns
// the bytes it produced (0 = end of the stream) and sets `error` when the stream is damaged; bytes
// produced before the damage are still returned.
struct ByteSource::Decoder {
  explicit Decoder(ByteSource& s) : src(s) {}
  virtual ~Decoder() = default;
  virtual size_t decode(unsigned char* dst, size_t n, std::string& error) = 0;

  // Reads the next chunk of the file into `in`; sets inputEnd when there is none.
  size_t refill() {
    const size_t got = src.readRaw(reinterpret_cast<char*>(in.data()), in.size());
    if (got == 0) inputEnd = true;
    return got;
  }

  ByteSource& src;
  std::vector<unsigned char> in = std::vector<unsigned char>(size_t{1} << 16);
  bool inputEnd = false;
};

namespace {

// zlib's inflate as gunzip reads: concatenated members are one stream.
struct GzipDecoder final : ByteSource::Decoder {
  GzipDecoder(ByteSource& s, const char* head, size_t headSize) : Decoder(s) {
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
    std::memcpy(in.data(), head, headSize);  // the magic bytes start the compressed stream
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(headSize);
  }
  ~GzipDecoder() override { inflateEnd(&z); }

  size_t decode(unsigned char* dst, size_t n, std::string& error) override {
    z.next_out = dst;
    z.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt want = z.avail_out;
    while (z.avail_out == want && error.empty()) {
      if (z.avail_in == 0 && !inputEnd) {
        z.avail_in = static_cast<uInt>(refill());
        z.next_in = in.data();
      }
      if (memberEnd) {
        if (z.avail_in == 0) return 0;  // end of the last member: end of the file
        if (z.next_in[0] != 0x1f) {
          error = "data after the end of the gzip stream";
          break;
        }
        inflateReset(&z);  // another member follows (as `cat a.gz b.gz` makes)
        memberEnd = false;
      }
      if (z.avail_in == 0) {
        error = "truncated gzip stream (the file ends inside compressed data)";
        break;
      }
      const int rc = inflate(&z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END)
        memberEnd = true;
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        error = std::string("corrupt gzip data: ") + (z.msg ? z.msg : "inflate failed");
    }
    return want - z.avail_out;
  }

  z_stream z{};
  bool memberEnd = false;
};

// liblzma's .xz decoder; LZMA_CONCATENATED reads concatenated streams as unxz does.
struct XzDecoder final : ByteSource::Decoder {
  XzDecoder(ByteSource& s, const char* head, size_t headSize) : Decoder(s) {
    if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) throw std::bad_alloc();
    std::memcpy(in.data(), head, headSize);
    z.next_in = in.data();
    z.avail_in = headSize;
  }
  ~XzDecoder() override { lzma_end(&z); }

  size_t decode(unsigned char* dst, size_t n, std::string& error) override {
    z.next_out = dst;
    z.avail_out = n;
    while (z.avail_out == n && error.empty() && !finished) {
      if (z.avail_in == 0 && !inputEnd) {
        z.avail_in = refill();
        z.next_in = in.data();
      }
      const lzma_ret rc = lzma_code(&z, inputEnd ? LZMA_FINISH : LZMA_RUN);
      if (rc == LZMA_STREAM_END)
        finished = true;
      else if (rc == LZMA_BUF_ERROR)  // no progress possible: the input ended inside a stream
        error = "truncated xz stream (the file ends inside compressed data)";
      else if (rc != LZMA_OK)
        error = std::string("corrupt xz data: ") + describe(rc);
    }
    return n - z.avail_out;
  }

  static const char* describe(lzma_ret rc) {
    switch (rc) {
      case LZMA_FORMAT_ERROR:
        return "not in the .xz format";
      case LZMA_OPTIONS_ERROR:
        return "unsupported compression options";
      case LZMA_DATA_ERROR:
        return "compressed data is corrupt";
      case LZMA_MEM_ERROR:
        return "out of memory";
      case LZMA_MEMLIMIT_ERROR:
        return "memory limit reached";
      default:
        return "decoder error";
    }
  }

  lzma_stream z = LZMA_STREAM_INIT;
  bool finished = false;
};

// libzstd's streaming decoder; consecutive frames are one stream, as unzstd reads them.
struct ZstdDecoder final : ByteSource::Decoder {
  ZstdDecoder(ByteSource& s, const char* head, size_t headSize) : Decoder(s) {
    d = ZSTD_createDStream();
    if (!d) throw std::bad_alloc();
    std::memcpy(in.data(), head, headSize);
    inBuf = {in.data(), headSize, 0};
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(d); }

  size_t decode(unsigned char* dst, size_t n, std::string& error) override {
    ZSTD_outBuffer out{dst, n, 0};
    while (out.pos == 0) {
      if (inBuf.pos == inBuf.size && !inputEnd) inBuf = {in.data(), refill(), 0};
      const bool noInput = inputEnd && inBuf.pos == inBuf.size;
      if (noInput && atFrameEnd) return 0;
      const size_t rc = ZSTD_decompressStream(d, &out, &inBuf);
      if (ZSTD_isError(rc)) {
        error = std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc);
        break;
      }
      atFrameEnd = rc == 0;  // a frame is complete and flushed
      if (noInput && out.pos == 0 && !atFrameEnd) {
        error = "truncated zstd stream (the file ends inside a frame)";
        break;
      }
    }
    return out.pos;
  }

  ZSTD_DStream* d = nullptr;
  ZSTD_inBuffer inBuf{};
  bool atFrameEnd = true;
};

}  // namespace

ByteSource::ByteSource(const std::string& path) : path_(path) {
  auto fail = [&](const std::string& why) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw TraceError(path_, 0, "cannot open: " + why);
  };
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) fail("Is a directory");
  // The first bytes decide the compression; a pipe may deliver them one at a time.
  char head[sizeof(kXzMagic)];
  size_t headSize = 0;
  while (headSize < sizeof(head)) {
    const ssize_t got = readFd(fd_, head + headSize, sizeof(head) - headSize);
    if (got < 0) fail(std::string("read error: ") + std::strerror(errno));
    if (got == 0) break;
    headSize += static_cast<size_t>(got);
  }
  try {
    if (startsWith(head, headSize, kGzipMagic)) {
      compression_ = Compression::Gzip;
      decoder_ = std::make_unique<GzipDecoder>(*this, head, headSize);
    } else if (startsWith(head, headSize, kXzMagic)) {
      compression_ = Compression::Xz;
      decoder_ = std::make_unique<XzDecoder>(*this, head, headSize);
    } else if (startsWith(head, headSize, kZstdMagic)) {
      compression_ = Compression::Zstd;
      decoder_ = std::make_unique<ZstdDecoder>(*this, head, headSize);
    } else {
      ahead_.assign(head, headSize);
    }
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

ByteSource::~ByteSource() {
  decoder_.reset();
  if (fd_ >= 0) ::close(fd_);
}

size_t ByteSource::readRaw(char* dst, size_t n) {
  const ssize_t got = readFd(fd_, dst, n);
  if (got < 0) throw StreamError(std::string("read error: ") + std::strerror(errno));
  return static_cast<size_t>(got);
}

size_t ByteSource::readDecoded(char* dst, size_t n) {
  if (!decoder_) return readRaw(dst, n);
  std::string error;
  const size_t produced = decoder_->decode(reinterpret_cast<unsigned char*>(dst), n, error);
  if (!error.empty()) {
    if (produced == 0) throw StreamError(error);
    pendingError_ = error;
  }
  return produced;
}

size_t ByteSource::read(char* dst, size_t n) {
  if (n == 0) return 0;
  if (aheadPos_ < ahead_.size()) {
    const size_t k = std::min(n, ahead_.size() - aheadPos_);
    std::memcpy(dst, ahead_.data() + aheadPos_, k);
    aheadPos_ += k;
    if (aheadPos_ == ahead_.size()) {
      ahead_.clear();
      aheadPos_ = 0;
    }
    return k;
  }
  if (!pendingError_.empty()) throw StreamError(pendingError_);
  return readDecoded(dst, n);
}

std::string_view ByteSource::peek(size_t n) {
  char chunk[512];
  while (ahead_.size() - aheadPos_ < n && pendingError_.empty()) {
    const size_t want = std::min(sizeof(chunk), n - (ahead_.size() - aheadPos_));
    size_t got = 0;
    try {
      got = readDecoded(chunk, want);
    } catch (const StreamError& e) {
      if (aheadPos_ == ahead_.size()) throw;
      pendingError_ = e.what();  // raised by the read after the peeked bytes
      break;
    }
    if (got == 0) break;
    ahead_.append(chunk, got);
  }
  return std::string_view(ahead_).substr(aheadPos_, n);
}

}  // namespace vmsim::workloads
