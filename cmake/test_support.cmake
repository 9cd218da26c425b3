# xattn_test_support: what the doctest suite and the benchmark share and a
# user of the library never sees: the heap allocation counter (it replaces
# operator new), the runtime's internal headers (kernel tables, format
# internals) and the tests' helper headers. Link it, never repeat its paths.
add_library(xattn_test_support OBJECT ${PROJECT_SOURCE_DIR}/ports/posix/allocation_counter.cpp)
target_include_directories(xattn_test_support PUBLIC
  ${PROJECT_SOURCE_DIR}/ports/posix ${PROJECT_SOURCE_DIR}/runtime/src ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(xattn_test_support PUBLIC xattn)
