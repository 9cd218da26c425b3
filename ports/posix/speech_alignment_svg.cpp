#include "speech_alignment_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "alignment_svg.h"

namespace xattn {
namespace posix {
namespace {

constexpr int kColumn = 4;     // px per encoder position
constexpr int kRow = 24;       // px per output token
constexpr int kBand = 3;       // px per spectrogram band
constexpr int kMelsPerBand = 2;
constexpr int kLevels = 12;    // grey levels of the spectrogram (runs of one level are merged)

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, pattern, a, b, c, d);
  return buffer;
}

// A log-mel value as a grey level 0 (quiet) .. kLevels - 1 (loud), relative to
// the clip's range (Whisper's log-mel spans at most 2 after its clamp).
int level(float value, float low, float high) {
  const float x = high > low ? (value - low) / (high - low) : 0.0f;
  return std::min(kLevels - 1, std::max(0, static_cast<int>(x * kLevels)));
}

}  // namespace

std::string speech_alignment_svg(const SpeechAlignmentPlot& plot) {
  const int cols = static_cast<int>(plot.positions), rows = static_cast<int>(plot.target.size());
  size_t label = 1;
  for (const std::string& t : plot.target) label = std::max(label, t.size());
  const int left = std::max(80, 40 + static_cast<int>(label) * 9);  // room for "log-mel"
  const int top = 50;
  const int grid_w = cols * kColumn, grid_h = rows * kRow;
  const int bands = static_cast<int>((plot.n_mels + kMelsPerBand - 1) / kMelsPerBand);
  const int mel_top = top + grid_h + 12, mel_h = bands * kBand;
  const int axis_y = mel_top + mel_h + 16;
  const int width = std::max(left + grid_w + 30, static_cast<int>(plot.title.size()) * 9 + 24);
  const int height = axis_y + 34;

  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" ",
                width, height, width, height);
  svg += "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"14\">\n";
  svg += format("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", width, height);
  svg += "<text x=\"12\" y=\"22\" font-size=\"15\">" + svg_escape(plot.title) + "</text>\n";
  svg += format("<text x=\"%.0f\" y=\"42\" fill=\"#555\" font-size=\"12\">cross-attention over the audio "
                "(one column per encoder position, %.0f ms) &#8594;</text>\n",
                left, 1000.0 * plot.seconds_per_frame * plot.frames / std::max(1, cols));

  // The attention, each row scaled to its own maximum so that every output shows where it looked.
  for (int i = 0; i < rows; ++i) {
    const double y = top + i * kRow;
    svg += format("<text class=\"tgt\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, y + kRow / 2.0 + 5);
    svg += svg_escape(plot.target[static_cast<size_t>(i)]) + "</text>\n";
    const float* w = plot.weights.data() + static_cast<size_t>(i) * static_cast<size_t>(cols);
    float peak = 0.0f;
    for (int j = 0; j < cols; ++j) peak = std::max(peak, std::isfinite(w[j]) ? w[j] : 0.0f);
    for (int j = 0; j < cols; ++j) {
      svg += format("<rect class=\"cell\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"", left + j * kColumn,
                    y, kColumn, kRow);
      svg += viridis_colour(peak > 0.0f ? w[j] / peak : 0.0f) + "\"/>\n";
    }
  }
  svg += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", left,
                top, grid_w, grid_h);

  // The log-mel under it: low frequencies at the bottom, two mel frames per encoder position.
  float low = INFINITY, high = -INFINITY;
  for (float v : plot.mel) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  const int frames_per_column = std::max(1, static_cast<int>(plot.frames) / std::max(1, cols));
  for (int b = 0; b < bands; ++b) {
    const double y = mel_top + mel_h - (b + 1) * kBand;
    int run_start = 0, run_level = -1;
    for (int j = 0; j <= cols; ++j) {
      int l = -1;
      if (j < cols) {
        float sum = 0.0f;
        int count = 0;
        for (int m = b * kMelsPerBand; m < std::min(static_cast<int>(plot.n_mels), (b + 1) * kMelsPerBand); ++m)
          for (int f = j * frames_per_column; f < std::min(static_cast<int>(plot.frames), (j + 1) * frames_per_column); ++f) {
            sum += plot.mel[static_cast<size_t>(m) * plot.frames + static_cast<size_t>(f)];
            ++count;
          }
        l = level(count ? sum / static_cast<float>(count) : low, low, high);
      }
      if (l == run_level) continue;
      if (run_level > 0) {  // level 0 is the white background
        const int grey = 235 - run_level * 215 / (kLevels - 1);
        svg += format("<rect class=\"mel\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" ", left + run_start * kColumn,
                      y, (j - run_start) * kColumn, kBand);
        char fill[32];
        std::snprintf(fill, sizeof fill, "fill=\"#%02x%02x%02x\"/>\n", grey, grey, grey);
        svg += fill;
      }
      run_start = j;
      run_level = l;
    }
  }
  svg += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", left,
                mel_top, grid_w, mel_h);
  svg += format("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" fill=\"#555\" font-size=\"12\">log-mel</text>\n", left - 8,
                mel_top + mel_h / 2.0 + 4);

  // Time axis: a tick every half second.
  const double seconds = plot.seconds_per_frame * plot.frames;
  for (int k = 0; k <= static_cast<int>(seconds * 2.0 + 1e-9); ++k) {
    const double x = left + grid_w * (k * 0.5) / seconds;
    svg += format("<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#333\"/>\n", x, axis_y - 12, x, axis_y - 7);
    svg += format("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" font-size=\"11\">%.1f s</text>\n", x, axis_y + 6,
                  k * 0.5);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace posix
}  // namespace xattn
