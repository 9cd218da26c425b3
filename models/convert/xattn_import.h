// Reading an xattn model file back into XattnModelContents, so a file can be
// converted again: `xattn convert xattn IN.xattn --weights int4 -o OUT`
// re-quantizes a float32 model (e.g. models/datenorm/datenorm-f32.xattn)
// without the training framework's checkpoint.
#pragma once

#include <string>

#include "ct2_import.h"

namespace xattn {
namespace convert {

// Validates `bytes` with the runtime's reader, then copies every tensor
// (unpacked to row-major), both vocabularies and the config; a matrix stored
// once for two roles stays shared. Then applies `weights` as the importers
// do. Returns "" or a one-line error.
std::string import_xattn_bytes(const std::string& bytes, WeightType weights, ImportResult* out);

// import_xattn_bytes on a file's contents.
std::string import_xattn_file(const std::string& path, WeightType weights, ImportResult* out);

}  // namespace convert
}  // namespace xattn
