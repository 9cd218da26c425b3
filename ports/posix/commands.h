// The xattn subcommands. Each takes the arguments after its name, writes
// results to out and one-line errors to err, and returns the exit status.
#pragma once

#include <iosfwd>

namespace xattn {
namespace posix {

int run_translate(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);
int run_inspect(int argc, char** argv, std::ostream& out, std::ostream& err);
int run_demo(int argc, char** argv, std::ostream& out, std::ostream& err);
int run_mel(int argc, char** argv, std::ostream& out, std::ostream& err);
int run_transcribe(int argc, char** argv, std::ostream& out, std::ostream& err);
int run_tokenize(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace posix
}  // namespace xattn
