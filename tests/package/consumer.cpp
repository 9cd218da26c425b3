// consumer_cpp: the C++ API from an installed xattn (planner and status only;
// consumer_c runs a model).
#include <cstdio>

#include "xattn/xattn.hpp"

int main() {
  xattn::ModelConfig config;
  config.encoder_layers = config.decoder_layers = 6;
  config.d_model = 32;
  config.num_heads = 8;
  config.ffn_dim = 128;
  config.source_vocab_size = config.target_vocab_size = 52;
  constexpr xattn::Limits limits;
  const xattn::Status bad = xattn::Status::error(xattn::StatusCode::kBadModel).add("consumer");
  std::printf("arena %zu bytes; %s\n", xattn::arena_bytes(config, limits), bad.message());
  return bad.is_ok() ? 1 : 0;
}
