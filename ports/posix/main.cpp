// xattn: the command-line tool. One executable, subcommands.
#include <cstring>
#include <exception>
#include <iostream>

#include "commands.h"
#include "one_line_stream.h"
#include "convert_command.h"

namespace {

const char kUsage[] =
    "usage: xattn <command> [options]\n"
    "  demo [--model FILE]                    normalize a few dates with the project's own model\n"
    "  demo --speech [--model FILE]           spoken dates from WAV files with the project's speech model\n"
    "  demo --aren [--data DIR]               transliterate a few words with CTranslate2's test model\n"
    "  convert ct2 DIR -o FILE --weights f32|int8|int4   CTranslate2 model -> xattn file\n"
    "  convert ggml FILE.bin -o FILE --weights f32|int8|int4   whisper.cpp ggml model (f32, f16, q8_0) -> xattn file\n"
    "  convert xattn FILE.xattn -o FILE --weights f32|int8|int4   an xattn model again, requantized\n"
    "  convert embed MODEL.xattn -o OUT.c [--max-source N --max-target N --beam N]   model -> C array\n"
    "  convert synth --preset P --weights f32|int8|int4 [--seed S] -o FILE   synthetic benchmark model\n"
    "  translate --model FILE [--beam N] [--length-penalty X] [--max-length N] [--min-length N]\n"
    "            [--prefix \"t1 t2\"] [--end-token T] [--suppress \"t1 t2\"]... [--num-hypotheses N]\n"
    "            [--max-source N] [--truncate] [--scores] [--alignment] [--alignment-layer N] [--timing]\n"
    "            [--alignment-svg FILE] [--kernels scalar|sse4.2|avx2|avx512|avx512-vnni|neon|neon-dotprod]\n"
    "            [--kv-cache f32|f16|int8] [--self-kv-cache f32|f16|int8] [--threads N] [--pieces]   < inputs\n"
    "  inspect FILE [--max-source N --max-target N --beam N --kv-cache P --self-kv-cache P --threads N]\n"
    "  mel AUDIO.wav [--mels 80|128 | --filters-from MODEL.bin] [--pad] [-o FILE.f32]   Whisper log-mel\n"
    "  transcribe --model FILE [--language xx|auto] [--task transcribe|translate] [--timestamps] [--beam N]\n"
    "             [--max-new-tokens N] [--ids] [--audio-ctx N] [--threads N] [--alignment-svg FILE] AUDIO.wav...\n"
    "             Whisper speech -> text (the model's first window: 30 s for Whisper)\n"
    "  transcribe --model FILE [options] --frames N --features FILE.f32...   the same from raw log-mel inputs\n"
    "  tokenize (--spm FILE.model | --tiktoken FILE | --bpe vocab.json merges.txt | --model FILE.xattn [--side source|target])\n"
    "           [--pieces] [--decode]\n"
    "Each command takes --help; options are given once each, as --opt VALUE or --opt=VALUE.\n";

// A command that succeeded but whose standard output could not be written
// (a full disk, a closed pipe) did not do its job: one line and exit 1, for
// every command and every --help alike.
int output_checked(const char* command, int status) {
  std::cout.flush();
  if (status == 0 && !std::cout) {
    std::cerr << "xattn" << (command ? " " : "") << (command ? command : "") << ": cannot write the output\n";
    return 1;
  }
  return status;
}

int run_command(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    (argc < 2 ? std::cerr : std::cout) << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const char* command = argv[1];
  using namespace xattn::posix;
  // Host-side code may throw (std::bad_alloc on a huge input line): one line, not an abort.
  try {
  if (std::strcmp(command, "translate") == 0) return run_translate(argc - 1, argv + 1, std::cin, std::cout, std::cerr);
  if (std::strcmp(command, "inspect") == 0) return run_inspect(argc - 1, argv + 1, std::cout, std::cerr);
  if (std::strcmp(command, "tokenize") == 0) return run_tokenize(argc - 1, argv + 1, std::cin, std::cout, std::cerr);
  if (std::strcmp(command, "demo") == 0) return run_demo(argc - 1, argv + 1, std::cout, std::cerr);
  if (std::strcmp(command, "transcribe") == 0) return run_transcribe(argc - 1, argv + 1, std::cout, std::cerr);
  if (std::strcmp(command, "mel") == 0) return run_mel(argc - 1, argv + 1, std::cout, std::cerr);
  if (std::strcmp(command, "convert") == 0) {
    return xattn::convert::run_convert(argc - 1, argv + 1, std::cout, std::cerr);
  }
  } catch (const std::exception& e) {
    std::cerr << "xattn " << command << ": " << e.what() << '\n';
    return 1;
  }
  std::cerr << "xattn: unknown command '" << command << "' (commands: demo, convert, translate, inspect, mel, transcribe, tokenize; see xattn --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return run_command(argc, argv);  // the usage text on stderr, several lines
  // Every message after this is one line, whatever bytes a path or a file held.
  xattn::posix::OneLineStreambuf one_line(std::cerr.rdbuf());
  std::streambuf* const original = std::cerr.rdbuf(&one_line);
  const int status = output_checked(argv[1], run_command(argc, argv));
  std::cerr.rdbuf(original);
  return status;
}
