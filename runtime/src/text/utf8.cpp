// UTF-8 decoding and validation (shortest forms only, no surrogates).
#include "text/tokenizer_internal.h"

namespace xattn {
namespace text {

size_t decode_utf8(const char* text, size_t length, uint32_t* code_point) {
  if (length == 0) return 0;
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(text[i])); };
  const uint32_t lead = byte(0);
  size_t n;
  uint32_t cp;
  uint32_t min;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    n = 2, cp = lead & 0x1f, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    n = 3, cp = lead & 0x0f, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    n = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n > length) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return 0;
  *code_point = cp;
  return n;
}

bool valid_utf8(const char* text, size_t length, size_t* bad_offset) {
  size_t i = 0;
  while (i < length) {
    uint32_t cp;
    const size_t n = decode_utf8(text + i, length - i, &cp);
    if (n == 0) {
      *bad_offset = i;
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace text
}  // namespace xattn
