// The command-line tool's own input handling (ports/posix): model files that
// are not regular files or change while in use, line endings, and the
// argument parser's errors. The end-to-end probes are in cli_hostile.sh.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_args.h"
#include "input_lines.h"
#include "mapped_file.h"

namespace xattn {
namespace posix {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/xattn-cli-files.XXXXXX";
    REQUIRE(mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

void write_file(const std::string& path, size_t size) {
  std::ofstream file(path, std::ios::binary);
  for (size_t i = 0; i < size; ++i) file.put(static_cast<char>(i * 7));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  InputLines lines(in);
  std::vector<std::string> out;
  std::string line;
  while (lines.next(&line)) out.push_back(line);
  return out;
}

std::string parse_error(std::vector<std::string> words, std::initializer_list<OptionSpec> specs) {
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(&w[0]);
  Args args(static_cast<int>(argv.size()), argv.data(), 0, specs);
  std::string value;
  uint32_t number = 0;
  args.text("--model", &value);
  args.number("--beam", 1, 64, &number);
  args.flag("--scores");
  args.all("--suppress");
  args.positional(&value);
  return args.finish();
}

TEST_CASE("cli files: FIFOs, devices and directories are refused without blocking") {
  TempDir dir;
  const std::string fifo = dir.path + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  MappedFile f;
  // Opening a FIFO for reading would block until a writer came: it must return at once.
  CHECK(f.open(fifo) == fifo + " is a FIFO, not a model file");
  CHECK(f.open(dir.path) == dir.path + " is a directory, not a model file");
  CHECK(f.open("/dev/zero") == "/dev/zero is a character device, not a model file");
  CHECK(not_regular_file(fifo) == fifo + " is a FIFO, not a model file");
  CHECK(not_regular_file(dir.path + "/missing") == "");
  write_file(dir.path + "/empty", 0);
  CHECK(f.open(dir.path + "/empty") == dir.path + "/empty: empty file");
}

TEST_CASE("cli files: small models are read into memory, so truncating the file changes nothing") {
  TempDir dir;
  const std::string path = dir.path + "/model";
  write_file(path, 10000);
  MappedFile f;
  REQUIRE(f.open(path) == "");
  CHECK_FALSE(f.mapped());
  CHECK(reinterpret_cast<uintptr_t>(f.data()) % 64 == 0);
  REQUIRE(truncate(path.c_str(), 0) == 0);
  unsigned sum = 0;
  for (size_t i = 0; i < f.size(); ++i) sum += f.data()[i];
  unsigned expected = 0;
  for (size_t i = 0; i < 10000; ++i) expected += static_cast<unsigned char>(i * 7);
  CHECK(sum == expected);
}

TEST_CASE("cli files: a mapped model that shrinks ends the tool with a message, not a silent SIGBUS") {
  TempDir dir;
  const std::string path = dir.path + "/model";
  write_file(path, 3 * 65536);
  std::fflush(nullptr);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (!std::freopen("/dev/null", "w", stderr)) _exit(6);  // the handler's message is expected, not shown
    MappedFile f;
    if (f.open(path, 0) != "" || !f.mapped()) _exit(3);  // read limit 0: always mapped
    if (truncate(path.c_str(), 0) != 0) _exit(4);
    volatile unsigned char last = f.data()[f.size() - 1];  // past the end of the file now: SIGBUS
    (void)last;
    _exit(5);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK_FALSE(WIFSIGNALED(status));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
}

TEST_CASE("cli files: LF, CRLF and a lone CR each end a line") {
  CHECK(lines_of("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(lines_of("a\r\nb\r\n") == std::vector<std::string>{"a", "b"});
  CHECK(lines_of("a\rb") == std::vector<std::string>{"a", "b"});
  CHECK(lines_of("23 nov\r2026\n") == std::vector<std::string>{"23 nov", "2026"});
  CHECK(lines_of("a\r\r\nb") == std::vector<std::string>{"a", "", "b"});
  CHECK(lines_of("\n\n") == std::vector<std::string>{"", ""});
  CHECK(lines_of("").empty());
  // A byte order mark starts the input, not the first line; later ones are data.
  CHECK(lines_of("\xEF\xBB\xBF" "a\n\xEF\xBB\xBF") == std::vector<std::string>{"a", "\xEF\xBB\xBF"});
  CHECK(lines_of("\xEF\xBB\xBF") == std::vector<std::string>{""});
  CHECK(lines_of(std::string("x\0y\n", 4)) == std::vector<std::string>{std::string("x\0y", 3)});
}

TEST_CASE("cli files: argument errors name the real problem") {
  const std::initializer_list<OptionSpec> specs = {
      {"--model", true}, {"--beam", true}, {"--scores", false}, {"--suppress", true, true}};
  CHECK(parse_error({"--beam", "2", "--beam", "4"}, specs) == "--beam is given more than once (each option at most once)");
  CHECK(parse_error({"--model", "--beam", "4"}, specs) == "--model needs a value, got the option '--beam'");
  CHECK(parse_error({"--model"}, specs) == "--model needs a value");
  CHECK(parse_error({"--frob"}, specs) == "unknown option '--frob'");
  CHECK(parse_error({"--scores=1"}, specs) == "--scores takes no value");
  CHECK(parse_error({"--beam=0"}, specs) == "--beam: expected an integer in 1..64, got '0'");
  CHECK(parse_error({"--beam", "4", "FILE", "extra"}, specs) == "unexpected argument 'extra'");
  CHECK(parse_error({"--beam=4", "--model=m", "--suppress", "a", "--suppress=b", "--scores", "FILE"}, specs) == "");
  CHECK(parse_error({"--", "--beam"}, specs) == "");  // after --, a positional
  CHECK(parse_error({"--beam", "4"}, {{"--beam", true}, {"--other", true}}) == "");
  // Given but not read by the command: named, not ignored.
  std::vector<std::string> words = {"--data", "x"};
  std::vector<char*> argv = {&words[0][0], &words[1][0]};
  Args args(2, argv.data(), 0, {{"--data", true}});
  CHECK(args.finish() == "--data does not apply here");
}

}  // namespace
}  // namespace posix
}  // namespace xattn
