# Install rules and the VmSim package, so a larger platform can find_package(VmSim) and link
# VmSim::<part> (paging, common, tlb, ptw, mmu, mem, dram, os, swap, cpu, workloads, platform, ...).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(vmsim_targets GLOBAL PROPERTY VMSIM_EXPORTED_TARGETS)
install(TARGETS ${vmsim_targets} EXPORT VmSimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS vmsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Public headers: every include/ folder of the libraries above.
file(GLOB vmsim_include_dirs LIST_DIRECTORIES true
  ${PROJECT_SOURCE_DIR}/models/*/include ${PROJECT_SOURCE_DIR}/platforms/*/include
  ${PROJECT_SOURCE_DIR}/workloads/include)
foreach(dir ${vmsim_include_dirs})
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

set(VMSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/VmSim)
install(EXPORT VmSimTargets NAMESPACE VmSim:: DESTINATION ${VMSIM_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/VmSimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/VmSimConfig.cmake INSTALL_DESTINATION ${VMSIM_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/VmSimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/VmSimConfig.cmake ${PROJECT_BINARY_DIR}/VmSimConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindSystemCLanguage.cmake DESTINATION ${VMSIM_CMAKE_DIR})
