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
    w.kernels->layer_norm(w.x, rows, c.d_model, norm.gamma, norm.beta, c.layer_norm_epsilon, w.normed);
    f(w.normed, w.normed);
  } else {
    f(w.x, w.normed);
  }
  w.kernels->add(w.x, w.normed, n);
  if (c.norm == NormPlacement::kPostNorm) {
    w.kernels->layer_norm(w.x, rows, c.d_model, norm.gamma, norm.beta, c.layer_norm_epsilon, w.x);
  }
}

// out = W2 . act(W1 . in + b1) + b2, through w.wide.
void feed_forward(Workspace& w, const LinearView& in_proj, const LinearView& out_proj, const float* in,
                  size_t rows, float* out);

}  // namespace xattn
