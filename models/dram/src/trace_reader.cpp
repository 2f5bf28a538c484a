// Reader for DRAMsim3-format traces ("0x1fc0 READ 254"), plain text or gzip, read forward only.
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "vmsim/dram/trace.h"
#include "vmsim/workloads/line_source.h"
#include "vmsim/workloads/trace.h"

namespace vmsim::dram {

// Read-ahead: a worker thread decompresses and parses batches of records while the caller
// replays the ones before (the host's second core does the trace decoding). A batch carries the
// records of its lines and, after them, the error that ended the file if one did, so the caller
// sees every good record before the error and the error exactly as a direct read would throw it.
struct TraceReader::Source {
  explicit Source(const std::string& path) : lines(path) {}
  ~Source() { stop(); }

  struct Batch {
    std::vector<TraceRecord> recs;
    std::vector<uint64_t> lineNumbers;
    std::exception_ptr error;
    bool last = false;  ///< the file ends (or failed) after these records
  };
  static constexpr size_t kBatch = 4096, kDepth = 4;  ///< records per batch, batches ahead

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m);
      stopping = true;
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
  }

  workloads::LineSource lines;
  std::thread worker;
  std::mutex m;
  std::condition_variable cv;
  std::deque<Batch> ready;
  bool stopping = false, started = false;
  Batch cur;
  size_t pos = 0;
  uint64_t line = 0;  ///< line of the last record handed out
};

namespace {

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
  int digits = 0;  // significant ones: leading zeros do not count
  for (const char* q = p + 2; q < w; ++q) {
    const char c = char(*q | 0x20);
    const int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) return "address must be hex with 0x prefix";
    if (digits > 0 || v != 0) ++digits;
    if (digits > 16) return "address does not fit 64 bits";
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
    const unsigned d = unsigned(*q - '0');
    if (c > (UINT64_MAX - d) / 10) return "cycle does not fit 64 bits";
    c = c * 10 + d;
  }
  if (skipSpace(w, e) != e) return "unexpected text after the cycle";
  rec.addr = a, rec.cycle = c;
  return nullptr;
}

// Hex digit values (0xff: not a hex digit).
struct HexTable {
  unsigned char v[256];
  constexpr HexTable() : v() {
    for (int i = 0; i < 256; ++i) v[i] = 0xff;
    for (int i = 0; i < 10; ++i) v['0' + i] = static_cast<unsigned char>(i);
    for (int i = 0; i < 6; ++i) {
      v['a' + i] = static_cast<unsigned char>(10 + i);
      v['A' + i] = static_cast<unsigned char>(10 + i);
    }
  }
};
constexpr HexTable kHex;

// The canonical line "0x<1..16 hex> READ|WRITE <1..19 digits>" (single spaces, nothing else),
// as trace writers emit it. Returns false for anything else, which parseFields then reads with
// its full rules and error messages; both give the same record for a canonical line.
bool parseCanonical(const char* p, const char* e, TraceRecord& rec) {
  if (e - p < 10 || p[0] != '0' || p[1] != 'x') return false;
  p += 2;
  const char* const h = p;
  uint64_t a = 0;
  for (unsigned v; p < e && (v = kHex.v[static_cast<unsigned char>(*p)]) < 16; ++p) a = a << 4 | v;
  if (p == h || p - h > 16 || p == e || *p != ' ') return false;
  ++p;
  if (e - p > 5 && std::memcmp(p, "READ ", 5) == 0) {
    rec.isWrite = false, p += 5;
  } else if (e - p > 6 && std::memcmp(p, "WRITE ", 6) == 0) {
    rec.isWrite = true, p += 6;
  } else {
    return false;
  }
  const char* const d = p;
  uint64_t c = 0;
  for (unsigned v; p < e && (v = unsigned(*p - '0')) < 10; ++p) c = c * 10 + v;
  if (p != e || e - d > 19) return false;  // 19 digits always fit 64 bits
  rec.addr = a, rec.cycle = c;
  return true;
}

}  // namespace

TraceRecord parseTraceLine(const std::string& text) {
  TraceRecord r;
  if (const char* err = parseFields(text.data(), text.data() + text.size(), r))
    throw std::invalid_argument("trace line " + workloads::quoteForMessage(text) + ": " + err);
  return r;
}

TraceReader::TraceReader(const std::string& path)
    : path_(path), src_(std::make_unique<Source>(path)) {}

TraceReader::~TraceReader() {
  src_->stop();  // before any member the worker uses goes
}

uint64_t TraceReader::line() const {
  return src_->line;
}

void TraceReader::fail(const std::string& what) const {
  throw std::runtime_error(path_ + ":" + std::to_string(src_->lines.lineNumber()) + ": " + what);
}

// Worker: batches of parsed records until the end of the file, an error, or stop().
void TraceReader::produce() {
  Source& s = *src_;
  for (;;) {
    Source::Batch b;
    b.recs.reserve(Source::kBatch);
    b.lineNumbers.reserve(Source::kBatch);
    try {
      std::string_view text;
      TraceRecord rec;
      while (b.recs.size() < Source::kBatch) {
        if (!s.lines.next(text)) {
          b.last = true;
          break;
        }
        if (parse(text, rec)) {
          b.recs.push_back(rec);
          b.lineNumbers.push_back(s.lines.lineNumber());
        }
      }
    } catch (...) {
      b.error = std::current_exception();
      b.last = true;
    }
    const bool last = b.last;
    {
      std::unique_lock<std::mutex> lk(s.m);
      s.cv.wait(lk, [&] { return s.stopping || s.ready.size() < Source::kDepth; });
      if (s.stopping) return;
      s.ready.push_back(std::move(b));
    }
    s.cv.notify_all();
    if (last) return;
  }
}

bool TraceReader::next(TraceRecord& rec) {
  Source& s = *src_;
  for (;;) {
    if (s.pos < s.cur.recs.size()) {
      rec = s.cur.recs[s.pos];
      s.line = s.cur.lineNumbers[s.pos++];
      return true;
    }
    if (s.cur.error) {
      std::exception_ptr e;
      std::swap(e, s.cur.error);
      std::rethrow_exception(e);
    }
    if (s.cur.last) return false;
    if (!s.started) {
      s.started = true;
      s.worker = std::thread([this] { produce(); });
    }
    {
      std::unique_lock<std::mutex> lk(s.m);
      s.cv.wait(lk, [&] { return !s.ready.empty(); });
      s.cur = std::move(s.ready.front());
      s.ready.pop_front();
    }
    s.cv.notify_all();
    s.pos = 0;
  }
}

bool TraceReader::parse(std::string_view text, TraceRecord& rec) {
  const char* b = text.data();
  const char* e = b + text.size();
  const char* p = skipSpace(b, e);
  if (p == e || *p == '#') return false;
  if (!parseCanonical(p, e, rec))
    if (const char* err = parseFields(p, e, rec)) fail(err);
  if (rec.cycle < lastCycle_)
    fail("cycle " + std::to_string(rec.cycle) + " is below the previous line's " +
         std::to_string(lastCycle_));
  if (rec.cycle - lastCycle_ > kMaxTraceGapCycles)
    fail("cycle " + std::to_string(rec.cycle) + " is " + std::to_string(rec.cycle - lastCycle_) +
         " cycles after " +
         (seen_ ? "the previous request's (" + std::to_string(lastCycle_) + ")"
                : std::string("the start of the trace")) +
         "; requests may be at most " + std::to_string(kMaxTraceGapCycles) +
         " cycles apart (longer idle gaps only replay refresh: cut them out of the trace)");
  lastCycle_ = rec.cycle;
  seen_ = true;
  return true;
}

}  // namespace vmsim::dram
