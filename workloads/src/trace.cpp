// Trace workloads: format detection and streaming replay of vmsim text and lackey traces.
#include "vmsim/workloads/trace.h"

#include "trace_parsers.h"
#include "vmsim/workloads/line_source.h"

namespace vmsim::workloads {
namespace {

using detail::ParsedLine;

std::string formatMessage(const std::string& file, uint64_t line, const std::string& problem) {
  return file + (line ? ":" + std::to_string(line) : std::string()) + ": " + problem;
}

// Looks at the first line that carries an access; an empty trace counts as vmsim text (and is
// then refused for holding no access).
TraceFormat detectFormat(LineSource& reader) {
  std::string_view line;
  while (reader.next(line)) {
    if (detail::isTraceNoise(line)) continue;
    reader.pushBack();
    return detail::looksLikeLackey(line) ? TraceFormat::Lackey : TraceFormat::VmSimText;
  }
  return TraceFormat::VmSimText;
}

class TraceWorkload final : public Workload {
 public:
  TraceWorkload(std::unique_ptr<LineSource> reader, const TraceOptions& opt)
      : reader_(std::move(reader)),
        format_(opt.format ? *opt.format : detectFormat(*reader_)),
        parse_(format_ == TraceFormat::Lackey ? detail::parseLackeyLine : detail::parseVmSimLine),
        count_(opt.count),
        onStoppedEarly_(opt.onStoppedEarly) {
    uint64_t skipped = 0;
    while (skipped < opt.skip && pull(pending_)) ++skipped;
    if (skipped < opt.skip || !pull(pending_))
      throw TraceError(reader_->path(), 0,
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
    return std::string("trace ") + (format_ == TraceFormat::Lackey ? "lackey" : "vmsim-text") +
           (reader_->gzipped() ? " gzip " : " ") + reader_->path();
  }

 private:
  bool pull(Access& a) {
    if (taken_ < parsed_.count) {
      a = parsed_.access[taken_++];
      return true;
    }
    std::string_view line;
    while (reader_->next(line)) {
      if (!parse_(line, parsed_, problem_))
        throw TraceError(reader_->path(), reader_->lineNumber(), problem_);
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
      std::string_view line;
      while (!more && reader_->next(line)) more = !detail::isTraceNoise(line);
    } catch (const TraceError&) {
      more = true;  // something is there, even if unreadable
    }
    if (more)
      onStoppedEarly_(reader_->path() + ": replay stopped after count=" + std::to_string(count_) +
                      " accesses; the trace holds more (count 0 replays it to the end)");
  }

  using ParseFn = bool (*)(std::string_view, ParsedLine&, std::string&);
  std::unique_ptr<LineSource> reader_;
  TraceFormat format_;
  ParseFn parse_;
  uint64_t count_;
  std::function<void(const std::string&)> onStoppedEarly_;
  ParsedLine parsed_;
  int taken_ = 0;
  std::string problem_;
  Access pending_;
  bool havePending_ = false;
  bool noted_ = false;
  uint64_t issued_ = 0;
};

}  // namespace

TraceError::TraceError(const std::string& file, uint64_t line, const std::string& problem)
    : std::runtime_error(formatMessage(file, line, problem)), file_(file), line_(line) {}

std::unique_ptr<Workload> openTrace(const std::string& path, const TraceOptions& options) {
  return std::make_unique<TraceWorkload>(std::make_unique<LineSource>(path), options);
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
