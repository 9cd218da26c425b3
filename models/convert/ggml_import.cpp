#include "ggml_import.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

#include "model_tokenizer.h"
#include "xattn/config.h"
#include "xattn/tensor_id.h"
#include "xattn/whisper.h"

namespace xattn {
namespace convert {
namespace {

// Takes a ggml tensor's values (the tensor is emptied: a tiny model's
// weights are not held three times over).
std::vector<float> take(GgmlModel* m, const std::string& name) {
  for (GgmlTensor& t : m->tensors)
    if (t.name == name) return std::move(t.values);
  return {};  // check_whisper_tensors has made sure it exists
}

Ct2Variable float_variable(const std::string& name, std::vector<uint32_t> shape, const std::vector<float>& values) {
  Ct2Variable v;
  v.name = name;
  v.shape = std::move(shape);
  v.dtype = Ct2DType::kFloat32;
  v.data.resize(values.size() * 4);
  if (!values.empty()) std::memcpy(v.data.data(), values.data(), v.data.size());
  return v;
}

Ct2Variable int_scalar(const std::string& name, int32_t value) {
  Ct2Variable v;
  v.name = name;
  v.dtype = Ct2DType::kInt32;
  v.data.resize(4);
  std::memcpy(v.data.data(), &value, 4);
  return v;
}

// Builds the CTranslate2 Whisper variables (WhisperSpec, as
// ct2-transformers-converter writes them) from the OpenAI names.
class Renamer {
 public:
  Renamer(GgmlModel* m, Ct2Model* out) : m_(m), out_(out) {}

  void copy(const std::string& from, const std::string& to) {
    const GgmlTensor* t = m_->find(from);
    std::vector<uint32_t> shape;
    for (int64_t d : t->shape) shape.push_back(static_cast<uint32_t>(d));
    if (shape.size() == 2 && shape[1] == 1 && from.find(".conv") != std::string::npos) shape.pop_back();  // [n, 1] biases
    out_->variables.push_back(float_variable(to, shape, take(m_, from)));
  }

  // Rows of the named matrices (or vectors; "" = zeros, Whisper's missing
  // key bias) stacked into one variable.
  void fuse(const std::vector<std::string>& from, const std::string& to, uint32_t d, bool bias) {
    std::vector<float> values;
    for (const std::string& name : from) {
      if (name.empty()) {
        values.resize(values.size() + d, 0.0f);
        continue;
      }
      const std::vector<float> part = take(m_, name);
      values.insert(values.end(), part.begin(), part.end());
    }
    const uint32_t rows = static_cast<uint32_t>(from.size()) * d;
    out_->variables.push_back(float_variable(to, bias ? std::vector<uint32_t>{rows} : std::vector<uint32_t>{rows, d}, values));
  }

  void norm(const std::string& from, const std::string& to) {
    copy(from + ".weight", to + "/gamma");
    copy(from + ".bias", to + "/beta");
  }

  void linear(const std::string& from, const std::string& to) {
    copy(from + ".weight", to + "/weight");
    copy(from + ".bias", to + "/bias");
  }

  void block(const std::string& from, const std::string& to, uint32_t d, bool cross) {
    norm(from + ".attn_ln", to + "/self_attention/layer_norm");
    const std::string a = from + ".attn.";
    fuse({a + "query.weight", a + "key.weight", a + "value.weight"}, to + "/self_attention/linear_0/weight", d, false);
    fuse({a + "query.bias", "", a + "value.bias"}, to + "/self_attention/linear_0/bias", d, true);
    linear(a + "out", to + "/self_attention/linear_1");
    if (cross) {
      norm(from + ".cross_attn_ln", to + "/attention/layer_norm");
      const std::string c = from + ".cross_attn.";
      linear(c + "query", to + "/attention/linear_0");
      fuse({c + "key.weight", c + "value.weight"}, to + "/attention/linear_1/weight", d, false);
      fuse({"", c + "value.bias"}, to + "/attention/linear_1/bias", d, true);
      linear(c + "out", to + "/attention/linear_2");
    }
    norm(from + ".mlp_ln", to + "/ffn/layer_norm");
    linear(from + ".mlp.0", to + "/ffn/linear_0");
    linear(from + ".mlp.2", to + "/ffn/linear_1");
  }

 private:
  GgmlModel* m_;
  Ct2Model* out_;
};

std::string timestamp_name(uint32_t index) {
  char text[32];
  std::snprintf(text, sizeof text, "<|%.2f|>", static_cast<double>(index) * 0.02);
  return text;
}

// The model's tokens: the file's text tokens, then the special tokens as
// tokenizer.py names them. The tokenizer pieces: every non-empty text token,
// its id as its rank.
std::string make_vocabulary(const GgmlModel& m, Vocabulary* vocab, TokenizerSpec* spec) {
  const uint32_t n_vocab = static_cast<uint32_t>(m.hparams.n_vocab);
  WhisperTokens layout;
  const Status s = whisper_tokens_for_vocab(n_vocab, &layout);
  if (!s.is_ok())
    return "ggml: n_vocab " + std::to_string(n_vocab) +
           " is not a Whisper vocabulary (51864, 51865 or 51866 tokens); a Whisper trained with output tokens of its"
           " own: give them with --vocabulary FILE";
  if (m.vocabulary.size() != layout.eot)
    return "ggml: the file holds " + std::to_string(m.vocabulary.size()) + " text tokens, n_vocab " +
           std::to_string(n_vocab) + " needs " + std::to_string(layout.eot);
  *spec = TokenizerSpec{};
  spec->model = 3;  // byte-level BPE, ranks as tiktoken has them
  bool byte_seen[256] = {};
  for (uint32_t id = 0; id < layout.eot; ++id) {
    const std::string& bytes = m.vocabulary[id];
    std::string spelled;
    for (unsigned char c : bytes) spelled += gpt2_byte_spelling(c);
    // multilingual.tiktoken's rank 50256 is empty: no text makes it, but the
    // format wants every token non-empty.
    if (bytes.empty()) spelled = "<|empty_" + std::to_string(id) + "|>";
    vocab->tokens.push_back(spelled);
    if (bytes.empty()) continue;
    if (bytes.size() == 1) byte_seen[static_cast<unsigned char>(bytes[0])] = true;
    spec->pieces.push_back(TokenizerPiece{bytes, -static_cast<float>(id), 1});
  }
  for (int b = 0; b < 256; ++b)
    if (!byte_seen[b]) return "ggml: the vocabulary has no token for byte " + std::to_string(b) + " (not a byte-level BPE)";
  vocab->tokens.push_back("<|endoftext|>");
  vocab->tokens.push_back("<|startoftranscript|>");
  for (uint32_t i = 0; i < layout.n_languages; ++i)
    vocab->tokens.push_back(std::string("<|") + kWhisperLanguageCodes[i] + "|>");
  for (const char* name : {"<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                           "<|notimestamps|>"})
    vocab->tokens.push_back(name);
  for (uint32_t i = 0; vocab->tokens.size() < n_vocab; ++i) vocab->tokens.push_back(timestamp_name(i));
  return "";
}

// A vocabulary of the model's own: exactly n_vocab tokens, Whisper's two
// specials among them (decoding starts at one and ends at the other).
std::string own_vocabulary(const GgmlModel& m, const std::vector<std::string>& tokens, Vocabulary* vocab) {
  const size_t n_vocab = static_cast<size_t>(m.hparams.n_vocab);
  if (tokens.size() != n_vocab)
    return "--vocabulary has " + std::to_string(tokens.size()) + " tokens, the model's n_vocab is " +
           std::to_string(n_vocab);
  for (const char* special : {"<|endoftext|>", "<|startoftranscript|>"})
    if (std::find(tokens.begin(), tokens.end(), special) == tokens.end())
      return std::string("--vocabulary has no ") + special + " token (decoding starts and ends with Whisper's specials)";
  return convert::make_vocabulary(tokens, "<|endoftext|>", "--vocabulary", vocab);
}

HostTensor* find_tensor(ImportResult* r, GlobalRole role) {
  for (HostTensor& t : r->model.tensors)
    if (t.id == global_id(role)) return &t;
  return nullptr;
}

}  // namespace

std::string import_ggml_model(GgmlModel model, WeightType weights, ImportResult* out,
                              const std::vector<std::string>* own_tokens) {
  const GgmlHparams& h = model.hparams;
  // Before check_whisper_tensors lists every layer's tensor names (read_hparams
  // refuses such a file already; a GgmlModel made in memory comes here too).
  if (h.n_audio_layer > static_cast<int32_t>(kMaxLayers) || h.n_text_layer > static_cast<int32_t>(kMaxLayers))
    return "ggml: more than " + std::to_string(kMaxLayers) + " layers";
  std::string error = check_whisper_tensors(model);
  if (!error.empty()) return error;
  if (h.n_audio_state != h.n_text_state)
    return "ggml: n_audio_state " + std::to_string(h.n_audio_state) + " and n_text_state " +
           std::to_string(h.n_text_state) + " differ; xattn has one d_model";
  if (h.n_audio_head != h.n_text_head)
    return "ggml: n_audio_head " + std::to_string(h.n_audio_head) + " and n_text_head " +
           std::to_string(h.n_text_head) + " differ; xattn has one head count";
  Vocabulary vocab;
  TokenizerSpec tokenizer;
  error = own_tokens ? own_vocabulary(model, *own_tokens, &vocab) : make_vocabulary(model, &vocab, &tokenizer);
  if (!error.empty()) return error;

  Ct2Model ct2;
  ct2.binary_version = 6;  // activations rounded to nearest, as recent CTranslate2 files
  ct2.spec = "WhisperSpec";
  ct2.spec_revision = 3;
  const uint32_t d = static_cast<uint32_t>(h.n_text_state);
  Renamer r(&model, &ct2);
  r.copy("encoder.conv1.weight", "encoder/conv1/weight");
  r.copy("encoder.conv1.bias", "encoder/conv1/bias");
  r.copy("encoder.conv2.weight", "encoder/conv2/weight");
  r.copy("encoder.conv2.bias", "encoder/conv2/bias");
  r.copy("encoder.positional_embedding", "encoder/position_encodings/encodings");
  for (int32_t i = 0; i < h.n_audio_layer; ++i)
    r.block("encoder.blocks." + std::to_string(i), "encoder/layer_" + std::to_string(i), d, false);
  r.norm("encoder.ln_post", "encoder/layer_norm");
  r.copy("decoder.token_embedding.weight", "decoder/embeddings/weight");
  r.copy("decoder.positional_embedding", "decoder/position_encodings/encodings");
  for (int32_t i = 0; i < h.n_text_layer; ++i)
    r.block("decoder.blocks." + std::to_string(i), "decoder/layer_" + std::to_string(i), d, true);
  r.norm("decoder.ln", "decoder/layer_norm");
  ct2.aliases.push_back({"decoder/projection/weight", "decoder/embeddings/weight"});
  // model.py: pre-norm blocks, nn.GELU (erf), unscaled token embeddings.
  for (const char* stack : {"encoder", "decoder"}) ct2.variables.push_back(int_scalar(std::string(stack) + "/num_heads", h.n_text_head));
  ct2.variables.push_back(int_scalar("decoder/pre_norm", 1));
  ct2.variables.push_back(int_scalar("decoder/activation", 3));
  ct2.variables.push_back(int_scalar("decoder/scale_embeddings", 0));
  ct2.variables.push_back(int_scalar("decoder/alignment_layer", -1));
  ct2.variables.push_back(int_scalar("decoder/alignment_heads", 1));

  Ct2Options options;
  options.unk_token = options.eos_token = "<|endoftext|>";
  options.bos_token = options.decoder_start_token = "<|startoftranscript|>";
  ImportResult result;
  error = import_ct2_model(ct2, vocab, vocab, options, weights, &result);
  if (!error.empty()) return "ggml: " + error;

  // The file's own filter bank, not the one the CTranslate2 path computes.
  HostTensor* filters = find_tensor(&result, GlobalRole::kMelFilters);
  if (filters == nullptr || filters->rows != model.mel_rows || filters->cols != model.mel_cols)
    return "ggml: the mel filter bank does not fit the conv stem";
  filters->values = model.mel_filters;
  if (own_tokens) {  // no tokenizer: the text mode joins the tokens
    *out = std::move(result);
    return "";
  }

  std::vector<uint8_t> blob;
  error = build_model_tokenizer(tokenizer, result.model.target_vocab, "target", &blob);
  if (!error.empty()) return "ggml: " + error;
  ModelConfig& c = result.model.config;
  c.has_tokenizer = true;
  c.tokenizer_bytes = static_cast<uint32_t>(blob.size());
  HostTensor t;
  t.id = global_id(GlobalRole::kTokenizer);
  t.dtype = format::DType::kUInt8;
  t.rows = static_cast<uint32_t>(blob.size());
  t.cols = 1;
  t.blob = std::move(blob);
  result.model.tensors.push_back(std::move(t));
  *out = std::move(result);
  return "";
}

std::string import_ggml_file(const std::string& path, WeightType weights, ImportResult* out,
                             const std::string& vocabulary) {
  std::vector<std::string> own;
  if (!vocabulary.empty()) {
    const std::string error = read_vocabulary_tokens(vocabulary, &own);
    if (!error.empty()) return error;
  }
  GgmlModel model;
  std::string error = read_ggml_file(path, &model);
  if (error.empty()) error = import_ggml_model(std::move(model), weights, out, vocabulary.empty() ? nullptr : &own);
  return error.empty() || error.rfind(path, 0) == 0 ? error : path + ": " + error;
}

}  // namespace convert
}  // namespace xattn
