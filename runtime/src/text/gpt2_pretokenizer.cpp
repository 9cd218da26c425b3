#include "text/gpt2_pretokenizer.h"

#include "text/tokenizer_internal.h"
#include "text/unicode_classes.h"

namespace xattn {
namespace text {
namespace {

struct Char {
  size_t size;  // bytes; 0 past the end
  CharClass cls;
};

Char char_at(const char* text, size_t length, size_t at) {
  if (at >= length) return Char{0, kOther};
  uint32_t cp = 0;
  size_t n = decode_utf8(text + at, length - at, &cp);
  if (n == 0) n = 1;  // not reached for validated input
  return Char{n, char_class(cp)};
}

// Bytes of the longest run of characters (from `at`) that are `cls`, or, when
// `other` is set, that are neither letters, numbers nor spaces.
size_t run(const char* text, size_t length, size_t at, CharClass cls) {
  size_t end = at;
  for (;;) {
    const Char c = char_at(text, length, end);
    if (c.size == 0 || c.cls != cls) return end - at;
    end += c.size;
  }
}

size_t contraction(const char* text, size_t length) {
  if (text[0] != '\'' || length < 2) return 0;
  const char a = text[1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (length >= 3) {
    const char b = text[2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

}  // namespace

size_t gpt2_pretoken_length(const char* text, size_t length) {
  const size_t c = contraction(text, length);
  if (c > 0) return c;
  // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": one optional ASCII space, then a run.
  const size_t space = text[0] == ' ' ? 1 : 0;
  const Char first = char_at(text, length, space);
  if (first.size > 0 && first.cls != kSpace) return space + run(text, length, space, first.cls);
  // "\s+(?!\S)" then "\s+".
  const size_t spaces = run(text, length, 0, kSpace);
  if (spaces == length) return spaces;  // the run reaches the end of the text
  // A non-space follows: give back the run's last character, if one remains.
  size_t last = 0, at = 0;
  while (at < spaces) {
    last = char_at(text, length, at).size;
    at += last;
  }
  return spaces - last > 0 ? spaces - last : spaces;
}

}  // namespace text
}  // namespace xattn
