// Trace workloads: format detection and streaming replay of vmsim text and lackey traces.
#include "vmsim/workloads/trace.h"

#include "line_reader.h"
#include "trace_parsers.h"

namespace vmsim::workloads {
namespace {

using detail::LineReader;
using detail::ParsedLine;

std::string formatMessage(const std::string& file, uint64_t line, const std::string& problem) {
  return file + (line ? ":" + std::to_string(line) : std::string()) + ": " + problem;
}

class TraceWorkload final : public Workload {
 public:
  TraceWorkload(std::unique_ptr<LineReader> reader, TraceFormat format)
      : reader_(std::move(reader)),
        format_(format),
        parse_(format == TraceFormat::Lackey ? detail::parseLackeyLine : detail::parseVmSimLine) {}

  bool next(Access& a) override {
    if (taken_ < parsed_.count) {
      a = parsed_.access[taken_++];
      return true;
    }
    while (reader_->next(line_)) {
      if (!parse_(line_, parsed_, problem_))
        throw TraceError(reader_->path(), reader_->lineNumber(), problem_);
      if (parsed_.count == 0) continue;
      a = parsed_.access[0];
      taken_ = 1;
      return true;
    }
    parsed_.count = 0;
    return false;
  }

  std::string describe() const override {
    return std::string("trace ") + (format_ == TraceFormat::Lackey ? "lackey" : "vmsim-text") +
           (reader_->gzipped() ? " gzip " : " ") + reader_->path();
  }

 private:
  using ParseFn = bool (*)(std::string_view, ParsedLine&, std::string&);
  std::unique_ptr<LineReader> reader_;
  TraceFormat format_;
  ParseFn parse_;
  ParsedLine parsed_;
  int taken_ = 0;
  std::string line_, problem_;
};

// Looks at the first line that carries an access; an empty trace counts as vmsim text.
TraceFormat detectFormat(LineReader& reader) {
  std::string line;
  while (reader.next(line)) {
    if (detail::isTraceNoise(line)) continue;
    reader.pushBack();
    return detail::looksLikeLackey(line) ? TraceFormat::Lackey : TraceFormat::VmSimText;
  }
  return TraceFormat::VmSimText;
}

}  // namespace

TraceError::TraceError(const std::string& file, uint64_t line, const std::string& problem)
    : std::runtime_error(formatMessage(file, line, problem)), file_(file), line_(line) {}

std::unique_ptr<Workload> openTrace(const std::string& path) {
  auto reader = std::make_unique<LineReader>(path);
  const TraceFormat format = detectFormat(*reader);
  return std::make_unique<TraceWorkload>(std::move(reader), format);
}

std::unique_ptr<Workload> openTrace(const std::string& path, TraceFormat format) {
  return std::make_unique<TraceWorkload>(std::make_unique<LineReader>(path), format);
}

}  // namespace vmsim::workloads
