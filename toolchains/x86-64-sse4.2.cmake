# x86-64 with only the SSE4.2 kernel path (x86-64-v2 CPUs), no runtime choice:
# the binary contains one SIMD table. The default host build compiles all
# levels and dispatches at run time instead.
set(XATTN_X86_LEVELS "sse4.2" CACHE STRING "x86 SIMD paths compiled in" FORCE)
set(CMAKE_C_FLAGS_INIT "-march=x86-64-v2")
set(CMAKE_CXX_FLAGS_INIT "-march=x86-64-v2")
