# Cortex-M55 with Helium (MVE, integer and float) and the FPU (qemu: mps3-an547).
# -mcpu=cortex-m55 enables MVE; -O3 lets gcc vectorize the scalar kernels with it.
set(XATTN_CPU_FLAGS "-mcpu=cortex-m55 -mfloat-abi=hard")
set(XATTN_BAREMETAL_BOARD mps3-an547)
set(XATTN_BAREMETAL_CORE_HZ 32000000)  # the QEMU model's core clock
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
