#include "model/sublayers.h"

namespace xattn {

void ffn_activation(const Workspace& w, float* hidden, size_t rows) {
  const ModelConfig& c = w.model->config;
  const size_t f = c.ffn_dim;
  if (!c.ffn_gated) return w.kernels->activation(c.activation, hidden, rows * f);
  // Row r's 2F outputs become its F inner values at hidden + r * F: the
  // write never passes the read, so it works in place.
  for (size_t r = 0; r < rows; ++r) {
    float* gate = hidden + r * 2 * f;
    w.kernels->activation(c.activation, gate, f);
    float* inner = hidden + r * f;
    for (size_t i = 0; i < f; ++i) inner[i] = gate[i] * gate[f + i];
  }
}

void feed_forward(Workspace& w, const LinearView& in_proj, const LinearView& out_proj, const float* in,
                  size_t rows, float* out) {
  w.linear(in_proj, in, rows, w.wide);
  ffn_activation(w, w.wide, rows);
  w.linear(out_proj, w.wide, rows, out);
}

}  // namespace xattn
