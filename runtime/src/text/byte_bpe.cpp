// Byte-level BPE as tiktoken runs it (GPT-2, Whisper): split the text into
// GPT-2 pre-tokens; a pre-token that is itself a token is emitted whole,
// otherwise its bytes are merged, always the adjacent pair whose
// concatenation has the lowest rank (leftmost on ties), until no pair is a
// token. Ranks are piece indices: the blob stores pieces in rank order.
#include "text/gpt2_pretokenizer.h"
#include "text/tokenizer_internal.h"

namespace xattn {
namespace text {
namespace {

struct Part {
  uint32_t start;  // byte offset in the pre-token
  uint32_t rank;   // rank of this part joined with the next one (kNoPiece: none)
};

static_assert(sizeof(Part) == 8, "tokenizer_scratch_bytes counts 8 bytes per part");

// The rank of bytes [parts[i].start, parts[i + skip].start), if that is a token.
uint32_t joined_rank(const Tokenizer& t, const char* piece, const Part* parts, size_t count, size_t i,
                     size_t skip) {
  if (i + skip >= count) return kNoPiece;
  return find_piece(t, piece + parts[i].start, parts[i + skip].start - parts[i].start);
}

void merge(const Tokenizer& t, const char* piece, size_t size, Part* parts, IdSink* sink) {
  size_t count = 0;
  for (size_t i = 0; i <= size; ++i) parts[count++] = Part{static_cast<uint32_t>(i), kNoPiece};
  for (size_t i = 0; i + 2 < count; ++i) parts[i].rank = joined_rank(t, piece, parts, count, i, 2);
  for (;;) {
    size_t best = count;
    uint32_t best_rank = kNoPiece;
    for (size_t i = 0; i + 1 < count; ++i) {
      if (parts[i].rank < best_rank) best_rank = parts[i].rank, best = i;
    }
    if (best == count) break;
    // Join parts best and best + 1, then refresh the ranks around the join.
    for (size_t i = best + 1; i + 1 < count; ++i) parts[i] = parts[i + 1];
    --count;
    if (best > 0) parts[best - 1].rank = joined_rank(t, piece, parts, count, best - 1, 2);
    parts[best].rank = joined_rank(t, piece, parts, count, best, 2);
  }
  const auto& s = t.sections();
  for (size_t i = 0; i + 1 < count; ++i) {
    // Single bytes are always tokens (open() checked), so every part is one.
    const uint32_t p = find_piece(t, piece + parts[i].start, parts[i + 1].start - parts[i].start);
    sink->push(s.model_ids[p]);
  }
}

}  // namespace

Status byte_bpe_encode(const Tokenizer& t, const char* text, size_t length, void* scratch, IdSink* sink) {
  Part* parts = static_cast<Part*>(scratch);
  for (size_t at = 0; at < length;) {
    const size_t n = gpt2_pretoken_length(text + at, length - at);
    const uint32_t whole = find_piece(t, text + at, n);
    if (whole != kNoPiece) {
      sink->push(t.sections().model_ids[whole]);
    } else {
      merge(t, text + at, n, parts, sink);
    }
    at += n;
  }
  return Status::ok();
}

}  // namespace text
}  // namespace xattn
