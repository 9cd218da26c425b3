#include "model/sublayers.h"

namespace xattn {

void feed_forward(Workspace& w, const LinearView& in_proj, const LinearView& out_proj, const float* in,
                  size_t rows, float* out) {
  const ModelConfig& c = w.model->config;
  w.linear(in_proj, in, rows, w.wide);
  if (c.ffn_gated) {
    // Row r's 2F outputs become its F inner values at w.wide + r * F: the
    // write never passes the read, so it works in place.
    const size_t f = c.ffn_dim;
    for (size_t r = 0; r < rows; ++r) {
      float* gate = w.wide + r * 2 * f;
      w.kernels->activation(c.activation, gate, f);
      float* inner = w.wide + r * f;
      for (size_t i = 0; i < f; ++i) inner[i] = gate[i] * gate[f + i];
    }
  } else {
    w.kernels->activation(c.activation, w.wide, rows * c.ffn_dim);
  }
  w.linear(out_proj, w.wide, rows, out);
}

}  // namespace xattn
