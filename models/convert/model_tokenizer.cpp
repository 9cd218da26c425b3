#include "model_tokenizer.h"

#include "byte_bpe_files.h"
#include "spm_model.h"

namespace xattn {
namespace convert {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_bpe_pair(const std::string& pair, const std::string& arg, TokenizerSpec* spec) {
  const size_t plus = pair.rfind('+');
  if (plus == std::string::npos || plus == 0 || plus + 1 == pair.size()) {
    return "tokenizer '" + arg + "': byte-level BPE is given as bpe:VOCAB.json+MERGES.txt";
  }
  return read_bpe_vocab(pair.substr(0, plus), pair.substr(plus + 1), spec);
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else {  // every spelling is below U+0800
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace

std::string read_tokenizer_argument(const std::string& arg, TokenizerSpec* spec) {
  if (starts_with(arg, "spm:")) return read_sentencepiece_model(arg.substr(4), spec);
  if (starts_with(arg, "tiktoken:")) return read_tiktoken_file(arg.substr(9), spec);
  if (starts_with(arg, "bpe:")) return read_bpe_pair(arg.substr(4), arg, spec);
  if (ends_with(arg, ".tiktoken")) return read_tiktoken_file(arg, spec);
  const size_t plus = arg.rfind('+');
  if (plus != std::string::npos && ends_with(arg.substr(0, plus), ".json")) return read_bpe_pair(arg, arg, spec);
  return read_sentencepiece_model(arg, spec);
}

std::string gpt2_byte_spelling(uint8_t byte) {
  // Printable Latin-1 bytes spell themselves; the others, in byte order,
  // become U+0100, U+0101, ...
  const auto printable = [](uint32_t b) { return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae; };
  uint32_t cp = byte;
  if (!printable(byte)) {
    uint32_t n = 0;
    for (uint32_t b = 0; b < byte; ++b) n += printable(b) ? 0 : 1;
    cp = 256 + n;
  }
  std::string out;
  append_utf8(cp, &out);
  return out;
}

std::string build_model_tokenizer(TokenizerSpec spec, const std::vector<std::string>& vocabulary,
                                  const std::string& side, std::vector<uint8_t>* blob) {
  const std::vector<TokenizerPiece> raw = spec.pieces;
  if (spec.model == 3) {  // compare in the vocabulary's spelling, store raw bytes
    for (TokenizerPiece& p : spec.pieces) {
      std::string spelled;
      for (unsigned char c : p.text) spelled += gpt2_byte_spelling(c);
      p.text = spelled;
    }
  }
  std::string error = map_to_vocabulary(vocabulary, &spec);
  if (!error.empty()) return side + " tokenizer: " + error;
  spec.pieces = raw;
  error = build_tokenizer_blob(spec, blob);
  return error.empty() ? "" : side + " tokenizer: " + error;
}

}  // namespace convert
}  // namespace xattn
