# Per-ISA kernel tables. Each table_<arch>.cpp is the only file built with its
# ISA's flags, so nothing else in xattn can use instructions the CPU may lack;
# dispatch.cpp learns which tables exist from the XATTN_HAVE_* definitions.
# Included from runtime/CMakeLists.txt (target xattn, XATTN_XSIMD_SHIM,
# XATTN_X86_LEVELS) when XATTN_SIMD is ON. On Cortex-M (bare metal) the
# toolchain's -mcpu decides at build time, and every file is built with it.

if(XATTN_XSIMD_SHIM)
  target_include_directories(xattn PRIVATE ${XATTN_XSIMD_SHIM})
endif()
set(XATTN_SIMD_DIR ${CMAKE_CURRENT_LIST_DIR})

function(xattn_add_simd_table file definition)
  set(path ${XATTN_SIMD_DIR}/${file})
  target_sources(xattn PRIVATE ${path})
  if(ARGN)
    set_source_files_properties(${path} PROPERTIES COMPILE_OPTIONS "${ARGN}")
  endif()
  target_compile_definitions(xattn PRIVATE ${definition})
endfunction()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x86|i[3-6]86)$")
  foreach(level IN LISTS XATTN_X86_LEVELS)
    if(NOT level MATCHES "^(sse4\\.2|avx2|avx512)$")
      message(FATAL_ERROR "XATTN_X86_LEVELS: unknown level '${level}' (known: sse4.2, avx2, avx512)")
    endif()
  endforeach()
  # Oldest ISA first, whatever the list order: in unoptimized builds xsimd's
  # scalar helpers are emitted as COMDATs in every table, and the linker keeps
  # the first one it sees; that copy must run on every CPU a table supports.
  if("sse4.2" IN_LIST XATTN_X86_LEVELS)
    xattn_add_simd_table(table_sse4_2.cpp XATTN_HAVE_SSE4_2 -msse4.2)
  endif()
  if("avx2" IN_LIST XATTN_X86_LEVELS)
    xattn_add_simd_table(table_avx2.cpp XATTN_HAVE_AVX2 -mavx2 -mfma -mf16c)
  endif()
  if("avx512" IN_LIST XATTN_X86_LEVELS)
    # GCC 12's AVX-512 headers warn through xsimd's hadd and shifts (clang
    # knows no -Wmaybe-uninitialized, and -Werror rejects unknown options).
    set(xattn_avx512_quiet -Wno-uninitialized)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      list(APPEND xattn_avx512_quiet -Wno-maybe-uninitialized)
    endif()
    xattn_add_simd_table(table_avx512.cpp XATTN_HAVE_AVX512
      -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mf16c ${xattn_avx512_quiet})
    # vpdpbusd: its own files, the only ones built with -mavx512vnni; they join
    # the avx512 table as "avx512-vnni" (dispatch checks the CPU has VNNI).
    foreach(vnni_file linear_i8_vnni.cpp linear_i8_packed_vnni.cpp linear_i4_vnni.cpp)
      xattn_add_simd_table(${vnni_file} XATTN_HAVE_AVX512_VNNI
        -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni -mfma -mf16c ${xattn_avx512_quiet})
    endforeach()
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  xattn_add_simd_table(table_neon.cpp XATTN_HAVE_NEON)
  # sdot: its own files, the only ones built with +dotprod; they join the neon
  # table as "neon-dotprod" (dispatch checks HWCAP_ASIMDDP).
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag(-march=armv8.2-a+dotprod XATTN_COMPILER_HAS_DOTPROD)
  if(XATTN_COMPILER_HAS_DOTPROD)
    foreach(dotprod_file linear_i8_dotprod.cpp linear_i4_dotprod.cpp)
      xattn_add_simd_table(${dotprod_file} XATTN_HAVE_NEON_DOTPROD -march=armv8.2-a+dotprod)
    endforeach()
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm" AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  # armv7: the toolchain's flags decide (e.g. -mfpu=neon-vfpv4).
  include(CheckCXXSourceCompiles)
  check_cxx_source_compiles("
    #ifndef __ARM_NEON
    #error no NEON
    #endif
    int main() { return 0; }" XATTN_TOOLCHAIN_HAS_NEON)
  if(XATTN_TOOLCHAIN_HAS_NEON)
    xattn_add_simd_table(table_neon.cpp XATTN_HAVE_NEON)
  else()
    message(STATUS "xattn: toolchain flags do not enable NEON; scalar kernels only")
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm" AND CMAKE_SYSTEM_NAME STREQUAL "Generic")
  # Helium (MVE: M55, M85) before the DSP extension (M4F, M7, and the M55
  # too); dispatch takes the first, the tests sweep both.
  include(CheckCXXSourceCompiles)
  check_cxx_source_compiles("
    #if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 2)
    #error no MVE with float
    #endif
    int main() { return 0; }" XATTN_TOOLCHAIN_HAS_MVE_FLOAT)
  check_cxx_source_compiles("
    #ifndef __ARM_FEATURE_DSP
    #error no DSP extension
    #endif
    int main() { return 0; }" XATTN_TOOLCHAIN_HAS_ARM_DSP)
  if(XATTN_TOOLCHAIN_HAS_MVE_FLOAT)
    xattn_add_simd_table(table_helium.cpp XATTN_HAVE_HELIUM)
  endif()
  if(XATTN_TOOLCHAIN_HAS_ARM_DSP)
    xattn_add_simd_table(table_armdsp.cpp XATTN_HAVE_ARMDSP)
  endif()
  if(NOT XATTN_TOOLCHAIN_HAS_MVE_FLOAT AND NOT XATTN_TOOLCHAIN_HAS_ARM_DSP)
    message(STATUS "xattn: the core has neither Helium nor the DSP extension; scalar kernels only")
  endif()
else()
  message(STATUS "xattn: no SIMD kernel table for ${CMAKE_SYSTEM_PROCESSOR}; scalar kernels only")
endif()
