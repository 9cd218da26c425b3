# `cmake --install`: the runtime's headers, libxattn.a and a CMake package, so
# a consumer writes find_package(xattn) + target_link_libraries(app xattn::xattn).
# Included from the top-level CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(XATTN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/xattn)
install(TARGETS xattn EXPORT xattnTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/xattn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT xattnTargets NAMESPACE xattn:: DESTINATION ${XATTN_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/xattnConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/xattnConfig.cmake INSTALL_DESTINATION ${XATTN_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/xattnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/xattnConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/xattnConfigVersion.cmake
  DESTINATION ${XATTN_INSTALL_CMAKEDIR})
