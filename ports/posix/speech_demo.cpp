// xattn demo --speech: the project's own speech model (models/datespeech,
// committed, int8) on the committed demo WAVs — held-out voices saying a
// date — with the latency of each stage: front end (WAV samples -> log-mel),
// encoder, decoder. Each clip runs twice and the second run is reported (the
// first includes page faults and cache warm-up).
#include "speech_demo.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <new>
#include <ostream>
#include <string>
#include <vector>

#include "mapped_file.h"
#include "wav_reader.h"
#include "xattn/arena.h"
#include "xattn/audio.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/text.h"

#ifndef XATTN_DATESPEECH_MODEL
#define XATTN_DATESPEECH_MODEL "models/datespeech/datespeech-int8.xattn"
#endif
#ifndef XATTN_DATESPEECH_CLIPS
#define XATTN_DATESPEECH_CLIPS "models/datespeech/demo"
#endif

namespace xattn {
namespace posix {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Clip {
  std::string file, said, expected;
};

// demo.tsv: file, voice, said, expected, ... (a header line first).
std::string read_clips(const std::string& dir, std::vector<Clip>* clips) {
  std::ifstream in(dir + "/demo.tsv");
  if (!in) return dir + "/demo.tsv: cannot open (the clips' list: file, voice, said, expected)";
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> fields(1);
    for (char c : line) {
      if (c == '\t')
        fields.emplace_back();
      else
        fields.back() += c;
    }
    if (fields.size() < 4) return dir + "/demo.tsv: a line has fewer than 4 tab-separated fields";
    clips->push_back(Clip{fields[0], fields[2], fields[3]});
  }
  return clips->empty() ? dir + "/demo.tsv: no clips" : "";
}

struct Timing {
  double front_ms = 0, encoder_ms = 0, decoder_ms = 0;
};

class SpeechRunner {
 public:
  std::string open(const std::string& path) {
    std::string error = file_.open(path);
    if (!error.empty()) return error;
    Status s = open_model(file_.data(), file_.size(), &model_);
    if (!s) return path + ": " + s.message();
    if (model_.config.encoder_input != EncoderInput::kAudio) return path + ": not an audio model";
    s = bank_.init(model_.mel_filters, model_.config.n_mels);
    if (!s) return path + ": " + s.message();
    limits_.max_source_length = model_.config.encoder_positions();
    limits_.max_target_length = model_.config.max_positions;
    limits_.max_beam = 1;
    limits_.alignment = false;
    arena_size_ = arena_bytes(model_.config, limits_);
    storage_.reset(new (std::nothrow) uint8_t[arena_size_ + kArenaAlignment]);
    if (!storage_) return "cannot allocate the session arena of " + std::to_string(arena_size_) + " bytes";
    uint8_t* base = storage_.get();
    s = session_.init(model_, limits_, base + (kArenaAlignment - reinterpret_cast<uintptr_t>(base) % kArenaAlignment) %
                                               kArenaAlignment,
                      arena_size_);
    if (!s) return s.message();
    frames_ = 2 * limits_.max_source_length;
    mel_.assign(size_t{model_.config.n_mels} * frames_, 0.0f);
    scratch_.resize(log_mel_scratch_bytes() / sizeof(AudioReal));
    return "";
  }

  // One clip: log-mel, encoder, greedy decoder; the text in the model's text mode.
  std::string run(const WavAudio& audio, std::string* text, Timing* timing) {
    Clock::time_point t = Clock::now();
    PcmView pcm = audio.view();
    pcm.trailing_zeros = kWhisperPadSamples;
    Status s = log_mel_spectrogram(bank_, pcm, frames_, scratch_.data(), log_mel_scratch_bytes(), mel_.data());
    timing->front_ms = ms_since(t);
    t = Clock::now();
    if (s) s = session_.encode_features(mel_.data(), model_.config.n_mels, frames_);
    timing->encoder_ms = ms_since(t);
    t = Clock::now();
    Result result;
    if (s) s = session_.generate(GenerateOptions(), &result);
    timing->decoder_ms = ms_since(t);
    if (!s) return s.message();
    const Hypothesis& h = result.hypotheses[0];
    char buffer[256];
    if (model_.config.has_tokenizer) {
      size_t length = 0;
      s = model_.target_text.decode(h.tokens, h.length, buffer, sizeof buffer, &length, true);
      if (!s) return s.message();
      text->assign(buffer, length);
    } else {
      detokenize(model_, Side::kTarget, h.tokens, h.length, buffer, sizeof buffer);
      text->assign(buffer);
    }
    return "";
  }

  const ModelView& model() const { return model_; }
  size_t arena_size() const { return arena_size_; }
  const char* kernels() const { return session_.kernel_name(); }

 private:
  MappedFile file_;
  ModelView model_;
  MelFilterBank bank_;
  Limits limits_;
  Session session_;
  std::unique_ptr<uint8_t[]> storage_;
  size_t arena_size_ = 0;
  uint32_t frames_ = 0;
  std::vector<float> mel_;
  std::vector<AudioReal> scratch_;
};

std::string pad(const std::string& text, size_t width) {
  return text + std::string(text.size() < width ? width - text.size() : 1, ' ');
}

}  // namespace

int run_speech_demo(const std::string& model_arg, const std::string& clips_arg, std::ostream& out,
                    std::ostream& err) {
  const std::string model = model_arg.empty() ? XATTN_DATESPEECH_MODEL : model_arg;
  const std::string dir = clips_arg.empty() ? XATTN_DATESPEECH_CLIPS : clips_arg;
  std::vector<Clip> clips;
  std::string error = read_clips(dir, &clips);
  const Clock::time_point t0 = Clock::now();
  SpeechRunner runner;
  if (error.empty()) {
    error = runner.open(model);
    if (!error.empty() && model_arg.empty())
      error += " (the model is committed as models/datespeech/datespeech-int8.xattn; pass --model FILE)";
  }
  if (!error.empty()) {
    err << "xattn demo: " << error << '\n';
    return 1;
  }
  char line[256];
  std::snprintf(line, sizeof line, "model: %s (spoken dates, %zu KiB); loaded in %.1f ms; arena %zu bytes; kernels %s\n",
                model.c_str(), runner.model().size / 1024, ms_since(t0), runner.arena_size(), runner.kernels());
  out << line << "  " << pad("file", 26) << pad("said", 48) << pad("-> output", 14)
      << "latency: front end + encoder + decoder\n";
  size_t right = 0;
  for (const Clip& clip : clips) {
    WavAudio audio;
    error = read_wav_file(dir + "/" + clip.file, &audio);
    std::string text;
    Timing timing;
    if (error.empty()) error = runner.run(audio, &text, &timing);
    if (error.empty()) error = runner.run(audio, &text, &timing);
    if (!error.empty()) {
      err << "xattn demo: " << clip.file << ": " << error << '\n';
      return 1;
    }
    std::snprintf(line, sizeof line, "%7.2f ms = %.2f + %.2f + %.2f", timing.front_ms + timing.encoder_ms + timing.decoder_ms,
                  timing.front_ms, timing.encoder_ms, timing.decoder_ms);
    out << "  " << pad(clip.file, 26) << pad("\"" + clip.said + "\"", 48) << "-> " << pad(text, 11) << line;
    if (text == clip.expected)
      ++right;
    else
      out << "  (expected " << clip.expected << ")";
    out << '\n';
  }
  out << right << " of " << clips.size() << " dates right (the voices were never heard in training)\n"
      << "try your own:   xattn transcribe --model " << model << " your-recording.wav   (16 kHz mono, 4 s)\n";
  return 0;
}

}  // namespace posix
}  // namespace xattn
