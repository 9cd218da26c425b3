// Tensor names, both ways, from the rows of the tensor table.
#include "xattn/tensor_id.h"

#include <cstring>

#include "format/tensor_table.h"

namespace xattn {
namespace {

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
  const format::TensorRow* row = format::find_row(id);
  if (row == nullptr || (section == static_cast<uint32_t>(Section::kGlobal) && layer != 0)) return false;
  Writer w{out, out_size};
  if (section != static_cast<uint32_t>(Section::kGlobal)) {
    w.put(section == static_cast<uint32_t>(Section::kEncoderLayer) ? "encoder/layer_" : "decoder/layer_");
    w.put(layer);
    w.put("/");
  }
  w.put(row->name);
  return true;
}

bool tensor_id_from_name(const char* name, uint32_t* id) {
  if (name == nullptr || id == nullptr) return false;
  Section section = Section::kGlobal;
  uint32_t layer = 0;
  const char* rest = name;
  const Section layer_sections[] = {Section::kEncoderLayer, Section::kDecoderLayer};
  for (Section s : layer_sections) {
    const char* prefix = s == Section::kEncoderLayer ? "encoder/layer_" : "decoder/layer_";
    const size_t n = std::strlen(prefix);
    // "encoder/layer_norm/gamma" is a global that shares the prefix.
    if (std::strncmp(name, prefix, n) != 0 || name[n] < '0' || name[n] > '9') continue;
    section = s;
    rest = name + n;
    while (*rest >= '0' && *rest <= '9' && layer < kMaxLayers) layer = layer * 10 + static_cast<uint32_t>(*rest++ - '0');
    if (layer >= kMaxLayers || *rest++ != '/') return false;
  }
  for (const format::TensorRow* r = format::rows_begin(); r != format::rows_end(); ++r) {
    if (std::strcmp(r->name, rest) != 0) continue;
    const uint32_t candidate = tensor_id(section, layer, r->role);
    if (format::find_row(candidate) != r) continue;  // a name of another section ("encoder/layer_0/attention/...")
    // Only the spelling tensor_name writes ("layer_03" is not it).
    char canonical[96];
    if (!tensor_name(candidate, canonical, sizeof canonical) || std::strcmp(canonical, name) != 0) return false;
    *id = candidate;
    return true;
  }
  return false;
}

}  // namespace xattn
