// Where a recording longer than a model's audio window is heard: the window
// of `window` samples, starting on a multiple of `hop` samples, with the most
// energy (sum of squares), centred on it. A spoken-date model hears 4 s; a user's recording
// often starts with a second or two of room noise before the words, and the
// first 4 s would cut them off.
#pragma once

#include <cstddef>

#include "xattn/audio.h"

namespace xattn {
namespace posix {

// 0 when the recording fits the window. Of the windows within 1% of the
// loudest's energy next to it, the middle one: the words centred.
size_t loudest_window_start(const PcmView& pcm, size_t window, size_t hop);

}  // namespace posix
}  // namespace xattn
