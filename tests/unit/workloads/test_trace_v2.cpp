// Multi-process vmsim text traces ('#!vmsim-trace 2', docs/workloads.md): pid prefixes, the
// system-call records, and errors naming file and line.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "vmsim/workloads/trace.h"

namespace vmsim::workloads {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "vmsim_v2_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<Access> all(const std::string& path) {
  auto w = openTrace(path);
  std::vector<Access> v;
  Access a;
  while (w->next(a)) v.push_back(a);
  return v;
}

std::string errorOf(const std::string& text, TraceOptions opt = {}) {
  const std::string path = write("err", text);
  try {
    auto w = openTrace(path, opt);
    Access a;
    while (w->next(a)) {
    }
  } catch (const TraceError& e) {
    const std::string m = e.what();
    return m.substr(m.find(path) == 0 ? path.size() : 0);
  }
  return "no error";
}

TEST(TraceV2, RecordsCarryTheirPidAndTheSystemCallsTheirArguments) {
  const auto v = all(write("ok",
                           "#!vmsim-trace 2\n"
                           "# pid 1 lives from the start\n"
                           "W 0x1000 8\n"
                           "fork 1 7\n"
                           "7: R 0x1000 8   # the child\n"
                           "1: load 0x2000 4\n"
                           "mmap 7 0x7f0000000000 8192 shared r\n"
                           "mmap 1 0x30000000 4096 private\n"
                           "munmap 7 0x7f0000000000 4096\n"
                           "brk 1 0x40000000\n"
                           "exec 7\n"
                           "exit 7\n"
                           "fork 1 7\n"));
  ASSERT_EQ(v.size(), 11u);
  EXPECT_EQ(v[0].op, Op::Store);
  EXPECT_EQ(v[0].pid, 1u);
  EXPECT_EQ(v[0].line, 3u);
  EXPECT_EQ(v[1].op, Op::System);
  EXPECT_EQ(v[1].sys, Syscall::Fork);
  EXPECT_EQ(v[1].pid, 1u);
  EXPECT_EQ(v[1].child, 7u);
  EXPECT_EQ(v[2].pid, 7u);
  EXPECT_EQ(v[2].op, Op::Load);
  EXPECT_EQ(v[3].pid, 1u);
  EXPECT_EQ(v[3].size, 4u);
  EXPECT_EQ(v[4].sys, Syscall::Mmap);
  EXPECT_EQ(v[4].va, 0x7f0000000000u);
  EXPECT_EQ(v[4].len, 8192u);
  EXPECT_TRUE(v[4].shared);
  EXPECT_EQ(v[4].prot, kProtRead);
  EXPECT_FALSE(v[5].shared);
  EXPECT_EQ(v[5].prot, kProtRead | kProtWrite);
  EXPECT_EQ(v[6].sys, Syscall::Munmap);
  EXPECT_EQ(v[6].len, 4096u);
  EXPECT_EQ(v[7].sys, Syscall::Brk);
  EXPECT_EQ(v[7].va, 0x40000000u);
  EXPECT_EQ(v[8].sys, Syscall::Exec);
  EXPECT_EQ(v[9].sys, Syscall::Exit);
  EXPECT_EQ(v[10].child, 7u) << "a pid may be used again after its exit";
  // Without the version line the same records are version 1: one process.
  EXPECT_EQ(all(write("v1", "W 0x1000 8\n"))[0].pid, 0u);
}

TEST(TraceV2, MalformedRecordsNameTheLine) {
  EXPECT_EQ(errorOf("#!vmsim-trace 2\n4: R 0x10 8\n"),
            ":2: pid 4 is not a live process (pid 1 lives from the start; others from their "
            "fork until their exit)");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nfork 1\n"), ":2: missing child pid");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nfork 1 1\n"), ":2: child pid 1 is already a live process");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nfork 0 2\n"), ":2: bad pid '0' (a number 1..1048576)");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nmunmap 1 0x1000\n"), ":2: missing length");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nmmap 1 0x1000 0 private\n"),
            ":2: bad length '0' (bytes, > 0)");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nmmap 1 0x1000 4096 private rwq\n"),
            ":2: bad protection 'rwq' (r, w, x: e.g. rw, r, rx)");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\n1: exit 1\n"),
            ":2: a system call names its pid as its first argument, not with a prefix: exit PID "
            "...");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nexit 1 2\n"), ":2: trailing garbage '2'");
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nX 0x10 8\n"),
            ":2: unknown op 'X' (expected R, W, F, L, S, load, store, fetch, or a system call: "
            "fork, exit, exec, mmap, munmap, brk)");
  EXPECT_EQ(errorOf("#!vmsim-trace 9\nW 0x10 8\n"),
            ":1: unsupported trace version line '#!vmsim-trace 9' (this vmsim reads "
            "'#!vmsim-trace 2'; version 1 has no such line)");
  TraceOptions skip;
  skip.skip = 1;
  EXPECT_NE(errorOf("#!vmsim-trace 2\nW 0x10 8\nW 0x10 8\n", skip).find("skip is not supported"),
            std::string::npos);
  TraceOptions lackey;
  lackey.format = TraceFormat::Lackey;
  EXPECT_EQ(errorOf("#!vmsim-trace 2\nW 0x10 8\n", lackey),
            ":1: a '#!vmsim-trace 2' trace is vmsim text, not lackey (workload.format)");
}

}  // namespace
}  // namespace vmsim::workloads
