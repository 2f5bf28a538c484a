// Test entry point: main() switches the SystemC banner off (it would otherwise be printed before
// sc_main, into the test listing that gtest_discover_tests parses) and hands over to SystemC,
// which calls sc_main to run the GoogleTest cases. ctest runs each case in its own process
// (SystemC cannot elaborate twice).
#include <gtest/gtest.h>

#include <systemc>

#include <cstdlib>

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

int main(int argc, char* argv[]) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
