# Finds the Debian bookworm packages the project builds against. No third-party source is vendored:
# every dependency is a system package (see README "Dependencies").
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(Microsoft.GSL 4.0 REQUIRED)

pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1>=0.2.0)

# libmbedtls-dev 2.28 ships no CMake config or pkg-config file on bookworm.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/gcm.h REQUIRED)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
add_library(zg_mbedcrypto INTERFACE)
target_include_directories(zg_mbedcrypto SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(zg_mbedcrypto INTERFACE ${MBEDCRYPTO_LIBRARY})
add_library(zg_mbedtls INTERFACE)
target_link_libraries(zg_mbedtls INTERFACE ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} zg_mbedcrypto)

# cpp-httplib 0.11.4 is header-only on bookworm (libcpp-httplib-dev also ships a .so; we use the header).
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
add_library(zg_httplib INTERFACE)
target_include_directories(zg_httplib SYSTEM INTERFACE ${HTTPLIB_INCLUDE_DIR})
target_link_libraries(zg_httplib INTERFACE Threads::Threads)
if(ZG_TLS STREQUAL "openssl")
  find_package(OpenSSL 3 REQUIRED)
  target_compile_definitions(zg_httplib INTERFACE CPPHTTPLIB_OPENSSL_SUPPORT ZG_TLS_OPENSSL=1)
  target_link_libraries(zg_httplib INTERFACE OpenSSL::SSL OpenSSL::Crypto)
elseif(ZG_TLS STREQUAL "mbedtls")
  target_compile_definitions(zg_httplib INTERFACE ZG_TLS_MBEDTLS=1)
  target_link_libraries(zg_httplib INTERFACE zg_mbedtls)
else()
  message(FATAL_ERROR "ZG_TLS must be openssl or mbedtls, not '${ZG_TLS}'")
endif()

if(ZG_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ZG_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
