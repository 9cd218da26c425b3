# AArch64 Linux (ARMv8-A, NEON mandatory): Debian's g++-aarch64-linux-gnu.
# Tests run under qemu-user. -DXATTN_AARCH64_DOTPROD=ON targets ARMv8.2-A with
# the dot-product extension (Cortex-A55/A76 and later) instead.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
option(XATTN_AARCH64_DOTPROD "Target ARMv8.2-A + dot product" OFF)
if(XATTN_AARCH64_DOTPROD)
  set(CMAKE_C_FLAGS_INIT "-march=armv8.2-a+dotprod")
else()
  set(CMAKE_C_FLAGS_INIT "-march=armv8-a")
endif()
set(CMAKE_CXX_FLAGS_INIT "${CMAKE_C_FLAGS_INIT}")
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-L;/usr/aarch64-linux-gnu")
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)  # doctest's config is arch-independent, under /usr
