// The `convert embed` command of the xattn tool:
//
//   convert embed MODEL.xattn -o OUT.c [--name SYMBOL]
//                 [--max-source N] [--max-target N] [--beam N] [--alignment]
//
// writes the model as a 64-byte aligned const C array (OUT.c) and a header
// beside it (OUT.h) declaring the array, its size and the session buffer
// bytes the planner computes for the given limits, so firmware can declare
// its arena at compile time. The model is validated first.
#pragma once

#include <ostream>

namespace xattn {
namespace convert {

int run_embed(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace convert
}  // namespace xattn
