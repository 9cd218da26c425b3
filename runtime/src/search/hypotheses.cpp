#include "search/hypotheses.h"

#include <cmath>
#include <cstring>

#include "search/constraints.h"

namespace xattn {

void Hypotheses::bind(const Workspace& w, bool with_alignment) {
  positions = w.positions;
  source_length = w.source_length;
  alignment = with_alignment;
  const size_t beams = w.max_beam;
  const SearchRegions& r = w.search;
  alive_tokens[0] = r.alive_tokens;
  alive_tokens[1] = alive_tokens[0] + beams * positions;
  alive_scores[0] = r.alive_scores;
  alive_scores[1] = alive_scores[0] + beams;
  // The planned alignment room is per source-length limit; rows here use the
  // actual source length, which is no larger.
  alive_alignment[0] = r.alive_alignment;
  alive_alignment[1] = alive_alignment[0] + beams * positions * w.limits.max_source_length;
  candidate_scores = r.candidate_scores;
  candidate_ids = r.candidate_ids;
  finished_tokens = r.finished_tokens;
  finished = reinterpret_cast<FinishedInfo*>(r.finished_info);
  finished_alignment = r.finished_alignment;
  finished_count = 0;
}

void Hypotheses::finish(int buffer, size_t beam, size_t length, float raw_score) {
  const uint32_t slot = finished_count++;
  std::memcpy(finished_tokens + slot * positions, tokens(buffer, beam), length * sizeof(uint32_t));
  if (alignment) {
    std::memcpy(finished_alignment + slot * positions * source_length, align_rows(buffer, beam),
                length * source_length * sizeof(float));
  }
  finished[slot] = FinishedInfo{raw_score, raw_score, static_cast<uint32_t>(length), slot};
}

void Hypotheses::finalize(float length_penalty, uint32_t end_token, uint32_t count, Result* result,
                          uint32_t uncounted_prefix, bool count_end) {
  // Hypotheses through a disabled token are not results (search.cpp, score_rows).
  uint32_t kept = 0;
  for (uint32_t i = 0; i < finished_count; ++i) {
    if (finished[i].raw_score > kDisabledScore) finished[kept++] = finished[i];
  }
  finished_count = kept;
  for (uint32_t i = 0; i < finished_count; ++i) {
    FinishedInfo& h = finished[i];
    uint32_t length = h.length > uncounted_prefix ? h.length - uncounted_prefix : 0;
    const uint32_t* toks = finished_tokens + h.slot * positions;
    if (!count_end && length > 0 && toks[h.length - 1] == end_token) --length;
    if (length_penalty != 0.0f && length > 0) {
      h.score = h.raw_score / std::pow(static_cast<float>(length), length_penalty);
    }
  }
  // Insertion sort on the records (at most 2 x beam of them): stable, so a
  // tie keeps the order of finishing, as CTranslate2's small std::sort does.
  for (uint32_t i = 1; i < finished_count; ++i) {
    const FinishedInfo key = finished[i];
    uint32_t j = i;
    while (j > 0 && finished[j - 1].score < key.score) {
      finished[j] = finished[j - 1];
      --j;
    }
    finished[j] = key;
  }
  result->count = count < finished_count ? count : finished_count;
  result->source_length = static_cast<uint32_t>(source_length);
  for (uint32_t i = 0; i < result->count; ++i) {
    const FinishedInfo& h = finished[i];
    const uint32_t* toks = finished_tokens + h.slot * positions;
    uint32_t length = h.length;
    while (length > 0 && toks[length - 1] == end_token) --length;
    Hypothesis& out = result->hypotheses[i];
    out.tokens = toks;
    out.length = length;
    out.score = h.score;
    out.alignment = alignment ? finished_alignment + h.slot * positions * source_length : nullptr;
  }
}

}  // namespace xattn
