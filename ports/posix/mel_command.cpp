// xattn mel AUDIO.wav: Whisper's log-mel spectrogram of a WAV file, through
// the runtime's front end — a summary line, and with -o the raw float32
// [n_mels][frames] matrix (little-endian, the --features input format).
#include <algorithm>
#include <cmath>
#include <ostream>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "file_safety.h"
#include "ggml_model.h"
#include "mel_filters.h"
#include "wav_reader.h"
#include "xattn/audio.h"

namespace xattn {
namespace posix {
namespace {

const char kUsage[] =
    "usage: xattn mel AUDIO.wav [--mels 80|128 | --filters-from MODEL.bin] [--pad] [-o FILE.f32]";
constexpr size_t kWindowFrames = 3000;              // 30 s
constexpr size_t kWindowSamples = 30 * kAudioSampleRate;

}  // namespace

int run_mel(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1, {{"--mels", true}, {"--filters-from", true}, {"--pad", false}, {"-o", true}});
  if (args.help()) {
    out << kUsage << '\n';
    out.flush();
    if (!out) {
      err << "xattn mel: cannot write the help text\n";
      return 1;
    }
    return 0;
  }
  std::string wav_path, output, ggml_path;
  uint32_t n_mels = 80;
  const bool has_path = args.positional(&wav_path);
  const bool mels_given = args.number("--mels", 1, kMaxMelBins, &n_mels);
  const bool has_filters = args.text("--filters-from", &ggml_path);
  const bool pad = args.flag("--pad");
  const bool has_output = args.text("-o", &output);
  std::string error = args.finish();
  if (error.empty() && !has_path) error = kUsage;
  if (error.empty() && has_filters && ggml_path.empty()) error = "--filters-from needs a file name";
  if (error.empty() && has_output && output.empty()) error = "-o needs a file name";
  if (error.empty() && mels_given && !ggml_path.empty()) error = "--mels and --filters-from exclude each other";
  if (error.empty() && ggml_path.empty() && n_mels != 80 && n_mels != 128) error = "--mels: 80 or 128";
  if (!error.empty()) {
    err << "xattn mel: " << error << '\n';
    return 2;
  }

  // The filter bank: a whisper.cpp model's own, or whisper's computed here.
  std::vector<float> filters;
  // Before any work: -o never replaces a FIFO, device or directory, nor one of the inputs.
  if (has_output) error = convert::refuse_output(output, {wav_path, ggml_path});
  if (error.empty() && !ggml_path.empty()) {
    convert::GgmlModel model;
    error = convert::read_ggml_file(ggml_path, &model);
    filters = std::move(model.mel_filters);
    n_mels = model.mel_rows;
  } else {
    filters = convert::whisper_mel_filters(n_mels);
  }
  WavAudio audio;
  if (error.empty()) error = convert::refuse_unreadable(wav_path);  // a FIFO would block the read
  if (error.empty()) error = read_wav_file(wav_path, &audio);
  MelFilterBank bank;
  if (error.empty()) {
    const Status s = bank.init(filters.data(), n_mels);
    if (!s) error = s.message();
  }
  // --pad: as whisper's transcribe does, 30 s of silence after the audio, the first 3000 frames.
  PcmView pcm = audio.view();
  if (pad) pcm.trailing_zeros = kWindowSamples;
  const size_t frames = pad ? std::min(kWindowFrames, log_mel_frame_count(pcm)) : log_mel_frame_count(pcm);
  std::vector<float> mel(static_cast<size_t>(n_mels) * frames);
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));
  if (error.empty()) {
    const Status s = log_mel_spectrogram(bank, pcm, frames, scratch.data(), log_mel_scratch_bytes(), mel.data());
    if (!s) error = wav_path + ": " + s.message();
  }
  // Float samples far outside -1..1 overflow the power spectrum: say so rather than print inf.
  if (error.empty() && !std::all_of(mel.begin(), mel.end(), [](float v) { return std::isfinite(v); })) {
    error = wav_path + ": the log-mel is not finite (float samples far outside -1..1?)";
  }
  if (error.empty() && has_output) {
    error = convert::write_file_safely(
        output, std::string(reinterpret_cast<const char*>(mel.data()), mel.size() * sizeof(float)),
        {wav_path, ggml_path});
  }
  if (!error.empty()) {
    err << "xattn mel: " << error << '\n';
    return 1;
  }
  const auto range = std::minmax_element(mel.begin(), mel.end());
  double sum = 0;
  for (float v : mel) sum += v;
  out << wav_path << ": " << audio.samples() << " samples, " << n_mels << " mels x " << frames
      << " frames, min " << *range.first << ", max " << *range.second << ", mean " << sum / mel.size();
  if (!audio.converted_from.empty()) out << " (from " << audio.conversion_note() << ")";
  out << '\n';
  out.flush();
  if (!out) {
    err << "xattn mel: cannot write the summary (standard output)\n";
    return 1;
  }
  return 0;
}

}  // namespace posix
}  // namespace xattn
