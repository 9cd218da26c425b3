// What distinguishes the Hugging Face families CTranslate2 converts (T5,
// BART, mBART, Marian, M2M100/NLLB) in its model.bin, turned into xattn
// config fields and tensors: norm kind, final and embedding norms, stored
// positions or T5's relative bias, queries scale, gated FFN, absent biases,
// the T5 output scale folded into the final norm, start modes, and tensors
// stored once when CTranslate2 aliased them (tests/families/SEMANTICS.md).
#pragma once

#include <map>
#include <string>

#include "ct2_config.h"
#include "ct2_model.h"
#include "host_tensor.h"
#include "xattn/config.h"

namespace xattn {
namespace convert {

// The family scalars (per attention queries_scale, relative max distance,
// scale_outputs): true for the names handled here.
bool is_ct2_family_scalar(const std::string& name);

// The role of a per-layer variable the tensor table does not name directly:
// layer 0's relative bias table (-> the stack's global table), a later
// layer's (ignored: CTranslate2 reads layer 0's in every layer, whatever it holds)
// and the gate of a gated FFN (appended to ffn/linear_0). "" or an error.
enum class FamilyRole { kNone, kRelativeBias, kIgnoredRelativeBias, kGate };
FamilyRole family_role(const std::string& name, uint32_t* id);

// Fills the family fields of `c` (layers, d_model, heads, ffn_dim already
// set) from the tensors present and the scalars, and adjusts the tensors
// (gates appended, output scale folded). Returns "" or a one-line error.
std::string apply_family(const std::map<std::string, double>& scalars, const std::map<std::string, bool>& float_scalars,
                         const Ct2Options& options, std::map<uint32_t, HostTensor>* tensors,
                         std::map<uint32_t, HostTensor>* gates, ModelConfig* c);

}  // namespace convert
}  // namespace xattn
