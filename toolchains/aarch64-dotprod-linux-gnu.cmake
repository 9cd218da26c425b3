# AArch64 Linux, ARMv8.2-A with the dot-product extension (SDOT/UDOT).
set(XATTN_AARCH64_DOTPROD ON CACHE BOOL "Target ARMv8.2-A + dot product" FORCE)
include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu.cmake)
