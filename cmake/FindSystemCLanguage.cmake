# Finds Debian's SystemC 2.3.4 (which ships only pkg-config files, no CMake package) and creates
# the imported target SystemC::systemc (TLM-2.0 headers live beside SystemC's).
find_package(PkgConfig REQUIRED)
pkg_check_modules(PC_SYSTEMC QUIET systemc)
pkg_check_modules(PC_TLM QUIET tlm)

find_path(SystemCLanguage_INCLUDE_DIR NAMES systemc.h HINTS ${PC_SYSTEMC_INCLUDE_DIRS})
find_path(SystemCLanguage_TLM_INCLUDE_DIR NAMES tlm.h HINTS ${PC_TLM_INCLUDE_DIRS} ${PC_SYSTEMC_INCLUDE_DIRS})
find_library(SystemCLanguage_LIBRARY NAMES systemc HINTS ${PC_SYSTEMC_LIBRARY_DIRS})
set(SystemCLanguage_VERSION ${PC_SYSTEMC_VERSION})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SystemCLanguage
  REQUIRED_VARS SystemCLanguage_LIBRARY SystemCLanguage_INCLUDE_DIR SystemCLanguage_TLM_INCLUDE_DIR
  VERSION_VAR SystemCLanguage_VERSION)

if(SystemCLanguage_FOUND AND NOT TARGET SystemC::systemc)
  find_package(Threads REQUIRED)
  add_library(SystemC::systemc UNKNOWN IMPORTED)
  set_target_properties(SystemC::systemc PROPERTIES
    IMPORTED_LOCATION "${SystemCLanguage_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SystemCLanguage_INCLUDE_DIR};${SystemCLanguage_TLM_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  # Debian builds SystemC as C++17; the ABI check symbol requires consumers to match.
  target_compile_features(SystemC::systemc INTERFACE cxx_std_17)
endif()
mark_as_advanced(SystemCLanguage_INCLUDE_DIR SystemCLanguage_TLM_INCLUDE_DIR SystemCLanguage_LIBRARY)
