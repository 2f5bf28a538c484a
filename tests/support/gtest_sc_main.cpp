// Test entry point: libsystemc provides main() and calls sc_main, which runs the GoogleTest
// cases. ctest runs each case in its own process (SystemC cannot elaborate twice).
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
