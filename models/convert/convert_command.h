// The `convert` command of the xattn tool:
//
//   convert ct2 DIR -o FILE [--weights f32|int8|int4]
//
// reads a CTranslate2 model directory and writes an xattn model file. On
// success it prints one summary line to `out` and returns 0; on failure one
// error line to `err` and a non-zero code (2 for a usage error, 1 otherwise).
#pragma once

#include <ostream>

namespace xattn {
namespace convert {

int run_convert(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace convert
}  // namespace xattn
