#include "tokens_text.h"

#include <vector>

#include "xattn/text.h"

namespace xattn {
namespace posix {

std::string tokens_text(const ModelView& model, const uint32_t* ids, size_t count, bool pieces, std::string* text) {
  if (pieces || !model.config.has_tokenizer) {
    std::vector<char> buffer(detokenize(model, Side::kTarget, ids, count, nullptr, 0) + 1);
    detokenize(model, Side::kTarget, ids, count, buffer.data(), buffer.size());
    *text = buffer.data();
    return "";
  }
  // Asked with no room, the tokenizer says how many bytes the text needs.
  size_t length = 0;
  Status s = model.target_text.decode(ids, count, nullptr, 0, &length, true);
  text->assign(length, '\0');
  if (s.code() == StatusCode::kLimitExceeded) s = model.target_text.decode(ids, count, &(*text)[0], length, &length, true);
  return s ? "" : s.message();
}

}  // namespace posix
}  // namespace xattn
