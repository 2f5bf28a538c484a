# vmsim_add_model(<part> SOURCES <src...> [DEPS <targets...>])
# Creates library vmsim_<part>, alias VmSim::<part>, with public headers in include/ (vmsim/<part>/).
set(VMSIM_WARNINGS -Wall -Wextra)
set_property(GLOBAL PROPERTY VMSIM_EXPORTED_TARGETS "")

function(vmsim_add_model part)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(tgt vmsim_${part})
  add_library(${tgt} ${ARG_SOURCES})
  add_library(VmSim::${part} ALIAS ${tgt})
  set_target_properties(${tgt} PROPERTIES EXPORT_NAME ${part} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${tgt} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_compile_features(${tgt} PUBLIC cxx_std_17)
  target_compile_options(${tgt} PRIVATE ${VMSIM_WARNINGS})
  if(ARG_DEPS)
    target_link_libraries(${tgt} PUBLIC ${ARG_DEPS})
  endif()
  set_property(GLOBAL APPEND PROPERTY VMSIM_EXPORTED_TARGETS ${tgt})
endfunction()

# vmsim_add_gtest(<name> SOURCES <src...> DEPS <targets...> [LABELS <labels>])
# One executable; every GoogleTest case runs in its own process (SystemC cannot re-elaborate).
# Its main is SystemC's, which calls tests/support/gtest_sc_main.cpp.
function(vmsim_add_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/gtest_sc_main.cpp)
  target_compile_options(${name} PRIVATE ${VMSIM_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} SystemC::systemc GTest::gtest GTest::gmock)
  target_compile_definitions(${name} PRIVATE VMSIM_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
                                             VMSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  set(props ENVIRONMENT SC_COPYRIGHT_MESSAGE=DISABLE)
  if(ARG_LABELS)
    list(APPEND props LABELS "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES ${props})
endfunction()
