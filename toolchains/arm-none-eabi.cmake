# Shared part of the Cortex-M toolchains (included by cortex-m*.cmake, which set
# XATTN_CPU_FLAGS first): arm-none-eabi-gcc with picolibc, no exceptions, no
# RTTI, no thread-safe statics (single thread, no __cxa_guard), sections per
# function so the linker drops what the firmware does not call.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # no crt0/linker script needed to probe
set(CMAKE_C_FLAGS_INIT "-mthumb ${XATTN_CPU_FLAGS} --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "-mthumb ${XATTN_CPU_FLAGS} --specs=picolibcpp.specs -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -fno-threadsafe-statics")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--oslib=semihost --crt0=semihost -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
