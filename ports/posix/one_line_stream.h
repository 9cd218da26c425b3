// Standard error as one line per message: a control byte inside a chunk the
// tool writes (a newline in a path given on the command line, an escape
// sequence read from a corrupted file) is shown as \xNN, so every error stays
// the single line the CLI promises. A newline that ends a chunk, and tabs,
// pass. Write failures propagate (a full stderr still fails the stream).
// Header-only: main.cpp installs it on std::cerr, tools only.
#pragma once

#include <streambuf>

namespace xattn {
namespace posix {

class OneLineStreambuf : public std::streambuf {
 public:
  explicit OneLineStreambuf(std::streambuf* to) : to_(to) {}

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const char ch = static_cast<char>(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      const bool plain = (c >= 0x20 && c != 0x7f) || c == '\t' || (c == '\n' && i + 1 == n);
      if (plain) {
        if (to_->sputc(static_cast<char>(c)) == traits_type::eof()) return 0;
        continue;
      }
      const char hex[] = "0123456789abcdef";
      const char escaped[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      if (to_->sputn(escaped, 4) != 4) return 0;
    }
    return n;
  }

  int sync() override { return to_->pubsync(); }

 private:
  std::streambuf* to_;
};

}  // namespace posix
}  // namespace xattn
