// xattn tokenize: text -> ids (or pieces), or ids -> text with --decode,
// one line at a time, through the runtime tokenizer built from a
// SentencePiece model, a tiktoken rank file or vocab.json + merges.txt.
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "byte_bpe_files.h"
#include "cli_args.h"
#include "input_lines.h"
#include "commands.h"
#include "spm_model.h"
#include "tokenizer_blob_writer.h"
#include "translator.h"
#include "xattn/tokenizer.h"

namespace xattn {
namespace posix {
namespace {

const char kUsage[] =
    "usage: xattn tokenize (--spm FILE.model | --tiktoken FILE | --bpe vocab.json merges.txt |\n"
    "                       --model FILE.xattn [--side source|target]) [--pieces] [--decode]  < lines";

// A line of ids for --decode: decimal numbers that fit 32 bits, separated
// by spaces or tabs. Anything else (signs, letters, overflow) is refused
// rather than read as some other id.
bool parse_ids(const std::string& line, std::vector<uint32_t>* ids) {
  ids->clear();
  size_t at = 0;
  while (at < line.size()) {
    if (line[at] == ' ' || line[at] == '\t') {
      ++at;
      continue;
    }
    uint64_t id = 0;
    const size_t start = at;
    while (at < line.size() && line[at] >= '0' && line[at] <= '9') {
      id = id * 10 + static_cast<uint64_t>(line[at] - '0');
      if (id > 0xffffffffull) return false;
      ++at;
    }
    if (at == start || (at < line.size() && line[at] != ' ' && line[at] != '\t')) return false;
    ids->push_back(static_cast<uint32_t>(id));
  }
  return true;
}

}  // namespace

int run_tokenize(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1,
            {{"--spm", true}, {"--tiktoken", true}, {"--bpe", true}, {"--model", true}, {"--side", true},
             {"--pieces", false}, {"--decode", false}});
  if (args.help()) {
    out << kUsage << '\n';
    return 0;
  }
  std::string spm, tiktoken, vocab, merges, model_path, side = "source";
  const bool has_model = args.text("--model", &model_path);
  const bool has_side = args.text("--side", &side);
  const bool has_spm = args.text("--spm", &spm);
  const bool has_tiktoken = args.text("--tiktoken", &tiktoken);
  const bool has_bpe = args.text("--bpe", &vocab);
  if (has_bpe) args.positional(&merges);
  const bool pieces = args.flag("--pieces");
  const bool decode = args.flag("--decode");
  std::string error = args.finish();
  if (error.empty() && has_spm + has_tiktoken + has_bpe + has_model != 1) {
    error = "give one of --spm, --tiktoken, --bpe or --model (see xattn tokenize --help)";
  }
  if (error.empty() && has_bpe && merges.empty()) error = "--bpe takes two files: vocab.json merges.txt";
  // --decode prints text: --pieces there would be accepted and ignored.
  if (error.empty() && pieces && decode) error = "--pieces and --decode exclude each other (--decode prints text)";
  if (error.empty() && has_side && !has_model) error = "--side is for --model only";
  if (error.empty() && side != "source" && side != "target") error = "--side must be source or target, not '" + side + "'";
  if (!error.empty()) {
    err << "xattn tokenize: " << error << '\n';
    return 2;
  }
  convert::TokenizerSpec spec;
  std::vector<uint8_t> bytes;
  Translator model;  // --model: the tokenizer the model file carries, opened in place by open_model
  if (has_model) {
    error = model.open_file(model_path);
    // An audio model's source is log-mel features: said before "no tokenizer", which holds for its source always.
    if (error.empty() && side == "source" && model.model().config.encoder_input == EncoderInput::kAudio) {
      error = model_path + ": an audio model has no source text (its encoder reads log-mel features; use --side target)";
    }
    if (error.empty() && !model.model().config.has_tokenizer) error = model_path + ": the model carries no tokenizer";
  } else {
    error = has_spm ? convert::read_sentencepiece_model(spm, &spec)
            : has_tiktoken ? convert::read_tiktoken_file(tiktoken, &spec)
                           : convert::read_bpe_vocab(vocab, merges, &spec);
    if (error.empty()) error = convert::build_tokenizer_blob(spec, &bytes);
  }
  // 8-aligned storage for the blob (open() needs 4) and the scratch.
  std::vector<uint64_t> blob((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), reinterpret_cast<uint8_t*>(blob.data()));
  Tokenizer tokenizer;
  if (error.empty() && has_model) {
    tokenizer = side == "source" ? model.model().source_text : model.model().target_text;
  } else if (error.empty()) {
    const Status status = Tokenizer::open(blob.data(), bytes.size(), &tokenizer);
    if (!status) error = status.message();
  }
  if (!error.empty()) {
    err << "xattn tokenize: " << error << '\n';
    return 1;
  }
  std::string line;
  std::vector<uint64_t> scratch;
  std::vector<uint32_t> ids;
  std::vector<char> text;
  int status_code = 0;
  size_t number = 0;
  InputLines lines(in);
  while (lines.next(&line)) {
    ++number;
    if (decode) {
      const bool ok = parse_ids(line, &ids);
      size_t length = 0;
      Status s = ok ? tokenizer.decode(ids.data(), ids.size(), nullptr, 0, &length)
                    : Status::error(StatusCode::kInvalidArgument)
                          .add("expected ids: decimal numbers up to 4294967295 separated by spaces or tabs");
      if (s.code() == StatusCode::kLimitExceeded) {
        text.resize(length);
        s = tokenizer.decode(ids.data(), ids.size(), text.data(), text.size(), &length);
      }
      if (!s) {
        err << "xattn tokenize: line " << number << ": " << s.message() << '\n';
        status_code = 1;
        out << '\n';
        continue;
      }
      out.write(text.data(), static_cast<std::streamsize>(length));
      out << '\n';
      continue;
    }
    scratch.assign((tokenizer.scratch_bytes(line.size()) + 7) / 8, 0);
    ids.resize(tokenizer.max_ids(line.size()));
    size_t count = 0;
    const Status s = tokenizer.encode(line.data(), line.size(), scratch.data(), scratch.size() * 8, ids.data(),
                                      ids.size(), &count);
    if (!s) {
      err << "xattn tokenize: line " << number << ": " << s.message() << '\n';
      status_code = 1;
      out << '\n';
      continue;
    }
    for (size_t i = 0; i < count; ++i) {
      if (i) out << ' ';
      if (pieces) {
        const PieceText p = tokenizer.piece(ids[i]);
        out.write(p.data, static_cast<std::streamsize>(p.size));
      } else {
        out << ids[i];
      }
    }
    out << '\n';
  }
  out.flush();
  if (!out) {
    err << "xattn tokenize: cannot write the output\n";
    return 1;
  }
  if (lines.failed()) {
    err << "xattn tokenize: cannot read the input after line " << number << ": " << lines.failure() << '\n';
    return 1;
  }
  return status_code;
}

}  // namespace posix
}  // namespace xattn
