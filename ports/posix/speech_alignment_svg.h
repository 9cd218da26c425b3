// The cross-attention of a speech model as a self-contained SVG: output
// tokens down the left, audio time across (one column per encoder position,
// 20 ms for Whisper's front end), each cell shaded by its weight on a viridis
// scale, and the clip's log-mel spectrogram under the grid on the same time
// axis, so one sees which sound each output character was read from. Written
// by hand like alignment_svg.h: no plotting dependency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xattn {
namespace posix {

struct SpeechAlignmentPlot {
  std::string title;
  std::vector<std::string> target;  // row labels, one per output token
  uint32_t positions = 0;           // columns: encoder positions
  std::vector<float> weights;       // target.size() x positions, row-major
  uint32_t n_mels = 0;
  uint32_t frames = 0;              // mel frames (2 per encoder position for Whisper's conv stem)
  std::vector<float> mel;           // [n_mels][frames], Whisper's log-mel scale
  double seconds_per_frame = 0.01;
};

// The SVG document. Attention cells carry class="cell", row labels class="tgt"
// and spectrogram bands class="mel" (a test counts them); labels are XML-escaped.
std::string speech_alignment_svg(const SpeechAlignmentPlot& plot);

}  // namespace posix
}  // namespace xattn
