// models/datespeech, the project's own speech model, against PyTorch: the
// committed checkpoint converted by whisper.cpp's convert-pt-to-ggml.py and
// `xattn convert ggml --vocabulary`, run on the committed demo WAVs; the
// reference logits and greedy tokens come from OpenAI's model.py at test time
// (tests/datespeech/datespeech_reference.py). Skipped, saying why, without
// torch or the reference folder.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "audio/reference_script.h"
#include "ggml_import.h"
#include "logit_capture.h"
#include "wav_reader.h"
#include "xattn/arena.h"
#include "xattn/audio.h"
#include "xattn/date_rule.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/whisper.h"
#include "xattn_writer.h"

namespace xattn {
namespace {

using convert::ImportResult;
using convert::WeightType;

const std::string kModelDir = XATTN_DATESPEECH_DIR;

struct Opened {
  std::unique_ptr<xattn_test::AlignedBytes> bytes;
  ModelView view;
};

void open_bytes(const std::vector<uint8_t>& file, Opened* out) {
  out->bytes.reset(new xattn_test::AlignedBytes(file));
  const Status s = open_model(out->bytes->data(), out->bytes->size(), &out->view);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
}

std::vector<uint8_t> converted(const std::string& ggml, WeightType weights) {
  ImportResult imported;
  std::string error = convert::import_ggml_file(ggml, weights, &imported, kModelDir + "/vocabulary.txt");
  REQUIRE_MESSAGE(error.empty(), error);
  imported.model.config.text_mode = TextMode::kCharacters;  // as `convert ggml --vocabulary` sets it
  std::vector<uint8_t> file;
  error = convert::write_xattn_model(imported.model, &file);
  REQUIRE_MESSAGE(error.empty(), error);
  return file;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint32_t> read_tokens(const std::string& path) {
  std::ifstream in(path);
  std::vector<uint32_t> tokens;
  for (uint32_t t; in >> t;) tokens.push_back(t);
  return tokens;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A demo clip's samples, read as `xattn transcribe` reads a WAV.
posix::WavAudio wav(const std::string& path) {
  posix::WavAudio audio;
  const std::string error = posix::read_wav_file(path, &audio);
  REQUIRE_MESSAGE(error.empty(), error);
  return audio;
}

using xattn_test::LogitCapture;

struct Decoded {
  std::vector<uint32_t> tokens;  // the end token included when generated
  std::vector<float> logits;     // [steps][vocab], as the search saw them
};

// Greedy decoding of one clip, from log-mel features or from PCM through xattn's own front end
// (under the date rule: greedy or a beam search).
class Runner {
 public:
  explicit Runner(const ModelView& view) : view_(view) {
    limits_.max_source_length = view.config.encoder_positions();
    limits_.max_target_length = view.config.max_positions;
    limits_.max_beam = kDateRuleBeam;
    limits_.alignment = false;
    limits_.pcm_input = true;
    storage_.resize(arena_bytes(view.config, limits_) + kArenaAlignment);
    void* arena = storage_.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage_.data()) % kArenaAlignment);
    const Status s = session_.init(view, limits_, arena, storage_.size() - kArenaAlignment);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
  }

  Decoded run_features(const std::vector<float>& mel, const DateRule* rule = nullptr, uint32_t beam = 1) {
    const Status s = session_.encode_features(mel.data(), view_.config.n_mels, 2 * limits_.max_source_length);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    return generate(rule, beam);
  }

  Decoded run_pcm(const posix::WavAudio& audio) {
    const Status s = session_.encode_pcm(audio.view());
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    return generate();
  }

 private:
  // Greedy decoding; with a rule, under it, greedy or by a beam search (and no logits captured).
  Decoded generate(const DateRule* rule = nullptr, uint32_t beam = 1) {
    Decoded d;
    LogitCapture capture{&d.logits, view_.config.target_vocab_size};
    GenerateOptions o;
    o.beam_size = beam;
    o.min_length = 0;
    o.logit_hook.context = &capture;
    o.logit_hook.apply = &LogitCapture::apply;
    if (rule) o.logit_hook = rule->hook();
    Result result;
    const Status s = session_.generate(o, &result);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    const Hypothesis& h = result.hypotheses[0];
    d.tokens.assign(h.tokens, h.tokens + h.length);
    if (rule || d.logits.size() / view_.config.target_vocab_size > h.length)  // the end token was generated
      d.tokens.push_back(view_.config.target_tokens.eos);
    return d;
  }

  const ModelView& view_;
  Limits limits_;
  std::vector<uint8_t> storage_;
  Session session_;
};

// The folder of datespeech_reference.py's outputs, or "" (with a skip message) where PyTorch cannot run.
std::string reference_outputs() {
#ifdef XATTN_TESTS_EMULATED
  MESSAGE("XATTN-SKIP: the reference runs PyTorch on the host");
  return "";
#else
  return test::run_reference_script(XATTN_DATESPEECH_SCRIPT, "datespeech-reference");
#endif
}

double worst_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = a.size() == b.size() ? 0.0 : INFINITY;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

TEST_CASE("datespeech: xattn float32 gives PyTorch's logits (1e-4) and dates on the demo clips, int8 agreement at its floor") {
  const std::string dir = reference_outputs();
  if (dir.empty()) return;
  const std::string ggml = dir + "/f32/ggml-model-f32.bin";
  Opened f32, int8;
  open_bytes(converted(ggml, WeightType::kFloat32), &f32);
  const std::vector<uint8_t> int8_bytes = converted(ggml, WeightType::kInt8);
  open_bytes(int8_bytes, &int8);
  const ModelConfig& c = f32.view.config;
  CHECK(c.encoder_input == EncoderInput::kAudio);
  CHECK(c.text_mode == TextMode::kCharacters);
  CHECK(!c.has_tokenizer);
  CHECK(whisper_has_own_tokens(f32.view));  // decoded plainly, not with Whisper's prompt
  REQUIRE(c.target_vocab_size == read_lines(kModelDir + "/vocabulary.txt").size());

  // The committed int8 model is exactly what the converter makes of the committed checkpoint.
  CHECK(file_bytes(kModelDir + "/datespeech-int8.xattn") == int8_bytes);

  Runner float_runner(f32.view), int8_runner(int8.view);
  DateRule rule;
  REQUIRE(rule.init(f32.view));
  const std::vector<std::string> names = read_lines(dir + "/list.txt");
  REQUIRE(names.size() >= 5);
  size_t int8_same = 0, heard_later = 0, beam_differs = 0;
  for (const std::string& name : names) {
    CAPTURE(name);
    const std::vector<float> mel = test::read_raw<float>(dir + "/" + name + ".mel.f32");
    const std::vector<float> reference = test::read_raw<float>(dir + "/" + name + ".logits.f32");
    const std::vector<uint32_t> tokens = read_tokens(dir + "/" + name + ".tokens.txt");
    REQUIRE(mel.size() == size_t{c.n_mels} * 2 * c.encoder_positions());

    const Decoded d = float_runner.run_features(mel);
    CHECK(d.tokens == tokens);
    // Under the date rule: the tokens of PyTorch's greedy decoding under date_rule.py, the twin.
    const Decoded ruled = float_runner.run_features(mel, &rule);
    CHECK(ruled.tokens == read_tokens(dir + "/" + name + ".ruled.txt"));
    // The date-rule beam search the CLI and the firmware decode with: beam_search.py's tokens, the twin.
    const Decoded beamed = float_runner.run_features(mel, &rule, kDateRuleBeam);
    CHECK(beamed.tokens == read_tokens(dir + "/" + name + ".beam.txt"));
    beam_differs += beamed.tokens != ruled.tokens;
    const double worst = worst_difference(d.logits, reference);
    CHECK(worst <= 1e-4);

    // From the WAV through xattn's own log-mel: the same dates.
    const posix::WavAudio audio = wav(kModelDir + "/demo/" + name + ".wav");
    // Where transcribe hears it: the runtime's rule and its Python twin (speech_window.py) agree.
    const size_t window = speech_window_start(audio.view(), size_t{2} * c.encoder_positions() * kMelHop, kMelHop,
                                              kSpeechLeadSamples);
    CHECK(std::to_string(window) == read_lines(dir + "/" + name + ".window.txt").at(0));
    heard_later += window > 0;
    const Decoded from_pcm = float_runner.run_pcm(audio);
    CHECK(from_pcm.tokens == tokens);
    const Decoded q = int8_runner.run_pcm(audio);
    int8_same += q.tokens == tokens;
    MESSAGE(name << ": max |logit - PyTorch| " << worst << ", int8 " << std::string(q.tokens == tokens ? "same" : "differs"));
  }
  // int8 is reported against PyTorch, not required equal: on the whole held-out set it gives
  // PyTorch's date on 3,575 of 3,600 clips (models/datespeech/README.md, "Parity"); on the demo clips the
  // committed model's floor, measured, is 9 of 9 (the int8 kernels are bit-identical on every
  // kernel table, so this does not move from host to host).
  MESSAGE("int8 gives PyTorch's date on " << int8_same << " of " << names.size() << " demo clips");
  CHECK(int8_same >= 9);
  CHECK(heard_later >= 1);  // 08-Annie-late's words start 2.5 s in: the twins agree on a window that moved
  MESSAGE("the beam of " << kDateRuleBeam << " chooses other tokens than greedy decoding on " << beam_differs << " of "
                         << names.size() << " demo clips");
  CHECK(beam_differs >= 1);  // measured: 1, as with the model before (so the beam's own path, not greedy's, is what matches the twin)
}

TEST_CASE("datespeech: the date-rule beam search gives beam_search.py's tokens on the demo clips under noise") {
  const std::string dir = reference_outputs();
  if (dir.empty()) return;
  Opened f32;
  open_bytes(converted(dir + "/f32/ggml-model-f32.bin", WeightType::kFloat32), &f32);
  Runner runner(f32.view);
  DateRule rule;
  REQUIRE(rule.init(f32.view));
  const std::vector<std::string> names = read_lines(dir + "/noisy-list.txt");
  REQUIRE(names.size() >= 10);
  size_t beam_differs = 0;
  for (const std::string& name : names) {
    CAPTURE(name);
    const std::vector<float> mel = test::read_raw<float>(dir + "/" + name + ".mel.f32");
    const Decoded ruled = runner.run_features(mel, &rule);
    CHECK(ruled.tokens == read_tokens(dir + "/" + name + ".ruled.txt"));
    const Decoded beamed = runner.run_features(mel, &rule, kDateRuleBeam);
    CHECK(beamed.tokens == read_tokens(dir + "/" + name + ".beam.txt"));
    beam_differs += beamed.tokens != ruled.tokens;
  }
  MESSAGE("the beam of " << kDateRuleBeam << " parts from greedy decoding on " << beam_differs << " of " << names.size()
                         << " noisy clips");
  CHECK(beam_differs >= 5);  // measured: 5 of 18, 3 with the model before (so these cases test the beam's own path)
}

TEST_CASE("datespeech: words longer than the window are heard faster, as speech_window.py hears them") {
  const std::string dir = reference_outputs();
  if (dir.empty()) return;
  Opened f32;
  open_bytes(converted(dir + "/f32/ggml-model-f32.bin", WeightType::kFloat32), &f32);
  const ModelConfig& c = f32.view.config;
  Runner runner(f32.view);
  DateRule rule;
  REQUIRE(rule.init(f32.view));
  MelFilterBank bank;
  REQUIRE(bank.init(f32.view.mel_filters, c.n_mels).is_ok());
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));
  const size_t frames = size_t{2} * c.encoder_positions();
  const std::vector<std::string> names = read_lines(dir + "/slow-list.txt");
  REQUIRE(names.size() >= 5);
  size_t stretched = 0;
  for (const std::string& name : names) {
    CAPTURE(name);
    const posix::WavAudio audio = wav(dir + "/" + name + ".wav");
    const SpeechWindow heard =
        speech_window(audio.view(), frames * kMelHop, kMelHop, kSpeechLeadSamples, kSpeechTailSamples);
    CHECK(std::to_string(heard.start) + " " + std::to_string(heard.stretch_milli) ==
          read_lines(dir + "/" + name + ".window.txt").at(0));
    stretched += heard.stretch_milli > 1000;
    PcmView pcm = audio.view();
    REQUIRE(pcm.s16 != nullptr);
    REQUIRE(heard.start < pcm.count);
    pcm.s16 += heard.start;
    pcm.count -= heard.start;
    pcm.trailing_zeros = kWhisperPadSamples;
    std::vector<float> mel(size_t{c.n_mels} * frames);
    const Status s = log_mel_spectrogram_stretched(bank, pcm, frames, heard.stretch_milli, scratch.data(),
                                                   log_mel_scratch_bytes(), mel.data());
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    const std::vector<float> twin = test::read_raw<float>(dir + "/" + name + ".mel.f32");
    CHECK(worst_difference(mel, twin) <= 1e-4);  // as the front end against whisper's (test_audio_whisper.cpp)
    const std::vector<uint32_t> beam = read_tokens(dir + "/" + name + ".beam.txt");
    CHECK(runner.run_features(twin, &rule, kDateRuleBeam).tokens == beam);
    CHECK(runner.run_features(mel, &rule, kDateRuleBeam).tokens == beam);
  }
  MESSAGE(stretched << " of " << names.size() << " slowed clips heard faster");
  CHECK(stretched >= names.size() - 1);
}

TEST_CASE("datespeech: convert ggml --vocabulary refuses a vocabulary that does not fit the model, in one line") {
  const std::string dir = reference_outputs();
  if (dir.empty()) return;
  const std::string ggml = dir + "/f32/ggml-model-f32.bin";
  const std::vector<std::string> tokens = read_lines(kModelDir + "/vocabulary.txt");
  const auto refusal = [&](const std::vector<std::string>& lines) {
    const std::string path = dir + "/vocabulary-test.txt";
    std::ofstream out(path);
    for (const std::string& line : lines) out << line << "\n";
    out.close();
    ImportResult imported;
    return convert::import_ggml_file(ggml, WeightType::kFloat32, &imported, path);
  };
  const std::string n_vocab = std::to_string(tokens.size());
  std::vector<std::string> short_list(tokens.begin(), tokens.end() - 1);
  CHECK(refusal(short_list) ==
        ggml + ": --vocabulary has " + std::to_string(tokens.size() - 1) + " tokens, the model's n_vocab is " + n_vocab);
  std::vector<std::string> no_start = tokens;
  std::replace(no_start.begin(), no_start.end(), std::string("<|startoftranscript|>"), std::string("<|start|>"));
  CHECK(refusal(no_start) ==
        ggml + ": --vocabulary has no <|startoftranscript|> token (decoding starts and ends with Whisper's specials)");
  CHECK(refusal(tokens).empty());
  // Without it, the file's n_vocab is named as not Whisper's, with the way out.
  ImportResult imported;
  const std::string error = convert::import_ggml_file(ggml, WeightType::kFloat32, &imported);
  CHECK(error.find("n_vocab " + n_vocab + " is not a Whisper vocabulary") != std::string::npos);
  CHECK(error.find("--vocabulary") != std::string::npos);
  CHECK(error.find('\n') == std::string::npos);
}

}  // namespace
}  // namespace xattn
