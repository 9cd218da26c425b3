// The C API (xattn/xattn.h) over the C++ one: handles are C++ objects
// placement-constructed in caller storage; nothing allocates or throws.
#include "xattn/xattn.h"

#include <cstddef>
#include <cstring>
#include <type_traits>
#include <new>

#include "xattn/audio.h"
#include "xattn/date_rule.h"
#include "xattn/limits_check.h"
#include "xattn/whisper.h"
#include "xattn/xattn.hpp"

struct xattn_model {
  xattn::ModelView view;
};

struct xattn_session {
  xattn::Session session;
  xattn::Result result;
  // The rule of the last generate with date_rule (its hook's context during
  // the generation); date_result says the result is its.
  xattn::DateRule date_rule;
  bool date_result = false;
  char message[XATTN_MESSAGE_BYTES];
};

static_assert(XATTN_MAX_THREADS == xattn::kMaxThreads, "the C and C++ thread limits agree");
static_assert(XATTN_DATE_RULE_BEAM == xattn::kDateRuleBeam, "the C and C++ date-rule beams agree");
static_assert(XATTN_WEEKDAY_PENALTY == xattn::kWeekdayPenalty, "the C and C++ weekday penalties agree");

namespace {

void clear_result(xattn_session* session) {
  session->result = xattn::Result();
  session->date_result = false;
}

using xattn::Status;
using xattn::StatusCode;

static_assert(sizeof(xattn_model) <= XATTN_MODEL_STORAGE_BYTES, "XATTN_MODEL_STORAGE_BYTES too small");
static_assert(alignof(xattn_model) <= alignof(xattn_model_storage), "model storage under-aligned");
static_assert(sizeof(xattn_session) <= XATTN_SESSION_HANDLE_BYTES, "XATTN_SESSION_HANDLE_BYTES too small");
static_assert(XATTN_SESSION_HANDLE_BYTES % xattn::kArenaAlignment == 0, "the arena must stay aligned");
static_assert(XATTN_MESSAGE_BYTES >= Status::kMaxMessage, "messages would be cut");
static_assert(static_cast<int>(StatusCode::kNotReady) == XATTN_NOT_READY, "status codes out of step");
static_assert(static_cast<int>(StatusCode::kLimitExceeded) == XATTN_LIMIT_EXCEEDED, "status codes out of step");
// The suppress list is passed through as is.
static_assert(sizeof(xattn_token_span) == sizeof(xattn::TokenSpan) &&
                  offsetof(xattn_token_span, ids) == offsetof(xattn::TokenSpan, ids) &&
                  offsetof(xattn_token_span, length) == offsetof(xattn::TokenSpan, length),
              "xattn_token_span must match xattn::TokenSpan");

void copy_message(const char* text, char* out) {
  size_t i = 0;
  while (text && text[i] && i + 1 < XATTN_MESSAGE_BYTES) out[i] = text[i], ++i;
  out[i] = '\0';
}

xattn_status report(const Status& s, char* message) {
  if (message) copy_message(s.message(), message);
  return static_cast<xattn_status>(s.code());
}

xattn_status fail(xattn_status code, const char* text, char* message) {
  if (message) copy_message(text, message);
  return code;
}

// A C caller may store any int in an enum-typed field or argument. Reading it
// as the C++ enum would be undefined for values outside the enum's range, so
// the raw integer is copied out and checked before any conversion.
// The copy has the enum's own size: bare-metal ARM EABI makes C enums as
// small as their values allow (1 byte here), hosts make them int-sized.
template <class Enum>
int raw_value(const Enum& e) {
  std::underlying_type_t<Enum> v;
  std::memcpy(&v, &e, sizeof v);
  return static_cast<int>(v);
}

bool known_precision(int p) { return p >= XATTN_KV_F32 && p <= XATTN_KV_INT8; }
bool known_side(int side) { return side == XATTN_SOURCE || side == XATTN_TARGET; }

// An unknown precision stays unknown (not truncated into a valid one): check_limits rejects it.
xattn::KvPrecision to_precision(int p) {
  return static_cast<xattn::KvPrecision>(known_precision(p) ? static_cast<unsigned>(p) : 0xffu);
}

xattn::Limits to_limits(const xattn_limits& l) {
  xattn::Limits out;
  out.max_source_length = l.max_source_length;
  out.max_target_length = l.max_target_length;
  out.max_beam = l.max_beam;
  out.alignment = l.alignment != 0;
  out.kv_cache = to_precision(raw_value(l.kv_cache));
  out.self_kv_cache = to_precision(raw_value(l.self_kv_cache));
  out.threads = l.threads == 0 ? 1 : l.threads;
  out.max_text_bytes = l.max_text_bytes;
  out.pcm_input = l.pcm_input != 0;
  return out;
}

xattn::Side to_side(int side) { return side == XATTN_TARGET ? xattn::Side::kTarget : xattn::Side::kSource; }

// Samples for the runtime's audio calls (defined outside extern "C": they return a C++ type).
xattn::PcmView pcm_s16(const int16_t* samples, size_t count) {
  xattn::PcmView pcm;
  pcm.s16 = samples;
  pcm.count = count;
  return pcm;
}

xattn::PcmView pcm_f32(const float* samples, size_t count) {
  xattn::PcmView pcm;
  pcm.f32 = samples;
  pcm.count = count;
  return pcm;
}

}  // namespace

extern "C" {

xattn_limits xattn_default_limits(void) {
  const xattn::Limits l;
  return xattn_limits{l.max_source_length, l.max_target_length, l.max_beam, l.alignment ? 1 : 0,
                      static_cast<xattn_kv_precision>(l.kv_cache), static_cast<xattn_kv_precision>(l.self_kv_cache),
                      l.threads, nullptr, l.max_text_bytes, l.pcm_input ? 1 : 0};
}

xattn_generate_options xattn_default_options(void) {
  const xattn::GenerateOptions o;
  xattn_generate_options c;
  c.beam_size = o.beam_size;
  c.length_penalty = o.length_penalty;
  c.max_length = o.max_length;
  c.min_length = o.min_length;
  c.prefix.ids = nullptr;
  c.prefix.length = 0;
  c.end_token = XATTN_NO_TOKEN;
  c.suppress = nullptr;
  c.suppress_count = 0;
  c.num_hypotheses = o.num_hypotheses;
  c.return_alignment = 0;
  c.alignment_layer = XATTN_NO_TOKEN;
  c.suppress_at_start.ids = nullptr;
  c.suppress_at_start.length = 0;
  c.length_excludes_prefix = o.length_counts_prefix ? 0 : 1;
  c.length_excludes_end = o.length_counts_end ? 0 : 1;
  c.date_rule = 0;
  c.weekday_penalty = XATTN_WEEKDAY_PENALTY;
  return c;
}

const char* xattn_status_name(xattn_status status) {
  const int code = raw_value(status);
  if (code < XATTN_OK || code > XATTN_NOT_READY) return "unknown status";
  return xattn::status_code_name(static_cast<StatusCode>(code));
}

xattn_status xattn_model_open(const void* bytes, size_t size, xattn_model_storage* storage,
                              xattn_model** model, xattn_error* error) {
  char* message = error ? error->message : nullptr;
  if (model) *model = nullptr;
  if (!storage || !model) return fail(XATTN_INVALID_ARGUMENT, "model_open: null storage or handle", message);
  xattn_model* m = new (storage->bytes) xattn_model();
  const Status s = xattn::open_model(static_cast<const uint8_t*>(bytes), size, &m->view);
  if (s) *model = m;
  return report(s, message);
}

uint32_t xattn_model_vocab_size(const xattn_model* model, xattn_side side) {
  const int raw_side = raw_value(side);
  if (!model || !known_side(raw_side)) return 0;
  return raw_side == XATTN_TARGET ? model->view.config.target_vocab_size : model->view.config.source_vocab_size;
}

size_t xattn_session_buffer_bytes(const xattn_model* model, const xattn_limits* limits) {
  if (!model || !limits) return 0;
  const xattn::Limits l = to_limits(*limits);
  if (!xattn::check_limits(model->view.config, l)) return 0;  // out of range, beyond the model, or too large
  const size_t arena = xattn::arena_bytes(model->view.config, l);
  if (arena > xattn::kArenaTooLarge - XATTN_SESSION_HANDLE_BYTES) return 0;  // beyond the address space
  return XATTN_SESSION_HANDLE_BYTES + arena;
}

xattn_status xattn_session_create(const xattn_model* model, const xattn_limits* limits, void* buffer,
                                  size_t size, xattn_session** session, xattn_error* error) {
  char* message = error ? error->message : nullptr;
  if (session) *session = nullptr;
  if (!model || !limits || !buffer || !session) {
    return fail(XATTN_INVALID_ARGUMENT, "session_create: null model, limits, buffer or handle", message);
  }
  if (reinterpret_cast<uintptr_t>(buffer) % xattn::kArenaAlignment != 0) {
    return fail(XATTN_MISALIGNED, "session_create: the buffer must be 64-byte aligned", message);
  }
  if (size < XATTN_SESSION_HANDLE_BYTES) {
    return fail(XATTN_ARENA_TOO_SMALL, "session_create: the buffer cannot hold the session handle", message);
  }
  xattn_session* s = new (buffer) xattn_session();
  uint8_t* arena = static_cast<uint8_t*>(buffer) + XATTN_SESSION_HANDLE_BYTES;
  if (limits->parallel) {
    xattn::ParallelFor parallel;
    parallel.pool = limits->parallel->pool;
    parallel.workers = limits->parallel->workers;
    parallel.run = limits->parallel->run;
    s->session.set_parallel(parallel);
  }
  const Status status =
      s->session.init(model->view, to_limits(*limits), arena, size - XATTN_SESSION_HANDLE_BYTES);
  report(status, s->message);
  if (status) *session = s;
  return report(status, message);
}

const char* xattn_session_kernel_name(const xattn_session* session) {
  return session ? session->session.kernel_name() : "";
}

const char* xattn_session_message(const xattn_session* session) {
  return session ? session->message : "null session";
}

namespace {

// An audio model's encoder reads features: it has no source text, so the
// source side is refused (as `xattn tokenize --side source` refuses it).
bool text_side(const xattn_model* model, int raw_side) {
  return known_side(raw_side) &&
         !(raw_side == XATTN_SOURCE && model->view.config.encoder_input == xattn::EncoderInput::kAudio);
}

// The model's stored tokenizer for a side (null: the model carries none).
const xattn::Tokenizer* stored_tokenizer(const xattn_model* model, int raw_side) {
  if (!model->view.config.has_tokenizer) return nullptr;
  return raw_side == XATTN_TARGET ? &model->view.target_text : &model->view.source_text;
}

xattn_status tokenize_stored(const xattn::Tokenizer& t, const char* text, size_t length, void* scratch,
                             size_t scratch_size, uint32_t* ids, size_t capacity, size_t* count) {
  *count = 0;
  if (!text && length > 0) return XATTN_INVALID_ARGUMENT;
  if (!ids && capacity > 0) return XATTN_INVALID_ARGUMENT;
  return report(t.encode(text ? text : "", length, scratch, scratch_size, ids, capacity, count), nullptr);
}

// xattn_tokenize(_known) with a stored tokenizer: scratch on the stack.
xattn_status tokenize_on_stack(const xattn::Tokenizer& t, const char* text, size_t length, uint32_t* ids,
                               size_t capacity, size_t* count) {
  alignas(8) unsigned char scratch[XATTN_TOKENIZE_STACK_BYTES];
  if (t.scratch_bytes(length) > sizeof scratch) {
    *count = 0;
    return XATTN_LIMIT_EXCEEDED;
  }
  return tokenize_stored(t, text, length, scratch, sizeof scratch, ids, capacity, count);
}

}  // namespace

int xattn_model_has_tokenizer(const xattn_model* model) {
  return model && model->view.config.has_tokenizer ? 1 : 0;
}

size_t xattn_tokenize_scratch_bytes(const xattn_model* model, xattn_side side, size_t max_text_bytes) {
  if (!model || !text_side(model, raw_value(side))) return 0;
  const xattn::Tokenizer* t = stored_tokenizer(model, raw_value(side));
  if (!t || max_text_bytes > (size_t{1} << 30)) return 0;
  return t->scratch_bytes(max_text_bytes);
}

xattn_status xattn_tokenize_text(const xattn_model* model, xattn_side side, const char* text, size_t length,
                                 void* scratch, size_t scratch_size, uint32_t* ids, size_t capacity,
                                 size_t* count) {
  if (!model || !count || !text_side(model, raw_value(side))) return XATTN_INVALID_ARGUMENT;
  const xattn::Tokenizer* t = stored_tokenizer(model, raw_value(side));
  if (!t) return xattn_tokenize(model, side, text, length, ids, capacity, count);
  if (length > (size_t{1} << 30)) return XATTN_LIMIT_EXCEEDED;
  if (!scratch) return XATTN_INVALID_ARGUMENT;
  return tokenize_stored(*t, text, length, scratch, scratch_size, ids, capacity, count);
}

xattn_status xattn_tokenize(const xattn_model* model, xattn_side side, const char* text, size_t length,
                            uint32_t* ids, size_t capacity, size_t* count) {
  if (!model || !count || !text_side(model, raw_value(side))) return XATTN_INVALID_ARGUMENT;
  if (const xattn::Tokenizer* t = stored_tokenizer(model, raw_value(side))) {
    return tokenize_on_stack(*t, text, length, ids, capacity, count);
  }
  return report(xattn::tokenize(model->view, to_side(raw_value(side)), text, length, ids, capacity, count), nullptr);
}

xattn_status xattn_tokenize_known(const xattn_model* model, xattn_side side, const char* text,
                                  size_t length, uint32_t* ids, size_t capacity, size_t* count) {
  if (!model || !count || !text_side(model, raw_value(side))) return XATTN_INVALID_ARGUMENT;
  if (const xattn::Tokenizer* t = stored_tokenizer(model, raw_value(side))) {
    return tokenize_on_stack(*t, text, length, ids, capacity, count);
  }
  return report(xattn::tokenize_known(model->view, to_side(raw_value(side)), text, length, ids, capacity, count),
                nullptr);
}

size_t xattn_detokenize(const xattn_model* model, xattn_side side, const uint32_t* ids, size_t count,
                        char* out, size_t capacity) {
  if (out && capacity) out[0] = '\0';
  const int raw_side = raw_value(side);
  if (!model || !text_side(model, raw_side) || (count > 0 && !ids)) return XATTN_DETOKENIZE_ERROR;
  const xattn::ModelConfig& c = model->view.config;
  const uint32_t vocab = raw_side == XATTN_TARGET ? c.target_vocab_size : c.source_vocab_size;
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] >= vocab) return XATTN_DETOKENIZE_ERROR;
  }
  if (const xattn::Tokenizer* t = stored_tokenizer(model, raw_side)) {
    size_t length = 0;
    const Status s = t->decode(ids, count, out, capacity ? capacity - 1 : 0, &length, true);
    if (!s && s.code() != xattn::StatusCode::kLimitExceeded) {
      if (out && capacity) out[0] = '\0';
      return XATTN_DETOKENIZE_ERROR;
    }
    if (out && capacity) out[length < capacity - 1 ? length : capacity - 1] = '\0';
    return length;
  }
  return xattn::detokenize(model->view, to_side(raw_side), ids, count, out, capacity);
}

xattn_status xattn_encode(xattn_session* session, const uint32_t* ids, size_t count) {
  if (!session) return XATTN_INVALID_ARGUMENT;
  clear_result(session);
  return report(session->session.encode(ids, count), session->message);
}

xattn_status xattn_encode_text(xattn_session* session, const char* text, size_t length) {
  if (!session) return XATTN_INVALID_ARGUMENT;
  clear_result(session);
  return report(session->session.encode_text(text, length), session->message);
}

xattn_status xattn_encode_features(xattn_session* session, const float* mel, uint32_t n_mels, uint32_t frames) {
  if (!session) return XATTN_INVALID_ARGUMENT;
  clear_result(session);
  return report(session->session.encode_features(mel, n_mels, frames), session->message);
}

namespace {
xattn_status encode_pcm(xattn_session* session, const xattn::PcmView& pcm, int* cut, uint32_t stretch_milli = 1000) {
  if (!session) return XATTN_INVALID_ARGUMENT;
  clear_result(session);
  bool was_cut = false;
  const xattn_status s = report(session->session.encode_pcm(pcm, &was_cut, stretch_milli), session->message);
  if (cut) *cut = was_cut ? 1 : 0;
  return s;
}
}  // namespace

xattn_status xattn_encode_pcm_s16(xattn_session* session, const int16_t* samples, size_t count, int* cut) {
  return encode_pcm(session, pcm_s16(samples, count), cut);
}

xattn_status xattn_encode_pcm_f32(xattn_session* session, const float* samples, size_t count, int* cut) {
  return encode_pcm(session, pcm_f32(samples, count), cut);
}

xattn_status xattn_encode_pcm_stretched_s16(xattn_session* session, const int16_t* samples, size_t count,
                                            uint32_t stretch_milli, int* cut) {
  return encode_pcm(session, pcm_s16(samples, count), cut, stretch_milli);
}

xattn_status xattn_encode_pcm_stretched_f32(xattn_session* session, const float* samples, size_t count,
                                            uint32_t stretch_milli, int* cut) {
  return encode_pcm(session, pcm_f32(samples, count), cut, stretch_milli);
}

namespace {
bool hears_audio(const xattn_session* session) {
  return session && session->session.model() != nullptr &&
         session->session.model()->config.encoder_input == xattn::EncoderInput::kAudio;
}

size_t window_samples(const xattn_session* session) {
  return size_t{2} * session->session.limits().max_source_length * xattn::kMelHop;
}

size_t speech_window(const xattn_session* session, const xattn::PcmView& pcm) {
  if (!hears_audio(session)) return 0;
  return xattn::speech_window_start(pcm, window_samples(session), xattn::kMelHop, xattn::kSpeechLeadSamples);
}

void stretched_window(const xattn_session* session, const xattn::PcmView& pcm, size_t* first, uint32_t* stretch_milli) {
  const xattn::SpeechWindow w = hears_audio(session) ? xattn::speech_window(pcm, window_samples(session), xattn::kMelHop,
                                                                             xattn::kSpeechLeadSamples,
                                                                             xattn::kSpeechTailSamples)
                                                     : xattn::SpeechWindow{};
  if (first) *first = w.start;
  if (stretch_milli) *stretch_milli = w.stretch_milli;
}
}  // namespace

void xattn_speech_window_s16(const xattn_session* session, const int16_t* samples, size_t count, size_t* first,
                             uint32_t* stretch_milli) {
  stretched_window(session, pcm_s16(samples, samples ? count : 0), first, stretch_milli);
}

void xattn_speech_window_f32(const xattn_session* session, const float* samples, size_t count, size_t* first,
                             uint32_t* stretch_milli) {
  stretched_window(session, pcm_f32(samples, samples ? count : 0), first, stretch_milli);
}

size_t xattn_speech_window_start_s16(const xattn_session* session, const int16_t* samples, size_t count) {
  return speech_window(session, pcm_s16(samples, samples ? count : 0));
}

size_t xattn_speech_window_start_f32(const xattn_session* session, const float* samples, size_t count) {
  return speech_window(session, pcm_f32(samples, samples ? count : 0));
}

xattn_whisper_options xattn_whisper_default_options(void) {
  xattn_whisper_options o;
  o.language = nullptr;
  o.translate = 0;
  o.timestamps = 0;
  o.beam_size = 1;
  o.max_new_tokens = 0;
  return o;
}

xattn_status xattn_whisper_generate(xattn_session* session, const xattn_whisper_options* options,
                                    xattn_whisper_info* info) {
  if (!session) return XATTN_INVALID_ARGUMENT;
  clear_result(session);
  if (!options || !info) return fail(XATTN_INVALID_ARGUMENT, "whisper: null options or info", session->message);
  const xattn::ModelView* model = session->session.model();
  if (!model) return fail(XATTN_NOT_READY, "whisper: session not created", session->message);
  xattn::WhisperDecoder decoder;  // small, rebuilt per call: the model carries everything it needs
  Status s = decoder.init(*model);
  if (!s) return report(s, session->message);
  xattn::WhisperDecodeOptions o;
  o.task = options->translate ? xattn::WhisperTask::kTranslate : xattn::WhisperTask::kTranscribe;
  o.timestamps = options->timestamps != 0;
  o.beam_size = options->beam_size;
  o.max_new_tokens = options->max_new_tokens;
  const bool detect = options->language == nullptr || std::strcmp(options->language, "auto") == 0;
  if (!detect) {
    s = xattn::whisper_model_language(*model, decoder.tokens(), options->language, &o.language_token);
    if (!s) return report(s, session->message);
  }
  xattn::WhisperDecodeInfo decoded;
  s = decoder.generate(session->session, o, &session->result, &decoded);
  if (!s) {
    clear_result(session);
    return report(s, session->message);
  }
  info->detected = decoded.detected ? 1 : 0;
  info->language_token = decoded.language.token;
  info->language_probability = decoded.language.probability;
  const xattn::TokenText code = xattn::whisper_language_code(*model, decoder.tokens(), decoded.language.token);
  const size_t n = code.size < sizeof info->language ? code.size : sizeof info->language - 1;
  if (n) std::memcpy(info->language, code.data, n);
  info->language[n] = '\0';
  info->prompt_length = decoded.prompt_length;
  return XATTN_OK;
}

xattn_status xattn_generate(xattn_session* session, const xattn_generate_options* options) {
  if (!session) return XATTN_INVALID_ARGUMENT;
  clear_result(session);
  if (!options) return fail(XATTN_INVALID_ARGUMENT, "generate: null options", session->message);
  xattn::GenerateOptions o;
  o.beam_size = options->beam_size;
  o.length_penalty = options->length_penalty;
  o.max_length = options->max_length;
  o.min_length = options->min_length;
  o.prefix.ids = options->prefix.ids;
  o.prefix.length = options->prefix.length;
  o.end_token = options->end_token;
  o.suppress = reinterpret_cast<const xattn::TokenSpan*>(options->suppress);
  o.suppress_count = options->suppress_count;
  o.num_hypotheses = options->num_hypotheses;
  o.return_alignment = options->return_alignment != 0;
  o.alignment_layer = options->alignment_layer;
  o.suppress_at_start.ids = options->suppress_at_start.ids;
  o.suppress_at_start.length = options->suppress_at_start.length;
  o.length_counts_prefix = options->length_excludes_prefix == 0;
  o.length_counts_end = options->length_excludes_end == 0;
  if (options->date_rule) {
    const xattn::ModelView* model = session->session.model();
    const Status ready = model ? session->date_rule.init(*model, options->weekday_penalty)
                               : Status::error(StatusCode::kInvalidArgument).add("generate: no model");
    if (!ready) return report(ready, session->message);
    o.logit_hook = session->date_rule.hook();
  }
  const Status s = session->session.generate(o, &session->result);
  if (!s) clear_result(session);
  session->date_result = s && options->date_rule;
  return report(s, session->message);
}

uint32_t xattn_hypothesis_count(const xattn_session* session) { return session ? session->result.count : 0; }

xattn_status xattn_get_hypothesis(const xattn_session* session, uint32_t index, xattn_hypothesis* out) {
  if (!session || !out) return XATTN_INVALID_ARGUMENT;
  if (index >= session->result.count) return XATTN_LIMIT_EXCEEDED;
  const xattn::Hypothesis& h = session->result.hypotheses[index];
  out->tokens = h.tokens;
  out->length = h.length;
  out->score = h.score;
  out->alignment = h.alignment;
  out->date_weekday = xattn::kAnyWeekday;
  out->weekday_missed = session->date_result ? session->date_rule.weekday_missed(h.tokens, h.length, &out->date_weekday)
                                             : xattn::kAnyWeekday;
  out->no_date = session->date_result && session->date_rule.is_no_date(h.tokens, h.length) ? 1 : 0;
  return XATTN_OK;
}

}  // extern "C"
