# ctest script (label "package", in the default suite): installs this build into a scratch prefix,
# copies platforms/example (a foreign platform around vmsim's Subsystem) to a folder outside the
# source tree, configures it there with find_package(VmSim) against the prefix only, builds it
# and runs it. The installed package must be complete: headers, exported targets, dependencies.
# Invoked as: cmake -DSRC=<source dir> -DBIN=<build dir> -DWORK=<scratch dir> -P TestPackage.cmake
# [-DCXX_FLAGS=... -DLINKER_FLAGS=... -DLAUNCHER=...]: the flags vmsim was built with (the
# sanitizer build's -fsanitize=...), which a platform linking its libraries needs as well.
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BIN} --prefix ${WORK}/prefix
                OUTPUT_QUIET RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed")
endif()
foreach(f VmSimConfig.cmake VmSimConfigVersion.cmake VmSimTargets.cmake)
  if(NOT EXISTS ${WORK}/prefix/lib/cmake/VmSim/${f})
    message(FATAL_ERROR "the install has no lib/cmake/VmSim/${f}")
  endif()
endforeach()
if(NOT EXISTS ${WORK}/prefix/include/vmsim/platform/subsystem.h)
  message(FATAL_ERROR "the install has no include/vmsim/platform/subsystem.h")
endif()
file(COPY ${SRC}/platforms/example/ DESTINATION ${WORK}/src)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK}/src -B ${WORK}/build
                        -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release
                        "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
                        "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the example against the installed package failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build -j2 RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the example against the installed package failed")
endif()
execute_process(COMMAND ${WORK}/build/vmsim_example RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc OR NOT out MATCHES "example: ok")
  message(FATAL_ERROR "the example built against the installed package failed: ${out}")
endif()
