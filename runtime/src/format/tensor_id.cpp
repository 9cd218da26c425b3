#include "xattn/tensor_id.h"

namespace xattn {
namespace {

const char* const kGlobalNames[] = {
    nullptr,
    "encoder/embeddings/weight",
    "decoder/embeddings/weight",
    "encoder/layer_norm/gamma",
    "encoder/layer_norm/beta",
    "decoder/layer_norm/gamma",
    "decoder/layer_norm/beta",
    "decoder/projection/weight",
    "decoder/projection/bias",
};

// Indexed by LayerRole; the same paths CTranslate2 uses inside a layer.
const char* const kLayerNames[] = {
    nullptr,
    "self_attention/layer_norm/gamma",
    "self_attention/layer_norm/beta",
    "self_attention/linear_0/weight",
    "self_attention/linear_0/bias",
    "self_attention/linear_1/weight",
    "self_attention/linear_1/bias",
    "ffn/layer_norm/gamma",
    "ffn/layer_norm/beta",
    "ffn/linear_0/weight",
    "ffn/linear_0/bias",
    "ffn/linear_1/weight",
    "ffn/linear_1/bias",
    "attention/layer_norm/gamma",
    "attention/layer_norm/beta",
    "attention/linear_0/weight",
    "attention/linear_0/bias",
    "attention/linear_1/weight",
    "attention/linear_1/bias",
    "attention/linear_2/weight",
    "attention/linear_2/bias",
};

struct Writer {
  char* out;
  size_t size;
  size_t used = 0;
  void put(const char* text) {
    while (*text && used + 1 < size) out[used++] = *text++;
    out[used] = '\0';
  }
  void put(uint32_t value) {
    char digits[12];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value);
    char text[12];
    for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
    text[n] = '\0';
    put(text);
  }
};

}  // namespace

bool tensor_name(uint32_t id, char* out, size_t out_size) {
  if (out == nullptr || out_size == 0) return false;
  out[0] = '\0';
  const uint32_t section = id >> 24;
  const uint32_t layer = (id >> 16) & 0xffu;
  const uint32_t role = id & 0xffffu;
  Writer w{out, out_size};
  if (section == static_cast<uint32_t>(Section::kGlobal)) {
    if (layer != 0 || role == 0 || role >= static_cast<uint32_t>(GlobalRole::kCount)) return false;
    w.put(kGlobalNames[role]);
    return true;
  }
  const bool encoder = section == static_cast<uint32_t>(Section::kEncoderLayer);
  const bool decoder = section == static_cast<uint32_t>(Section::kDecoderLayer);
  const uint32_t limit = static_cast<uint32_t>(encoder ? LayerRole::kEncoderCount : LayerRole::kDecoderCount);
  if ((!encoder && !decoder) || role == 0 || role >= limit) return false;
  w.put(encoder ? "encoder/layer_" : "decoder/layer_");
  w.put(layer);
  w.put("/");
  w.put(kLayerNames[role]);
  return true;
}

}  // namespace xattn
