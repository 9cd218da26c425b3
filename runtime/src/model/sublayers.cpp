#include "model/sublayers.h"

namespace xattn {

void feed_forward(Workspace& w, const LinearView& in_proj, const LinearView& out_proj, const float* in,
                  size_t rows, float* out) {
  const ModelConfig& c = w.model->config;
  w.linear(in_proj, in, rows, w.wide);
  w.kernels->activation(c.activation, w.wide, rows * c.ffn_dim);
  w.linear(out_proj, w.wide, rows, out);
}

}  // namespace xattn
