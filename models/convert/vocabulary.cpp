#include "vocabulary.h"

#include "file_safety.h"

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "json.h"

namespace xattn {
namespace convert {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

std::string read_text(const std::string& path, std::string* text) {
  const std::string refused = refuse_unreadable(path);
  if (!refused.empty()) return refused;
  std::ifstream file(path, std::ios::binary);
  if (!file) return "cannot open " + path;
  text->assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) return "cannot read " + path;
  // A UTF-8 byte order mark (editors on Windows write one) is not part of the first token.
  if (text->compare(0, 3, "\xEF\xBB\xBF") == 0) text->erase(0, 3);
  return "";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  bool all_cr = true;
  while (std::getline(in, line)) {
    if (line.empty() || line.back() != '\r') all_cr = false;
    lines.push_back(line);
  }
  if (all_cr && !lines.empty())
    for (std::string& l : lines) l.pop_back();
  return lines;
}

// Finds `stem`.json or `stem`.txt in dir; "" when neither exists.
std::string find_file(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".json", ".txt"}) {
    const std::string path = dir + "/" + stem + ext;
    if (file_exists(path)) return path;
  }
  return "";
}

}  // namespace

long Vocabulary::find(const std::string& token) const {
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] == token) return static_cast<long>(i);
  return -1;
}

std::string read_vocabulary_tokens(const std::string& path, std::vector<std::string>* tokens) {
  std::string text;
  std::string error = read_text(path, &text);
  if (!error.empty()) return error;
  if (ends_with(path, ".txt")) {
    *tokens = split_lines(text);
    return "";
  }
  if (!ends_with(path, ".json")) return path + ": unknown vocabulary file extension (want .txt or .json)";
  JsonValue root;
  error = parse_json(text, &root);
  if (!error.empty()) return path + ": " + error;
  if (root.kind != JsonValue::Kind::kArray) return path + ": expected a JSON list of tokens";
  tokens->clear();
  for (size_t i = 0; i < root.array.size(); ++i) {
    if (root.array[i].kind != JsonValue::Kind::kString)
      return path + ": entry " + std::to_string(i) + " is not a string";
    tokens->push_back(root.array[i].string);
  }
  return "";
}

std::string make_vocabulary(std::vector<std::string> tokens, const std::string& unk_token,
                            const std::string& what, Vocabulary* out) {
  std::map<std::string, size_t> ids;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) return what + ": token " + std::to_string(i) + " is empty";
    ids.emplace(tokens[i], i);  // a repeated token keeps its first id (CTranslate2's rule)
  }
  out->unk_appended = ids.count(unk_token) == 0;
  if (out->unk_appended) tokens.push_back(unk_token);
  out->tokens = std::move(tokens);
  return "";
}

std::string load_ct2_vocabularies(const std::string& dir, const std::string& unk_token,
                                  Vocabulary* source, Vocabulary* target) {
  std::vector<std::string> tokens;
  // One vocabulary for both sides; Whisper and decoder-only directories name it "vocabulary".
  std::string shared = find_file(dir, "shared_vocabulary");
  if (shared.empty()) shared = find_file(dir, "vocabulary");
  if (!shared.empty()) {
    std::string error = read_vocabulary_tokens(shared, &tokens);
    if (error.empty()) error = make_vocabulary(tokens, unk_token, shared, source);
    if (!error.empty()) return error;
    *target = *source;
    return "";
  }
  const std::string source_path = find_file(dir, "source_vocabulary");
  const std::string target_path = find_file(dir, "target_vocabulary");
  if (source_path.empty()) return dir + ": no source_vocabulary.txt/.json or shared_vocabulary.txt/.json";
  if (target_path.empty()) return dir + ": no target_vocabulary.txt/.json";
  std::string error = read_vocabulary_tokens(source_path, &tokens);
  if (error.empty()) error = make_vocabulary(tokens, unk_token, source_path, source);
  if (error.empty()) error = read_vocabulary_tokens(target_path, &tokens);
  if (error.empty()) error = make_vocabulary(tokens, unk_token, target_path, target);
  return error;
}

}  // namespace convert
}  // namespace xattn
