# Cortex-M4 with the single-precision FPU (qemu: mps2-an386).
set(XATTN_CPU_FLAGS "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
set(XATTN_BAREMETAL_BOARD mps2-an386)
set(XATTN_BAREMETAL_CORE_HZ 25000000)  # the QEMU model's core clock
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
