// A LogitHook that records the logits of every decoding step, as the search
// sees them (for comparison with a reference's logits, step by step).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xattn_test {

struct LogitCapture {
  std::vector<float>* rows;  // [steps][vocab], appended
  uint32_t vocab;
  static void apply(const void* context, const uint32_t*, size_t, float* logits) {
    const LogitCapture* c = static_cast<const LogitCapture*>(context);
    c->rows->insert(c->rows->end(), logits, logits + c->vocab);
  }
};

}  // namespace xattn_test
