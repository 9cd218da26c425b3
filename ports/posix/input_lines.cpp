#include "input_lines.h"

#include <cstdio>
#include <iostream>

namespace xattn {
namespace posix {

bool InputLines::next(std::string* line) {
  line->clear();
  std::streambuf* buffer = in_.rdbuf();
  if (!buffer) return false;
  using Traits = std::char_traits<char>;
  Traits::int_type c = buffer->sbumpc();
  if (Traits::eq_int_type(c, Traits::eof())) return false;
  while (!Traits::eq_int_type(c, Traits::eof())) {
    if (c == '\n' || c == '\r') {
      if (c == '\r' && buffer->sgetc() == '\n') buffer->sbumpc();  // CRLF is one break
      drop_bom(line);
      return true;
    }
    line->push_back(Traits::to_char_type(c));
    c = buffer->sbumpc();
  }
  drop_bom(line);
  return true;
}

void InputLines::drop_bom(std::string* line) {
  if (first_ && line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);
  first_ = false;
}

bool InputLines::failed() const {
  // std::cin reads through stdio (synchronized): its error flag is the one set.
  return in_.bad() || (&in_ == &std::cin && std::ferror(stdin));
}

std::string InputLines::failure() const { return "read error"; }

}  // namespace posix
}  // namespace xattn
