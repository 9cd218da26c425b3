// Built with the consumer's own settings only. It warns under -Wextra (an
// unused parameter) so that an inherited -Werror fails the build, and it
// checks that the consumer's standard (C++20, no GNU extensions) is the one in
// force, not a C++17 or gnu++17 pushed down by xattn.
#if __cplusplus < 202002L
#error "the consumer asked for C++20 and got an older standard"
#endif
#ifndef __STRICT_ANSI__
#error "the consumer turned GNU extensions off and got them back"
#endif

int loose(int unused_on_purpose) { return 0; }
