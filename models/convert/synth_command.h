// The `convert synth` subcommand: writes a synthetic model (see synth.h).
// argv[1] is "synth". Returns 0, 2 for a usage error, 1 otherwise.
#pragma once

#include <ostream>

namespace xattn {
namespace convert {

int run_synth(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace convert
}  // namespace xattn
