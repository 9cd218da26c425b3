#include "tokenizer_blob_writer.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace xattn {
namespace convert {
namespace {

constexpr uint32_t kNone = 0xffffffffu;

uint32_t fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

void put_u32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void pad4(std::vector<uint8_t>* out) {
  while (out->size() % 4 != 0) out->push_back(0);
}

// The darts-clone double array of a SentencePiece precompiled charsmap:
// u32 trie size in bytes, the trie's units, then NUL-terminated strings.
struct Charsmap {
  std::vector<uint32_t> units;
  std::string strings;
};

std::string split_charsmap(const std::string& blob, Charsmap* out) {
  if (blob.empty()) return "";
  if (blob.size() < 4) return "precompiled_charsmap shorter than its 4-byte header";
  uint32_t trie_bytes = 0;
  for (int i = 0; i < 4; ++i) trie_bytes |= static_cast<uint32_t>(static_cast<uint8_t>(blob[i])) << (8 * i);
  if (trie_bytes % 4 != 0 || trie_bytes == 0 || trie_bytes > blob.size() - 4) {
    return "precompiled_charsmap: trie size out of range";
  }
  out->units.resize(trie_bytes / 4);
  for (size_t i = 0; i < out->units.size(); ++i) {
    uint32_t u = 0;
    for (int k = 0; k < 4; ++k) u |= static_cast<uint32_t>(static_cast<uint8_t>(blob[4 + 4 * i + k])) << (8 * k);
    out->units[i] = u;
  }
  out->strings = blob.substr(4 + trie_bytes);
  if (out->strings.empty() || out->strings.back() != '\0') out->strings.push_back('\0');
  return "";
}

uint32_t unit_offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

// Largest bytes-out per byte-in of any charsmap rule, with spaces escaped to
// three bytes (and at least 3: a plain space, or U+FFFD's quirk, triples).
// darts-clone shares nodes between keys (it builds from a DAWG), so a node
// is walked again only when reached by a shorter key (a larger ratio is then
// possible); a budget bounds the walk on a corrupt array.
struct ExpansionWalk {
  const Charsmap& m;
  std::vector<uint32_t> shortest;  // shortest key length that reached each node
  uint64_t budget = uint64_t{1} << 26;
  uint32_t worst = 3;

  bool walk(uint32_t node, uint32_t depth) {
    if (depth > 256) return false;
    if (shortest[node] <= depth) return true;
    shortest[node] = depth;
    const uint32_t base = node ^ unit_offset(m.units[node]);
    for (uint32_t c = 1; c < 256; ++c) {
      if (budget-- == 0) return false;
      const uint32_t child = base ^ c;
      if (child >= m.units.size()) continue;
      const uint32_t u = m.units[child];
      if ((u & (0x80000000u | 0xffu)) != c) continue;
      if ((u >> 8) & 1) {
        const uint32_t leaf = child ^ unit_offset(u);
        if (leaf < m.units.size()) {
          const uint32_t value = m.units[leaf] & 0x7fffffffu;
          uint32_t out = 0;
          for (size_t i = value; i < m.strings.size() && m.strings[i] != '\0'; ++i) out += m.strings[i] == ' ' ? 3 : 1;
          const uint32_t ratio = (out + depth) / (depth + 1);
          if (ratio > worst) worst = ratio;
        }
      }
      if (!walk(child, depth + 1)) return false;
    }
    return true;
  }
};

}  // namespace

std::string map_to_vocabulary(const std::vector<std::string>& vocabulary, TokenizerSpec* spec) {
  std::unordered_map<std::string, uint32_t> ids;
  for (size_t i = 0; i < vocabulary.size(); ++i) ids.emplace(vocabulary[i], static_cast<uint32_t>(i));
  spec->model_ids.assign(spec->pieces.size(), kNone);
  for (size_t i = 0; i < spec->pieces.size(); ++i) {
    const TokenizerPiece& p = spec->pieces[i];
    const auto it = ids.find(p.text);
    if (it != ids.end()) {
      spec->model_ids[i] = it->second;
    } else if (p.type != 3 && p.type != 5) {
      return "tokenizer piece '" + p.text + "' (piece " + std::to_string(i) +
             ") is not in the model vocabulary";
    }
  }
  spec->model_vocab_size = static_cast<uint32_t>(vocabulary.size());
  return "";
}

std::string build_tokenizer_blob(const TokenizerSpec& spec, std::vector<uint8_t>* blob) {
  const uint32_t n = static_cast<uint32_t>(spec.pieces.size());
  if (n == 0) return "tokenizer has no pieces";
  Charsmap charsmap;
  const std::string charsmap_error = split_charsmap(spec.charsmap, &charsmap);
  if (!charsmap_error.empty()) return charsmap_error;
  std::vector<uint32_t> model_ids = spec.model_ids;
  uint32_t vocab_size = spec.model_vocab_size;
  if (model_ids.empty()) {
    for (uint32_t i = 0; i < n; ++i) model_ids.push_back(i);
    vocab_size = n;
  }
  if (model_ids.size() != n) return "model ids: one per piece expected";
  if (spec.model == 3 && (spec.flags != 0 || !spec.charsmap.empty())) return "byte-level BPE takes no normalizer";
  if (spec.flags > 15) return "unknown tokenizer flags";
  std::vector<uint32_t> by_model_id(vocab_size, kNone);
  for (uint32_t i = 0; i < n; ++i) {
    if (model_ids[i] == kNone) continue;
    if (model_ids[i] >= vocab_size) return "piece '" + spec.pieces[i].text + "': model id beyond the vocabulary";
    if (by_model_id[model_ids[i]] != kNone) {
      return "pieces '" + spec.pieces[by_model_id[model_ids[i]]].text + "' and '" + spec.pieces[i].text +
             "' map to the same model id";
    }
    by_model_id[model_ids[i]] = i;
  }
  uint32_t slots = 1;
  while (slots < 2 * n + 1) slots <<= 1;
  std::vector<uint32_t> hash(slots, 0);
  std::unordered_map<std::string, uint32_t> seen;
  int32_t unk = -1;
  std::vector<uint32_t> byte_pieces(256, kNone), user_defined;
  for (uint32_t i = 0; i < n; ++i) {
    const TokenizerPiece& p = spec.pieces[i];
    if (p.text.empty()) return "piece " + std::to_string(i) + " is empty";
    if (!std::isfinite(p.score)) return "piece '" + p.text + "' has a score that is not finite";
    if (p.type < 1 || p.type > 6) return "piece '" + p.text + "' has an unknown type";
    if (!seen.emplace(p.text, i).second) return "piece '" + p.text + "' appears twice";
    uint32_t slot = fnv1a(p.text) & (slots - 1);
    while (hash[slot] != 0) slot = (slot + 1) & (slots - 1);
    hash[slot] = i + 1;
    if (p.type == 2) {
      if (unk >= 0) return "two unknown pieces";
      unk = static_cast<int32_t>(i);
    }
    if (p.type == 4) user_defined.push_back(i);
    if (spec.model == 3 && p.text.size() == 1) byte_pieces[static_cast<uint8_t>(p.text[0])] = i;
    if (p.type == 6) {  // "<0xAB>"
      unsigned value = 0;
      if (p.text.size() != 6 || std::sscanf(p.text.c_str(), "<0x%02X>", &value) != 1 || value > 255) {
        return "byte piece '" + p.text + "' is not <0xXX>";
      }
      byte_pieces[value] = i;
    }
  }
  uint32_t expansion = 3;
  if (!charsmap.units.empty()) {
    ExpansionWalk walk{charsmap, std::vector<uint32_t>(charsmap.units.size(), 0xffffffffu)};
    if (!walk.walk(0, 0)) return "precompiled_charsmap: trie too deep or corrupt";
    expansion = walk.worst;
    if (expansion > 64) return "precompiled_charsmap: a rule expands more than 64 times";
  }
  if (spec.model != 3 && unk < 0) return "SentencePiece model without an unknown piece";
  if (spec.model < 1 || spec.model > 3) return "unknown tokenizer model type";
  if (spec.model == 3) {
    for (uint32_t b = 0; b < 256; ++b) {
      if (byte_pieces[b] == kNone) return "byte-level BPE without a token for byte " + std::to_string(b);
    }
  }
  // Prefix filter (unigram): ~8 bits per distinct prefix, every prefix's bit set.
  std::vector<uint32_t> prefix_filter;
  if (spec.model == 1) {
    std::unordered_map<uint32_t, bool> prefixes;
    for (const auto& p : spec.pieces) {
      uint32_t h = 2166136261u;
      for (unsigned char c : p.text) prefixes[h = (h ^ c) * 16777619u] = true;
    }
    uint32_t bits = 1024;
    while (bits < 8 * prefixes.size()) bits <<= 1;
    prefix_filter.assign(bits / 32, 0);
    for (const auto& entry : prefixes) {
      const uint32_t bit = entry.first & (bits - 1);
      prefix_filter[bit >> 5] |= 1u << (bit & 31);
    }
  }
  std::string strings;
  std::vector<uint32_t> offsets{0};
  for (const auto& p : spec.pieces) {
    strings += p.text;
    offsets.push_back(static_cast<uint32_t>(strings.size()));
  }
  std::vector<uint8_t>& out = *blob;
  out.clear();
  for (char c : std::string("XATTNTOK")) out.push_back(static_cast<uint8_t>(c));
  put_u32(&out, 1);   // version
  put_u32(&out, 64);  // header_size
  put_u32(&out, 0);   // total_size, patched below
  out.push_back(spec.model);
  out.push_back(spec.flags);
  out.push_back(0);
  out.push_back(0);
  put_u32(&out, n);
  put_u32(&out, static_cast<uint32_t>(unk));
  put_u32(&out, vocab_size);
  put_u32(&out, slots);
  put_u32(&out, static_cast<uint32_t>(user_defined.size()));
  put_u32(&out, static_cast<uint32_t>(charsmap.units.size()));
  put_u32(&out, static_cast<uint32_t>(charsmap.strings.size()));
  put_u32(&out, static_cast<uint32_t>(strings.size()));
  put_u32(&out, spec.model == 3 ? 1 : expansion);
  put_u32(&out, static_cast<uint32_t>(prefix_filter.size()));
  for (uint32_t v : offsets) put_u32(&out, v);
  for (const auto& p : spec.pieces) {
    uint32_t bits;
    std::memcpy(&bits, &p.score, 4);
    put_u32(&out, bits);
  }
  for (uint32_t v : model_ids) put_u32(&out, v);
  for (uint32_t v : by_model_id) put_u32(&out, v);
  for (uint32_t v : hash) put_u32(&out, v);
  for (uint32_t v : prefix_filter) put_u32(&out, v);
  for (uint32_t v : byte_pieces) put_u32(&out, v);
  for (uint32_t v : user_defined) put_u32(&out, v);
  for (uint32_t v : charsmap.units) put_u32(&out, v);
  for (const auto& p : spec.pieces) out.push_back(p.type);
  pad4(&out);
  for (char c : strings) out.push_back(static_cast<uint8_t>(c));
  pad4(&out);
  for (char c : charsmap.strings) out.push_back(static_cast<uint8_t>(c));
  pad4(&out);
  const uint32_t total = static_cast<uint32_t>(out.size());
  for (int i = 0; i < 4; ++i) out[16 + i] = static_cast<uint8_t>(total >> (8 * i));
  return "";
}

}  // namespace convert
}  // namespace xattn
