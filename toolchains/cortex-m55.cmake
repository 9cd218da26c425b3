# Cortex-M55 with Helium (MVE, integer and float) and the FPU (qemu: mps3-an547).
# -mcpu=cortex-m55 enables MVE; -O3 lets gcc vectorize the scalar kernels with it.
# With -DXATTN_SIMD=OFF (the pure scalar build, the baseline of bench/cortex_m_counts.sh)
# MVE is switched off altogether (+nomve), so no Helium instruction is emitted.
if(DEFINED XATTN_SIMD AND NOT XATTN_SIMD)
  set(XATTN_CPU_FLAGS "-mcpu=cortex-m55+nomve -mfloat-abi=hard")
else()
  set(XATTN_CPU_FLAGS "-mcpu=cortex-m55 -mfloat-abi=hard")
endif()
set(XATTN_BAREMETAL_BOARD mps3-an547)
set(XATTN_BAREMETAL_CORE_HZ 32000000)  # the QEMU model's core clock
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
