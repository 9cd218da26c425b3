// xattn demo --speech: the project's own speech model (models/datespeech,
// committed, int8) on the committed demo WAVs — held-out voices saying a
// date — with the latency of each stage: front end (WAV samples -> log-mel),
// encoder, decoder. Each clip runs twice and the second run is reported (the
// first includes page faults and cache warm-up).
#include "speech_demo.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "audio_session.h"
#include "tokens_text.h"
#include "wav_reader.h"
#include "xattn/model.h"
#include "xattn/session.h"

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

// The model and its front end, and one clip timed stage by stage.
class SpeechRunner {
 public:
  std::string open(const std::string& path) {
    std::string error = session_.open(path, AudioSession::Choices());
    if (error.empty() && !session_.own_tokens())
      error = path + ": a Whisper model (demo --speech runs a model with its own output tokens, such as "
                     "models/datespeech; Whisper models: xattn transcribe)";
    if (error.empty()) error = front_.init(session_.model(), session_.window_frames());
    return error;
  }

  // One clip: log-mel, encoder, greedy decoder (under the date rule of a date model); the text in
  // the model's text mode, or "no date" for a date model's answer that it heard none.
  std::string run(const WavAudio& audio, std::string* text, Timing* timing, SpeechWindow* heard) {
    Clock::time_point t = Clock::now();
    bool cut = false;
    *heard = speech_window(audio, front_);  // as transcribe hears it
    std::string error = front_.compute(audio, &cut, heard->start, heard->stretch_milli);
    timing->front_ms = ms_since(t);
    if (!error.empty()) return error;
    const ModelView& model = session_.model();
    t = Clock::now();
    Status s = session_.session().encode_features(front_.mel().data(), model.config.n_mels, front_.frames());
    timing->encoder_ms = ms_since(t);
    t = Clock::now();
    Result result;
    if (s) s = session_.session().generate(session_.plain_options(), &result);
    timing->decoder_ms = ms_since(t);
    if (!s) return s.message();
    if (session_.no_date(result.hypotheses[0])) {
      *text = "no date";  // as xattn transcribe prints it
      return "";
    }
    const std::vector<uint32_t> ids = session_.text_tokens(result.hypotheses[0]);
    return tokens_text(model, ids.data(), ids.size(), false, text);
  }

  const ModelView& model() const { return session_.model(); }
  size_t arena_size() const { return session_.arena_size(); }
  const char* kernels() const { return session_.session().kernel_name(); }

 private:
  AudioSession session_;
  LogMelFrontEnd front_;
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
    SpeechWindow heard;
    if (error.empty()) error = runner.run(audio, &text, &timing, &heard);
    if (error.empty()) error = runner.run(audio, &text, &timing, &heard);
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
    if (heard.stretch_milli > 1000) {
      std::snprintf(line, sizeof line, "  (heard from %.2f s, %.3fx faster)",
                    static_cast<double>(heard.start) / kAudioSampleRate, heard.stretch_milli / 1000.0);
      out << line;
    } else if (heard.start > 0) {
      std::snprintf(line, sizeof line, "  (heard from %.2f s)", static_cast<double>(heard.start) / kAudioSampleRate);
      out << line;
    }
    out << '\n';
  }
  out << right << " of " << clips.size() << " dates right (the voices were never heard in training)\n"
      << "try your own:   xattn transcribe --model " << model << " your-recording.wav   (any WAV: heard through its loudest 4 s, the words 0.25 s in, "
         "slow words faster to fit)\n";
  return 0;
}

}  // namespace posix
}  // namespace xattn
