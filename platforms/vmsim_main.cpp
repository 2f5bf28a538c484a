// The vmsim executable: see vmsim::platform::vmsimMain for the command line.
#include <systemc>

#include <cstdlib>
#include <iostream>

#include "vmsim/platform/run.h"

int sc_main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return vmsim::platform::vmsimMain(args, std::cout, std::cerr);
}

// Our own main, so that the SystemC banner can be switched off before the kernel prints it (the
// library's main would print it before sc_main runs). SC_COPYRIGHT_MESSAGE=ENABLE brings it back.
int main(int argc, char* argv[]) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
