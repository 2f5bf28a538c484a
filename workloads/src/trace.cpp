// Trace workloads: format detection and streaming replay of vmsim text, lackey and ChampSim traces.
#include "vmsim/workloads/trace.h"

#include <cstring>

#include "trace_parsers.h"
#include "vmsim/workloads/byte_source.h"
#include "vmsim/workloads/line_source.h"

namespace vmsim::workloads {
namespace {

using detail::ParsedLine;

std::string formatMessage(const std::string& file, uint64_t line, const std::string& problem) {
  return file + (line ? ":" + std::to_string(line) : std::string()) + ": " + problem;
}

// A trace's input cut into units (lines or records), each parsed into its accesses.
class Units {
 public:
  virtual ~Units() = default;
  // The next unit's accesses (possibly none); false at the end. Throws TraceError.
  virtual bool next(ParsedLine& out) = 0;
  // After a replay stopped early: whether anything but comments follows.
  virtual bool anyMore() = 0;
  virtual const std::string& path() const = 0;
  virtual Compression compression() const = 0;
};

class TextUnits final : public Units {
 public:
  TextUnits(std::unique_ptr<LineSource> lines, TraceFormat format, int version)
      : lines_(std::move(lines)),
        parse_(format == TraceFormat::Lackey ? detail::parseLackeyLine : detail::parseVmSimLine),
        v2_(version == 2) {}

  bool next(ParsedLine& out) override {
    std::string_view line;
    if (!lines_->next(line)) return false;
    const bool ok =
        v2_ ? detail::parseVmSimV2Line(line, out, problem_, procs_) : parse_(line, out, problem_);
    if (!ok) throw TraceError(path(), lines_->lineNumber(), problem_);
    if (v2_ && out.count) out.access[0].line = lines_->lineNumber();
    return true;
  }
  bool anyMore() override {
    std::string_view line;
    while (lines_->next(line))
      if (!detail::isTraceNoise(line)) return true;
    return false;
  }
  const std::string& path() const override { return lines_->path(); }
  Compression compression() const override { return lines_->compression(); }

 private:
  using ParseFn = bool (*)(std::string_view, ParsedLine&, std::string&);
  std::unique_ptr<LineSource> lines_;
  ParseFn parse_;
  bool v2_;
  detail::ProcessTable procs_;
  std::string problem_;
};

// 64-byte records read a few thousand at a time.
class ChampSimUnits final : public Units {
 public:
  explicit ChampSimUnits(std::unique_ptr<ByteSource> bytes)
      : bytes_(std::move(bytes)), buf_(kChampSimRecordBytes * 1024) {}

  bool next(ParsedLine& out) override {
    if (end_ - pos_ < kChampSimRecordBytes && !fill()) return false;
    ++record_;
    const auto* r = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
    pos_ += kChampSimRecordBytes;
    if (!detail::parseChampSimRecord(r, out, problem_)) fail(problem_);
    return true;
  }
  bool anyMore() override { return end_ > pos_ || fill(); }
  const std::string& path() const override { return bytes_->path(); }
  Compression compression() const override { return bytes_->compression(); }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw TraceError(path(), 0, "record " + std::to_string(record_) + ": " + problem);
  }

  // Makes at least one whole record available; false at a clean end of the file.
  bool fill() {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    while (end_ < buf_.size()) {
      size_t got = 0;
      try {
        got = bytes_->read(buf_.data() + end_, buf_.size() - end_);
      } catch (const StreamError& e) {
        if (end_ >= kChampSimRecordBytes) break;  // deliver the whole records first
        ++record_;
        fail(e.what());
      }
      if (got == 0) break;
      end_ += got;
    }
    if (end_ == 0) return false;
    if (end_ < kChampSimRecordBytes) {
      ++record_;
      fail("truncated record: the file ends " + std::to_string(end_) + " bytes into it (a " +
           "ChampSim record is " + std::to_string(kChampSimRecordBytes) + " bytes)");
    }
    return true;  // a partial record after the whole ones is reported by a later fill
  }

  std::unique_ptr<ByteSource> bytes_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t record_ = 0;
  std::string problem_;
};

[[noreturn]] void unknownFormat(const std::string& path, uint64_t line, std::string_view text) {
  throw TraceError(path, line,
                   "unknown trace format: the first access line " + quoteForMessage(text) +
                       " is neither vmsim text (OP VADDR SIZE) nor valgrind lackey (I, L, S or M "
                       "ADDR,SIZE), and the file is text, not ChampSim binary; workload.format "
                       "(vmsim, lackey, champsim) forces a format");
}

// The units of a trace whose format is given or detected from the content.
std::unique_ptr<Units> openUnits(const std::string& path, std::optional<TraceFormat> format,
                                 TraceFormat& chosen, int& version) {
  auto bytes = std::make_unique<ByteSource>(path);
  if (!format) {
    std::string_view head;
    try {
      head = bytes->peek(kChampSimRecordBytes);
    } catch (const StreamError& e) {
      throw TraceError(path, 1, e.what());
    }
    if (head.find('\0') != std::string_view::npos) {
      ParsedLine probe;
      std::string problem;
      if (head.size() == kChampSimRecordBytes &&
          !detail::parseChampSimRecord(reinterpret_cast<const unsigned char*>(head.data()), probe,
                                       problem))
        throw TraceError(path, 0,
                         "unknown trace format: binary data that is not a ChampSim trace (record "
                         "1: " +
                             problem + ")");
      format = TraceFormat::ChampSim;
    }
  }
  if (format == TraceFormat::ChampSim) {
    chosen = TraceFormat::ChampSim;
    return std::make_unique<ChampSimUnits>(std::move(bytes));
  }
  auto lines = std::make_unique<LineSource>(std::move(bytes));
  // A versioned vmsim text trace starts with "#!vmsim-trace N" (docs/workloads.md); without it,
  // version 1 (one process).
  version = 1;
  {
    std::string_view first;
    if (lines->next(first)) {
      const int v = detail::traceVersionOf(first);
      if (v < 0 || v > 2)
        throw TraceError(path, 1,
                         "unsupported trace version line " + quoteForMessage(first) +
                             " (this vmsim reads '#!vmsim-trace 2'; version 1 has no such line)");
      if (v == 2) {
        if (format && format != TraceFormat::VmSimText)
          throw TraceError(path, 1,
                           std::string("a '#!vmsim-trace 2' trace is vmsim text, not ") +
                               toString(*format) + " (workload.format)");
        version = 2;
        format = TraceFormat::VmSimText;
      } else {
        lines->pushBack();
      }
    }
  }
  if (!format) {
    // The first line that carries an access decides; an empty trace counts as vmsim text (and
    // is then refused for holding no access).
    format = TraceFormat::VmSimText;
    std::string_view line;
    while (lines->next(line)) {
      if (detail::isTraceNoise(line)) continue;
      lines->pushBack();
      if (detail::looksLikeLackey(line))
        format = TraceFormat::Lackey;
      else if (!detail::startsWithVmSimOp(line))
        unknownFormat(path, lines->lineNumber(), line);
      break;
    }
  }
  chosen = *format;
  return std::make_unique<TextUnits>(std::move(lines), chosen, version);
}

class TraceWorkload final : public Workload {
 public:
  TraceWorkload(const std::string& path, const TraceOptions& opt)
      : units_(openUnits(path, opt.format, format_, version_)),
        count_(opt.count),
        onStoppedEarly_(opt.onStoppedEarly) {
    if (version_ == 2 && opt.skip)
      throw TraceError(units_->path(), 0,
                       "skip is not supported in multi-process ('#!vmsim-trace 2') traces: the "
                       "skipped records could hold the forks later records need");
    uint64_t skipped = 0;
    while (skipped < opt.skip && pull(pending_)) ++skipped;
    if (skipped < opt.skip || !pull(pending_))
      throw TraceError(units_->path(), 0,
                       opt.skip ? "skip " + std::to_string(opt.skip) +
                                      " leaves no access to replay (the trace holds " +
                                      std::to_string(skipped) + ")"
                                : std::string("no accesses (the trace is empty or holds only "
                                              "comments and blank lines)"));
    havePending_ = true;
  }

  bool next(Access& a) override {
    if (count_ && issued_ == count_) {
      noteStop();
      return false;
    }
    if (havePending_) {
      havePending_ = false;
      a = pending_;
    } else if (!pull(a)) {
      return false;
    }
    ++issued_;
    return true;
  }

  std::string describe() const override {
    const Compression c = units_->compression();
    return std::string("trace ") +
           (format_ == TraceFormat::VmSimText ? (version_ == 2 ? "vmsim-text-v2" : "vmsim-text")
                                              : toString(format_)) +
           (c == Compression::None ? " " : std::string(" ") + toString(c) + " ") + units_->path();
  }

 private:
  bool pull(Access& a) {
    if (taken_ < parsed_.count) {
      a = parsed_.access[taken_++];
      return true;
    }
    while (units_->next(parsed_)) {
      if (parsed_.count == 0) continue;
      a = parsed_.access[0];
      taken_ = 1;
      return true;
    }
    parsed_.count = 0;
    return false;
  }

  // Tells once that `count` cut the trace short, if anything but comments follows.
  void noteStop() {
    if (noted_ || !onStoppedEarly_) return;
    noted_ = true;
    bool more = taken_ < parsed_.count;
    try {
      more = more || units_->anyMore();
    } catch (const TraceError&) {
      more = true;  // something is there, even if unreadable
    }
    if (more)
      onStoppedEarly_(units_->path() + ": replay stopped after count=" + std::to_string(count_) +
                      " accesses; the trace holds more (count 0 replays it to the end)");
  }

  TraceFormat format_ = TraceFormat::VmSimText;
  int version_ = 1;
  std::unique_ptr<Units> units_;
  uint64_t count_;
  std::function<void(const std::string&)> onStoppedEarly_;
  ParsedLine parsed_;
  int taken_ = 0;
  Access pending_;
  bool havePending_ = false;
  bool noted_ = false;
  uint64_t issued_ = 0;
};

}  // namespace

TraceError::TraceError(const std::string& file, uint64_t line, const std::string& problem)
    : std::runtime_error(formatMessage(file, line, problem)), file_(file), line_(line) {}

const char* toString(TraceFormat f) {
  switch (f) {
    case TraceFormat::VmSimText:
      return "vmsim";
    case TraceFormat::Lackey:
      return "lackey";
    case TraceFormat::ChampSim:
      return "champsim";
  }
  return "?";
}

const std::vector<std::string>& traceFormatNames() {
  static const std::vector<std::string> names{"vmsim", "lackey", "champsim"};
  return names;
}

std::optional<TraceFormat> traceFormatFromName(const std::string& name) {
  for (TraceFormat f : {TraceFormat::VmSimText, TraceFormat::Lackey, TraceFormat::ChampSim})
    if (name == toString(f)) return f;
  return std::nullopt;
}

std::unique_ptr<Workload> openTrace(const std::string& path, const TraceOptions& options) {
  return std::make_unique<TraceWorkload>(path, options);
}

std::unique_ptr<Workload> openTrace(const std::string& path) {
  return openTrace(path, TraceOptions{});
}

std::unique_ptr<Workload> openTrace(const std::string& path, TraceFormat format) {
  TraceOptions opt;
  opt.format = format;
  return openTrace(path, opt);
}

}  // namespace vmsim::workloads
