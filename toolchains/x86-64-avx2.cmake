# x86-64 with only the AVX2+FMA kernel path (x86-64-v3 CPUs: Haswell, Zen).
set(XATTN_X86_LEVELS "avx2" CACHE STRING "x86 SIMD paths compiled in" FORCE)
set(CMAKE_C_FLAGS_INIT "-march=x86-64-v3")
set(CMAKE_CXX_FLAGS_INIT "-march=x86-64-v3")
