// Unicode character classes for GPT-2's pre-tokenizer: letters (\p{L}),
// numbers (\p{N}) and white space (\s, the White_Space property).
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {
namespace text {

enum CharClass : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 3 };

struct CodePointRange {
  uint32_t first;
  uint32_t last;
  uint32_t char_class;
};

// Sorted, disjoint (unicode_classes.cpp, generated).
extern const CodePointRange kLetterNumberRanges[];
extern const size_t kLetterNumberRangeCount;

inline bool is_white_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

inline CharClass char_class(uint32_t c) {
  if (is_white_space(c)) return kSpace;
  if (c < 0x80) {
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return kLetter;
    return (c >= '0' && c <= '9') ? kNumber : kOther;
  }
  size_t lo = 0, hi = kLetterNumberRangeCount;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (c < kLetterNumberRanges[mid].first) {
      hi = mid;
    } else if (c > kLetterNumberRanges[mid].last) {
      lo = mid + 1;
    } else {
      return static_cast<CharClass>(kLetterNumberRanges[mid].char_class);
    }
  }
  return kOther;
}

}  // namespace text
}  // namespace xattn
