#include "alignment_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace xattn {
namespace posix {
namespace {

constexpr int kCell = 26;      // cell side, px
constexpr int kCharWidth = 9;  // rough width of a 14 px monospace glyph
constexpr int kBarWidth = 14;

// The length of the well-formed UTF-8 sequence at text[i] whose code point
// XML 1.0 allows in text (0 if none): no overlong forms, no surrogates, no
// U+FFFE / U+FFFF, nothing past U+10FFFF; C0 controls are left to the caller.
size_t xml_char_length(const std::string& text, size_t i, uint32_t* code) {
  const unsigned char lead = static_cast<unsigned char>(text[i]);
  size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  uint32_t c = n == 1 ? lead : n == 2 ? lead & 0x1f : n == 3 ? lead & 0x0f : lead & 0x07;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    c = c << 6 | (b & 0x3f);
  }
  const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < smallest[n] || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff || c > 0x10ffff) return 0;
  *code = c;
  return n;
}

size_t columns(const std::string& text) {  // UTF-8 code points
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xc0) != 0x80;
  return n;
}

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, pattern, a, b, c, d);
  return buffer;
}

}  // namespace

// Text as XML character data: markup characters escaped, C0 controls and DEL
// drawn as their Unicode control pictures (U+2400..U+2421, NUL is U+2400),
// and each byte of invalid UTF-8 as U+FFFD, so any input gives a
// well-formed document that still shows where the odd bytes were.
std::string svg_escape(const std::string& text) {
  if (text == " ") return "\xE2\x90\xA3";  // U+2423: a space made visible
  std::string out;
  for (size_t i = 0; i < text.size();) {
    uint32_t code = 0;
    const size_t n = xml_char_length(text, i, &code);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (code < 0x20 || code == 0x7f) {
      const uint32_t picture = code == 0x7f ? 0x2421 : 0x2400 + code;  // 3-byte UTF-8
      out += static_cast<char>(0xe0 | picture >> 12);
      out += static_cast<char>(0x80 | (picture >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (picture & 0x3f));
    } else if (code == '&') {
      out += "&amp;";
    } else if (code == '<') {
      out += "&lt;";
    } else if (code == '>') {
      out += "&gt;";
    } else if (code == '"') {
      out += "&quot;";
    } else if (code == '\'') {
      out += "&apos;";
    } else {
      out.append(text, i, n);
    }
    i += n;
  }
  return out;
}

// Viridis, sampled at 0, 1/4, 1/2, 3/4, 1 and interpolated linearly.
std::string viridis_colour(float weight) {
  static const float stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  const float x = std::min(1.0f, std::max(0.0f, std::isfinite(weight) ? weight : 0.0f)) * 4.0f;
  const int i = std::min(3, static_cast<int>(x));
  const float f = x - static_cast<float>(i);
  char hex[8];
  int rgb[3];
  for (int k = 0; k < 3; ++k) rgb[k] = static_cast<int>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  std::snprintf(hex, sizeof hex, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return hex;
}

std::string alignment_svg(const AlignmentPlot& plot) {
  const size_t cols = plot.source.size(), rows = plot.target.size();
  size_t source_width = 1, target_width = 1;
  for (const std::string& s : plot.source) source_width = std::max(source_width, columns(s));
  for (const std::string& t : plot.target) target_width = std::max(target_width, columns(t));
  const bool rotate = source_width > 2;  // long source tokens are drawn at -60 degrees
  const int left = 40 + static_cast<int>(target_width) * kCharWidth;
  const int top = 56 + (rotate ? static_cast<int>(source_width) * 8 : 18);
  const int grid_w = static_cast<int>(cols) * kCell, grid_h = static_cast<int>(rows) * kCell;
  const int bar_x = left + grid_w + 24;
  const int width = std::max(bar_x + kBarWidth + 48, static_cast<int>(columns(plot.title)) * 9 + 24);
  const int height = top + std::max(grid_h, 80) + 44;

  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" ",
                width, height, width, height);
  svg += "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"14\">\n";
  svg += format("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", width, height);
  svg += "<text x=\"12\" y=\"22\" font-size=\"15\">" + svg_escape(plot.title) + "</text>\n";
  svg += format("<text x=\"%.0f\" y=\"42\" fill=\"#555\" font-size=\"12\">source tokens &#8594;</text>\n", left);
  svg += format("<text x=\"10\" y=\"%.0f\" fill=\"#555\" font-size=\"12\" transform=\"rotate(90 10 %.0f)\">"
                "output tokens &#8594;</text>\n", top, top);

  for (size_t j = 0; j < cols; ++j) {
    const double x = left + (static_cast<double>(j) + 0.5) * kCell;
    if (rotate)
      svg += format("<text class=\"src\" x=\"%.1f\" y=\"%.0f\" transform=\"rotate(-60 %.1f %.0f)\">", x, top - 6, x, top - 6);
    else
      svg += format("<text class=\"src\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", x, top - 6);
    svg += svg_escape(plot.source[j]) + "</text>\n";
  }
  for (size_t i = 0; i < rows; ++i) {
    const double y = top + (static_cast<double>(i) + 0.5) * kCell + 5;
    svg += format("<text class=\"tgt\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, y);
    svg += svg_escape(plot.target[i]) + "</text>\n";
    for (size_t j = 0; j < cols; ++j) {
      const float w = plot.weights[i * cols + j];
      svg += format("<rect class=\"cell\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" ",
                    left + static_cast<double>(j) * kCell, top + static_cast<double>(i) * kCell, kCell, kCell);
      svg += "fill=\"" + viridis_colour(w) + "\"><title>" + format("%.3f", w) + "</title></rect>\n";
    }
  }
  svg += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", left,
                top, grid_w, grid_h);

  // Colour bar: 0 at the bottom, 1 at the top, ticks every quarter.
  const int bar_h = std::max(grid_h, 80);
  svg += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int k = 0; k <= 4; ++k) svg += format("<stop offset=\"%.2f\" stop-color=\"", k / 4.0) + viridis_colour(k / 4.0f) + "\"/>";
  svg += "</linearGradient></defs>\n";
  svg += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"url(#scale)\" stroke=\"#333\"/>\n",
                bar_x, top, kBarWidth, bar_h);
  for (int k = 0; k <= 4; ++k) {
    const double y = top + bar_h - bar_h * k / 4.0;
    svg += format("<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\">%.2f</text>\n", bar_x + kBarWidth + 4, y + 4, k / 4.0);
  }
  svg += format("<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#555\">weight</text>\n", bar_x - 4, top + bar_h + 18);
  svg += "</svg>\n";
  return svg;
}

std::string numbered_path(const std::string& path, size_t line) {
  if (line <= 1) return path;
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  const size_t cut = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1) ? dot : path.size();
  return path.substr(0, cut) + "-" + std::to_string(line) + path.substr(cut);
}

}  // namespace posix
}  // namespace xattn
