// What a CTranslate2 model says about itself besides its weights: the
// optional config.json (special tokens, layer norm epsilon) and the scalar
// "config variables" inside model.bin (num_heads, pre_norm, activation,
// alignment_layer, ...; top-level in spec revisions 3-4, under encoder/ and
// decoder/ in later ones). Older files have neither: then the spec name
// decides (TransformerBase: 8 heads, TransformerBig: 16) and the rest takes
// CTranslate2's defaults.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xattn/config.h"

namespace xattn {
namespace convert {

struct Ct2Options {
  std::string unk_token = "<unk>";
  std::string bos_token = "<s>";
  std::string eos_token = "</s>";
  std::string decoder_start_token = "<s>";
  float layer_norm_epsilon = 1e-5f;
  bool layer_norm_epsilon_set = false;  // config.json gives it (else 1e-5 for LayerNorm, 1e-6 for RMSNorm)
  bool decoder_start_is_null = false;   // decoder_start_token null: the first target-prefix token starts (mBART cc25)
  // Whisper's token lists (WhisperLoader.set_config); has_whisper_ids when
  // config.json names any of them.
  std::vector<uint32_t> suppress_ids, suppress_ids_begin, lang_ids;
  bool has_whisper_ids = false;
};

// Reads DIR/config.json when it exists (its absence is not an error).
std::string read_ct2_options(const std::string& dir, Ct2Options* out);

// True for the names of scalar config variables this converter understands.
bool is_ct2_config_scalar(const std::string& name);

struct Ct2Architecture {
  uint32_t num_heads = 0;
  NormPlacement norm = NormPlacement::kPreNorm;
  Activation activation = Activation::kRelu;
  int alignment_layer = -1;   // negative counts from the last decoder layer
  int alignment_heads = 1;    // CTranslate2 averages this many heads (0 = all) for alignments
  bool scale_embeddings = true;
  bool target_starts_with_eos = false;  // with_target_bos = 0
};

// "" or a one-line error naming a variable that selects a feature xattn
// does not run (rotary embeddings, multi-query attention, head_dim, Shaw
// relative positions, q/k/v norms, ...: tests/families/SEMANTICS.md section 8).
std::string refuse_ct2_variable(const std::string& name);

// Interprets the scalars (name -> value) given the spec name; "" or an error
// naming the variable whose value xattn cannot run.
std::string interpret_ct2_scalars(const std::map<std::string, double>& scalars, const std::string& spec,
                                  Ct2Architecture* out);

}  // namespace convert
}  // namespace xattn
