// xattn transcribe: Whisper speech recognition with an xattn audio model.
// Each input (a 16 kHz mono WAV, or a raw log-mel matrix with --features) is
// encoded and decoded with xattn::WhisperDecoder: the language detected when
// none is given, the model's suppress lists, the timestamp rules with
// --timestamps. Output: one line per input (the text, or the generated ids);
// with --timestamps and text, one line per segment as openai-whisper's
// transcribe prints them. Only one window is transcribed: the first (30 s for
// Whisper's 1500 encoder positions, --audio-ctx shortens it), or for a model
// of its own tokens the loudest, with the words 0.25 s in (a recording of
// any length); longer audio gets a note on stderr. A
// Whisper trained with an output vocabulary of its own (no
// <|notimestamps|>: models/datespeech) is decoded plainly, from
// <|startoftranscript|> to <|endoftext|>, its tokens joined by the model's
// text mode (under the date rule when its tokens spell dates, xattn/date_rule.h;
// a date model that has <|nodate|> may answer "no date" instead);
// the Whisper prompt options do not apply to it. Its answer's confidence (the
// geometric mean of its tokens' probabilities) under --min-confidence gets a
// note on stderr: a model that only knows dates says one even for noise. So
// does a date off the weekday the model heard (a weekday said wrong).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "alignment_svg.h"
#include "audio_session.h"
#include "cli_args.h"
#include "commands.h"
#include "file_safety.h"
#include "speech_alignment_svg.h"
#include "tokens_text.h"
#include "wav_reader.h"
#include "whisper_segments.h"
#include "xattn/date_rule.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/whisper.h"

namespace xattn {
namespace posix {
namespace {

const char kUsage[] =
    "usage: xattn transcribe --model FILE.xattn [--language xx|auto] [--task transcribe|translate] [--timestamps]\n"
    "                        [--beam N] [--max-new-tokens N] [--ids] [--audio-ctx N] [--kv-cache f32|f16|int8]\n"
    "                        [--self-kv-cache f32|f16|int8] [--threads N] [--alignment-svg FILE] [--no-date-rule]\n"
    "                        [--weekday-penalty P] [--min-confidence P] AUDIO.wav...\n"
    "       xattn transcribe --model FILE.xattn [options] --frames N --features FILE.f32 [--features FILE.f32]...\n"
    "  AUDIO.wav: PCM (8-32 bit) or float, any rate and channel count (other than 16 kHz mono: averaged to mono and\n"
    "  resampled, with a note on stderr); one window only (2 x --audio-ctx frames): the first 30 s for Whisper,\n"
    "  for a model of its own tokens (models/datespeech: 4 s) the loudest window, its words 0.25 s in, and words\n"
    "  longer than it (less 0.4 s) heard up to 2x faster to fit, with a note\n"
    "  --features: raw little-endian float32 log-mel [n_mels][N] (as xattn mel -o writes)\n"
    "  output: one line per input, the text (the model's tokenizer) or, without one or with --ids, the generated\n"
    "  ids; --timestamps with text: a line per segment, [mm:ss.mmm --> mm:ss.mmm] text; the detected language\n"
    "  goes to stderr (language: xx (p=0.93))\n"
    "  --kv-cache, --self-kv-cache: the cross- and self-attention caches' precision (default f32; f16 is\n"
    "  whisper.cpp's); --threads N: split layers over N threads (default 1)\n"
    "  --alignment-svg FILE: the cross-attention over the audio, with the log-mel under it, one plot per input\n"
    "  (FILE, FILE-2.svg, ...); for models with their own output tokens (e.g. models/datespeech)\n"
    "  a model whose own tokens spell dates (models/datespeech) outputs only real YYYY-MM-DD dates, on the weekday\n"
    "  it heard when it outputs one first (or the date as said, below), by a beam search of 4 (the dates' whole\n"
    "  probabilities weighed; --beam N to change it), or, when its vocabulary has <|nodate|>, the line no date;\n"
    "  --no-date-rule: its raw greedy choices instead\n"
    "  --weekday-penalty P: the log-probability a date off the weekday heard pays (default 4; inf: always a\n"
    "  date on it), so a weekday said wrong (\"saturday 23 november 2026\", a Monday) gives the date as said,\n"
    "  with a note on stderr\n"
    "  --min-confidence P: for models with their own output tokens, a note on stderr when the answer's\n"
    "  confidence (the geometric mean of its tokens' probabilities, the end included; no date's too) is under P\n"
    "  (default 0.85; 0: never): such a model answers even noise or speech without a date, with its best guess";

// Under it on models/datespeech's held-out voices (int8, a beam of 4): 83 of
// its 270 wrong dates and 45 of its 3,330 right ones, and every noise-only
// clip tried (models/datespeech/README.md, "Confidence"; confidence.py).
constexpr float kDefaultMinConfidence = 0.85f;

constexpr double kSecondsPerFrame = 0.01;                   // hop 160 at 16 kHz

static_assert(kWeekdayPenalty == 4.0f, "the usage names the default weekday penalty");

// "inf", or a finite number; NaN for anything else (refused with the option's text).
float weekday_penalty_of(const std::string& text) {
  if (text == "inf") return INFINITY;
  char* end = nullptr;
  const float v = std::strtof(text.c_str(), &end);
  return !text.empty() && *end == '\0' && std::isfinite(v) ? v : NAN;
}

std::string printable_number(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(v));
  return text;
}

std::string status_line(const Status& s) { return s.message(); }

// A raw float32 [n_mels][frames] file; its size must be exactly that.
std::string file_features(const std::string& path, uint32_t n_mels, uint32_t frames, std::vector<float>* mel) {
  std::string error = convert::refuse_unreadable(path);
  if (!error.empty()) return error;
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0);
  const uint64_t want = uint64_t{n_mels} * frames * sizeof(float);
  if (size < 0 || static_cast<uint64_t>(size) != want)
    return path + ": " + std::to_string(size) + " bytes, expected " + std::to_string(want) + " (" +
           std::to_string(n_mels) + " mels x " + std::to_string(frames) + " frames of float32)";
  mel->assign(static_cast<size_t>(n_mels) * frames, 0.0f);
  in.read(reinterpret_cast<char*>(mel->data()), static_cast<std::streamsize>(want));
  return in ? "" : path + ": cannot read";
}

// Text tokens (ids below text_below: Whisper's <|endoftext|>) through the
// model's tokenizer, or its text mode when it has none.
std::string decode_text(const ModelView& model, uint32_t text_below, const uint32_t* ids, size_t count,
                        std::string* text) {
  std::vector<uint32_t> words;
  for (size_t i = 0; i < count; ++i)
    if (ids[i] < text_below) words.push_back(ids[i]);
  return tokens_text(model, words.data(), words.size(), false, text);
}

// The plot of one input's cross-attention (own-vocabulary models); the
// no-date answer's one row is labelled as it is printed, "no date".
std::string write_alignment_svg(const std::string& path, const std::vector<std::string>& inputs, const ModelView& model,
                                const std::string& input, const std::string& text, const Hypothesis& h, bool no_date,
                                uint32_t source_length, const float* mel, uint32_t frames) {
  SpeechAlignmentPlot plot;
  plot.title = input + " -> " + text + "  (cross-attention, decoder layer " +
               std::to_string(model.config.alignment_layer) + ", mean of heads)";
  for (uint32_t i = 0; i < h.length; ++i) {
    std::string label = "no date";
    if (!no_date) decode_text(model, kNoToken, h.tokens + i, 1, &label);
    plot.target.push_back(label);
  }
  plot.positions = source_length;
  plot.weights.assign(h.alignment, h.alignment + size_t{h.length} * source_length);
  plot.n_mels = model.config.n_mels;
  plot.frames = frames;
  plot.mel.assign(mel, mel + size_t{model.config.n_mels} * frames);
  plot.seconds_per_frame = kSecondsPerFrame;
  return convert::write_file_safely(path, speech_alignment_svg(plot), inputs);
}

// One line per segment: [start --> end] text (transcribe.py's verbose output).
std::string timestamp_lines(const ModelView& model, const WhisperTokens& t, const uint32_t* ids, size_t n,
                            double window_seconds, std::string* out) {
  std::string text;
  for (const WhisperSegment& segment : whisper_segments(t, ids, n, window_seconds)) {
    const std::string error = decode_text(model, t.eot, ids + segment.first, segment.last - segment.first, &text);
    if (!error.empty()) return error;
    *out += "[" + whisper_timestamp(segment.start) + " --> " + whisper_timestamp(segment.end) + "] " + text + "\n";
  }
  return "";
}

}  // namespace

int run_transcribe(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1,
            {{"--model", true}, {"--language", true}, {"--task", true}, {"--timestamps", false}, {"--beam", true},
             {"--max-new-tokens", true}, {"--ids", false}, {"--audio-ctx", true}, {"--features", true, true},
             {"--frames", true}, {"--kv-cache", true}, {"--self-kv-cache", true}, {"--threads", true},
             {"--alignment-svg", true}, {"--no-date-rule", false}, {"--min-confidence", true},
             {"--weekday-penalty", true}});
  if (args.help()) {
    out << kUsage << '\n';
    out.flush();
    if (!out) {
      err << "xattn transcribe: cannot write the help text\n";
      return 1;
    }
    return 0;
  }
  std::string model_path, language = "auto", task = "transcribe";
  uint32_t max_new = 0, frames = 0;
  AudioSession::Choices choices;
  const bool has_model = args.text("--model", &model_path);
  args.text("--language", &language);
  args.text("--task", &task);
  const bool timestamps = args.flag("--timestamps");
  args.number("--beam", 1, kMaxBeam, &choices.beam);
  args.number("--max-new-tokens", 1, kMaxSequence, &max_new);
  const bool ids_only = args.flag("--ids");
  const bool has_ctx = args.number("--audio-ctx", 1, kMaxSequence, &choices.audio_ctx);
  const std::vector<std::string> features = args.all("--features");
  const bool has_frames = args.number("--frames", 1, 2 * kMaxSequence, &frames);
  args.kv_precision("--kv-cache", &choices.kv_cache);
  args.kv_precision("--self-kv-cache", &choices.self_kv_cache);
  args.number("--threads", 1, kMaxThreads, &choices.threads);
  std::string svg_path;
  choices.alignment = args.text("--alignment-svg", &svg_path);
  choices.date_rule = !args.flag("--no-date-rule");
  float min_confidence = kDefaultMinConfidence;
  const bool has_min_confidence = args.real("--min-confidence", &min_confidence);
  std::string penalty_text;
  const bool has_weekday_penalty = args.text("--weekday-penalty", &penalty_text);
  if (has_weekday_penalty) choices.weekday_penalty = weekday_penalty_of(penalty_text);
  std::vector<std::string> wavs;
  for (std::string p; args.positional(&p);) wavs.push_back(p);
  std::string error = args.finish();
  if (error.empty() && !has_model) error = "--model is required";
  if (error.empty() && wavs.empty() && features.empty()) error = "no input (AUDIO.wav... or --features FILE.f32)";
  if (error.empty() && !wavs.empty() && !features.empty()) error = "give WAV files or --features, not both";
  if (error.empty() && features.empty() != !has_frames) error = "--features and --frames go together";
  if (error.empty() && has_ctx && !features.empty()) error = "--audio-ctx applies to WAV input (--frames sets the features' size)";
  if (error.empty() && language.empty()) error = "--language needs a language code (en, de, ...) or auto";
  if (error.empty() && task != "transcribe" && task != "translate") error = "--task " + task + ": expected transcribe or translate";
  if (error.empty() && choices.alignment && svg_path.empty()) error = "--alignment-svg needs a file name";
  if (error.empty() && !(choices.weekday_penalty >= 0.0f))
    error = "--weekday-penalty '" + penalty_text + "': expected a number, 0 or more, or inf (never off the weekday)";
  if (error.empty() && !(min_confidence >= 0.0f && min_confidence <= 1.0f))
    error = "--min-confidence " + printable_number(min_confidence) + ": expected a probability from 0 to 1";
  if (!error.empty()) {
    err << "xattn transcribe: " << error << " (see xattn transcribe --help)\n";
    return 2;
  }

  AudioSession t;
  error = t.open(model_path, choices);
  if (!error.empty()) {
    err << "xattn transcribe: " << error << '\n';
    return 1;
  }
  const ModelView& model = t.model();
  const WhisperTokens& layout = t.tokens();
  WhisperDecodeOptions options;
  options.task = task == "translate" ? WhisperTask::kTranslate : WhisperTask::kTranscribe;
  options.timestamps = timestamps;
  options.beam_size = t.session().limits().max_beam;
  options.max_new_tokens = max_new;
  GenerateOptions plain = t.plain_options();  // a model with its own output tokens
  // --max-new-tokens counts as Whisper's does (the end token included), cut to the session's positions.
  const uint32_t positions = t.session().limits().max_target_length;
  plain.max_length = max_new < positions ? max_new : positions;
  plain.return_alignment = choices.alignment;
  if (choices.alignment && !t.own_tokens()) {
    err << "xattn transcribe: --alignment-svg: drawn for models with their own output tokens (such as "
           "models/datespeech); Whisper's prompt and timestamp tokens are not plotted\n";
    return 2;
  }
  if (const DateRule* rule = t.date_rule()) {  // a cut date would look like a date model's answer
    const uint32_t needed = static_cast<uint32_t>(kIsoDateLength) + (rule->has_weekdays() ? 1 : 0);
    if (max_new != 0 && max_new < needed) {
      err << "xattn transcribe: --max-new-tokens " << max_new << ": the date model needs at least " << needed
          << (rule->has_weekdays() ? " (the weekday and YYYY-MM-DD)\n" : " (YYYY-MM-DD)\n");
      return 2;
    }
  }
  if (has_weekday_penalty && t.date_rule() == nullptr) {
    err << "xattn transcribe: --weekday-penalty: for date models (such as models/datespeech) decoded under "
           "their rule\n";
    return 2;
  }
  if (has_min_confidence && !t.own_tokens()) {
    err << "xattn transcribe: --min-confidence: for models with their own output tokens (such as "
           "models/datespeech); Whisper's own checks (avg_logprob, no_speech_prob) are not made here\n";
    return 2;
  }
  if (t.own_tokens()) {
    const char* refused = language != "auto" ? "--language" : task != "transcribe" ? "--task" : timestamps ? "--timestamps" : nullptr;
    if (refused != nullptr) {
      err << "xattn transcribe: " << refused
          << ": the model has output tokens of its own, not Whisper's (no languages, tasks or timestamps)\n";
      return 2;
    }
  } else if (language != "auto") {
    const Status s = whisper_model_language(model, layout, language.c_str(), &options.language_token);
    if (!s) {
      err << "xattn transcribe: --language " << language << ": "
          << (layout.multilingual ? "the model has no such language token" : "the model is English-only (en)") << '\n';
      return 2;
    }
  }
  if (!t.own_tokens() && !whisper_check_options(layout, options)) {
    err << "xattn transcribe: --task translate: the model is English-only; it transcribes English\n";
    return 2;
  }
  // A model of its own tokens has no tokenizer: its text mode joins them.
  const bool as_text = (model.config.has_tokenizer || t.own_tokens()) && !ids_only;
  const uint32_t text_below = t.own_tokens() ? kNoToken : layout.eot;  // the specials are not text

  const std::vector<std::string>& inputs = features.empty() ? wavs : features;
  std::vector<float> mel;     // --features: each file's log-mel
  LogMelFrontEnd front;       // WAV files: the filter bank and DFT scratch made once
  if (features.empty()) {
    error = front.init(model, t.window_frames());
    if (!error.empty()) {
      err << "xattn transcribe: " << error << '\n';
      return 1;
    }
  }
  for (const std::string& input : inputs) {
    uint32_t n_frames = frames;
    WavWindow heard;
    const float* features_of_input = nullptr;
    if (features.empty()) {
      n_frames = t.window_frames();
      // A model of its own tokens hears a few seconds: the loudest of a longer recording (Whisper: the first 30 s).
      error = wav_features(input, &front, t.own_tokens(), &heard);
      features_of_input = front.mel().data();
    } else {
      error = file_features(input, model.config.n_mels, frames, &mel);
      features_of_input = mel.data();
    }
    Status s = Status::ok();
    if (error.empty()) {
      if (!heard.conversion.empty()) err << input << ": " << heard.conversion << "\n";
      if (heard.cut) {
        const double window_seconds = n_frames * kSecondsPerFrame;
        err << input << ": longer than " << window_seconds << " s: ";
        if (t.own_tokens()) {
          char from[32];
          std::snprintf(from, sizeof from, "%.2f", static_cast<double>(heard.first_sample) / kAudioSampleRate);
          if (heard.stretch_milli > 1000) {
            char faster[32];
            std::snprintf(faster, sizeof faster, "%.3f", heard.stretch_milli / 1000.0);
            err << "its words, from " << from << " s on, are heard " << faster << "x faster to fit\n";
          } else {
            err << "the loudest " << window_seconds << " s, from " << from << " s on, are transcribed\n";
          }
        } else {
          err << "only the first " << window_seconds << " s are transcribed\n";
        }
      }
      s = t.session().encode_features(features_of_input, model.config.n_mels, n_frames);
    }
    Result result;
    WhisperDecodeInfo info;
    if (error.empty() && s)
      s = t.own_tokens() ? t.session().generate(plain, &result) : t.decoder().generate(t.session(), options, &result, &info);
    if (error.empty() && !s) error = input + ": " + status_line(s);
    if (!error.empty()) {
      err << "xattn transcribe: " << error << '\n';
      return 1;
    }
    if (info.detected) {
      const TokenText code = whisper_language_code(model, layout, info.language.token);
      char p[32];
      std::snprintf(p, sizeof p, "%.2f", info.language.probability);
      err << "language: " << std::string(code.data, code.size) << " (p=" << p << ")\n";
    }
    const Hypothesis& h = result.hypotheses[0];
    const uint32_t* ids = h.tokens + info.prompt_length;
    const size_t n = h.length - info.prompt_length;
    std::string line;
    if (!as_text) {
      for (size_t i = 0; i < n; ++i) line += (i ? " " : "") + std::to_string(ids[i]);
      line += '\n';
    } else if (timestamps) {
      error = timestamp_lines(model, layout, ids, n, n_frames * kSecondsPerFrame, &line);
    } else if (t.no_date(h)) {
      line = "no date\n";  // what it heard, in words: its one token is not text
    } else if (t.own_tokens()) {
      const std::vector<uint32_t> text = t.text_tokens(h);  // a date model's weekday token is not text
      error = decode_text(model, text_below, text.data(), text.size(), &line);
      line += '\n';
    } else {
      error = decode_text(model, text_below, ids, n, &line);
      line += '\n';
    }
    if (error.empty() && choices.alignment) {
      std::vector<std::string> files = inputs;
      files.push_back(model_path);
      const std::string text = line.substr(0, line.size() - 1);
      error = write_alignment_svg(numbered_path(svg_path, static_cast<size_t>(&input - &inputs[0]) + 1), files, model,
                                  input, text, h, t.no_date(h), result.source_length, features_of_input, n_frames);
    }
    if (!error.empty()) {
      err << "xattn transcribe: " << input << ": " << error << '\n';
      return 1;
    }
    // A date off the weekday heard: said so, and its score less the rule's penalty is the model's own.
    const DateRule* rule = t.date_rule();
    int32_t date_weekday = kAnyWeekday;
    const int32_t missed = rule ? rule->weekday_missed(h.tokens, h.length, &date_weekday) : kAnyWeekday;
    if (missed != kAnyWeekday) {
      err << input << ": heard " << weekday_name(missed) << ", but " << line.substr(0, kIsoDateLength) << " is a "
          << weekday_name(date_weekday) << ": the date as said\n";
    }
    if (t.own_tokens() && min_confidence > 0.0f) {
      // The score is the log-probability sum over the tokens and the end, divided by their count
      // (plain options: no prefix, length penalty 1), so its exponential is their geometric mean.
      const double paid = missed != kAnyWeekday ? static_cast<double>(rule->weekday_penalty()) : 0.0;
      const double confidence = std::exp(static_cast<double>(h.score) + paid / (h.length + 1));
      if (confidence < min_confidence) {
        char note[96];
        std::snprintf(note, sizeof note, "unsure: confidence %.2f, under %g", confidence, static_cast<double>(min_confidence));
        err << input << ": " << note << " (no clear answer heard; the line is the model's best guess)\n";
      }
    }
    out << line;
    out.flush();
    if (!out) {
      err << "xattn transcribe: cannot write the output (standard output)\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace posix
}  // namespace xattn
