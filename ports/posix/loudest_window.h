// Where a recording is heard by a model with a short audio window (a
// spoken-date model hears 4 s): the window of `window` samples, starting on
// a multiple of `hop` samples, that holds the most energy (sum of squares),
// placed so the words start `lead` samples into it. A user's recording often
// starts with a second or two of room noise before the words: heard from its
// start, the words would be cut off, or pushed to the window's end, where a
// model trained on words near the start hears them worst.
#pragma once

#include <cstddef>

#include "xattn/audio.h"

namespace xattn {
namespace posix {

// The window may run past the recording's end (the front end pads with
// zeros). Energy is counted above the recording's noise floor (twice its
// quietest tenth of hop-sized blocks). Of the windows within 1% of the
// loudest's energy next to it (all of them hold the words), the one that
// starts `lead` before the last of them, or the first of them if that is
// later. 0 when the recording's start is one of them and the choice is
// within `lead` of it (words that start early enough are heard as
// recorded), and when nothing stands above the floor.
size_t loudest_window_start(const PcmView& pcm, size_t window, size_t hop, size_t lead);

}  // namespace posix
}  // namespace xattn
