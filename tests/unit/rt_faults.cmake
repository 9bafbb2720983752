# The runtime under allocation failure (tests/unit/rt_faults.c): include() from
# tests/CMakeLists.txt after iso_testsupport exists. Its allocators are wrapped
# at link time, hence a target of its own rather than the test_*.c glob.
set(RT_FAULTS_WRAPPED malloc calloc realloc aligned_alloc pthread_create)
list(TRANSFORM RT_FAULTS_WRAPPED PREPEND "-Wl,--wrap=")
add_executable(rt_faults ${CMAKE_CURRENT_LIST_DIR}/rt_faults.c)
target_link_libraries(rt_faults PRIVATE iso_testsupport)
target_link_options(rt_faults PRIVATE ${RT_FAULTS_WRAPPED})
add_test(NAME unit.rt_faults COMMAND rt_faults)
set_tests_properties(unit.rt_faults PROPERTIES TIMEOUT 300 LABELS unit
  ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")
