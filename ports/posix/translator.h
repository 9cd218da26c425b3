// Translator: the host-side convenience around a Session — owns the model
// bytes (mapped or in memory) and an aligned arena, and turns a line of text
// into output text, score, alignment and timings. The CLI, the demo and the
// conformance tests all go through it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mapped_file.h"
#include "thread_pool.h"
#include "xattn/session.h"

namespace xattn {
namespace posix {

struct TranslateRequest {
  uint32_t beam_size = 1;
  float length_penalty = 1.0f;
  uint32_t max_length = 0;
  uint32_t min_length = 1;
  std::string prefix;                  // target tokens, as text
  std::string end_token;               // "" = the model's </s>
  std::vector<std::string> suppress;   // each a sequence of target tokens, as text
  uint32_t num_hypotheses = 1;
  bool alignment = false;
  uint32_t alignment_layer = kNoToken;  // kNoToken: the model's
  bool truncate = false;
  // A model with a stored tokenizer reads plain text and prints text; true
  // keeps space-separated tokens (pieces) in and out, as for other models.
  bool pieces = false;
};

// One of the n best hypotheses of an input (TranslateRequest::num_hypotheses).
struct TranslatedHypothesis {
  std::string text;
  std::vector<uint32_t> ids;
  float score = 0.0f;
  std::vector<float> alignment;  // ids.size() x source_length
};

struct TranslateOutput {
  // The best hypothesis (text, ids, score, alignment), then all of them, best first.
  std::string text;
  std::vector<uint32_t> ids;
  std::vector<uint32_t> source_ids;  // the input's tokens, as encoded
  float score = 0.0f;
  uint32_t source_length = 0;
  std::vector<float> alignment;  // ids.size() x source_length
  double encode_ms = 0.0;
  double decode_ms = 0.0;
  std::vector<TranslatedHypothesis> hypotheses;
};

class Translator {
 public:
  Translator();
  ~Translator();
  // Each returns "" or a one-line error.
  std::string open_file(const std::string& path);
  std::string open_bytes(std::vector<uint8_t> bytes);
  // Sizes the arena and creates the session (and, for limits.threads > 1,
  // the thread pool it runs on); `table` forces a kernel path (null: the
  // best this CPU runs).
  std::string start(const Limits& limits, const kernels::KernelTable* table = nullptr);
  std::string start(const Limits& limits, const std::string& kernel_path);  // "" = the best
  std::string translate(const std::string& line, const TranslateRequest& request, TranslateOutput* out);
  // The errors `request` raises whatever the input (vocabulary, lengths,
  // alignment layer, beam), found by running it on an empty input: lets a
  // tool report them once, before the first line.
  std::string check(const TranslateRequest& request);

  const ModelView& model() const { return model_; }
  const Session& session() const { return session_; }
  size_t arena_size() const { return arena_size_; }

 private:
  std::string open_view(const uint8_t* data, size_t size);
  std::string source_ids(const std::string& line, bool pieces, std::vector<uint32_t>* ids);
  std::string target_text(const Hypothesis& h, bool pieces, std::string* text);
  std::vector<uint64_t> tokenizer_scratch_;  // tool-side scratch for the stored tokenizer (8-aligned)
  MappedFile file_;
  std::vector<uint8_t> owned_;  // over-allocated; model bytes start 64-aligned inside
  ModelView model_;
  std::unique_ptr<ThreadPool> pool_;  // before session_: it outlives the session's use of it
  Session session_;
  std::unique_ptr<uint8_t[]> arena_storage_;
  uint8_t* arena_ = nullptr;
  size_t arena_size_ = 0;
};

// Limits that fit a model: the given ones, capped by its position range.
Limits default_limits(const ModelConfig& config, uint32_t beam);

}  // namespace posix
}  // namespace xattn
