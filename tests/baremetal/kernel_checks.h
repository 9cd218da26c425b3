// The checks of the bare-metal kernel tester (kernel_tests_main.cpp): each
// runs one table against the scalar reference, prints a line and returns the
// number of shapes or cases that differ. Static buffers only (no heap).
#pragma once

#include <cstddef>

#include "kernels/kernels.h"

namespace xattn {
namespace baremetal_test {

// int8 linear layers, row-major (packed = false) or layout 1, bit for bit
// against the reference's row-major linear_i8.
size_t check_int8(const kernels::KernelTable& t, bool packed);
// int4 linear layers (layout 3), bit for bit against the reference's linear_i4.
size_t check_int4(const kernels::KernelTable& t);
// quantize_rows bit for bit, both roundings, special values included.
size_t check_quantize(const kernels::KernelTable& t);
// The float entries the table replaces, to rounding.
size_t check_float(const kernels::KernelTable& t);
// The Helium attention's exp against expf, within 2 ulp (MVE-F cores only).
size_t check_helium_exp();

}  // namespace baremetal_test
}  // namespace xattn
