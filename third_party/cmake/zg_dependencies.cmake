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

# cpp-httplib 0.11.4 on bookworm is a compiled library (libcpp-httplib.so) whose class layout
# depends on the feature macros it was built with (OpenSSL, zlib, brotli): take them from its
# pkg-config file so our objects agree with the library.
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
find_package(OpenSSL 3 REQUIRED)
add_library(zg_httplib INTERFACE)
target_link_libraries(zg_httplib INTERFACE PkgConfig::CPP_HTTPLIB OpenSSL::SSL OpenSSL::Crypto Threads::Threads)

# libzip-dev: the fine-tuned model is a ZIP of the LoRA adapter directory (PEFT layout).
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip>=1.7)

if(ZG_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ZG_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
