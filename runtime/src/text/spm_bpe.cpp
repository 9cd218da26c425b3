// SentencePiece BPE encoding: start from characters (user-defined symbols
// whole and frozen), repeatedly merge the adjacent pair whose concatenation
// is the highest-scoring piece (ties: leftmost), as SentencePiece's agenda
// does, with stale agenda entries skipped when popped.
#include "text/tokenizer_internal.h"

namespace xattn {
namespace text {
namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t start;
  uint32_t size;  // 0 once merged into its left neighbour
  uint32_t freeze;
};

struct Candidate {
  float score;
  int32_t left;
  int32_t right;
  uint32_t size;
};

static_assert(sizeof(Symbol) == 20 && sizeof(Candidate) == 16, "tokenizer_scratch_bytes counts these sizes");

// Agenda order: higher score first, then smaller left index.
bool before(const Candidate& a, const Candidate& b) {
  return a.score > b.score || (a.score == b.score && a.left < b.left);
}

struct Agenda {
  Candidate* heap;
  size_t size = 0;
  void push(const Candidate& c) {
    size_t i = size++;
    heap[i] = c;
    while (i > 0 && before(heap[i], heap[(i - 1) / 2])) {
      const Candidate tmp = heap[i];
      heap[i] = heap[(i - 1) / 2];
      heap[(i - 1) / 2] = tmp;
      i = (i - 1) / 2;
    }
  }
  Candidate pop() {
    const Candidate top = heap[0];
    heap[0] = heap[--size];
    size_t i = 0;
    for (;;) {
      size_t best = i;
      const size_t l = 2 * i + 1, r = 2 * i + 2;
      if (l < size && before(heap[l], heap[best])) best = l;
      if (r < size && before(heap[r], heap[best])) best = r;
      if (best == i) break;
      const Candidate tmp = heap[i];
      heap[i] = heap[best];
      heap[best] = tmp;
      i = best;
    }
    return top;
  }
};

bool mergeable(uint8_t type) { return type == kNormal || type == kUserDefined || type == kUnused; }

}  // namespace

Status spm_bpe_encode(const Tokenizer& t, const char* text, size_t size, void* scratch, IdSink* sink) {
  const auto& s = t.sections();
  Symbol* symbols = static_cast<Symbol*>(scratch);
  Agenda agenda{reinterpret_cast<Candidate*>(symbols + size)};
  int32_t n = 0;
  for (size_t at = 0; at < size; ++n) {
    size_t length = match_user_defined(t, text + at, size - at);
    const bool frozen = length > 0;
    if (!frozen) length = one_char_length(text + at);
    if (length > size - at) length = size - at;
    symbols[n] = Symbol{n - 1, -1, static_cast<uint32_t>(at), static_cast<uint32_t>(length), frozen};
    at += length;
    if (at < size) symbols[n].next = n + 1;
  }
  if (n == 0) return Status::ok();
  const auto consider = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0 || symbols[left].freeze || symbols[right].freeze) return;
    const uint32_t bytes = symbols[left].size + symbols[right].size;
    const uint32_t p = find_piece(t, text + symbols[left].start, bytes);
    if (p == kNoPiece || !mergeable(s.types[p])) return;
    agenda.push(Candidate{s.scores[p], left, right, bytes});
  };
  for (int32_t i = 1; i < n; ++i) consider(i - 1, i);
  while (agenda.size > 0) {
    const Candidate top = agenda.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    if (left.size == 0 || right.size == 0 || left.size + right.size != top.size) continue;
    left.size += right.size;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    right.size = 0;
    consider(left.prev, top.left);
    consider(top.left, left.next);
  }
  for (int32_t i = 0; i != -1; i = symbols[i].next) {
    const char* piece_text = text + symbols[i].start;
    const uint32_t p = piece_to_id(t, piece_text, symbols[i].size);
    if (s.types[p] == kUnused) {
      return Status::error(StatusCode::kUnsupported).add("tokenizer: BPE merge produced an unused piece");
    }
    emit_piece(t, p, piece_text, symbols[i].size, sink);
  }
  return Status::ok();
}

}  // namespace text
}  // namespace xattn
