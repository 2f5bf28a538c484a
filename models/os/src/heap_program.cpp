// Heap programs: the text format's parser (errors name file and line) and the random generator.
#include "vmsim/os/heap_program.h"

#include "vmsim/os/memory_checker.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace vmsim::os {

const char* toString(HeapOpKind k) {
  switch (k) {
    case HeapOpKind::Malloc:
      return "malloc";
    case HeapOpKind::Calloc:
      return "calloc";
    case HeapOpKind::Free:
      return "free";
    case HeapOpKind::Realloc:
      return "realloc";
    case HeapOpKind::Write:
      return "write";
    case HeapOpKind::Read:
      return "read";
  }
  return "?";
}

namespace {

struct OpSyntax {
  const char* name;
  HeapOpKind kind;
  size_t minArgs;
  size_t maxArgs;
};

constexpr OpSyntax kSyntax[] = {
    {"malloc", HeapOpKind::Malloc, 2, 2},   {"calloc", HeapOpKind::Calloc, 2, 2},
    {"realloc", HeapOpKind::Realloc, 2, 2}, {"free", HeapOpKind::Free, 1, 2},
    {"write", HeapOpKind::Write, 3, 3},     {"read", HeapOpKind::Read, 3, 3}};

uint64_t parseNumber(const std::string& tok, const std::string& where) {
  size_t used = 0;
  uint64_t v = 0;
  try {
    if (!tok.empty() && tok[0] != '-') v = std::stoull(tok, &used, 0);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != tok.size())
    throw std::runtime_error(where + ": '" + tok + "' is not a non-negative number");
  return v;
}

HeapOp parseLine(const std::vector<std::string>& tok, const std::string& where) {
  const OpSyntax* syn = nullptr;
  for (const OpSyntax& s : kSyntax)
    if (tok[0] == s.name) syn = &s;
  if (!syn)
    throw std::runtime_error(where + ": unknown operation '" + tok[0] +
                             "' (valid: malloc, calloc, realloc, free, write, read)");
  const size_t args = tok.size() - 1;
  if (args < syn->minArgs || args > syn->maxArgs)
    throw std::runtime_error(
        where + ": '" + tok[0] + "' takes " + std::to_string(syn->minArgs) +
        (syn->maxArgs > syn->minArgs ? "-" + std::to_string(syn->maxArgs) : "") +
        " arguments, got " + std::to_string(args));
  HeapOp op;
  op.kind = syn->kind;
  op.id = parseNumber(tok[1], where);
  if (op.kind == HeapOpKind::Write || op.kind == HeapOpKind::Read) {
    op.offset = parseNumber(tok[2], where);
    op.size = parseNumber(tok[3], where);
  } else if (op.kind == HeapOpKind::Free) {
    op.offset = args > 1 ? parseNumber(tok[2], where) : 0;
  } else {
    op.size = parseNumber(tok[2], where);
  }
  return op;
}

}  // namespace

std::vector<HeapOp> parseHeapProgram(const std::string& text, const std::string& origin) {
  std::vector<HeapOp> ops;
  std::unordered_set<uint64_t> defined;
  std::istringstream in(text);
  std::string line;
  for (uint32_t lineNo = 1; std::getline(in, line); ++lineNo) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::vector<std::string> tok;
    for (std::string w; words >> w;) tok.push_back(w);
    if (tok.empty()) continue;
    const std::string where = origin + ":" + std::to_string(lineNo);
    HeapOp op = parseLine(tok, where);
    op.line = lineNo;
    const bool creates = op.kind == HeapOpKind::Malloc || op.kind == HeapOpKind::Calloc ||
                         op.kind == HeapOpKind::Realloc;
    if (creates) {
      defined.insert(op.id);
    } else if (!defined.count(op.id)) {
      throw std::runtime_error(where + ": block " + std::to_string(op.id) +
                               " is used before any malloc/calloc/realloc of it");
    }
    ops.push_back(op);
  }
  return ops;
}

std::vector<HeapOp> readHeapProgramFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open heap program");
  std::ostringstream text;
  text << f.rdbuf();
  return parseHeapProgram(text.str(), path);
}

RandomHeapProgram::RandomHeapProgram(const RandomProgramConfig& config)
    : config_(config), rng_(config.seed), injected_(kMemoryErrorKinds, 0) {
  if (config.minSize == 0 || config.maxSize < config.minSize || config.maxAccess == 0)
    throw std::invalid_argument(
        "random heap program: need 0 < min_size <= max_size, max_access > 0");
  if (config.wMalloc + config.wFree + config.wRealloc + config.wWrite + config.wRead +
          config.wError ==
      0)
    throw std::invalid_argument("random heap program: all op weights are zero");
}

uint64_t RandomHeapProgram::draw(uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(rng_()) * n) >> 64);
}

uint64_t RandomHeapProgram::drawSize() {
  auto log2 = [](uint64_t x) {
    unsigned k = 0;
    while (x >>= 1) ++k;
    return k;
  };
  const unsigned lo = log2(config_.minSize);
  const unsigned k = lo + static_cast<unsigned>(draw(log2(config_.maxSize) - lo + 1));
  const uint64_t size = (uint64_t{1} << k) + draw(uint64_t{1} << k);
  return std::clamp(size, config_.minSize, config_.maxSize);
}

uint64_t RandomHeapProgram::pickLive() {
  return liveIds_[draw(liveIds_.size())];
}

HeapOp RandomHeapProgram::makeMalloc() {
  const uint64_t id = nextId_++;
  const uint64_t size = drawSize();
  live_[id] = Live{size, 0};
  liveIds_.push_back(id);
  return {HeapOpKind::Malloc, id, size, 0, 0};
}

HeapOp RandomHeapProgram::makeWrite(uint64_t id) {
  Live& l = live_[id];
  const uint64_t off = draw(std::min(l.written, l.size - 1) + 1);  // never leaves a gap
  const uint64_t len = 1 + draw(std::min(config_.maxAccess, l.size - off));
  l.written = std::max(l.written, off + len);
  return {HeapOpKind::Write, id, len, off, 0};
}

HeapOp RandomHeapProgram::makeRead(uint64_t id) {
  const Live& l = live_[id];
  if (l.written == 0) return makeWrite(id);
  const uint64_t off = draw(l.written);
  const uint64_t len = 1 + draw(std::min(config_.maxAccess, l.written - off));
  return {HeapOpKind::Read, id, len, off, 0};
}

HeapOp RandomHeapProgram::makeFree(size_t i) {
  const uint64_t id = liveIds_[i];
  liveIds_[i] = liveIds_.back();
  liveIds_.pop_back();
  live_.erase(id);
  return HeapOp{HeapOpKind::Free, id, 0, 0, 0};
}

HeapOp RandomHeapProgram::makeError() {
  static constexpr MemoryErrorKind kInjectable[] = {
      MemoryErrorKind::DoubleFree,        MemoryErrorKind::UseAfterFree,
      MemoryErrorKind::InvalidFree,       MemoryErrorKind::HeapOverflow,
      MemoryErrorKind::UninitializedRead, MemoryErrorKind::Leak};
  const MemoryErrorKind kind = kInjectable[draw(6)];
  const size_t i = draw(liveIds_.size());
  const uint64_t id = liveIds_[i];
  const Live l = live_[id];
  std::optional<HeapOp> op;
  switch (kind) {
    case MemoryErrorKind::DoubleFree:
      op = makeFree(i);
      pending_.push_back(*op);
      break;
    case MemoryErrorKind::UseAfterFree:
      op = makeFree(i);
      pending_.push_back({HeapOpKind::Write, id, 1 + draw(std::min<uint64_t>(l.size, 8)), 0, 0});
      break;
    case MemoryErrorKind::InvalidFree:
      if (l.size >= 2) op = HeapOp{HeapOpKind::Free, id, 0, 1 + draw(l.size - 1), 0};
      break;
    case MemoryErrorKind::HeapOverflow:  // starts at the end, so no byte inside gets written
      op = HeapOp{HeapOpKind::Write, id, 1 + draw(8), l.size, 0};
      break;
    case MemoryErrorKind::UninitializedRead:
      if (l.written < l.size) op = HeapOp{HeapOpKind::Read, id, 1, l.written, 0};
      break;
    default:  // Leak: forget the block, so it is never freed
      liveIds_[i] = liveIds_.back();
      liveIds_.pop_back();
      live_.erase(id);
      ++injected_[static_cast<size_t>(MemoryErrorKind::Leak)];
      return makeMalloc();
  }
  if (!op) return makeMalloc();
  ++injected_[static_cast<size_t>(kind)];
  return *op;
}

std::optional<HeapOp> RandomHeapProgram::next() {
  if (!pending_.empty()) {
    const HeapOp op = pending_.back();
    pending_.pop_back();
    return op;
  }
  if (emitted_ >= config_.ops) {
    if (!config_.freeAtEnd || liveIds_.empty()) return std::nullopt;
    return makeFree(liveIds_.size() - 1);
  }
  ++emitted_;
  if (liveIds_.empty()) return makeMalloc();
  const RandomProgramConfig& c = config_;
  uint64_t w = draw(c.wMalloc + c.wFree + c.wRealloc + c.wWrite + c.wRead + c.wError);
  if (w < c.wMalloc) return makeMalloc();
  if ((w -= c.wMalloc) < c.wFree) return makeFree(draw(liveIds_.size()));
  if ((w -= c.wFree) < c.wRealloc) {
    const uint64_t id = pickLive();
    Live& l = live_[id];
    l.size = drawSize();
    l.written = std::min(l.written, l.size);
    return HeapOp{HeapOpKind::Realloc, id, l.size, 0, 0};
  }
  if ((w -= c.wRealloc) < c.wWrite) return makeWrite(pickLive());
  if ((w -= c.wWrite) < c.wRead) return makeRead(pickLive());
  return makeError();
}

}  // namespace vmsim::os
