# ctest script (label "long"): installs this build into a scratch prefix, then configures, builds
# and runs platforms/example as an outside project with find_package(VmSim).
# Invoked as: cmake -DSRC=<source dir> -DBIN=<build dir> -DWORK=<scratch dir> -P TestPackage.cmake
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BIN} --prefix ${WORK}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC}/platforms/example -B ${WORK}/build
                        -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the example against the installed package failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build -j2 RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the example against the installed package failed")
endif()
execute_process(COMMAND ${WORK}/build/vmsim_example RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the example built against the installed package failed")
endif()
