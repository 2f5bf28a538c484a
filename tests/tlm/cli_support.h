// Helpers of the tests that run the vmsim binary (a separate process each: SystemC elaborates
// once per process) and read what it wrote.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vmsim::test {

struct Result {
  int exitCode;
  std::string output;  // stdout and stderr
};

/// A fresh, empty folder under the temporary directory, unique to this process.
inline std::string tempDir(const std::string& name) {
  namespace fs = std::filesystem;
  const auto d = fs::temp_directory_path() / ("vmsim_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

/// Runs a shell command; its exit status (-1 if it did not exit) and its output.
inline Result runShell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// Runs `VMSIM_BINARY args`.
inline Result runVmsim(const std::string& args) {
  return runShell(std::string(VMSIM_BINARY) + " " + args);
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// The value of one stat in a gem5-format stats.txt (a test failure if it is missing).
inline double statValue(const std::string& statsTxt, const std::string& name) {
  std::istringstream in(statsTxt);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string n, v;
    ls >> n >> v;
    if (n == name) return std::stod(v);
  }
  ADD_FAILURE() << "no stat " << name;
  return -1;
}

inline bool hasStat(const std::string& statsTxt, const std::string& name) {
  return statsTxt.find("\n" + name + " ") != std::string::npos;
}

}  // namespace vmsim::test
