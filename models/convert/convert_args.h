// One pass over `xattn convert`'s arguments before a subcommand reads them,
// so every subcommand treats options as the other xattn commands do:
// "--name=value" is the same as "--name value", and an option given twice is
// an error (not a silent last-one-wins). Unknown words pass through for the
// subcommand to name.
#pragma once

#include <string>
#include <vector>

namespace xattn {
namespace convert {

// Fills `out` with argv[0..argc) with "--name=value" split in two; returns
// "" or a one-line error naming the option given more than once.
std::string normalize_convert_args(int argc, char** argv, std::vector<std::string>* out);

}  // namespace convert
}  // namespace xattn
