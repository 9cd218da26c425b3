// Session::encode_pcm: samples -> the first window's log-mel in the arena ->
// encode_features(). The planner sized the mel rows and the DFT scratch from
// Limits::pcm_input, so audio in costs no allocation.
#include "model/workspace.h"
#include "xattn/audio.h"
#include "xattn/session.h"

namespace xattn {

Status Session::encode_pcm(const PcmView& pcm, bool* cut, uint32_t stretch_milli) {
  encoded_ = false;
  encoder_output_ready_ = false;
  if (!ready_) return Status::error(StatusCode::kNotReady).add("session: init() first");
  Workspace& w = workspace();
  const ModelConfig& c = w.model->config;
  if (c.encoder_input != EncoderInput::kAudio) {
    return Status::error(StatusCode::kInvalidArgument).add("encode_pcm: this model's encoder takes token ids: use encode()");
  }
  if (!w.limits.pcm_input) {
    return Status::error(StatusCode::kLimitExceeded).add("encode_pcm: the session reserved no room for audio (Limits::pcm_input)");
  }
  if ((pcm.s16 == nullptr) == (pcm.f32 == nullptr)) {
    return Status::error(StatusCode::kInvalidArgument).add("encode_pcm: set exactly one of the int16 and float samples");
  }
  if (pcm.count == 0) return Status::error(StatusCode::kInvalidArgument).add("encode_pcm: no samples");
  if (pcm.f32 != nullptr) {
    for (size_t i = 0; i < pcm.count; ++i) {
      // Also refuses |x| > 1e30: a DFT of such values overflows float32 mels.
      if (!(pcm.f32[i] >= -1e30f && pcm.f32[i] <= 1e30f)) {
        return Status::error(StatusCode::kInvalidArgument).add("encode_pcm: sample ").add(static_cast<uint64_t>(i))
            .add(" is not finite or beyond 1e30");
      }
    }
  }
  MelFilterBank bank;
  Status s = bank.init(w.model->mel_filters, c.n_mels);
  if (!s) return s;
  PcmView padded = pcm;
  padded.trailing_zeros = kWhisperPadSamples;
  const uint32_t frames = 2 * w.limits.max_source_length;
  if (cut != nullptr) *cut = log_mel_frame_count(pcm) > frames;
  s = log_mel_spectrogram_stretched(bank, padded, frames, stretch_milli, w.pcm_scratch, w.pcm_scratch_bytes,
                                    w.pcm_mel);
  if (!s) return s;
  return encode_features(w.pcm_mel, c.n_mels, frames);
}

}  // namespace xattn
