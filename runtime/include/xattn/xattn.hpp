// xattn's C++ API in one include: open a model from bytes, size an arena,
// create a session in it, encode, generate, read results.
#pragma once

#include "xattn/arena.h"
#include "xattn/audio.h"
#include "xattn/config.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/status.h"
#include "xattn/text.h"
