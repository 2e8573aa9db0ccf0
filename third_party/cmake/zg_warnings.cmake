# Warning and sanitizer flags shared by every target of ours (not by system packages).
add_library(zg_compile_options INTERFACE)
target_compile_options(zg_compile_options INTERFACE -Wall -Wextra -Wpedantic -Werror)
if(ZG_SANITIZE)
  target_compile_options(zg_compile_options INTERFACE -fsanitize=${ZG_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(zg_compile_options INTERFACE -fsanitize=${ZG_SANITIZE})
endif()
