// Greedy and beam search, following CTranslate2 4.x step for step:
// constraints on the logits, log-softmax, prefix forcing (prefix tokens score
// 0), candidates, finishing, and length normalization at the end.
#include "search/search.h"

#include <cstring>
#include <limits>

#include "model/decoder.h"
#include "search/constraints.h"
#include "search/hypotheses.h"

namespace xattn {
namespace {

struct Plan {
  uint32_t start = 0;  // the first decoder input
  uint32_t end = 0;
  uint32_t max_length = 0;
  uint32_t prefix_length = 0;
  bool alignment = false;
  uint32_t alignment_layer = 0;
};

// Whether a row of logits is free of NaN and infinity (disabled tokens are
// the lowest float, still finite). A non-finite logit means the weights
// overflowed; left alone it would turn the row's log-softmax into NaN.
bool all_finite(const float* logits, size_t n) {
  uint32_t special = 0;  // an exponent of all ones: infinity or NaN
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, logits + i, sizeof bits);
    special |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return special == 0;
}

// A hook may mask with -infinity; the kernels' log-softmax and the beam
// sums expect finite values, so those become the lowest float (CTranslate2's mask).
void lowest_for_infinity(float* logits, size_t n) {
  const float lowest = std::numeric_limits<float>::lowest();
  for (size_t i = 0; i < n; ++i)
    if (logits[i] < lowest) logits[i] = lowest;
}

// Scores a step's rows: constraints, then log-softmax, in place (a hook
// with on_log_probs masks after it). A row the constraints disable entirely
// keeps the disabled value everywhere (a log-softmax would make it uniform):
// whatever continues it scores at or below kDisabledScore and is dropped from
// the results. False: a logit is not finite (the weights overflow), and
// nothing is scored.
bool score_rows(Workspace& w, const GenerateOptions& o, const Plan& p, const Hypotheses& h, int buffer,
                size_t rows, size_t step) {
  const size_t vocab = w.model->config.target_vocab_size;
  if (!all_finite(w.logits, rows * vocab)) return false;
  const bool hook = o.logit_hook.apply != nullptr && step >= p.prefix_length;
  const bool hook_on_logits = hook && !o.logit_hook.on_log_probs;
  const bool hook_on_log_probs = hook && o.logit_hook.on_log_probs;
  for (size_t b = 0; b < rows; ++b) {
    float* logits = w.logits + b * vocab;
    const uint32_t* history = h.tokens(buffer, b);
    const auto apply_hook = [&] {
      o.logit_hook.apply(o.logit_hook.context, history + p.prefix_length, step - p.prefix_length, logits);
      lowest_for_infinity(logits, vocab);
    };
    bool disabled = disable_tokens(logits, o, p.end, step, history, step);
    if (hook_on_logits) {
      apply_hook();
      disabled = true;
    }
    if (disabled && !any_allowed(logits, vocab)) continue;
    w.kernels->log_softmax(logits, vocab);
    // Disabled entries exactly kDisabledScore again, whatever the row's range
    // (a hook's masks on the logits stay as the log-softmax left them).
    if (disabled && !hook_on_logits) disable_tokens(logits, o, p.end, step, history, step);
    if (hook_on_log_probs) apply_hook();
  }
  return true;
}

Status not_finite(size_t step) {
  return Status::error(StatusCode::kBadModel).add("generate: the model's scores are not finite (NaN or infinity) at step ")
      .add(static_cast<uint64_t>(step)).add(": its weights overflow");
}

void append_alignment(const Workspace& w, Hypotheses& h, int buffer, size_t beam, size_t from_row, size_t step) {
  if (!h.alignment) return;
  std::memcpy(h.align_rows(buffer, beam) + step * h.source_length, w.step_alignment + from_row * h.source_length,
              h.source_length * sizeof(float));
}

Status greedy(Workspace& w, const GenerateOptions& o, const Plan& p, Hypotheses& h) {
  uint32_t input = p.start;
  uint32_t* tokens = h.tokens(0, 0);
  float score = 0.0f;
  for (size_t step = 0; step < p.max_length; ++step) {
    decoder_step(w, &input, 1, step, p.alignment, p.alignment_layer);
    if (!score_rows(w, o, p, h, 0, 1, step)) return not_finite(step);
    uint32_t token;
    float step_score = 0.0f;
    if (step < p.prefix_length) {
      token = o.prefix.ids[step];
    } else {
      w.kernels->top_k(w.logits, w.model->config.target_vocab_size, 1, &step_score, &token);
    }
    tokens[step] = token;
    append_alignment(w, h, 0, 0, 0, step);
    score += step_score;
    const bool ended = token == p.end && step >= p.prefix_length;
    if (ended || step + 1 == p.max_length) {
      h.finish(0, 0, step + 1, score);
      return Status::ok();
    }
    input = token;
  }
  return Status::ok();
}

Status beam_search(Workspace& w, const GenerateOptions& o, const Plan& p, Hypotheses& h) {
  const size_t beam = o.beam_size;
  const size_t candidates = 2 * beam;
  const size_t vocab = w.model->config.target_vocab_size;
  const bool early_exit = o.length_penalty == 0.0f;
  uint32_t inputs[kMaxBeam];
  uint32_t parents[kMaxBeam];
  uint32_t chosen[kMaxBeam];
  inputs[0] = p.start;
  size_t rows = 1;  // step 0 runs on the single start hypothesis
  int cur = 0;
  bool top_finished = false;
  for (size_t step = 0; step < p.max_length; ++step) {
    decoder_step(w, inputs, rows, step, p.alignment, p.alignment_layer);
    if (!score_rows(w, o, p, h, cur, rows, step)) return not_finite(step);
    if (step > 0) {
      for (size_t b = 0; b < rows; ++b) {
        float* row = w.logits + b * vocab;
        const float base = h.alive_scores[cur][b];
        for (size_t v = 0; v < vocab; ++v) row[v] += base;
      }
    }
    float* scores = h.candidate_scores;
    uint32_t* ids = h.candidate_ids;
    w.kernels->top_k(w.logits, rows * vocab, candidates, scores, ids);
    if (step < p.prefix_length) {
      // Forced: every candidate is the prefix token from beam 0; only the first counts.
      for (size_t k = 0; k < candidates; ++k) {
        ids[k] = o.prefix.ids[step];
        scores[k] = k == 0 ? 0.0f : -1e10f;
      }
    } else if (step == p.prefix_length && p.prefix_length > 0) {
      for (size_t k = 1; k < candidates; ++k) {
        if (ids[k] % vocab == p.end) {
          ids[k] = (ids[k] / vocab) * vocab;  // token 0 of the same beam
          scores[k] = -1e10f;
        }
      }
    }
    const int next = 1 - cur;
    const bool last = step + 1 == p.max_length;
    size_t secondary = beam;
    for (size_t k = 0; k < beam; ++k) {
      size_t pick = k;
      const uint32_t token = ids[k] % vocab;
      if ((token == p.end && step >= p.prefix_length) || last) {
        if (k == 0) top_finished = true;
        // Build the finished hypothesis in the next buffer's slot k first.
        const size_t origin = ids[k] / vocab;
        std::memcpy(h.tokens(next, k), h.tokens(cur, origin), step * sizeof(uint32_t));
        h.tokens(next, k)[step] = token;
        if (h.alignment) {
          std::memcpy(h.align_rows(next, k), h.align_rows(cur, origin), step * h.source_length * sizeof(float));
          append_alignment(w, h, next, k, origin, step);
        }
        h.finish(next, k, step + 1, scores[k]);
        // Its slot goes to the next candidate beyond the beam that does not end.
        for (size_t j = secondary; j < candidates; ++j) {
          if (ids[j] % vocab != p.end) {
            pick = j;
            secondary = j + 1;
            break;
          }
        }
      }
      chosen[k] = static_cast<uint32_t>(pick);
    }
    const bool done = last || (early_exit && top_finished && h.finished_count >= o.num_hypotheses) ||
                      h.finished_count >= beam;
    if (done) return Status::ok();
    for (size_t k = 0; k < beam; ++k) {
      const uint32_t c = chosen[k];
      const size_t origin = ids[c] / vocab;
      parents[k] = static_cast<uint32_t>(origin);
      inputs[k] = ids[c] % vocab;
      std::memcpy(h.tokens(next, k), h.tokens(cur, origin), step * sizeof(uint32_t));
      h.tokens(next, k)[step] = inputs[k];
      h.alive_scores[next][k] = scores[c];
      if (h.alignment) {
        std::memcpy(h.align_rows(next, k), h.align_rows(cur, origin), step * h.source_length * sizeof(float));
        append_alignment(w, h, next, k, origin, step);
      }
    }
    reorder_self_cache(w, parents, beam, rows, step);
    rows = beam;
    cur = next;
  }
  return Status::ok();
}

// CTranslate2 returns the target prefix for an empty source, without decoding.
void empty_source(const GenerateOptions& o, const Plan& p, Hypotheses& h) {
  const uint32_t length = p.prefix_length < p.max_length ? p.prefix_length : p.max_length;
  if (length) std::memcpy(h.tokens(0, 0), o.prefix.ids, length * sizeof(uint32_t));
  h.finish(0, 0, length, 0.0f);
}

Status invalid(const char* what) { return Status::error(StatusCode::kInvalidArgument).add("generate: ").add(what); }

}  // namespace

Status validate_generate_options(const ModelView& model, const Limits& limits, const GenerateOptions& o) {
  const uint32_t vocab = model.config.target_vocab_size;
  if (o.beam_size == 0 || o.beam_size > limits.max_beam) {
    return Status::error(StatusCode::kLimitExceeded).add("generate: beam ").add(static_cast<uint64_t>(o.beam_size))
        .add(" is outside 1..").add(static_cast<uint64_t>(limits.max_beam)).add(" (the session's max beam)");
  }
  if (o.beam_size > 1 && 2ull * o.beam_size > vocab) {
    return invalid("beam ").add(static_cast<uint64_t>(o.beam_size)).add(" exceeds ")
        .add(static_cast<uint64_t>(vocab / 2)).add(", half the target vocabulary");
  }
  const uint32_t max_length = o.max_length ? o.max_length : limits.max_target_length;
  if (max_length > limits.max_target_length) {
    return Status::error(StatusCode::kLimitExceeded).add("generate: max length ").add(static_cast<uint64_t>(max_length))
        .add(" exceeds the session's ").add(static_cast<uint64_t>(limits.max_target_length));
  }
  if (o.min_length > max_length) {
    return invalid("min length ").add(static_cast<uint64_t>(o.min_length)).add(" exceeds max length ")
        .add(static_cast<uint64_t>(max_length));
  }
  if (o.prefix.length > 0 && o.prefix.ids == nullptr) return invalid("null prefix");
  if (o.prefix.length > max_length) {
    return Status::error(StatusCode::kLimitExceeded).add("generate: prefix of ").add(static_cast<uint64_t>(o.prefix.length))
        .add(" tokens is longer than the max length ").add(static_cast<uint64_t>(max_length));
  }
  for (uint32_t i = 0; i < o.prefix.length; ++i) {
    if (o.prefix.ids[i] >= vocab) return invalid("prefix token id outside the target vocabulary");
  }
  if (o.end_token != kNoToken && o.end_token >= vocab) return invalid("end token outside the target vocabulary");
  if (o.suppress_count > 0 && o.suppress == nullptr) return invalid("null suppressed sequences");
  if (o.suppress_at_start.length > 0 && o.suppress_at_start.ids == nullptr) return invalid("null start suppression");
  for (uint32_t i = 0; i < o.suppress_at_start.length; ++i) {
    if (o.suppress_at_start.ids[i] >= vocab) return invalid("start-suppressed token id outside the target vocabulary");
  }
  for (uint32_t i = 0; i < o.suppress_count; ++i) {
    const TokenSpan& s = o.suppress[i];
    if (s.length == 0 || s.ids == nullptr) return invalid("empty suppressed sequence");
    for (uint32_t j = 0; j < s.length; ++j) {
      if (s.ids[j] >= vocab) return invalid("suppressed token id outside the target vocabulary");
    }
  }
  if (o.num_hypotheses == 0 || o.num_hypotheses > o.beam_size) {
    return invalid("num_hypotheses ").add(static_cast<uint64_t>(o.num_hypotheses)).add(" is outside 1..")
        .add(static_cast<uint64_t>(o.beam_size)).add(" (the beam)");
  }
  if (o.return_alignment && !limits.alignment) return invalid("alignment asked, but the session reserved no room for it");
  if (o.alignment_layer != kNoToken && o.alignment_layer >= model.config.decoder_layers) {
    return invalid("alignment layer ").add(static_cast<uint64_t>(o.alignment_layer)).add(" is beyond the decoder's ")
        .add(static_cast<uint64_t>(model.config.decoder_layers)).add(" layers");
  }
  if (!(o.length_penalty >= -100.0f && o.length_penalty <= 100.0f)) return invalid("length penalty out of range");
  return Status::ok();
}

Status run_search(Workspace& w, const GenerateOptions& options, Result* result) {
  GenerateOptions o = options;
  Plan p;
  p.start = w.model->config.target_tokens.bos;
  if (w.model->config.start_mode == StartMode::kFirstPrefixToken) {
    // mBART cc25: the language code is the start token, not a returned prefix.
    if (o.prefix.length == 0) return invalid("the model starts from the first target-prefix token; the prefix is empty");
    p.start = o.prefix.ids[0];
    ++o.prefix.ids;
    --o.prefix.length;
  }
  p.end = o.end_token != kNoToken ? o.end_token : w.model->config.target_tokens.eos;
  p.max_length = o.max_length ? o.max_length : w.limits.max_target_length;
  p.prefix_length = o.prefix.length;
  p.alignment = o.return_alignment && w.source_length > 0;
  p.alignment_layer = o.alignment_layer != kNoToken ? o.alignment_layer : w.model->config.alignment_layer;
  Hypotheses h;
  h.bind(w, p.alignment);
  Status searched = Status::ok();
  if (w.source_length == 0) {
    empty_source(o, p, h);
  } else if (o.beam_size == 1) {
    searched = greedy(w, o, p, h);
  } else {
    searched = beam_search(w, o, p, h);
  }
  if (!searched) {
    result->count = 0;
    return searched;
  }
  h.finalize(o.length_penalty, p.end, o.num_hypotheses, result, o.length_counts_prefix ? 0 : p.prefix_length,
             o.length_counts_end);
  if (result->count == 0) {
    return Status::error(StatusCode::kInvalidArgument)
        .add("generate: no token allowed: the suppressed tokens, end token and min length exclude every hypothesis");
  }
  return Status::ok();
}

}  // namespace xattn
