// A cross-attention alignment as a self-contained SVG heatmap: output tokens
// down the left, source tokens across the top, one cell per (output, source)
// pair shaded by its weight on a viridis scale, and a colour bar. No plotting
// dependency: the file is written by hand, so `xattn translate
// --alignment-svg` works anywhere the tool does.
#pragma once

#include <string>
#include <vector>

namespace xattn {
namespace posix {

struct AlignmentPlot {
  std::string title;                   // e.g. the input and the output
  std::vector<std::string> source;     // column labels, one per source token
  std::vector<std::string> target;     // row labels, one per output token
  std::vector<float> weights;          // target.size() x source.size(), row-major
};

// The SVG document. Cells carry class="cell", labels class="src" / "tgt"
// (a test counts them); the title and labels are XML-escaped (control bytes
// drawn as Unicode control pictures, invalid UTF-8 as U+FFFD, so any bytes
// give a well-formed document) and a space token is drawn as U+2423 (open
// box) so it stays visible.
std::string alignment_svg(const AlignmentPlot& plot);

// Text as XML character data: markup escaped, C0 controls and DEL drawn as
// Unicode control pictures, each byte of invalid UTF-8 as U+FFFD, a lone
// space token as U+2423 (open box).
std::string svg_escape(const std::string& text);

// A weight in [0, 1] (clamped; non-finite as 0) as a viridis "#rrggbb".
std::string viridis_colour(float weight);

// FILE for the first input line, FILE's stem + "-N" + extension for line N > 1
// (out.svg, out-2.svg, out-3.svg, ...).
std::string numbered_path(const std::string& path, size_t line);

}  // namespace posix
}  // namespace xattn
