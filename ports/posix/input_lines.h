// Lines of text from a stream, for the line-oriented commands. A line ends
// at LF, CRLF or a lone CR (classic Mac files), so a stray carriage return
// never hides inside a line: in character-mode models a CR would otherwise
// cut the input, in token-mode models it is only whitespace. The last line
// needs no terminator. A UTF-8 byte order mark at the very start of the
// input is dropped (it is not part of the first input). A read error is
// reported, not taken for the end.
#pragma once

#include <istream>
#include <string>

namespace xattn {
namespace posix {

class InputLines {
 public:
  explicit InputLines(std::istream& in) : in_(in) {}
  bool next(std::string* line);  // false at the end of the input or on a read error
  bool failed() const;           // the input ended by an error
  std::string failure() const;   // why, when failed()

 private:
  void drop_bom(std::string* line);
  std::istream& in_;
  bool first_ = true;
};

}  // namespace posix
}  // namespace xattn
