// libFuzzer target: the alignment SVG writer (ports/posix/alignment_svg).
// The input becomes a title, source and target labels (any bytes: control
// bytes, NUL, invalid UTF-8, markup) and weights (any floats: NaN, inf).
// Must hold: the document is valid UTF-8 of characters XML 1.0 allows; every
// '&' starts an entity; '<' and '>' pair up (labels never inject markup);
// the <text> elements open and close in equal numbers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "alignment_svg.h"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

size_t count(const std::string& text, const char* what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void check_xml_characters(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char lead = static_cast<unsigned char>(s[i]);
    const size_t n = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    require(n > 0 && i + n <= s.size(), "invalid UTF-8");
    uint32_t c = n == 1 ? lead : n == 2 ? lead & 0x1f : n == 3 ? lead & 0x0f : lead & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      require((b & 0xc0) == 0x80, "invalid UTF-8 continuation");
      c = c << 6 | (b & 0x3f);
    }
    const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    require(c >= smallest[n], "overlong UTF-8");
    require(c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
                (c >= 0x10000 && c <= 0x10ffff),
            "a character XML forbids");
    if (c == '&') {
      const size_t end = s.find(';', i);
      require(end != std::string::npos && end - i <= 8, "a bare ampersand");
      const std::string entity = s.substr(i, end - i + 1);
      require(entity == "&amp;" || entity == "&lt;" || entity == "&gt;" || entity == "&quot;" || entity == "&apos;" ||
                  (entity.size() > 3 && entity[1] == '#'),
              "an unknown entity");
    }
    i += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xattn::posix::AlignmentPlot;
  AlignmentPlot plot;
  // Layout: byte 0 = source count (mod 8), byte 1 = target count (mod 8), then
  // the labels and title separated by 0xff, then the weights' bytes.
  if (size < 2) return 0;
  const size_t cols = data[0] % 8, rows = data[1] % 8;
  std::vector<std::string> fields(1);
  size_t i = 2;
  for (; i < size && fields.size() <= cols + rows + 1; ++i) {
    if (data[i] == 0xff) {
      fields.emplace_back();
    } else {
      fields.back() += static_cast<char>(data[i]);
    }
  }
  fields.resize(cols + rows + 1);
  plot.title = fields[0];
  plot.source.assign(fields.begin() + 1, fields.begin() + 1 + static_cast<long>(cols));
  plot.target.assign(fields.begin() + 1 + static_cast<long>(cols), fields.end());
  plot.weights.assign(rows * cols, 0.5f);
  for (size_t w = 0; w < plot.weights.size() && i + 4 <= size; ++w, i += 4) std::memcpy(&plot.weights[w], data + i, 4);
  const std::string svg = xattn::posix::alignment_svg(plot);
  check_xml_characters(svg);
  require(count(svg, "<") == count(svg, ">"), "unbalanced markup: a label injected '<' or '>'");
  require(count(svg, "<text") == count(svg, "</text>"), "unbalanced <text> elements");
  require(count(svg, "class=\"cell\"") == rows * cols, "one cell per weight");
  return 0;
}
