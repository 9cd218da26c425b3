# x86-64 with only the AVX2+FMA kernel path (x86-64-v3 CPUs: Haswell, Zen).
set(XATTN_X86_LEVELS "avx2" CACHE STRING "x86 SIMD paths compiled in" FORCE)
set(CMAKE_C_FLAGS_INIT "-march=x86-64-v3")
set(CMAKE_CXX_FLAGS_INIT "-march=x86-64-v3")
# Declared a cross build so ctest runs every test under QEMU's Haswell CPU
# model (qemu-user): an instruction above this level then faults instead of
# passing unnoticed on a newer host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-x86_64;-cpu;Haswell")
