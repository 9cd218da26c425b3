// A matrix stored once for the token embeddings and the output projection
// (tied weights: T5, BART, mBART, Marian, M2M100, Whisper) is written in the
// output kernel's packed layout; the embeddings then gather their rows from
// it. Results must be those of the same model written row-major: the same
// tokens, and for int8 the same score bits, on every kernel path.
#include <doctest/doctest.h>

#ifdef XATTN_HAVE_CONVERT

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "model_test_support.h"
#include "xattn/session.h"

namespace xattn {
namespace {

using model_test::Bytes;
using xattn_test::AlignedBytes;

// The synthetic model with its output projection and target embedding tied
// to the source embedding (all [10 x d_model]).
convert::XattnModelContents tied(bool int8, bool pack) {
  model_test::SyntheticOptions o;
  o.int8 = int8;
  o.pack_weights = pack;
  o.d_model = 80;  // rows gathered in a chunk of 64 columns, then one of 16
  convert::XattnModelContents m = model_test::synthetic_contents(o);
  const convert::HostTensor* source = nullptr;
  for (const convert::HostTensor& t : m.tensors) {
    if (t.id == global_id(GlobalRole::kSourceEmbedding)) source = &t;
  }
  REQUIRE(source != nullptr);
  const convert::HostTensor copy = *source;
  for (convert::HostTensor& t : m.tensors) {
    if (t.id == global_id(GlobalRole::kTargetEmbedding) || t.id == global_id(GlobalRole::kOutputWeight)) {
      REQUIRE(t.rows == copy.rows);
      t.values = copy.values;
      t.q = copy.q;
      t.scales = copy.scales;
      t.dtype = copy.dtype;
      t.shares = copy.id;
    }
  }
  return m;
}

struct Run {
  std::vector<uint32_t> tokens;
  std::vector<float> scores;
};

Run run(const Bytes& file, const kernels::KernelTable& table, uint8_t* layout) {
  AlignedBytes bytes(file);
  std::unique_ptr<ModelView> view = model_test::new_view();
  REQUIRE(open_model(bytes.data(), bytes.size(), view.get()));
  *layout = view->output.weight.layout;
  CHECK(view->source_embedding.data == view->output.weight.data);
  Limits l;
  l.max_source_length = 8;
  l.max_target_length = 10;
  l.max_beam = 2;
  const size_t need = arena_bytes(view->config, l);
  AlignedBytes arena(Bytes(need, 0));
  Session s;
  REQUIRE(s.init_with_kernels(*view, l, arena.data(), need, table));
  Run r;
  const uint32_t sources[][4] = {{5, 4, 8, 2}, {9, 9, 6, 2}, {7, 2, 0, 0}};
  for (const uint32_t* source : sources) {
    REQUIRE(s.encode(source, 4));
    for (uint32_t beam : {1u, 2u}) {
      GenerateOptions o;
      o.beam_size = beam;
      o.num_hypotheses = beam;
      o.min_length = 3;
      Result result;
      REQUIRE(s.generate(o, &result));
      for (uint32_t i = 0; i < result.count; ++i) {
        const Hypothesis& h = result.hypotheses[i];
        r.tokens.insert(r.tokens.end(), h.tokens, h.tokens + h.length);
        r.tokens.push_back(~0u);
        r.scores.push_back(h.score);
      }
    }
  }
  return r;
}

}  // namespace

TEST_CASE("shared embedding layout: packed once for the output, rows gathered, results as row-major") {
  const kernels::KernelTable* tables[8];
  const size_t n = kernels::available_kernels(tables, 8);
  for (bool int8 : {true, false}) {
    const Bytes packed = model_test::write_model(tied(int8, true));
    const Bytes row_major = model_test::write_model(tied(int8, false));
    for (size_t i = 0; i < n; ++i) {
      CAPTURE(int8);
      CAPTURE(tables[i]->name);
      uint8_t packed_layout = 0, row_major_layout = 0;
      const Run a = run(packed, *tables[i], &packed_layout);
      const Run b = run(row_major, *tables[i], &row_major_layout);
      CHECK(packed_layout == (int8 ? format::kLayoutPacked16x4 : format::kLayoutPacked16x1));
      CHECK(row_major_layout == format::kLayoutRowMajor);
      REQUIRE(a.tokens.size() > 10);
      CHECK(a.tokens == b.tokens);
      REQUIRE(a.scores.size() == b.scores.size());
      for (size_t k = 0; k < a.scores.size(); ++k) {
        if (int8) {
          CHECK(std::memcmp(&a.scores[k], &b.scores[k], sizeof(float)) == 0);
        } else {
          CHECK(std::fabs(a.scores[k] - b.scores[k]) <= 1e-5f * std::fabs(b.scores[k]) + 1e-6f);
        }
      }
    }
  }
}

}  // namespace xattn

#endif  // XATTN_HAVE_CONVERT
