// Reading a CTranslate2 model directory's vocabularies: source_/target_ or
// shared_vocabulary, as .txt (one token per line; the line number is the id)
// or .json (a list of strings, newer converters), with CTranslate2's rules:
// a trailing carriage return is dropped only when every line has one, and
// the unknown token is appended when the file lacks it.
#pragma once

#include <string>
#include <vector>

namespace xattn {
namespace convert {

struct Vocabulary {
  std::vector<std::string> tokens;  // index = id
  bool unk_appended = false;        // the last token is an <unk> the file lacked

  // The id of `token`, or -1.
  long find(const std::string& token) const;
};

// Tokens of one file, by extension (.txt or .json). Returns "" or an error.
std::string read_vocabulary_tokens(const std::string& path, std::vector<std::string>* tokens);

// Checks the tokens (non-empty, no duplicates: the xattn format indexes them
// by text) and appends `unk_token` when absent.
std::string make_vocabulary(std::vector<std::string> tokens, const std::string& unk_token,
                            const std::string& what, Vocabulary* out);

// Finds and reads the vocabularies of a CTranslate2 model directory:
// shared_vocabulary.{json,txt} for both sides, else source_ and
// target_vocabulary.{json,txt}.
std::string load_ct2_vocabularies(const std::string& dir, const std::string& unk_token,
                                  Vocabulary* source, Vocabulary* target);

}  // namespace convert
}  // namespace xattn
