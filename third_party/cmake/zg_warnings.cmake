# Warning and sanitizer flags shared by every target of ours (not by system packages).
add_library(zg_compile_options INTERFACE)
target_compile_options(zg_compile_options INTERFACE -Wall -Wextra -Wpedantic -Werror)
# GCC 12 at -O2/-O3 reports a false -Wrestrict inside libstdc++ for `"literal" + std::string`
# (GCC bug 105329, fixed in GCC 13). It fires on correct code all over the CLI's message
# building; everything else stays an error. clang and GCC >= 13 keep the warning.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(zg_compile_options INTERFACE -Wno-restrict)
endif()
if(ZG_SANITIZE)
  target_compile_options(zg_compile_options INTERFACE -fsanitize=${ZG_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(zg_compile_options INTERFACE -fsanitize=${ZG_SANITIZE})
endif()
