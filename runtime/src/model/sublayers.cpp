#include "model/sublayers.h"

namespace xattn {

void feed_forward(Workspace& w, const LinearView& in_proj, const LinearView& out_proj, const float* in,
                  size_t rows, float* out) {
  const ModelConfig& c = w.model->config;
  apply_linear(*w.k, in_proj, in, rows, w.wide, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
  w.k->activation(c.activation, w.wide, rows * c.ffn_dim);
  apply_linear(*w.k, out_proj, w.wide, rows, out, w.quantized, w.quantized_scales, w.model->config.activation_rounding);
}

}  // namespace xattn
