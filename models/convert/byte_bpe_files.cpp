#include "byte_bpe_files.h"

#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "file_safety.h"
#include "json.h"

namespace xattn {
namespace convert {
namespace {

constexpr uint32_t kNone = 0xffffffffu;

bool base64_decode(const std::string& in, std::string* out) {
  out->clear();
  uint32_t bits = 0;
  int count = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const char c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out->push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != '=') return false;
  }
  return true;
}

// Pieces sorted by rank, rank as the model id; every single byte must be a piece.
std::string finish(std::map<uint32_t, std::string> by_rank, const std::string& what, TokenizerSpec* spec,
                   uint32_t vocab_size = 0) {
  *spec = TokenizerSpec{};
  spec->model = 3;
  std::unordered_map<std::string, uint32_t> seen;
  for (const auto& entry : by_rank) {
    if (!seen.emplace(entry.second, entry.first).second) return what + ": a token appears twice";
    spec->pieces.push_back(TokenizerPiece{entry.second, -static_cast<float>(entry.first), 1});
    spec->model_ids.push_back(entry.first);
    if (entry.first + 1 > vocab_size) vocab_size = entry.first + 1;
  }
  for (int b = 0; b < 256; ++b) {
    if (!seen.count(std::string(1, static_cast<char>(b)))) return what + ": no token for byte " + std::to_string(b);
  }
  spec->model_vocab_size = vocab_size;
  return "";
}

// GPT-2's reversible map from bytes to printable characters (vocab.json's alphabet).
std::unordered_map<std::string, char> unicode_to_byte() {
  std::unordered_map<std::string, char> map;
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const uint32_t cp = printable ? static_cast<uint32_t>(b) : 256u + static_cast<uint32_t>(extra++);
    std::string utf8;
    if (cp < 0x80) {
      utf8.push_back(static_cast<char>(cp));
    } else {
      utf8.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
    map[utf8] = static_cast<char>(b);
  }
  return map;
}

bool to_bytes(const std::string& token, const std::unordered_map<std::string, char>& map, std::string* out) {
  out->clear();
  for (size_t i = 0; i < token.size();) {
    const size_t n = (static_cast<unsigned char>(token[i]) < 0x80) ? 1 : 2;
    const auto it = map.find(token.substr(i, n));
    if (it == map.end()) return false;
    out->push_back(it->second);
    i += n;
  }
  return true;
}

// A UTF-8 byte order mark (editors on Windows write one) is not part of the
// first token: the rule of the vocabulary files (vocabulary.cpp).
void drop_bom(std::string* text) {
  if (text->compare(0, 3, "\xEF\xBB\xBF") == 0) text->erase(0, 3);
}

}  // namespace

std::string read_tiktoken_file(const std::string& path, TokenizerSpec* spec) {
  const std::string refused = refuse_unreadable(path);
  if (!refused.empty()) return refused;
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  std::map<uint32_t, std::string> by_rank;
  std::string line, bytes;
  size_t number = 0;
  uint32_t vocab_size = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) drop_bom(&line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (space == std::string::npos) return where + "expected 'base64-token rank'";
    if (!base64_decode(line.substr(0, space), &bytes)) return where + "bad base64 token";
    char* end = nullptr;
    const unsigned long rank = std::strtoul(line.c_str() + space + 1, &end, 10);
    if (*end != '\0' || rank >= kNone) return where + "bad rank";
    if (rank + 1 > vocab_size) vocab_size = static_cast<uint32_t>(rank + 1);
    // Whisper's multilingual file has an empty token ("="): text never
    // produces it, so it gets no piece (its id still counts in the vocabulary).
    if (bytes.empty()) continue;
    if (!by_rank.emplace(static_cast<uint32_t>(rank), bytes).second) return where + "rank given twice";
  }
  return finish(std::move(by_rank), path, spec, vocab_size);
}

std::string read_bpe_vocab(const std::string& vocab_json, const std::string& merges_txt, TokenizerSpec* spec) {
  for (const std::string& path : {vocab_json, merges_txt}) {
    const std::string refused = refuse_unreadable(path);
    if (!refused.empty()) return refused;
  }
  std::ifstream vin(vocab_json, std::ios::binary);
  if (!vin) return "cannot open " + vocab_json;
  std::stringstream text;
  text << vin.rdbuf();
  std::string json = text.str();
  drop_bom(&json);
  JsonValue vocab;
  std::string error = parse_json(json, &vocab);
  if (!error.empty()) return vocab_json + ": " + error;
  if (vocab.kind != JsonValue::Kind::kObject) return vocab_json + ": expected an object of token: id";
  const auto map = unicode_to_byte();
  std::unordered_map<std::string, uint32_t> ids;  // raw bytes -> model id
  std::string bytes;
  for (const auto& entry : vocab.object) {
    if (entry.second.kind != JsonValue::Kind::kNumber || entry.second.number < 0 || entry.second.number >= kNone) {
      return vocab_json + ": id of '" + entry.first + "' is not a non-negative integer";
    }
    if (!to_bytes(entry.first, map, &bytes)) continue;  // special tokens (<|endoftext|>): not from text
    ids[bytes] = static_cast<uint32_t>(entry.second.number);
  }
  // tiktoken's conversion: single bytes first, then each merge's result, by line.
  std::map<uint32_t, std::string> by_rank;
  std::vector<std::string> ranked;
  for (int b = 0; b < 256; ++b) ranked.push_back(std::string(1, static_cast<char>(b)));
  std::ifstream min(merges_txt, std::ios::binary);
  if (!min) return "cannot open " + merges_txt;
  std::string line, left, right;
  size_t number = 0;
  while (std::getline(min, line)) {
    ++number;
    if (number == 1) drop_bom(&line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || !to_bytes(line.substr(0, space), map, &left) ||
        !to_bytes(line.substr(space + 1), map, &right)) {
      return merges_txt + ":" + std::to_string(number) + ": expected two byte-level tokens";
    }
    ranked.push_back(left + right);
  }
  // The model ids come from vocab.json; the merge order gives the priority.
  *spec = TokenizerSpec{};
  std::unordered_map<std::string, uint32_t> seen;
  for (const std::string& token : ranked) {
    const auto it = ids.find(token);
    if (it == ids.end()) return merges_txt + ": token of a merge is missing from " + vocab_json;
    if (!seen.emplace(token, 0).second) continue;  // a later merge to the same token never applies first
    by_rank.emplace(static_cast<uint32_t>(by_rank.size()), token);
  }
  error = finish(std::move(by_rank), merges_txt, spec);
  if (!error.empty()) return error;
  uint32_t vocab_size = 0;
  for (size_t i = 0; i < spec->pieces.size(); ++i) {
    spec->model_ids[i] = ids[spec->pieces[i].text];
    if (spec->model_ids[i] + 1 > vocab_size) vocab_size = spec->model_ids[i] + 1;
  }
  spec->model_vocab_size = vocab_size;
  return "";
}

}  // namespace convert
}  // namespace xattn
