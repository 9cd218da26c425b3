// Whisper's mel filter bank, computed from its definition: librosa's
// filters.mel(sr=16000, n_fft=400, n_mels) with the Slaney mel scale and
// Slaney area normalization, which is what openai-whisper's
// assets/mel_filters.npz holds (checked against it by the test suite). The
// converter stores the bank in the model file for models whose source
// format does not carry one (CTranslate2 directories).
#pragma once

#include <cstdint>
#include <vector>

namespace xattn {
namespace convert {

// n_mels rows of 201 float32 weights, row-major (n_fft 400 at 16 kHz, 0 to 8 kHz).
std::vector<float> whisper_mel_filters(uint32_t n_mels);

}  // namespace convert
}  // namespace xattn
