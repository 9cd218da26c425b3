#include "audio_session.h"

#include <new>

#include "file_safety.h"
#include "xattn/arena.h"

namespace xattn {
namespace posix {

std::string AudioSession::open(const std::string& path, const Choices& c) {
  std::string error = file_.open(path);
  if (!error.empty()) return error;
  Status s = open_model(file_.data(), file_.size(), &model_);
  if (!s) return path + ": " + s.message();
  if (model_.config.encoder_input != EncoderInput::kAudio)
    return path + ": not an audio model (xattn transcribe takes Whisper models; text models: xattn translate)";
  own_tokens_ = whisper_has_own_tokens(model_);
  spells_dates_ = own_tokens_ && date_rule_.init(model_, c.weekday_penalty);
  dated_ = spells_dates_ && c.date_rule;
  if (!own_tokens_) {
    s = decoder_.init(model_);
    if (!s) return path + ": " + s.message();
  }
  const uint32_t positions = model_.config.encoder_positions();
  if (c.audio_ctx > positions)
    return "--audio-ctx " + std::to_string(c.audio_ctx) + " exceeds the model's " + std::to_string(positions) +
           " encoder positions";
  Limits limits;
  limits.max_source_length = c.audio_ctx ? c.audio_ctx : positions;
  limits.max_target_length = model_.config.max_positions;
  limits.max_beam = c.beam ? c.beam : dated_ ? kDateRuleBeam : 1;
  limits.alignment = c.alignment;
  limits.kv_cache = c.kv_cache;
  limits.self_kv_cache = c.self_kv_cache;
  limits.threads = c.threads;
  if (c.threads > 1) {
    pool_.reset(new (std::nothrow) ThreadPool(c.threads));
    if (!pool_) return "cannot create a pool of " + std::to_string(c.threads) + " threads";
    session_.set_parallel(pool_->parallel());
  }
  arena_size_ = arena_bytes(model_.config, limits);
  arena_storage_.reset(new (std::nothrow) uint8_t[arena_size_ + kArenaAlignment]);
  if (!arena_storage_) return "cannot allocate the session arena of " + std::to_string(arena_size_) + " bytes";
  uint8_t* base = arena_storage_.get();
  uint8_t* arena = base + (kArenaAlignment - reinterpret_cast<uintptr_t>(base) % kArenaAlignment) % kArenaAlignment;
  s = session_.init(model_, limits, arena, arena_size_);
  return s ? "" : std::string(s.message());
}

GenerateOptions AudioSession::plain_options() const {
  GenerateOptions o;
  o.beam_size = session_.limits().max_beam;
  if (dated_) o.logit_hook = date_rule_.hook();
  return o;
}

std::vector<uint32_t> AudioSession::text_tokens(const Hypothesis& h) const {
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < h.length; ++i) {
    const uint32_t t = h.tokens[i];
    const bool text = date_rule_.weekday_of_token(t) == kAnyWeekday && !date_rule_.is_no_date(&t, 1);
    if (!spells_dates_ || text) ids.push_back(t);
  }
  return ids;
}

std::string LogMelFrontEnd::init(const ModelView& model, uint32_t frames) {
  const uint32_t n_mels = model.config.n_mels;
  const Status s = model.mel_filters ? bank_.init(model.mel_filters, n_mels) : Status::ok();
  if (!s) return s.message();
  frames_ = frames;
  mel_.assign(static_cast<size_t>(n_mels) * frames, 0.0f);
  scratch_.resize(log_mel_scratch_bytes() / sizeof(AudioReal));
  return "";
}

std::string LogMelFrontEnd::compute(const WavAudio& audio, bool* cut, size_t first, uint32_t stretch_milli) {
  PcmView pcm = audio.view();
  *cut = log_mel_frame_count(pcm) > frames_;
  first = first < pcm.count ? first : pcm.count;
  if (pcm.s16 != nullptr) pcm.s16 += first;
  if (pcm.f32 != nullptr) pcm.f32 += first;
  pcm.count -= first;
  pcm.trailing_zeros = kWhisperPadSamples;
  const Status s = log_mel_spectrogram_stretched(bank_, pcm, frames_, stretch_milli, scratch_.data(),
                                                 log_mel_scratch_bytes(), mel_.data());
  return s ? "" : std::string(s.message());
}

SpeechWindow speech_window(const WavAudio& audio, const LogMelFrontEnd& front) {
  return xattn::speech_window(audio.view(), size_t{front.frames()} * kMelHop, kMelHop, kSpeechLeadSamples,
                              kSpeechTailSamples);
}

std::string wav_features(const std::string& path, LogMelFrontEnd* front, bool loudest, WavWindow* window) {
  std::string error = convert::refuse_unreadable(path);  // a FIFO would block the read
  WavAudio audio;
  if (error.empty()) error = read_wav_file(path, &audio);
  if (!error.empty()) return error;
  // An empty recording would still decode to something (a model trained
  // only on speech says what it says for silence): nothing to transcribe.
  if (audio.samples() == 0) return path + ": WAV: no samples (its data chunk is empty)";
  window->conversion = audio.conversion_note();
  const SpeechWindow heard = loudest ? speech_window(audio, *front) : SpeechWindow{};
  window->first_sample = heard.start;
  window->stretch_milli = heard.stretch_milli;
  error = front->compute(audio, &window->cut, heard.start, heard.stretch_milli);
  return error.empty() ? "" : path + ": " + error;
}

}  // namespace posix
}  // namespace xattn
