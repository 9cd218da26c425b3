// Fuzz target: bytes -> open_model -> ModelView, and whatever opened is used.
//
// The input is the model file. It is opened as it is (the header's checks and
// the CRC-32), then again with its size field set to the input's size and
// the checksum skipped: a mutation almost never keeps either right, and
// every check after them (sections, config, tensors, vocabularies) would
// otherwise go untested. Invariants: a file accepted as it is is accepted
// the second way; every error has a code and a message; an accepted model's
// vocabularies look up every token to its own id (the lowest, when a token repeats) and detokenize within
// bounds; and a small session (encode, greedy and beam 2, alignment on) runs
// on it without a crash, UB or leak.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_support.h"
#include "xattn/format.h"
#include "xattn/text.h"

using namespace xattn;

namespace {

void check_vocab(const ModelView& m, Side side) {
  const VocabView& v = side == Side::kSource ? m.source_vocab : m.target_vocab;
  const uint32_t n = v.size() < 512 ? v.size() : 512;
  uint32_t ids[512];
  for (uint32_t id = 0; id < n; ++id) {
    const TokenText t = v.token(id);
    XATTN_FUZZ_ASSERT(t.size > 0 && t.data != nullptr, "accepted vocabularies hold no empty token");
    // A token may repeat (CTranslate2 vocabularies can); find gives its lowest id.
    const uint32_t found = v.find(t.data, t.size, 0xffffffffu);
    const TokenText same = v.token(found);
    XATTN_FUZZ_ASSERT(found <= id && same.size == t.size && std::memcmp(same.data, t.data, t.size) == 0,
                      "every token finds its own id, or the lowest id of the same text");
    ids[id] = id;
  }
  XATTN_FUZZ_ASSERT(v.token(v.size()).size == 0, "an id out of range has no text");
  // Detokenize into a buffer that is too small, then into one that fits.
  char small[7];
  const size_t need = detokenize(m, side, ids, n, small, sizeof small);
  XATTN_FUZZ_ASSERT(std::memchr(small, '\0', sizeof small) != nullptr, "detokenize always terminates");
  std::vector<char> text(need + 1);
  XATTN_FUZZ_ASSERT(detokenize(m, side, ids, n, text.data(), text.size()) == need, "detokenize length is stable");
  XATTN_FUZZ_ASSERT(text[need] == '\0', "detokenize terminates at the length it returns");
  // And back: tokenize never writes past its capacity, whatever the text.
  uint32_t back[16];
  size_t count = 0;
  tokenize(m, side, text.data(), need, back, 16, &count);
  tokenize_known(m, side, text.data(), need, back, 16, &count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::AlignedCopy bytes(data, size);
  static ModelView* const checked = new ModelView;  // tens of KiB: never on the stack
  static ModelView* const view = new ModelView;
  const Status as_is = open_model(bytes.data(), size, checked);
  if (size >= format::header::kSize) {
    for (uint32_t i = 0; i < 8; ++i) {  // little endian, as the format stores it
      bytes.data()[format::header::kFileSize + i] = static_cast<uint8_t>(uint64_t(size) >> (8 * i));
    }
  }
  const Status s = open_model(bytes.data(), size, view, OpenOptions{false});
  XATTN_FUZZ_ASSERT(!as_is.is_ok() || s.is_ok(), "a file accepted as it is passes without its checksum");
  if (!s) {
    XATTN_FUZZ_ASSERT(s.code() != StatusCode::kOk && std::strlen(s.message()) > 0, "errors carry a message");
    return 0;
  }
  XATTN_FUZZ_ASSERT(view->bytes == bytes.data() && view->size == size, "the view covers the bytes");
  check_vocab(*view, Side::kSource);
  check_vocab(*view, Side::kTarget);
  fuzz::run_small_session(*view);
  return 0;
}
