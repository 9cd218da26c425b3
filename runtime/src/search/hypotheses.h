// Search bookkeeping in the arena: alive hypotheses (double-buffered so a
// step can reorder them), and finished hypotheses with their raw scores,
// turned into a sorted, length-normalized Result at the end.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/workspace.h"
#include "xattn/session.h"

namespace xattn {

struct FinishedInfo {
  float raw_score;
  float score;
  uint32_t length;  // tokens, end token included
  uint32_t slot;    // where its tokens and alignment rows are stored (finish order)
};
static_assert(sizeof(FinishedInfo) == kFinishedInfoBytes, "arena plan sizes finished records");

struct Hypotheses {
  size_t positions = 0;      // token capacity per hypothesis
  size_t source_length = 0;  // alignment row width
  bool alignment = false;
  uint32_t* alive_tokens[2] = {};
  float* alive_scores[2] = {};
  float* alive_alignment[2] = {};
  float* candidate_scores = nullptr;
  uint32_t* candidate_ids = nullptr;
  uint32_t* finished_tokens = nullptr;
  FinishedInfo* finished = nullptr;
  float* finished_alignment = nullptr;
  uint32_t finished_count = 0;

  // Points at the workspace's search regions; no finished hypotheses yet.
  void bind(const Workspace& w, bool with_alignment);

  uint32_t* tokens(int buffer, size_t beam) const { return alive_tokens[buffer] + beam * positions; }
  float* align_rows(int buffer, size_t beam) const {
    return alive_alignment[buffer] + beam * positions * source_length;
  }

  // Records `length` tokens (and alignment rows) of alive beam `beam` in buffer `buffer`.
  void finish(int buffer, size_t beam, size_t length, float raw_score);

  // Normalizes scores by length^penalty, sorts them (stable: ties keep the
  // order they finished in), and fills `result` with the best `count`,
  // trailing end tokens removed. The length counts every token but the
  // first `uncounted_prefix`, and the end token only when `count_end`.
  void finalize(float length_penalty, uint32_t end_token, uint32_t count, Result* result,
                uint32_t uncounted_prefix = 0, bool count_end = true);
};

}  // namespace xattn
