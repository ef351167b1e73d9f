# Finds BoringSSL's libcrypto (never its libssl: the TLS protocol is tlsio's own).
#
# Looks in, in order: -DTLSIO_BORINGSSL_ROOT=<dir> (an upstream BoringSSL build or install tree,
# with include/ and a libcrypto next to it or under lib/ or build/), then Debian's
# android-libboringssl-dev layout (/usr/include/android, /usr/lib/<multiarch>/android).
#
# Defines the imported target BoringSSL::Crypto and BoringSSLCrypto_FOUND.

set(TLSIO_BORINGSSL_ROOT "" CACHE PATH "Root of a BoringSSL build/install to use instead of Debian's")

if(TLSIO_BORINGSSL_ROOT)
  find_path(BoringSSLCrypto_INCLUDE_DIR openssl/aead.h
    PATHS "${TLSIO_BORINGSSL_ROOT}/include" NO_DEFAULT_PATH)
  find_library(BoringSSLCrypto_LIBRARY NAMES crypto
    PATHS "${TLSIO_BORINGSSL_ROOT}" "${TLSIO_BORINGSSL_ROOT}/lib" "${TLSIO_BORINGSSL_ROOT}/build"
          "${TLSIO_BORINGSSL_ROOT}/build/crypto" "${TLSIO_BORINGSSL_ROOT}/crypto"
    NO_DEFAULT_PATH)
else()
  # openssl/aead.h exists in BoringSSL only, so a system OpenSSL is never picked up by mistake.
  find_path(BoringSSLCrypto_INCLUDE_DIR openssl/aead.h
    PATHS /usr/include/android NO_DEFAULT_PATH)
  find_library(BoringSSLCrypto_LIBRARY NAMES crypto libcrypto.so.0
    PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/android /usr/lib/x86_64-linux-gnu/android
          /usr/lib/aarch64-linux-gnu/android
    NO_DEFAULT_PATH)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BoringSSLCrypto
  REQUIRED_VARS BoringSSLCrypto_LIBRARY BoringSSLCrypto_INCLUDE_DIR)

if(BoringSSLCrypto_FOUND AND NOT TARGET BoringSSL::Crypto)
  add_library(BoringSSL::Crypto UNKNOWN IMPORTED)
  set_target_properties(BoringSSL::Crypto PROPERTIES
    IMPORTED_LOCATION "${BoringSSLCrypto_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${BoringSSLCrypto_INCLUDE_DIR}")
  get_filename_component(_tlsio_bssl_libdir "${BoringSSLCrypto_LIBRARY}" DIRECTORY)
  set(BoringSSLCrypto_LIBRARY_DIR "${_tlsio_bssl_libdir}")
endif()
mark_as_advanced(BoringSSLCrypto_INCLUDE_DIR BoringSSLCrypto_LIBRARY)
