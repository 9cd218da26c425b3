// Portability: the same tokens on every target. Every variant of the shared
// aren model, converted to float32 and to int8, runs the rows of
// portability/aren_rows.c through the C API with the best kernels this CPU
// has; the outputs must equal tests/golden/aren.txt, the host's outputs.
// The cross-compiled suites (aarch64, armhf under qemu-user) and the Cortex-M
// firmware (the int8 lines) compare against the same file.
// XATTN_UPDATE_GOLDEN=1 rewrites the file (on the host, after a deliberate change).
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "portability/aren_rows.h"
#include "test_support.h"

namespace xattn {
namespace {

struct alignas(64) Block {
  uint8_t bytes[64];
};

std::string golden_lines(const std::string& variant, convert::WeightType weights) {
  const std::vector<uint8_t> raw = test::convert_variant(variant, weights);
  std::vector<Block> bytes((raw.size() + 63) / 64);
  std::memcpy(bytes.data(), raw.data(), raw.size());
  static xattn_model_storage storage;
  xattn_model* model = nullptr;
  xattn_error error;
  REQUIRE_MESSAGE(xattn_model_open(bytes.data(), raw.size(), &storage, &model, &error) == XATTN_OK,
                  std::string(error.message));
  const xattn_limits limits = xattn_aren_row_limits();
  std::vector<Block> buffer((xattn_session_buffer_bytes(model, &limits) + 63) / 64);
  xattn_session* session = nullptr;
  REQUIRE_MESSAGE(xattn_session_create(model, &limits, buffer.data(), buffer.size() * 64, &session, &error) ==
                      XATTN_OK,
                  std::string(error.message));
  const std::string name = variant + (weights == convert::WeightType::kInt8 ? "/int8" : "/f32");
  std::ostringstream lines;
  for (size_t i = 0; i < xattn_aren_row_count; ++i) {
    char text[128];
    uint32_t length = 0;
    const xattn_status s = xattn_run_row(session, model, &xattn_aren_rows[i], text, sizeof text, &length);
    const std::string where = name + " row " + std::to_string(i);
    const std::string failed = where + ": " + xattn_session_message(session);
    REQUIRE_MESSAGE(s == XATTN_OK, failed);
    const std::string unexpected = where + ": unexpected output '" + text + "'";
    CHECK_MESSAGE(xattn_row_known_ok(&xattn_aren_rows[i], text, length), unexpected);
    lines << name << '\t' << i << '\t' << text << '\n';
  }
  return lines.str();
}

TEST_CASE("portability: outputs equal the host's golden file (tests/golden/aren.txt)") {
  if (!test::have_shared_models()) return;
  std::string all;
  for (const char* const* v = test::variant_names(); *v; ++v) {
    all += golden_lines(*v, convert::WeightType::kFloat32);
    all += golden_lines(*v, convert::WeightType::kInt8);
  }
  const char* update = std::getenv("XATTN_UPDATE_GOLDEN");
  if (update && std::strcmp(update, "1") == 0) {
    std::ofstream(XATTN_GOLDEN_FILE, std::ios::binary) << all;
    MESSAGE("rewrote " XATTN_GOLDEN_FILE);
    return;
  }
  std::ifstream file(XATTN_GOLDEN_FILE, std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "cannot read " XATTN_GOLDEN_FILE);
  std::stringstream golden;
  golden << file.rdbuf();
  // Line by line, so a failure names the first differing output.
  std::istringstream want(golden.str()), got(all);
  std::string w, g;
  size_t line = 0;
  while (true) {
    const bool more_w = static_cast<bool>(std::getline(want, w));
    const bool more_g = static_cast<bool>(std::getline(got, g));
    ++line;
    if (!more_w && !more_g) break;
    const std::string differs = "line " + std::to_string(line) + ": golden '" + w + "', this target '" + g + "'";
    REQUIRE_MESSAGE(w == g, differs);
  }
}

}  // namespace
}  // namespace xattn
