// An audio model opened for recognition, shared by `xattn transcribe` and
// `xattn demo --speech`: the mapped file, a session in an arena sized for
// the model's window (or a shorter one), a thread pool when asked for, and
// Whisper's decoder for models with Whisper's tokens, the date rule for
// models whose own tokens spell dates (xattn/date_rule.h). Plus the front end
// with its buffers kept: a WAV's first window as log-mel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mapped_file.h"
#include "thread_pool.h"
#include "wav_reader.h"
#include "xattn/audio.h"
#include "xattn/date_rule.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/whisper.h"

namespace xattn {
namespace posix {

class AudioSession {
 public:
  // The session's choices beyond the model: search, window, caches' precision, threads.
  struct Choices {
    uint32_t beam = 0;  // 0: the model's default (kDateRuleBeam for a date model under its rule, else greedy)
    uint32_t audio_ctx = 0;  // encoder positions; 0: the model's
    KvPrecision kv_cache = KvPrecision::kFloat32;
    KvPrecision self_kv_cache = KvPrecision::kFloat32;
    uint32_t threads = 1;
    bool alignment = false;  // the decoder's cross-attention is returned
    bool date_rule = true;   // a date model decodes under its rule (off: the model's raw choices)
    float weekday_penalty = kWeekdayPenalty;  // the rule's cost of a date off the weekday heard (>= 0)
  };

  // "" or a one-line error (a text model, an --audio-ctx beyond the model, ...).
  std::string open(const std::string& path, const Choices& c);

  const ModelView& model() const { return model_; }
  // The model's output tokens are its own, not Whisper's (whisper_has_own_tokens).
  bool own_tokens() const { return own_tokens_; }
  const WhisperTokens& tokens() const { return decoder_.tokens(); }
  Session& session() { return session_; }
  const Session& session() const { return session_; }
  WhisperDecoder& decoder() { return decoder_; }
  // A model with its own tokens: the options of a plain decoding, from its
  // start token to its end token, under the date rule when it applies.
  GenerateOptions plain_options() const;
  // The rule a date model is decoded under, or null.
  const DateRule* date_rule() const { return dated_ ? &date_rule_ : nullptr; }
  // The hypothesis' tokens that are text: all but a date model's weekday
  // and <|nodate|> tokens.
  std::vector<uint32_t> text_tokens(const Hypothesis& h) const;
  // A date model's answer that it heard no date (<|nodate|> alone), printed
  // as "no date" (its token is not text).
  bool no_date(const Hypothesis& h) const { return spells_dates_ && date_rule_.is_no_date(h.tokens, h.length); }
  uint32_t window_frames() const { return 2 * session_.limits().max_source_length; }
  size_t arena_size() const { return arena_size_; }

 private:
  MappedFile file_;
  ModelView model_;
  bool own_tokens_ = false;
  bool spells_dates_ = false;  // its own tokens spell dates (date_rule_ knows them)
  bool dated_ = false;         // and it is decoded under date_rule_
  DateRule date_rule_;
  WhisperDecoder decoder_;
  std::unique_ptr<ThreadPool> pool_;  // before session_: it outlives the session's use of it
  Session session_;
  std::unique_ptr<uint8_t[]> arena_storage_;
  size_t arena_size_ = 0;
};

// Whisper's log-mel as transcribe.py feeds the encoder: the audio followed by
// 30 s of silence, the first `frames` frames. The filter bank and the DFT
// scratch are made once, so a run is only the computation.
class LogMelFrontEnd {
 public:
  std::string init(const ModelView& model, uint32_t frames);
  // *cut: the audio is longer than the window (the rest is not heard). The
  // window starts at sample `first` (0: the recording's start) and hears the
  // audio stretch_milli / 1000 times faster (xattn/audio.h: speech_window).
  std::string compute(const WavAudio& audio, bool* cut, size_t first = 0, uint32_t stretch_milli = 1000);
  const std::vector<float>& mel() const { return mel_; }  // [n_mels][frames]
  uint32_t frames() const { return frames_; }

 private:
  MelFilterBank bank_;
  uint32_t frames_ = 0;
  std::vector<float> mel_;
  std::vector<AudioReal> scratch_;
};

// What wav_features heard of a file.
struct WavWindow {
  bool cut = false;         // longer than the window: part of it is not heard
  size_t first_sample = 0;  // where the window starts (16 kHz samples)
  uint32_t stretch_milli = 1000;  // above 1000: the words heard that many thousandths faster, to fit
  // What the file held and what was done to it when it was not 16 kHz mono
  // PCM16 or float32 (WavAudio::conversion_note), else "".
  std::string conversion;
};

// Where a model of its own tokens hears a recording: its loudest window,
// the words 0.25 s in; 0 when they start early enough; and words longer
// than the window heard faster, to fit (xattn/audio.h: speech_window).
SpeechWindow speech_window(const WavAudio& audio, const LogMelFrontEnd& front);

// A WAV file's log-mel, computed by `front` (initialized once for all files)
// into front->mel(); errors name the file. A recording is heard from its
// start, or with `loudest` as speech_window places it.
std::string wav_features(const std::string& path, LogMelFrontEnd* front, bool loudest, WavWindow* window);

}  // namespace posix
}  // namespace xattn
