// SentencePiece unigram encoding: Viterbi over the lattice of pieces that
// start at each character, built on the fly (SentencePiece's optimized
// encoder, whose ties and float arithmetic this follows exactly).
// Characters no piece starts with become <unk> nodes scored min_score - 10.
#include "text/tokenizer_internal.h"

namespace xattn {
namespace text {
namespace {

constexpr float kUnkPenalty = 10.0f;

struct BestPath {
  float score;       // best total score of a path ending here
  int32_t starts_at; // where its last piece starts (-1: no path yet)
  uint32_t piece;
};
static_assert(sizeof(BestPath) == 12, "tokenizer_scratch_bytes counts 12 bytes per lattice node");

// SentencePiece's lattice: normal and user-defined pieces (unused ones are skipped).
bool in_lattice(uint8_t type) { return type == kNormal || type == kUserDefined; }

}  // namespace

Status unigram_encode(const Tokenizer& t, const char* text, size_t size, void* scratch, IdSink* sink) {
  const auto& s = t.sections();
  BestPath* best = static_cast<BestPath*>(scratch);
  for (size_t i = 0; i <= size; ++i) best[i] = BestPath{0.0f, -1, 0};
  const float unk_score = t.min_score() - kUnkPenalty;
  const size_t longest = t.max_piece_bytes();
  for (size_t start = 0; start < size;) {
    const float till_here = best[start].score;
    size_t char_length = one_char_length(text + start);
    if (char_length > size - start) char_length = size - start;
    bool has_single_char_piece = false;
    const size_t most = size - start < longest ? size - start : longest;
    uint32_t hash = kHashSeed;
    for (size_t length = 1; length <= most; ++length) {
      hash = hash_step(hash, text[start + length - 1]);
      if (!maybe_prefix(t, hash)) break;  // no longer piece starts with these bytes
      const uint32_t p = find_piece_hashed(t, text + start, length, hash);
      if (p == kNoPiece || !in_lattice(s.types[p])) continue;
      // User-defined symbols get a bonus so that they always win (double, as SentencePiece).
      const double score = s.types[p] == kUserDefined
                               ? static_cast<double>(static_cast<float>(length) * t.max_score()) - 0.1
                               : static_cast<double>(s.scores[p]);
      const double candidate = score + till_here;
      BestPath& target = best[start + length];
      if (target.starts_at == -1 || candidate > target.score) {
        target.score = static_cast<float>(candidate);
        target.starts_at = static_cast<int32_t>(start);
        target.piece = p;
      }
      if (length == char_length) has_single_char_piece = true;
    }
    if (!has_single_char_piece) {
      BestPath& target = best[start + char_length];
      const float candidate = unk_score + till_here;
      if (target.starts_at == -1 || candidate > target.score) {
        target.score = candidate;
        target.starts_at = static_cast<int32_t>(start);
        target.piece = static_cast<uint32_t>(t.unk_piece());
      }
    }
    start += char_length;
  }
  // Backtrack: reverse the links in place (starts_at becomes the next
  // piece's end), then emit the pieces from the start.
  int32_t next = -1;
  for (size_t end = size; end > 0;) {
    const size_t start = static_cast<size_t>(best[end].starts_at);
    best[end].starts_at = next;
    next = static_cast<int32_t>(end);
    end = start;
  }
  size_t start = 0;
  for (int32_t end = next; end != -1;) {
    const BestPath& node = best[end];
    emit_piece(t, node.piece, text + start, static_cast<size_t>(end) - start, sink);
    start = static_cast<size_t>(end);
    end = node.starts_at;
  }
  return Status::ok();
}

}  // namespace text
}  // namespace xattn
