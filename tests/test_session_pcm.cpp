// Session::encode_pcm / xattn_encode_pcm_*: samples in, the window's log-mel
// computed in the arena. Checked against the host path the CLI takes
// (log_mel_spectrogram into a vector, then encode_features): the encoder
// output must be the same bits; the arena grows by exactly the planned mel
// rows and scratch; misuse is refused with its reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "whisper_model_support.h"
#include "xattn/arena.h"
#include "xattn/audio.h"
#include "xattn/limits_check.h"
#include "xattn/session.h"
#include "xattn/xattn.h"

namespace {

using namespace xattn;

// A tone sweeping 200..3000 Hz with a little deterministic noise, at 0.4 of full scale.
std::vector<float> sweep(size_t samples) {
  std::vector<float> x(samples);
  uint32_t state = 12345;
  double phase = 0.0;
  for (size_t i = 0; i < samples; ++i) {
    const double t = static_cast<double>(i) / kAudioSampleRate;
    phase += 2.0 * 3.141592653589793 * (200.0 + 1400.0 * t) / kAudioSampleRate;
    state = state * 1664525u + 1013904223u;
    const double noise = (static_cast<double>(state >> 8) / (1u << 24) - 0.5) * 0.02;
    x[i] = static_cast<float>(0.4 * std::sin(phase) + noise);
  }
  return x;
}

std::vector<int16_t> to_s16(const std::vector<float>& x) {
  std::vector<int16_t> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = static_cast<int16_t>(std::lround(x[i] * 32767.0));
  return out;
}

Limits window_limits(const ModelView& m, bool pcm) {
  Limits l;
  l.max_source_length = m.config.encoder_positions();
  l.max_target_length = 12;
  l.max_beam = 1;
  l.alignment = false;
  l.pcm_input = pcm;
  return l;
}

struct Placed {
  std::vector<uint8_t> storage;
  Session session;
  Placed(const ModelView& m, const Limits& l) : storage(arena_bytes(m.config, l) + kArenaAlignment) {
    uint8_t* at = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
    const Status s = session.init(m, l, at, storage.size() - kArenaAlignment);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }
  std::vector<float> encoder_output(const ModelView& m) {
    std::vector<float> out(static_cast<size_t>(session.source_length()) * m.config.d_model);
    const Status s = session.copy_encoder_output(out.data(), out.size());
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    return out;
  }
};

// What the CLI does: the padded spectrogram of one window on the host,
// then encode_features into `session`.
void encode_on_host(const ModelView& m, const PcmView& pcm, Session* session, uint32_t stretch_milli = 1000) {
  MelFilterBank bank;
  REQUIRE(bank.init(m.mel_filters, m.config.n_mels).is_ok());
  const uint32_t frames = 2 * session->limits().max_source_length;
  PcmView padded = pcm;
  padded.trailing_zeros = 30 * kAudioSampleRate;
  std::vector<float> mel(static_cast<size_t>(m.config.n_mels) * frames);
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));
  REQUIRE(log_mel_spectrogram_stretched(bank, padded, frames, stretch_milli, scratch.data(), log_mel_scratch_bytes(),
                                        mel.data())
              .is_ok());
  REQUIRE(session->encode_features(mel.data(), m.config.n_mels, frames).is_ok());
}

std::vector<float> host_path(const ModelView& m, const PcmView& pcm) {
  Placed p(m, window_limits(m, false));
  encode_on_host(m, pcm, &p.session);
  return p.encoder_output(m);
}

// A sweep of `length` samples `at` samples into silence `total` samples long, as float and as PCM16.
struct Recording {
  std::vector<float> f32;
  std::vector<int16_t> s16;
  Recording(size_t total, size_t at, size_t length) : f32(total, 0.0f) {
    const std::vector<float> words = sweep(length);
    std::copy(words.begin(), words.end(), f32.begin() + at);
    s16 = to_s16(f32);
  }
  PcmView pcm16() const {
    PcmView pcm;
    pcm.s16 = s16.data();
    pcm.count = s16.size();
    return pcm;
  }
};

// The model opened through the C API.
struct CModel {
  xattn_model_storage storage;
  xattn_model* model = nullptr;
  explicit CModel(const test::OpenWhisper& opened) {
    xattn_error error;
    REQUIRE(xattn_model_open(opened.bytes->data(), opened.bytes->size(), &storage, &model, &error) == XATTN_OK);
  }
};

// A C API session with room for PCM in: `positions` encoder positions, 12 target positions, greedy.
struct CSession {
  xattn_limits limits;
  xattn_test::AlignedBytes buffer;
  xattn_session* session = nullptr;
  static xattn_limits pcm_limits(uint32_t positions) {
    xattn_limits l = xattn_default_limits();
    l.max_source_length = positions;
    l.max_target_length = 12;
    l.max_beam = 1;
    l.alignment = 0;
    l.pcm_input = 1;
    return l;
  }
  CSession(const xattn_model* model, uint32_t positions)
      : limits(pcm_limits(positions)), buffer(nullptr, xattn_session_buffer_bytes(model, &limits)) {
    xattn_error error;
    REQUIRE_MESSAGE(xattn_session_create(model, &limits, buffer.data(), buffer.size(), &session, &error) == XATTN_OK,
                    std::string(error.message));
  }
};

}  // namespace

TEST_CASE("encode_pcm: the window's log-mel in the arena gives the host path's encoder output, bit for bit") {
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  const ModelView& m = *opened.view;
  const uint32_t window_samples = 2 * m.config.encoder_positions() * kMelHop;

  const ArenaPlan with = plan_arena(m.config, window_limits(m, true));
  const ArenaPlan without = plan_arena(m.config, window_limits(m, false));
  const size_t mel_bytes = size_t{m.config.n_mels} * 2 * m.config.encoder_positions() * sizeof(float);
  CHECK(with.pcm_mel.bytes == mel_bytes);
  CHECK(with.pcm_scratch.bytes == log_mel_scratch_bytes());
  const auto up = [](size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; };
  CHECK(with.total - without.total == up(mel_bytes) + up(log_mel_scratch_bytes()));

  // Shorter than the window, and longer than it (cut).
  for (const size_t samples : {size_t{window_samples / 2 + 77}, size_t{window_samples + 5000}}) {
    CAPTURE(samples);
    const std::vector<float> f32 = sweep(samples);
    const std::vector<int16_t> s16 = to_s16(f32);
    PcmView as_float, as_int;
    as_float.f32 = f32.data();
    as_float.count = f32.size();
    as_int.s16 = s16.data();
    as_int.count = s16.size();
    for (const PcmView& pcm : {as_float, as_int}) {
      const std::vector<float> expected = host_path(m, pcm);
      Placed p(m, window_limits(m, true));
      bool cut = false;
      const Status s = p.session.encode_pcm(pcm, &cut);
      REQUIRE_MESSAGE(s.is_ok(), s.message());
      CHECK(cut == (samples > window_samples));
      const std::vector<float> got = p.encoder_output(m);
      REQUIRE(got.size() == expected.size());
      CHECK(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("encode_pcm: misuse is refused with its reason") {
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  const ModelView& m = *opened.view;
  std::vector<float> f32 = sweep(4000);
  const std::vector<int16_t> s16 = to_s16(f32);
  PcmView pcm;
  pcm.f32 = f32.data();
  pcm.count = f32.size();

  Placed no_room(m, window_limits(m, false));
  Status s = no_room.session.encode_pcm(pcm);
  CHECK(s.code() == StatusCode::kLimitExceeded);
  CHECK(std::string(s.message()).find("Limits::pcm_input") != std::string::npos);

  Placed p(m, window_limits(m, true));
  PcmView both = pcm;
  both.s16 = s16.data();
  CHECK(p.session.encode_pcm(both).code() == StatusCode::kInvalidArgument);
  CHECK(p.session.encode_pcm(PcmView()).code() == StatusCode::kInvalidArgument);
  PcmView empty = pcm;
  empty.count = 0;
  CHECK(p.session.encode_pcm(empty).code() == StatusCode::kInvalidArgument);
  for (const float bad : {std::nanf(""), INFINITY, 1e38f}) {
    f32[1234] = bad;
    s = p.session.encode_pcm(pcm);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(std::string(s.message()).find("sample 1234") != std::string::npos);
  }
  // After a refusal nothing is encoded: generate is not ready.
  GenerateOptions o;
  Result r;
  CHECK(p.session.generate(o, &r).code() == StatusCode::kNotReady);
}

TEST_CASE("encode_pcm: a text model's limits cannot ask for pcm input") {
  ModelConfig text_model;
  text_model.encoder_input = EncoderInput::kTokens;
  Limits l;
  l.pcm_input = true;
  const Status s = check_limits(text_model, l);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()).find("pcm input") != std::string::npos);
  // The planner reserves nothing for it either.
  CHECK(plan_arena(text_model, l).pcm_mel.bytes == 0);
}

TEST_CASE("c api: xattn_encode_pcm_s16 decodes as encode_features on the host spectrogram") {
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  const ModelView& m = *opened.view;
  const std::vector<int16_t> s16 = to_s16(sweep(9000));
  const test::WhisperData data = test::whisper_data();
  const uint32_t prefix[] = {data.token("<|en|>"), data.token("<|transcribe|>"), data.token("<|notimestamps|>")};

  // C++: the host spectrogram, encode_features, greedy.
  PcmView pcm;
  pcm.s16 = s16.data();
  pcm.count = s16.size();
  Placed host(m, window_limits(m, false));
  encode_on_host(m, pcm, &host.session);
  GenerateOptions o;
  o.beam_size = 1;
  o.prefix = TokenSpan{prefix, 3};
  o.max_length = 12;
  Result expected;
  REQUIRE(host.session.generate(o, &expected).is_ok());

  xattn_model_storage storage;
  xattn_model* model = nullptr;
  xattn_error error;
  REQUIRE(xattn_model_open(opened.bytes->data(), opened.bytes->size(), &storage, &model, &error) == XATTN_OK);
  xattn_limits limits = xattn_default_limits();
  CHECK(limits.pcm_input == 0);
  limits.max_source_length = m.config.encoder_positions();
  limits.max_target_length = 12;
  limits.max_beam = 1;
  limits.alignment = 0;
  const size_t without = xattn_session_buffer_bytes(model, &limits);
  limits.pcm_input = 1;
  const size_t bytes = xattn_session_buffer_bytes(model, &limits);
  CHECK(bytes > without);
  xattn_test::AlignedBytes buffer(nullptr, bytes);
  xattn_session* session = nullptr;
  REQUIRE(xattn_session_create(model, &limits, buffer.data(), bytes, &session, &error) == XATTN_OK);
  int cut = -1;
  REQUIRE_MESSAGE(xattn_encode_pcm_s16(session, s16.data(), s16.size(), &cut) == XATTN_OK,
                  std::string(xattn_session_message(session)));
  CHECK(cut == 0);
  CHECK(xattn_encode_pcm_f32(session, nullptr, 10, nullptr) == XATTN_INVALID_ARGUMENT);
  REQUIRE(xattn_encode_pcm_s16(session, s16.data(), s16.size(), nullptr) == XATTN_OK);
  xattn_generate_options co = xattn_default_options();
  co.beam_size = 1;
  co.prefix = xattn_token_span{prefix, 3};
  co.max_length = 12;
  REQUIRE_MESSAGE(xattn_generate(session, &co) == XATTN_OK, std::string(xattn_session_message(session)));
  xattn_hypothesis best;
  REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
  REQUIRE(expected.count >= 1);
  const Hypothesis& h = expected.hypotheses[0];
  REQUIRE(best.length == h.length);
  for (uint32_t i = 0; i < h.length; ++i) CHECK(best.tokens[i] == h.tokens[i]);
  CHECK(best.score == h.score);
}

TEST_CASE("c api: xattn_speech_window_start_* finds the session's window as speech_window_start does") {
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  const ModelView& m = *opened.view;
  const CModel c(opened);
  for (uint32_t positions : {m.config.encoder_positions(), m.config.encoder_positions() / 2}) {
    const CSession placed(c.model, positions);
    xattn_session* session = placed.session;
    // A sweep 1.5 windows into silence three windows long.
    const size_t window = size_t{2} * positions * kMelHop;
    const Recording r(3 * window, 3 * window / 2, window / 4);
    const std::vector<float>& f32 = r.f32;
    const std::vector<int16_t>& s16 = r.s16;
    const size_t want = speech_window_start(r.pcm16(), window, kMelHop, kSpeechLeadSamples);
    CAPTURE(positions);
    CHECK(want > window);
    CHECK(want < 3 * window / 2);
    CHECK(xattn_speech_window_start_s16(session, s16.data(), s16.size()) == want);
    CHECK(xattn_speech_window_start_f32(session, f32.data(), f32.size()) == want);
    CHECK(xattn_speech_window_start_s16(nullptr, s16.data(), s16.size()) == 0);
    CHECK(xattn_speech_window_start_f32(session, nullptr, f32.size()) == 0);
  }
}

TEST_CASE("c api: words longer than the window are heard faster, as speech_window and the host spectrogram say") {
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  const ModelView& m = *opened.view;
  const CModel c(opened);
  // The model's window and a sweep 1.25 times as long, half a window into a recording of three.
  const Limits host_limits = window_limits(m, false);
  const size_t window = size_t{2} * host_limits.max_source_length * kMelHop;
  const CSession placed(c.model, host_limits.max_source_length);
  xattn_session* session = placed.session;
  const Recording r(3 * window, window / 2, window * 5 / 4);
  const std::vector<float>& f32 = r.f32;
  const std::vector<int16_t>& s16 = r.s16;
  const PcmView pcm = r.pcm16();
  const SpeechWindow want = speech_window(pcm, window, kMelHop, kSpeechLeadSamples, kSpeechTailSamples);
  CHECK(want.stretch_milli > 1000);
  size_t first = 1;
  uint32_t stretch = 0;
  xattn_speech_window_s16(session, s16.data(), s16.size(), &first, &stretch);
  CHECK(first == want.start);
  CHECK(stretch == want.stretch_milli);
  xattn_speech_window_f32(session, f32.data(), f32.size(), &first, &stretch);
  CHECK(first == want.start);
  CHECK(stretch == want.stretch_milli);
  xattn_speech_window_s16(nullptr, s16.data(), s16.size(), &first, &stretch);
  CHECK(first == 0);
  CHECK(stretch == 1000);

  PcmView heard = pcm;
  heard.s16 += want.start;
  heard.count -= want.start;
  const test::WhisperData data = test::whisper_data();
  const uint32_t prefix[] = {data.token("<|en|>"), data.token("<|transcribe|>"), data.token("<|notimestamps|>")};
  Placed host(m, host_limits);
  encode_on_host(m, heard, &host.session, want.stretch_milli);
  GenerateOptions o;
  o.beam_size = 1;
  o.prefix = TokenSpan{prefix, 3};
  o.max_length = 12;
  Result expected;
  REQUIRE(host.session.generate(o, &expected).is_ok());
  REQUIRE(expected.count >= 1);
  const Hypothesis& h = expected.hypotheses[0];
  xattn_generate_options co = xattn_default_options();
  co.beam_size = 1;
  co.prefix = xattn_token_span{prefix, 3};
  co.max_length = 12;
  int cut = -1;
  REQUIRE_MESSAGE(xattn_encode_pcm_stretched_s16(session, heard.s16, heard.count, want.stretch_milli, &cut) == XATTN_OK,
                  std::string(xattn_session_message(session)));
  CHECK(cut == 1);
  REQUIRE(xattn_generate(session, &co) == XATTN_OK);
  xattn_hypothesis best;
  REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
  REQUIRE(best.length == h.length);
  for (uint32_t i = 0; i < h.length; ++i) CHECK(best.tokens[i] == h.tokens[i]);
  CHECK(best.score == h.score);
  // Heard at its pace, the same window scores otherwise.
  REQUIRE(xattn_encode_pcm_s16(session, heard.s16, heard.count, nullptr) == XATTN_OK);
  REQUIRE(xattn_generate(session, &co) == XATTN_OK);
  REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
  CHECK(best.score != h.score);
  CHECK(xattn_encode_pcm_stretched_s16(session, heard.s16, heard.count, 999, nullptr) == XATTN_INVALID_ARGUMENT);
  CHECK(xattn_encode_pcm_stretched_f32(session, f32.data(), f32.size(), 2001, nullptr) == XATTN_INVALID_ARGUMENT);
}
