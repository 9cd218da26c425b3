# x86-64 with only the AVX-512 (F/BW/DQ/VL) kernel path (x86-64-v4 CPUs:
# Skylake-SP, Ice Lake, Zen 4). QEMU 7.2 cannot run it: test natively.
set(XATTN_X86_LEVELS "avx512" CACHE STRING "x86 SIMD paths compiled in" FORCE)
set(CMAKE_C_FLAGS_INIT "-march=x86-64-v4")
set(CMAKE_CXX_FLAGS_INIT "-march=x86-64-v4")
# GCC 12's AVX-512 headers warn through xsimd once the whole program may use them.
set(CMAKE_CXX_FLAGS_INIT "${CMAKE_CXX_FLAGS_INIT} -Wno-uninitialized -Wno-maybe-uninitialized")
