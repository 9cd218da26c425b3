# Cortex-M7 with the double-precision FPU (qemu: mps2-an500).
set(XATTN_CPU_FLAGS "-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard")
set(XATTN_BAREMETAL_BOARD mps2-an500)
set(XATTN_BAREMETAL_CORE_HZ 25000000)  # the QEMU model's core clock
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
