#include "format/vocab_reader.h"
#include "xattn/format.h"
#include "xattn/model.h"

namespace xattn {

void VocabView::bind(const uint8_t* block, uint32_t count) {
  count_ = count;
  offsets_ = block + format::vocab::kOffsets;
  sorted_ = offsets_ + (static_cast<uint64_t>(count) + 1) * 4;
  strings_ = reinterpret_cast<const char*>(sorted_ + static_cast<uint64_t>(count) * 4);
}

TokenText VocabView::token(uint32_t id) const {
  if (id >= count_) return TokenText();
  const uint32_t begin = format::load_u32(offsets_ + 4ull * id);
  const uint32_t end = format::load_u32(offsets_ + 4ull * (id + 1));
  return TokenText{strings_ + begin, end - begin};
}

uint32_t VocabView::find(const char* text, size_t length, uint32_t unk_id) const {
  uint32_t lo = 0, hi = count_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const uint32_t id = format::load_u32(sorted_ + 4ull * mid);
    const TokenText t = token(id);
    if (format::compare_tokens(t.data, t.size, text, length) < 0) lo = mid + 1;
    else hi = mid;
  }
  // The first of equal tokens has the lowest id: CTranslate2's token -> id rule.
  if (lo == count_) return unk_id;
  const TokenText t = token(format::load_u32(sorted_ + 4ull * lo));
  return format::compare_tokens(t.data, t.size, text, length) == 0 ? format::load_u32(sorted_ + 4ull * lo) : unk_id;
}

bool VocabView::contains(const char* text, size_t length) const {
  return find(text, length, count_) != count_;
}

}  // namespace xattn
