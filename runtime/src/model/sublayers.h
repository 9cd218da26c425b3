// The pieces encoder and decoder layers share: the residual wrapper (pre- or
// post-norm) and the feed-forward block.
#pragma once

#include <cstddef>

#include "model/workspace.h"
#include "nn/linear.h"

namespace xattn {

// x = x + f(LayerNorm(x)) for pre-norm, x = LayerNorm(x + f(x)) for post-norm,
// over `rows` rows of w.x. f(in, out) must read `in` completely before it
// writes `out`: the two may be the same buffer (w.normed). Sublayers use
// w.wide, w.context, w.query and w.probs as scratch.
template <class Sublayer>
void residual_block(Workspace& w, const NormView& norm, size_t rows, Sublayer f) {
  const ModelConfig& c = w.model->config;
  const size_t n = rows * c.d_model;
  if (c.norm == NormPlacement::kPreNorm) {
    w.norm(w.x, rows, c.d_model, norm.gamma, norm.beta, c.layer_norm_epsilon, w.normed);
    f(w.normed, w.normed);
  } else {
    f(w.x, w.normed);
  }
  w.kernels->add(w.x, w.normed, n);
  if (c.norm == NormPlacement::kPostNorm) {
    w.norm(w.x, rows, c.d_model, norm.gamma, norm.beta, c.layer_norm_epsilon, w.x);
  }
}

// The stack's embedding front end after the rows of w.x hold embedding *
// scale + position: layernorm_embedding when the model has it (BART, mBART).
inline void embedding_norm(Workspace& w, const NormView& norm, bool present, size_t rows) {
  if (present) w.norm(w.x, rows, w.model->config.d_model, norm.gamma, norm.beta, w.model->config.layer_norm_epsilon, w.x);
}

// The stack's final norm, into `out` (may be w.x), when the model has one;
// returns the rows to read next.
inline const float* final_norm(Workspace& w, const NormView& norm, bool present, size_t rows, float* out) {
  if (!present) return w.x;
  w.norm(w.x, rows, w.model->config.d_model, norm.gamma, norm.beta, w.model->config.layer_norm_epsilon, out);
  return out;
}

// The feed-forward's activation over `rows` rows of W1's outputs at hidden
// (rows of ffn_in_rows()), in place, leaving rows of F inner values there;
// gated (T5 v1.1): act(first F) * second F.
void ffn_activation(const Workspace& w, float* hidden, size_t rows);

// out = W2 . act(W1 . in + b1) + b2, through w.wide; gated (T5 v1.1):
// W1 holds 2F rows and the inner value is act(first F) * second F.
void feed_forward(Workspace& w, const LinearView& in_proj, const LinearView& out_proj, const float* in,
                  size_t rows, float* out);

}  // namespace xattn
