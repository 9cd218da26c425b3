/* The C API: the C++ API (xattn.hpp) for C programs and firmware.
 *
 * Nothing here allocates. The caller owns every byte: the model bytes (a file
 * in memory or a const array in flash), the storage of the model handle (an
 * xattn_model_storage, e.g. a static), and the session buffer (its size comes
 * from xattn_session_buffer_bytes(), or at compile time from the header that
 * `xattn convert embed` writes). Handles are opaque pointers into that
 * storage. Every call returns an xattn_status; the session keeps a specific
 * message for its last failure.
 *
 *   static xattn_model_storage storage;
 *   static uint8_t buffer[N] __attribute__((aligned(64)));
 *   xattn_model* model; xattn_session* session;
 *   xattn_model_open(bytes, size, &storage, &model, NULL);
 *   xattn_session_create(model, &limits, buffer, sizeof buffer, &session, NULL);
 *   xattn_tokenize(model, XATTN_SOURCE, "آ ز ا", len, ids, 64, &count);
 *   xattn_encode(session, ids, count);
 *   xattn_generate(session, &options);
 *   xattn_get_hypothesis(session, 0, &best);   // tokens, length, score
 */
#ifndef XATTN_XATTN_H_
#define XATTN_XATTN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xattn_status {
  XATTN_OK = 0,
  XATTN_INVALID_ARGUMENT = 1, /* a caller-supplied value is out of range */
  XATTN_BAD_MODEL = 2,        /* the model bytes are malformed, corrupted or inconsistent */
  XATTN_UNSUPPORTED = 3,      /* well-formed, but a feature this build does not run */
  XATTN_ARENA_TOO_SMALL = 4,  /* the session buffer cannot hold the session */
  XATTN_MISALIGNED = 5,       /* a buffer lacks the 64-byte alignment the runtime needs */
  XATTN_LIMIT_EXCEEDED = 6,   /* input or option beyond the session limits */
  XATTN_NOT_READY = 7         /* call order: e.g. generate before encode */
} xattn_status;

typedef enum xattn_side { XATTN_SOURCE = 0, XATTN_TARGET = 1 } xattn_side;

#define XATTN_NO_TOKEN 0xffffffffu
#define XATTN_MESSAGE_BYTES 160
/* Bytes at the start of a session buffer that hold the session handle; the
 * rest is the arena. The same on every target, so a host tool can size a
 * firmware's buffer. */
#define XATTN_SESSION_HANDLE_BYTES 4096u

#ifndef XATTN_MAX_LAYERS
#define XATTN_MAX_LAYERS 64
#endif
/* Room for a model handle (a ModelView: a view per layer), for any target. */
#define XATTN_MODEL_STORAGE_BYTES (1024u + 768u * (XATTN_MAX_LAYERS))

typedef struct xattn_model xattn_model;
typedef struct xattn_session xattn_session;

/* Storage for one model handle, suitably aligned; its content is private. */
typedef union xattn_model_storage {
  unsigned char bytes[XATTN_MODEL_STORAGE_BYTES];
  uint64_t align_u64;
  double align_double;
  void* align_pointer;
} xattn_model_storage;

/* Where open/create say why they failed (may be NULL). */
typedef struct xattn_error {
  char message[XATTN_MESSAGE_BYTES];
} xattn_error;

/* Storage of a KV cache (xattn::KvPrecision): float32, IEEE half, or int8
 * with one scale per row of one head. */
typedef enum xattn_kv_precision { XATTN_KV_F32 = 0, XATTN_KV_F16 = 1, XATTN_KV_INT8 = 2 } xattn_kv_precision;

/* Threads (xattn/parallel.h): the runtime creates none. A host that wants
 * several cores makes a fixed pool once (ports/posix/xattn_thread_pool.h,
 * library xattn_threads, or its own) and describes it here; run(pool,
 * threads, count, task, context) calls task(context, i, thread) for each i in
 * [0, count) once, on at most `threads` threads numbered 0..threads-1 (0: the
 * caller), and returns when all are done, without allocating. */
#define XATTN_MAX_THREADS 64u
typedef void (*xattn_task)(void* context, uint32_t task, uint32_t thread);
typedef struct xattn_parallel {
  void* pool;
  uint32_t workers; /* threads the pool has, the caller's included */
  void (*run)(void* pool, uint32_t threads, uint32_t count, xattn_task task, void* context);
} xattn_parallel;

typedef struct xattn_limits {
  uint32_t max_source_length; /* source tokens per encode */
  uint32_t max_target_length; /* decoding steps, prefix and end token included */
  uint32_t max_beam;          /* 1 = greedy only */
  int alignment;              /* non-zero: reserve room to return alignments */
  /* Smaller caches: a smaller buffer, outputs close to float32's. */
  xattn_kv_precision kv_cache;      /* the static encoder (cross-attention) cache */
  xattn_kv_precision self_kv_cache; /* the decoder self-attention cache */
  /* 0 or 1: one thread. 2..XATTN_MAX_THREADS: layers are split over that many
   * tasks run by `parallel` (at least as many workers; it must outlive the
   * session); the buffer grows by per-thread scratch; outputs stay the same bits. */
  uint32_t threads;
  const xattn_parallel* parallel;
  /* The longest text xattn_encode_text takes, in bytes (0..65536): the buffer
   * grows by the model's source tokenizer scratch for it. 0 = none. */
  uint32_t max_text_bytes;
  /* Audio models: non-zero reserves room for xattn_encode_pcm_* to compute
   * one window's log-mel in the session buffer. 0 = none. */
  int pcm_input;
} xattn_limits;

typedef struct xattn_token_span {
  const uint32_t* ids;
  uint32_t length;
} xattn_token_span;

typedef struct xattn_generate_options {
  uint32_t beam_size;      /* 1 = greedy */
  float length_penalty;
  uint32_t max_length;     /* 0 = the session's max_target_length */
  uint32_t min_length;
  xattn_token_span prefix; /* forced first target tokens */
  uint32_t end_token;      /* XATTN_NO_TOKEN = the model's </s> */
  const xattn_token_span* suppress; /* sequences never generated */
  uint32_t suppress_count;
  uint32_t num_hypotheses;
  int return_alignment;
  uint32_t alignment_layer; /* XATTN_NO_TOKEN = the model's */
  /* Whisper: tokens disabled at the first step after the prefix
     (suppress_ids_begin), and tokens left out of the score's length (both
     non-zero for Whisper: generated tokens only, end token excluded). Zero,
     as a zeroed struct has them, keeps CTranslate2's translation scores. */
  xattn_token_span suppress_at_start;
  int length_excludes_prefix;
  int length_excludes_end;
  /* Spoken-date models (models/datespeech): non-zero keeps the output a real
     YYYY-MM-DD date, on the weekday the model output first if it did, or
     off it at a cost of weekday_penalty in log-probability, so that a weekday
     said wrong gives the date as said (xattn/date_rule.h), each hypothesis
     scored by the model's own
     probabilities of its tokens; xattn transcribe decodes such a model with
     beam_size XATTN_DATE_RULE_BEAM (limits.max_beam as large). A model
     whose vocabulary has <|nodate|> may answer that it heard no date
     instead (xattn_hypothesis.no_date). A model without a date vocabulary
     is refused. */
  int date_rule;
  /* Under date_rule: what a date off the weekday heard pays in
     log-probability, 0 or more; INFINITY keeps every date on it. A negative
     or NaN penalty is XATTN_INVALID_ARGUMENT. xattn_default_options() sets
     XATTN_WEEKDAY_PENALTY (a zeroed struct's 0 lets the day ignore the
     weekday). */
  float weekday_penalty;
} xattn_generate_options;

/* The beam xattn transcribe decodes a date model with (kDateRuleBeam). */
#define XATTN_DATE_RULE_BEAM 4u
/* The weekday penalty of xattn transcribe and the defaults (kWeekdayPenalty). */
#define XATTN_WEEKDAY_PENALTY 4.0f

typedef struct xattn_hypothesis {
  const uint32_t* tokens;  /* without the end token; valid until the next encode/generate */
  uint32_t length;
  float score;
  const float* alignment;  /* [length x source_length] or NULL */
  /* Generated under date_rule, a whole date off the weekday the model output
     first (a weekday said wrong: the score includes the penalty):
     weekday_missed is the weekday heard, date_weekday the date's own
     (0 = Monday ... 6 = Sunday). Otherwise both are -1. */
  int32_t weekday_missed;
  int32_t date_weekday;
  /* 1 when generated under date_rule by a model whose vocabulary has
     <|nodate|> and the hypothesis is its no-date answer (that token alone:
     print no date, not its text); otherwise 0. */
  int32_t no_date;
} xattn_hypothesis;

/* Defaults: limits 64/64/beam 4 with alignment, float32 KV caches, one thread; options greedy, as CTranslate2. */
xattn_limits xattn_default_limits(void);
xattn_generate_options xattn_default_options(void);
const char* xattn_status_name(xattn_status status);

/* Validates `bytes` (64-byte aligned, alive and unchanged while the model is
 * used) and builds the handle in `storage`. */
xattn_status xattn_model_open(const void* bytes, size_t size, xattn_model_storage* storage,
                              xattn_model** model, xattn_error* error);
/* 0 for a null model or an unknown side. */
uint32_t xattn_model_vocab_size(const xattn_model* model, xattn_side side);

/* Bytes a session buffer needs for these limits: XATTN_SESSION_HANDLE_BYTES
 * plus the arena the planner computes. 0 for invalid arguments: a null
 * pointer, or limits xattn_session_create would refuse (a length or beam of
 * 0 or beyond the runtime's bounds, lengths beyond the model's positions, a
 * beam over half the target vocabulary, an unknown KV precision), or whose
 * buffer would exceed the address space. */
size_t xattn_session_buffer_bytes(const xattn_model* model, const xattn_limits* limits);
/* Places a session in `buffer` (64-byte aligned). The model must outlive it. */
xattn_status xattn_session_create(const xattn_model* model, const xattn_limits* limits, void* buffer,
                                  size_t size, xattn_session** session, xattn_error* error);
const char* xattn_session_kernel_name(const xattn_session* session);
/* The message of the session's last failure ("ok" when the last call succeeded). */
const char* xattn_session_message(const xattn_session* session);

/* Text <-> ids through the model's vocabularies. tokenize maps unknown
 * tokens to <unk>; tokenize_known fails on them; both return
 * XATTN_INVALID_ARGUMENT for a side other than XATTN_SOURCE / XATTN_TARGET,
 * and for XATTN_SOURCE of an audio model (Whisper: no source text).
 * detokenize returns the length the full text needs; the output is cut
 * (still NUL-terminated) to fit. It returns XATTN_DETOKENIZE_ERROR (with an
 * empty output) for a null model, an unknown side (or an audio model's source), null ids with a non-zero
 * count, or an id outside the side's vocabulary. */
#define XATTN_DETOKENIZE_ERROR ((size_t)-1)
xattn_status xattn_tokenize(const xattn_model* model, xattn_side side, const char* text, size_t length,
                            uint32_t* ids, size_t capacity, size_t* count);
xattn_status xattn_tokenize_known(const xattn_model* model, xattn_side side, const char* text,
                                  size_t length, uint32_t* ids, size_t capacity, size_t* count);
size_t xattn_detokenize(const xattn_model* model, xattn_side side, const uint32_t* ids, size_t count,
                        char* out, size_t capacity);

/* Models converted with a tokenizer (xattn_model_has_tokenizer) carry one
 * per side (models/FORMAT.md, "Tokenizer blob"): then xattn_tokenize and
 * xattn_tokenize_known encode plain text with it (SentencePiece or
 * byte-level BPE, as the original library does; invalid UTF-8 is
 * XATTN_INVALID_ARGUMENT; no end token is appended), taking their scratch
 * from the stack: up to XATTN_TOKENIZE_STACK_BYTES, longer text is
 * XATTN_LIMIT_EXCEEDED. xattn_tokenize_text takes the scratch from the
 * caller instead (8-byte aligned, xattn_tokenize_scratch_bytes(max text
 * bytes) bytes; XATTN_ARENA_TOO_SMALL when smaller) and is xattn_tokenize
 * for models without a tokenizer (scratch unused). xattn_detokenize then
 * decodes as the original library does, leaving out ids the tokenizer has
 * no piece for (language codes, padding). */
#define XATTN_TOKENIZE_STACK_BYTES 1024
int xattn_model_has_tokenizer(const xattn_model* model);
size_t xattn_tokenize_scratch_bytes(const xattn_model* model, xattn_side side, size_t max_text_bytes);
xattn_status xattn_tokenize_text(const xattn_model* model, xattn_side side, const char* text, size_t length,
                                 void* scratch, size_t scratch_size, uint32_t* ids, size_t capacity,
                                 size_t* count);

xattn_status xattn_encode(xattn_session* session, const uint32_t* ids, size_t count);
/* Plain text in (the model's tokenizer, or its text mode; then xattn_encode),
 * working in the session buffer: needs limits.max_text_bytes >= length. */
xattn_status xattn_encode_text(xattn_session* session, const char* text, size_t length);
/* Audio-encoder models (Whisper): a log-mel matrix mel[n_mels][frames] in
   place of source ids; frames at most 2 x max_source_length. */
xattn_status xattn_encode_features(xattn_session* session, const float* mel, uint32_t n_mels, uint32_t frames);
/* Audio-encoder models, 16 kHz mono samples (int16, or float in [-1, 1]):
   the log-mel of the first window (2 x max_source_length frames) is computed
   in the session buffer (needs limits.pcm_input), as openai-whisper pads and
   normalizes it, then encoded. *cut (may be NULL) is set to 1 when the audio
   ran past the window. */
xattn_status xattn_encode_pcm_s16(xattn_session* session, const int16_t* samples, size_t count, int* cut);
xattn_status xattn_encode_pcm_f32(xattn_session* session, const float* samples, size_t count, int* cut);
/* Where a recording of any length is heard by an audio model of its own
   tokens with a short window (models/datespeech: 4 s): the first sample of
   the session's window (2 x max_source_length frames) that holds the
   loudest stretch above the recording's noise floor, the words starting
   0.25 s into it; 0 when they start early enough, when nothing stands out,
   and for a null session or samples or a model that does not take audio.
   Pass samples + that to xattn_encode_pcm_*. No allocation or scratch; it
   reads the samples about a dozen times (xattn/audio.h:
   speech_window_start). Whisper hears its 30 s windows from the start. */
size_t xattn_speech_window_start_s16(const xattn_session* session, const int16_t* samples, size_t count);
size_t xattn_speech_window_start_f32(const xattn_session* session, const float* samples, size_t count);
/* The same window, and how much faster it hears the words when they run
   longer than it (less 0.25 s before them and 0.15 s after: a slow speaker's
   long date): *stretch_milli in thousandths, 1000 when they fit (then *first
   is xattn_speech_window_start_*'s), at most 2000; *first: the first sample
   to hear, lead included. Pass samples + *first and *stretch_milli to
   xattn_encode_pcm_stretched_*. No allocation or scratch (xattn/audio.h:
   speech_window). 0 and 1000 in the cases xattn_speech_window_start_* gives 0. */
void xattn_speech_window_s16(const xattn_session* session, const int16_t* samples, size_t count, size_t* first,
                             uint32_t* stretch_milli);
void xattn_speech_window_f32(const xattn_session* session, const float* samples, size_t count, size_t* first,
                             uint32_t* stretch_milli);
/* xattn_encode_pcm_* heard stretch_milli / 1000 times faster (1000 to 2000). */
xattn_status xattn_encode_pcm_stretched_s16(xattn_session* session, const int16_t* samples, size_t count,
                                            uint32_t stretch_milli, int* cut);
xattn_status xattn_encode_pcm_stretched_f32(xattn_session* session, const float* samples, size_t count,
                                            uint32_t stretch_milli, int* cut);
xattn_status xattn_generate(xattn_session* session, const xattn_generate_options* options);
/* Whisper (xattn/whisper.h's WhisperDecoder): the prompt, the model file's
 * suppress lists, the timestamp rules when asked, Whisper's score; with no
 * language on a multilingual model the language is detected first. The
 * hypotheses (xattn_get_hypothesis) begin with prompt_length forced tokens. */
typedef struct xattn_whisper_options {
  const char* language;     /* a code ("en"), or NULL / "auto": detect it; English-only models take "en" only */
  int translate;            /* 0: <|transcribe|>, else <|translate|> (refused by English-only models) */
  int timestamps;           /* 0: <|notimestamps|> */
  uint32_t beam_size;       /* 1 = greedy */
  uint32_t max_new_tokens;  /* 0 = half the decoder positions (openai-whisper's sample_len) */
} xattn_whisper_options;
typedef struct xattn_whisper_info {
  int detected;             /* the language came from detection */
  uint32_t language_token;  /* the prompt's language token (0 for English-only models) */
  float language_probability;  /* detected only */
  char language[16];        /* its code, NUL-terminated ("" when none) */
  uint32_t prompt_length;   /* forced tokens at the start of each hypothesis */
} xattn_whisper_info;
xattn_whisper_options xattn_whisper_default_options(void);
xattn_status xattn_whisper_generate(xattn_session* session, const xattn_whisper_options* options,
                                    xattn_whisper_info* info);
uint32_t xattn_hypothesis_count(const xattn_session* session);
xattn_status xattn_get_hypothesis(const xattn_session* session, uint32_t index, xattn_hypothesis* out);

#ifdef __cplusplus
}
#endif

#endif /* XATTN_XATTN_H_ */
