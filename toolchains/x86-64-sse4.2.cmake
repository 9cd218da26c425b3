# x86-64 with only the SSE4.2 kernel path (x86-64-v2 CPUs), no runtime choice:
# the binary contains one SIMD table. The default host build compiles all
# levels and dispatches at run time instead.
set(XATTN_X86_LEVELS "sse4.2" CACHE STRING "x86 SIMD paths compiled in" FORCE)
set(CMAKE_C_FLAGS_INIT "-march=x86-64-v2")
set(CMAKE_CXX_FLAGS_INIT "-march=x86-64-v2")
# Declared a cross build so ctest runs every test under QEMU's Nehalem CPU
# model (qemu-user): an instruction above this level then faults instead of
# passing unnoticed on a newer host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-x86_64;-cpu;Nehalem")
