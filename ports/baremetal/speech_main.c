/* The speech firmware: the project's spoken-date model (models/datespeech,
 * int8) and its demo clips in flash. For each clip it computes Whisper's
 * log-mel on the device from where the words are (xattn_speech_window_s16:
 * the loudest 4 s above the noise floor, the words 0.25 s in, and words that
 * run longer heard faster to fit, as the host's `xattn transcribe` hears a
 * recording) with xattn_encode_pcm_stretched_s16 (the front end and the
 * encoder in one call), decodes to `YYYY-MM-DD` by a beam search (of 4 unless built with
 * XATTN_SPEECH_BEAM) under the date rule
 * (a real date, on the weekday the model heard, weighed whole: xattn/date_rule.h; or `no date`
 * from a model whose vocabulary has <|nodate|>), and prints it with
 * the cycles each stage took. One static session buffer, no heap. Exits 0
 * only when every output equals the host's `xattn transcribe` output on the
 * same model file (compiled in at build time), 1 otherwise; whether a date
 * is right is printed beside it (the model is not perfect, the port must be
 * exact). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "speech_clips.h"
#include "speech_datespeech_model.h"
#include "xattn/xattn.h"

#ifndef XATTN_BOARD
#define XATTN_BOARD "unknown board"
#endif

static xattn_model_storage model_storage;

/* Where the date's text starts: after a weekday token (<|friday|>) the model output first. */
static uint32_t date_start(const xattn_model* model, const xattn_hypothesis* h) {
  char first[16] = "";
  if (h->length == 0) return 0;
  xattn_detokenize(model, XATTN_TARGET, h->tokens, 1, first, sizeof first);
  return first[0] == '<' && first[1] == '|' ? 1 : 0;
}

static uint8_t session_buffer[SPEECH_DATESPEECH_MODEL_SESSION_BYTES] __attribute__((aligned(64)));

int main(void) {
  xattn_model* model = NULL;
  xattn_session* session = NULL;
  xattn_error error;
  xattn_limits limits = xattn_default_limits();
  uint64_t total = 0;
  size_t i, right = 0;
  int failures = 0;
  clock_start();
  limits.max_source_length = SPEECH_DATESPEECH_MODEL_MAX_SOURCE;
  limits.max_target_length = SPEECH_DATESPEECH_MODEL_MAX_TARGET;
  limits.max_beam = SPEECH_DATESPEECH_MODEL_MAX_BEAM;
  limits.alignment = 0;
  limits.pcm_input = 1;
  limits.kv_cache = (xattn_kv_precision)SPEECH_DATESPEECH_MODEL_KV_CACHE;  /* as embedded (int8: less SRAM) */
  limits.self_kv_cache = (xattn_kv_precision)SPEECH_DATESPEECH_MODEL_SELF_KV_CACHE;
  printf("xattn speech firmware on %s: datespeech int8, model %u bytes, session buffer %u bytes, beam %u, %u clips\n",
         XATTN_BOARD, (unsigned)SPEECH_DATESPEECH_MODEL_BYTES, (unsigned)sizeof session_buffer,
         (unsigned)SPEECH_DATESPEECH_MODEL_MAX_BEAM, (unsigned)xattn_speech_clip_count);
  if (xattn_model_open(speech_datespeech_model, SPEECH_DATESPEECH_MODEL_BYTES, &model_storage, &model, &error) !=
          XATTN_OK ||
      xattn_session_create(model, &limits, session_buffer, sizeof session_buffer, &session, &error) != XATTN_OK) {
    printf("FAIL: %s\nFAIL\n", error.message);
    return 1;
  }
  for (i = 0; i < xattn_speech_clip_count; ++i) {
    const xattn_speech_clip* clip = &xattn_speech_clips[i];
    xattn_generate_options options = xattn_default_options();
    xattn_hypothesis best;
    char text[64] = "";
    int same;
    const uint64_t t0 = clock_cycles();
    size_t first = 0;
    uint32_t stretch = 1000;
    xattn_speech_window_s16(session, clip->samples, clip->count, &first, &stretch);
    const uint64_t tw = clock_cycles();
    xattn_status s = xattn_encode_pcm_stretched_s16(session, clip->samples + first, clip->count - first, stretch, NULL);
    const uint64_t t1 = clock_cycles();
    options.date_rule = 1;
    options.beam_size = SPEECH_DATESPEECH_MODEL_MAX_BEAM;
    if (s == XATTN_OK) s = xattn_generate(session, &options);
    if (s == XATTN_OK) s = xattn_get_hypothesis(session, 0, &best);
    if (s == XATTN_OK && best.no_date) {
      strcpy(text, "no date"); /* a model with <|nodate|> heard none: printed as the host's transcribe prints it */
    } else if (s == XATTN_OK) {
      const uint32_t skip = date_start(model, &best);
      if (xattn_detokenize(model, XATTN_TARGET, best.tokens + skip, best.length - skip, text, sizeof text) >= sizeof text)
        s = XATTN_LIMIT_EXCEEDED;
    }
    const uint64_t t2 = clock_cycles();
    total += t2 - t0;
    if (s != XATTN_OK) {
      printf("FAIL: %s: %s: %s\n", clip->file, xattn_status_name(s), xattn_session_message(session));
      ++failures;
      continue;
    }
    same = strcmp(text, clip->host) == 0;
    right += strcmp(text, clip->expected) == 0;
    /* The line format .ci/baremetal.sh diffs against the host's transcribe output. */
    printf("speech\t%s\t%s\n", clip->file, text);
    printf("#   \"%s\" -> %s (%s); heard from %u.%02u s at %u.%03ux; cycles: finding it %" PRIu64 ", front end + encoder %" PRIu64
           ", decoder %" PRIu64 " [%s]\n",
           clip->said, text, strcmp(text, clip->expected) == 0 ? "right" : "wrong", (unsigned)(first / 16000),
           (unsigned)(first % 16000 / 160), (unsigned)(stretch / 1000), (unsigned)(stretch % 1000), tw - t0, t1 - tw, t2 - t1,
           same ? "ok" : "FAIL, not the host's output");
    failures += !same;
  }
  printf("%u clips, %u dates right, %d differ from the host, %" PRIu64 " cycles in all (%s; emulated time under QEMU)\n",
         (unsigned)xattn_speech_clip_count, (unsigned)right, failures, total, clock_source());
  printf(failures || xattn_speech_clip_count == 0 ? "FAIL\n" : "PASS\n");
  return failures || xattn_speech_clip_count == 0 ? 1 : 0;
}
