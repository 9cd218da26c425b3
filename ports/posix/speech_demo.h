// xattn demo --speech: the project's spoken-date model on its committed demo
// clips, with front end / encoder / decoder latency per clip.
#pragma once

#include <iosfwd>
#include <string>

namespace xattn {
namespace posix {

// model, clips: "" for the committed model and clips (models/datespeech/).
int run_speech_demo(const std::string& model, const std::string& clips, std::ostream& out, std::ostream& err);

}  // namespace posix
}  // namespace xattn
