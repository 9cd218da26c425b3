#include "format/vocab_reader.h"

#include "xattn/format.h"

namespace xattn {
namespace format {
namespace {

Status bad_vocab(const char* side, const char* what) {
  return Status::error(StatusCode::kBadModel).add("model: ").add(side).add(" vocabulary: ").add(what);
}

}  // namespace

int compare_tokens(const char* a, size_t a_size, const char* b, size_t b_size) {
  const size_t n = a_size < b_size ? a_size : b_size;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = static_cast<unsigned char>(a[i]);
    const unsigned char y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a_size == b_size ? 0 : (a_size < b_size ? -1 : 1);
}

Status read_vocab_block(const uint8_t* bytes, size_t file_size, uint32_t offset, uint32_t size,
                        uint32_t expected_count, TextMode mode, const char* side, uint64_t* cursor,
                        VocabView* out) {
  if (offset % 4 != 0 || offset < *cursor || offset > file_size || size > file_size - offset) {
    return bad_vocab(side, "block misplaced or outside the file");
  }
  if (size < 8) return bad_vocab(side, "block truncated");
  const uint8_t* block = bytes + offset;
  const uint32_t count = load_u32(block + vocab::kCount);
  const uint32_t string_bytes = load_u32(block + vocab::kStringBytes);
  if (count != expected_count) {
    return bad_vocab(side, "has ").add(static_cast<uint64_t>(count)).add(" tokens, the config says ")
        .add(static_cast<uint64_t>(expected_count));
  }
  const uint64_t index_bytes = 8 + (static_cast<uint64_t>(count) + 1) * 4 + static_cast<uint64_t>(count) * 4;
  if (index_bytes + string_bytes != size) return bad_vocab(side, "block size does not match its counts");

  const uint8_t* offsets = block + vocab::kOffsets;
  const uint8_t* sorted = offsets + (static_cast<uint64_t>(count) + 1) * 4;
  const char* strings = reinterpret_cast<const char*>(block + index_bytes);
  if (load_u32(offsets) != 0 || load_u32(offsets + 4ull * count) != string_bytes) {
    return bad_vocab(side, "offsets do not span the strings");
  }
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t begin = load_u32(offsets + 4ull * i);
    const uint32_t end = load_u32(offsets + 4ull * (i + 1));
    if (end <= begin || end > string_bytes) {
      return bad_vocab(side, "token ").add(static_cast<uint64_t>(i)).add(" is empty or out of bounds");
    }
    for (uint32_t j = begin; j < end; ++j) {
      const char c = strings[j];
      // Space-separated text cannot carry a token holding a space; no mode allows a newline.
      if (c == '\n' || c == '\r' || c == '\0' || (c == ' ' && mode == TextMode::kSpaceSeparated)) {
        return bad_vocab(side, "token ").add(static_cast<uint64_t>(i)).add(" holds a separator byte");
      }
    }
  }
  // The sorted index: a permutation in increasing token order, equal tokens
  // (CTranslate2 vocabularies may repeat one) by increasing id, which also
  // proves it is a permutation.
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t id = load_u32(sorted + 4ull * i);
    if (id >= count) return bad_vocab(side, "sorted index holds an id out of range");
    if (i == 0) continue;
    const uint32_t prev = load_u32(sorted + 4ull * (i - 1));
    const uint32_t pb = load_u32(offsets + 4ull * prev), pe = load_u32(offsets + 4ull * (prev + 1));
    const uint32_t cb = load_u32(offsets + 4ull * id), ce = load_u32(offsets + 4ull * (id + 1));
    const int order = compare_tokens(strings + pb, pe - pb, strings + cb, ce - cb);
    if (order > 0 || (order == 0 && prev >= id)) {
      return bad_vocab(side, "sorted index out of order or duplicate token at ").add(static_cast<uint64_t>(i));
    }
  }
  *cursor = static_cast<uint64_t>(offset) + size;
  out->bind(block, count);
  return Status::ok();
}

}  // namespace format
}  // namespace xattn
