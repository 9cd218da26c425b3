// File checks for the converter's inputs and outputs: an input that is not a
// regular file (a FIFO would block the read forever, a device never ends) is
// refused before it is opened, and an output is only written when it is a
// new or regular file that is not one of the inputs (writing goes to
// PATH.tmp, renamed over PATH, which would replace a device node or destroy
// the model being converted).
#pragma once

#include <string>
#include <vector>

namespace xattn {
namespace convert {

// "" when `path` is a regular file or does not exist; else why it cannot be read as one.
std::string refuse_unreadable(const std::string& path);

// "" when `output` (and its PATH.tmp) may be written: each absent or a
// regular file, and neither one of `inputs` (files, or directories whose
// files are all inputs). Else a one-line reason.
std::string refuse_output(const std::string& output, const std::vector<std::string>& inputs);

// Writes `bytes` to PATH.tmp and renames it over PATH, after refuse_output.
std::string write_file_safely(const std::string& path, const std::string& bytes,
                              const std::vector<std::string>& inputs);

}  // namespace convert
}  // namespace xattn
