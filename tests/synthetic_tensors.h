// The parts of the small synthetic test models that the doctest suite
// (model_test_support.h) and the fuzz targets (fuzz/fuzz_support.h) share:
// 10-token vocabularies whose ids are not in sorted order (so a vocabulary's
// sorted index is a real permutation), and random but deterministic values
// for every tensor a config requires. Doctest-free, like the fuzz targets.
#pragma once

#include <cstdint>
#include <random>
#include <utility>

#include "tensor_layout.h"
#include "xattn_writer.h"

namespace xattn_test {

inline void set_test_vocabularies(xattn::convert::XattnModelContents* m) {
  m->source_vocab = {"<pad>", "<s>", "</s>", "<unk>", "b", "a", "d", "c", "ab", "\xc3\xa9"};
  m->target_vocab = {"<pad>", "<s>", "</s>", "zz", "x", "y", "z", "xy", "yz", "<unk>"};
}

// Values in [-0.5, 0.5); with int8, every matrix that may be int8 gets
// values in [-127, 127] and per-row scales in [1, 100).
inline void add_random_tensors(xattn::convert::XattnModelContents* m, bool int8, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-0.5f, 0.5f), scale(1.0f, 100.0f);
  std::uniform_int_distribution<int> q(-127, 127);
  for (const xattn::convert::ExpectedTensor& e : xattn::convert::expected_tensors(m->config)) {
    xattn::convert::HostTensor t;
    t.id = e.id;
    t.rows = e.rows;
    t.cols = e.cols;
    const size_t n = size_t(e.rows) * e.cols;
    if (int8 && e.may_be_int8) {
      t.dtype = xattn::format::DType::kInt8;
      for (size_t i = 0; i < n; ++i) t.q.push_back(static_cast<int8_t>(q(rng)));
      for (uint32_t r = 0; r < e.rows; ++r) t.scales.push_back(scale(rng));
    } else {
      for (size_t i = 0; i < n; ++i) t.values.push_back(value(rng));
    }
    m->tensors.push_back(std::move(t));
  }
}

}  // namespace xattn_test
