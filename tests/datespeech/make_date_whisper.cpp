// Writes two tiny Whispers with a date vocabulary of their own, for
// cli_no_date.sh: synth_test_whisper's shapes (80 mel bins, 8 encoder and 16
// decoder positions), the tokens '0'-'9', '-', <|endoftext|>,
// <|startoftranscript|> and the weekdays, plus <|nodate|> in nodate.xattn
// (id 20) and not in dated.xattn. Their answer is fixed by construction,
// not by training: the decoder's final norm has a gain of 0 and an offset
// of one unit vector, so at every step the logits are one column of the
// token embedding, set here to 20 for <|nodate|>, 20.1 for the end and 0
// for every other token. Under the date rule nodate.xattn then answers
// <|nodate|> (probability 1, less e^-20 per other token: the end is not
// allowed at the first step) and the end (1 / (1 + e^-0.1), 0.525), a
// confidence of 0.72, whatever it hears; dated.xattn has to answer a date.
// usage: make_date_whisper DIR
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "synth.h"
#include "xattn/tensor_id.h"
#include "xattn_writer.h"

namespace {

using xattn::GlobalRole;
using xattn::global_id;
using xattn::convert::HostTensor;
using xattn::convert::XattnModelContents;

constexpr uint32_t kEnd = 11;
constexpr float kNoDateLogit = 20.0f, kEndLogit = 20.1f;

std::string write_model(const std::string& path, bool no_date) {
  XattnModelContents m;
  std::string error = xattn::convert::synth_test_whisper(xattn::convert::WeightType::kFloat32, 1, &m);
  if (!error.empty()) return error;
  std::vector<std::string> vocab = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "<|endoftext|>",
                                    "<|startoftranscript|>", "<|monday|>", "<|tuesday|>", "<|wednesday|>",
                                    "<|thursday|>", "<|friday|>", "<|saturday|>", "<|sunday|>"};
  if (no_date) vocab.push_back("<|nodate|>");
  const uint32_t n = static_cast<uint32_t>(vocab.size());
  xattn::ModelConfig& c = m.config;
  c.source_vocab_size = c.target_vocab_size = n;
  m.source_vocab = m.target_vocab = vocab;
  c.target_tokens = xattn::SpecialTokens{kEnd, 12, kEnd, kEnd};  // pad, bos <|startoftranscript|>, eos, unk
  c.text_mode = xattn::TextMode::kCharacters;  // as `convert ggml --vocabulary` makes models/datespeech
  c.whisper_ids_bytes = 0;                      // Whisper's languages and suppress lists are not its own
  std::vector<HostTensor> kept;
  for (HostTensor& t : m.tensors)
    if (t.id != global_id(GlobalRole::kWhisperIds)) kept.push_back(std::move(t));
  m.tensors = std::move(kept);
  const uint32_t d = c.d_model;
  std::vector<float> embedding;
  for (HostTensor& t : m.tensors) {
    if (t.id == global_id(GlobalRole::kTargetEmbedding)) {
      t.rows = n;
      t.values.resize(size_t{n} * d);
      for (uint32_t token = 0; token < n; ++token)
        t.values[size_t{token} * d] = token == kEnd ? kEndLogit : no_date && token == n - 1 ? kNoDateLogit : 0.0f;
      embedding = t.values;
    }
    if (t.id == global_id(GlobalRole::kDecoderNormGamma))
      for (float& v : t.values) v = 0.0f;
    if (t.id == global_id(GlobalRole::kDecoderNormBeta))
      for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = i == 0 ? 1.0f : 0.0f;
  }
  for (HostTensor& t : m.tensors) {
    if (t.id == global_id(GlobalRole::kOutputWeight)) {  // the embedding, shared
      t.rows = n;
      t.values = embedding;
    }
  }
  std::vector<uint8_t> bytes;
  error = xattn::convert::write_xattn_model(m, &bytes);
  if (!error.empty()) return error;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out ? "" : path + ": cannot write";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_date_whisper DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (bool no_date : {true, false}) {
    const std::string path = dir + (no_date ? "/nodate.xattn" : "/dated.xattn");
    const std::string error = write_model(path, no_date);
    if (!error.empty()) {
      std::fprintf(stderr, "make_date_whisper: %s: %s\n", path.c_str(), error.c_str());
      return 1;
    }
  }
  return 0;
}
