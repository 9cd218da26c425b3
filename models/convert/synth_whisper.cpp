// Whisper's token layout for synthetic Whisper models (synth.h): what a
// converted Whisper carries besides its weights, so `xattn transcribe` and
// xattn_whisper_generate run on a `convert synth` model as on a real one.
#include "synth_whisper.h"

#include <cstdio>

#include "xattn/tensor_id.h"
#include "xattn/whisper.h"

namespace xattn {
namespace convert {
namespace {

// Small test vocabularies (not one of Whisper's sizes): 4 languages after
// two thirds of text tokens, the layout the shared random Whisper has.
constexpr uint32_t kTestLanguages = 4;

std::string token_name(const WhisperTokens& t, uint32_t id) {
  if (id == t.eot) return "<|endoftext|>";
  if (id == t.sot) return "<|startoftranscript|>";
  if (t.is_language_token(id)) return std::string("<|") + t.language_codes[id - t.first_language] + "|>";
  if (id == t.translate) return "<|translate|>";
  if (id == t.transcribe) return "<|transcribe|>";
  if (id == t.sot_lm) return "<|startoflm|>";
  if (id == t.sot_prev) return "<|startofprev|>";
  if (id == t.no_speech) return "<|nospeech|>";
  if (id == t.no_timestamps) return "<|notimestamps|>";
  char text[24];
  std::snprintf(text, sizeof text, "<|%.2f|>", 0.02 * (id - t.timestamp_begin));
  return text;
}

void put_u32(std::vector<uint8_t>* blob, uint32_t v) {
  for (int i = 0; i < 4; ++i) blob->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

std::string apply_whisper_layout(XattnModelContents* model) {
  ModelConfig& c = model->config;
  if (c.encoder_input != EncoderInput::kAudio) return "whisper layout: not an audio model";
  const uint32_t n_vocab = c.target_vocab_size;
  WhisperTokens t;
  Status s = whisper_tokens_for_vocab(n_vocab, &t);
  if (!s) s = whisper_tokens_at(n_vocab, n_vocab * 2 / 3, kTestLanguages, true, &t);
  if (!s) return std::string("whisper layout: ") + s.message();
  for (std::vector<std::string>* vocab : {&model->source_vocab, &model->target_vocab}) {
    if (vocab->size() != n_vocab) return "whisper layout: vocabularies of another size than the target's";
    for (uint32_t id = t.eot; id < n_vocab; ++id) (*vocab)[id] = token_name(t, id);
  }
  c.target_tokens.bos = t.sot;  // decoding starts from <|startoftranscript|>
  c.target_tokens.eos = t.eot;
  c.target_tokens.unk = t.eot;

  // FORMAT.md "whisper_ids": no suppressed tokens (synthetic text has no
  // blank or symbols), <|endoftext|> at the first step, the language tokens.
  HostTensor ids;
  ids.id = global_id(GlobalRole::kWhisperIds);
  ids.dtype = format::DType::kUInt8;
  ids.cols = 1;
  put_u32(&ids.blob, 0);
  put_u32(&ids.blob, 1);
  put_u32(&ids.blob, t.n_languages);
  put_u32(&ids.blob, t.eot);
  for (uint32_t i = 0; i < t.n_languages; ++i) put_u32(&ids.blob, t.language_token(i));
  ids.rows = static_cast<uint32_t>(ids.blob.size());
  c.whisper_ids_bytes = ids.rows;
  for (const HostTensor& existing : model->tensors)
    if (existing.id == ids.id) return "whisper layout: the model already has its whisper_ids";
  model->tensors.push_back(std::move(ids));
  return "";
}

}  // namespace convert
}  // namespace xattn
