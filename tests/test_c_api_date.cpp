// The C API on models/datespeech's committed int8 model and a recording of
// the issue's own example, "Saturday 23 November 2026" (a Monday): what a C
// program or firmware gets for a weekday said wrong, as `xattn transcribe`
// gets it (tests/datespeech/cli_datespeech.sh runs the same recording).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "c_api_session.h"
#include "wav_reader.h"
#include "xattn/date_rule.h"
#include "xattn/xattn.h"

namespace xattn {
namespace {

const std::string kModelDir = XATTN_DATESPEECH_DIR;
const std::string kRecording = XATTN_DATESPEECH_TESTS "/saturday-23-november-2026.wav";

struct Heard {
  std::string date;  // the weekday token left out
  int32_t weekday_missed = 0, date_weekday = 0, no_date = -1;
};

// The recording through the C API as a firmware would run it: the speech
// window, the stretched log-mel, the date rule's beam at `weekday_penalty`.
Heard transcribe(float weekday_penalty) {
  std::ifstream in(kModelDir + "/datespeech-int8.xattn", std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!file.empty());
  xattn_test::AlignedBytes bytes(file);
  xattn_limits limits = xattn_default_limits();
  limits.max_source_length = 200;  // the model's 4 s window
  limits.max_target_length = 12;   // the start token, the weekday, YYYY-MM-DD
  limits.max_beam = XATTN_DATE_RULE_BEAM;
  limits.alignment = 0;
  limits.pcm_input = 1;
  const xattn_test::CApiSession c(bytes.data(), bytes.size(), limits);
  xattn_model* model = c.model;
  xattn_session* session = c.session;

  posix::WavAudio audio;
  const std::string read = posix::read_wav_file(kRecording, &audio);
  REQUIRE_MESSAGE(read.empty(), read);
  REQUIRE(audio.converted_from.empty());  // 16 kHz mono PCM16, as a firmware's clip
  size_t first = 0;
  uint32_t stretch = 0;
  xattn_speech_window_s16(session, audio.s16.data(), audio.s16.size(), &first, &stretch);
  REQUIRE(xattn_encode_pcm_stretched_s16(session, audio.s16.data() + first, audio.s16.size() - first, stretch,
                                         nullptr) == XATTN_OK);
  xattn_generate_options options = xattn_default_options();
  options.date_rule = 1;
  options.beam_size = XATTN_DATE_RULE_BEAM;
  options.weekday_penalty = weekday_penalty;
  REQUIRE_MESSAGE(xattn_generate(session, &options) == XATTN_OK, xattn_session_message(session));
  xattn_hypothesis best;
  REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
  Heard heard;
  for (uint32_t i = 0; i < best.length; ++i) {
    char text[32];
    xattn_detokenize(model, XATTN_TARGET, best.tokens + i, 1, text, sizeof text);
    if (text[0] != '<') heard.date += text;
  }
  heard.weekday_missed = best.weekday_missed;
  heard.date_weekday = best.date_weekday;
  heard.no_date = best.no_date;
  return heard;
}

TEST_CASE("c api: a weekday said wrong gives the date as said, and the hypothesis names both weekdays") {
  const Heard said = transcribe(XATTN_WEEKDAY_PENALTY);
  CHECK(said.date == "2026-11-23");
  CHECK(said.weekday_missed == 5);  // heard Saturday
  CHECK(said.date_weekday == 0);    // 2026-11-23 is a Monday
  CHECK(said.no_date == 0);         // a date was said
  // The strict rule: a Saturday near the 23rd, on the weekday heard, nothing missed.
  const Heard strict = transcribe(INFINITY);
  CAPTURE(strict.date);
  CHECK((strict.date == "2026-11-21" || strict.date == "2026-11-28"));
  CHECK(strict.weekday_missed == kAnyWeekday);
  CHECK(strict.date_weekday == kAnyWeekday);
  CHECK(strict.no_date == 0);
}

}  // namespace
}  // namespace xattn
