# What `cmake --install` puts where (GNUInstallDirs): the shared and static library, the
# public headers, a CMake package and a pkg-config file. The tools and man pages install from
# their own directories (examples/, man/).
include(CMakePackageConfigHelpers)

set(TLSIO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tlsio)

install(TARGETS tlsio tlsio_static EXPORT tlsioTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tlsio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# find_package(tlsio): the targets, with the libcrypto this build used recorded in the
# package (the BoringSSL::Crypto target it defines), so consumers need not know that Debian
# hides it under .../android or which -DTLSIO_BORINGSSL_ROOT tree was used.
install(EXPORT tlsioTargets NAMESPACE tlsio:: DESTINATION ${TLSIO_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tlsioConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tlsioConfig.cmake INSTALL_DESTINATION ${TLSIO_CMAKE_DIR})
# 0.x: a minor release may break the ABI (see the SONAME), so only the same minor matches.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_tlsio_compat SameMinorVersion)
else()
  set(_tlsio_compat SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tlsioConfigVersion.cmake
  COMPATIBILITY ${_tlsio_compat})
install(FILES ${PROJECT_BINARY_DIR}/tlsioConfig.cmake ${PROJECT_BINARY_DIR}/tlsioConfigVersion.cmake
  DESTINATION ${TLSIO_CMAKE_DIR})

# pkg-config: `pkg-config --cflags --libs tlsio`, and `--static` adds libcrypto and pthread.
# Paths relative to the .pc file (pkg-config's ${pcfiledir}), so `cmake --install --prefix`
# to another place than the configured one still gives a correct file.
file(RELATIVE_PATH TLSIO_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
# A static program links libcrypto.so from a directory the loader does not search (Debian's
# .../android): it needs the run path too.
set(TLSIO_PC_CRYPTO_RPATH "")
if(TLSIO_CRYPTO_RPATH)
  set(TLSIO_PC_CRYPTO_RPATH "-Wl,-rpath,${TLSIO_CRYPTO_RPATH} ")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tlsio.pc.in ${PROJECT_BINARY_DIR}/tlsio.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tlsio.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
