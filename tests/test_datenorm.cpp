// The project's own model, models/datenorm/ (free-form dates -> ISO 8601):
// the committed files normalize typed dates, match PyTorch (parity.txt,
// written by models/datenorm/train.py), keep the held-out accuracy
// (heldout.tsv, regenerated from the seed by train.py), and the alignment
// SVG writer draws what it is given. XATTN_DATENORM_DIR overrides the folder
// (e.g. to show that a perturbed weight breaks parity).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "alignment_svg.h"
#include "quantize.h"
#include "translator.h"
#include "xattn_import.h"
#include "xattn_writer.h"
#include "xattn/text.h"

namespace {

using xattn::posix::TranslateOutput;
using xattn::posix::TranslateRequest;
using xattn::posix::Translator;

std::string datenorm_dir() {
  const char* env = std::getenv("XATTN_DATENORM_DIR");
  return env ? env : XATTN_DATENORM_DIR;
}

// A session over one committed model file, with teacher forcing at hand.
struct Loaded {
  Translator translator;
  std::unique_ptr<uint8_t[]> arena_storage;
  xattn::Session session;  // a second session on the same model, for forced_logits
};

// The name load() takes for datenorm-f32.xattn quantized to int4 in memory,
// as `xattn convert xattn datenorm-f32.xattn --weights int4` does.
const char kInt4Model[] = "datenorm-f32.xattn -> int4";

std::vector<uint8_t> int4_bytes() {
  std::ifstream file(datenorm_dir() + "/datenorm-f32.xattn", std::ios::binary);
  const std::string f32((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  xattn::convert::ImportResult imported;
  std::string error = xattn::convert::import_xattn_bytes(f32, xattn::convert::WeightType::kInt4, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  std::vector<uint8_t> bytes;
  error = xattn::convert::write_xattn_model(imported.model, &bytes);
  REQUIRE_MESSAGE(error.empty(), error);
  return bytes;
}

std::unique_ptr<Loaded> load(const std::string& name) {
  auto m = std::make_unique<Loaded>();
  std::string error = name == kInt4Model ? m->translator.open_bytes(int4_bytes())
                                         : m->translator.open_file(datenorm_dir() + "/" + name);
  REQUIRE_MESSAGE(error.empty(), error);
  xattn::Limits limits;
  limits.max_beam = 1;
  error = m->translator.start(limits);
  REQUIRE_MESSAGE(error.empty(), error);
  const size_t bytes = xattn::arena_bytes(m->translator.model().config, limits);
  m->arena_storage.reset(new uint8_t[bytes + 64]);
  uint8_t* arena = m->arena_storage.get() + (64 - reinterpret_cast<uintptr_t>(m->arena_storage.get()) % 64) % 64;
  const xattn::Status s = m->session.init(m->translator.model(), limits, arena, bytes);
  REQUIRE_MESSAGE(s, s.message());
  return m;
}

std::string normalize(Loaded& m, const std::string& input) {
  TranslateOutput o;
  const std::string error = m.translator.translate(input, TranslateRequest(), &o);
  REQUIRE_MESSAGE(error.empty(), error);
  return o.text;
}

std::vector<uint32_t> ids(const xattn::ModelView& model, xattn::Side side, const std::string& text) {
  std::vector<uint32_t> out(text.size() + 1);
  size_t count = 0;
  const xattn::Status s = xattn::tokenize(model, side, text.data(), text.size(), out.data(), out.size(), &count);
  REQUIRE_MESSAGE(s, s.message());
  out.resize(count);
  return out;
}

struct ParityCase {
  std::string input, output;
  std::vector<std::vector<float>> logits;  // one row per decoding step, </s> included
};

std::vector<ParityCase> read_parity() {
  std::ifstream file(datenorm_dir() + "/parity.txt");
  REQUIRE_MESSAGE(file.good(), "cannot open parity.txt in " << datenorm_dir());
  std::vector<ParityCase> cases;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("case\t", 0) == 0) {
      const size_t tab = line.find('\t', 5);
      REQUIRE(tab != std::string::npos);
      cases.push_back(ParityCase{line.substr(5, tab - 5), line.substr(tab + 1), {}});
      continue;
    }
    REQUIRE(!cases.empty());
    std::istringstream row(line);
    cases.back().logits.emplace_back(std::istream_iterator<float>(row), std::istream_iterator<float>());
  }
  return cases;
}

// Checks greedy tokens against PyTorch's and returns the largest logit error.
float parity(Loaded& m, const std::vector<ParityCase>& cases) {
  const xattn::ModelView& model = m.translator.model();
  const uint32_t vocab = model.config.target_vocab_size;
  float worst = 0.0f;
  for (const ParityCase& c : cases) {
    INFO("input: " << c.input);
    CHECK(normalize(m, c.input) == c.output);
    std::vector<uint32_t> target = ids(model, xattn::Side::kTarget, c.output);
    target.push_back(model.config.target_tokens.eos);
    REQUIRE(c.logits.size() == target.size());
    const std::vector<uint32_t> source = ids(model, xattn::Side::kSource, c.input);
    REQUIRE(m.session.encode(source.data(), source.size()));
    std::vector<float> logits(target.size() * vocab);
    REQUIRE(m.session.forced_logits(target.data(), target.size(), logits.data()));
    for (size_t step = 0; step < target.size(); ++step) {
      REQUIRE(c.logits[step].size() == vocab);
      for (uint32_t v = 0; v < vocab; ++v)
        worst = std::max(worst, std::fabs(logits[step * vocab + v] - c.logits[step][v]));
    }
  }
  return worst;
}

// Every element closed, in order (a small well-formedness check: no XML parser here).
bool balanced_tags(const std::string& xml) {
  std::vector<std::string> open;
  for (size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    const size_t end = xml.find('>', at);
    if (end == std::string::npos) return false;
    const std::string tag = xml.substr(at + 1, end - at - 1);
    if (tag.empty() || tag[0] == '?') continue;
    const std::string name = tag.substr(tag[0] == '/', tag.find_first_of(" />", 1) - (tag[0] == '/'));
    if (tag[0] == '/') {
      if (open.empty() || open.back() != name) return false;
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(name);
    }
  }
  return open.empty();
}

}  // namespace

TEST_CASE("datenorm: the committed int8 model normalizes dates as people type them") {
  auto m = load("datenorm-int8.xattn");
  const char* const cases[][2] = {
      {"23 nov 2026", "2026-11-23"},           {"sat 23 nov 2026", "2026-11-23"},
      {"Saturday, 23 November 2026", "2026-11-23"}, {"November 23rd, 2026", "2026-11-23"},
      {"nov 23, 2026", "2026-11-23"},          {"23rd november 2026", "2026-11-23"},
      {"23/11/26", "2026-11-23"},              {"20261123", "2026-11-23"},
      {"2026-11-23", "2026-11-23"},            {"1 Jan 1950", "1950-01-01"},
      {"31.12.2049", "2049-12-31"},            {"29 february 2000", "2000-02-29"},
      {"THURSDAY, JULY 4TH, 1976", "1976-07-04"}, {"4/7/76", "1976-07-04"},
      {"the 2nd of march, 49", "2049-03-02"},  {"Sept. 9 '99", "1999-09-09"},
      {"tues 1 oct 1985", "1985-10-01"},       {"12-Oct-50", "1950-10-12"},
      {"03.04.2012", "2012-04-03"},            {"Wed, 17 Aug 1960", "1960-08-17"},
      {"nov 23 \u201926", "2026-11-23"},          {"23\u201311\u20132026", "2026-11-23"},  // phone typography
      {"23 nov 2026 \u00e9", "2026-11-23"},       {"Mar-01-2020", "2020-03-01"},
  };
  for (const auto& c : cases) CHECK_MESSAGE(normalize(*m, c[0]) == c[1], c[0]);
}

TEST_CASE("datenorm: float32 matches PyTorch (logits within 1e-4, same greedy tokens)") {
  auto m = load("datenorm-f32.xattn");
  const std::vector<ParityCase> cases = read_parity();
  REQUIRE(cases.size() >= 10);
  const float worst = parity(*m, cases);
  MESSAGE("float32: max |logit - PyTorch| = " << worst << " over " << cases.size() << " inputs");
  CHECK(worst <= 1e-4f);
}

TEST_CASE("datenorm: int8 gives PyTorch's greedy tokens (logit error reported)") {
  auto m = load("datenorm-int8.xattn");
  const std::vector<ParityCase> cases = read_parity();
  const float worst = parity(*m, cases);
  MESSAGE("int8: max |logit - PyTorch| = " << worst << " over " << cases.size() << " inputs");
  CHECK(worst < 1.0f);  // int8 weights move logits by a few hundredths; a broken model moves them by units
}

TEST_CASE("datenorm: the int8 file is exactly the int8 quantization of the float32 file") {
  // So a change to either file (a perturbed weight) shows up here, even when
  // it moves int8 logits too little to change a token.
  auto read = [](const std::string& name) {
    std::ifstream file(datenorm_dir() + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(file.good(), "cannot open " << name);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  };
  const std::vector<uint8_t> f32 = read("datenorm-f32.xattn"), i8 = read("datenorm-int8.xattn");
  auto u32 = [](const std::vector<uint8_t>& b, size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
  };
  auto u64 = [](const std::vector<uint8_t>& b, size_t at) {
    uint64_t v;
    std::memcpy(&v, b.data() + at, 8);
    return v;
  };
  REQUIRE(f32.size() > 192);
  REQUIRE(i8.size() > 192);
  CHECK(std::memcmp(f32.data() + 64, i8.data() + 64, 128) == 0);  // the same config block
  const uint32_t count = u32(i8, 56);
  REQUIRE(count == u32(f32, 56));
  size_t quantized = 0;
  for (uint32_t t = 0; t < count; ++t) {
    const size_t a = u32(f32, 52) + 48u * t, b = u32(i8, 52) + 48u * t;
    INFO("tensor id " << u32(i8, b));
    REQUIRE(u32(f32, a) == u32(i8, b));
    REQUIRE(f32[a + 4] == 0);  // float32 in the float file
    const uint32_t rows = u32(f32, a + 8), cols = u32(f32, a + 12);
    REQUIRE((rows == u32(i8, b + 8) && cols == u32(i8, b + 12)));
    std::vector<float> w(static_cast<size_t>(rows) * cols);
    REQUIRE(u64(f32, a + 16) + w.size() * 4 <= f32.size());
    std::memcpy(w.data(), f32.data() + u64(f32, a + 16), w.size() * 4);
    if (i8[b + 4] == 0) {
      CHECK(std::memcmp(w.data(), i8.data() + u64(i8, b + 16), w.size() * 4) == 0);
      continue;
    }
    std::vector<int8_t> q(w.size());
    std::vector<float> scales(rows);
    xattn::convert::quantize_rows(w.data(), rows, cols, q.data(), scales.data());
    REQUIRE(u64(i8, b + 32) + rows * 4 <= i8.size());
    CHECK(std::memcmp(q.data(), i8.data() + u64(i8, b + 16), q.size()) == 0);
    CHECK(std::memcmp(scales.data(), i8.data() + u64(i8, b + 32), rows * 4) == 0);
    ++quantized;
  }
  CHECK(quantized == 2 + 4 * 2 + 7 * 2 + 1);  // embeddings, encoder and decoder matrices, projection
}

TEST_CASE("datenorm: held-out exact match of the committed models, and of int4, is at least 99.5%") {
  std::ifstream file(datenorm_dir() + "/heldout.tsv");
  REQUIRE(file.good());
  std::vector<std::pair<std::string, std::string>> heldout;
  std::string line;
  while (std::getline(file, line)) {
    const size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    heldout.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  REQUIRE(heldout.size() >= 2000);
  for (const char* name : {"datenorm-f32.xattn", "datenorm-int8.xattn", kInt4Model}) {
    auto m = load(name);
    size_t right = 0;
    for (const auto& example : heldout) right += normalize(*m, example.first) == example.second;
    const double accuracy = static_cast<double>(right) / static_cast<double>(heldout.size());
    MESSAGE(std::string(name) << ": " << right << " / " << heldout.size() << " exact (" << 100.0 * accuracy << "%)");
    CHECK(accuracy >= 0.995);
  }
}

TEST_CASE("convert xattn: a file read back and written again is the same file, and int8 is the committed int8") {
  auto read = [](const std::string& name) {
    std::ifstream file(datenorm_dir() + "/" + name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  };
  const std::string f32 = read("datenorm-f32.xattn"), i8 = read("datenorm-int8.xattn");
  REQUIRE(!f32.empty());
  const std::pair<xattn::convert::WeightType, const std::string*> cases[] = {
      {xattn::convert::WeightType::kFloat32, &f32}, {xattn::convert::WeightType::kInt8, &i8}};
  for (const auto& c : cases) {
    xattn::convert::ImportResult imported;
    std::string error = xattn::convert::import_xattn_bytes(f32, c.first, &imported);
    REQUIRE_MESSAGE(error.empty(), error);
    imported.model.pack_weights = false;  // the committed files are row-major
    std::vector<uint8_t> bytes;
    error = xattn::convert::write_xattn_model(imported.model, &bytes);
    REQUIRE_MESSAGE(error.empty(), error);
    CHECK(std::string(bytes.begin(), bytes.end()) == *c.second);
  }
  xattn::convert::ImportResult broken;
  CHECK(xattn::convert::import_xattn_bytes(f32.substr(0, f32.size() - 1), xattn::convert::WeightType::kInt4, &broken)
            .find("not a valid xattn model") == 0);
}

TEST_CASE("alignment svg: one cell per weight, escaped labels, a well-formed document") {
  xattn::posix::AlignmentPlot plot;
  plot.title = "\"a<b\" -> x&y";
  plot.source = {"a", "<", " ", "b"};
  plot.target = {"x", "&", "y"};
  for (size_t i = 0; i < 12; ++i) plot.weights.push_back(static_cast<float>(i % 4) / 3.0f);
  const std::string svg = xattn::posix::alignment_svg(plot);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.size() > 6);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(count("class=\"cell\"") == 12);
  CHECK(count("class=\"src\"") == 4);
  CHECK(count("class=\"tgt\"") == 3);
  CHECK(count("<text") == count("</text>"));
  CHECK(balanced_tags(svg));
  CHECK(svg.find(">&lt;</text>") != std::string::npos);
  CHECK(svg.find(">&amp;</text>") != std::string::npos);
  CHECK(svg.find("\xE2\x90\xA3") != std::string::npos);  // the space token, made visible
  CHECK(svg.find("a<b") == std::string::npos);
  CHECK(svg.find("linearGradient") != std::string::npos);  // the colour scale
  CHECK(xattn::posix::numbered_path("out/a.svg", 1) == "out/a.svg");
  CHECK(xattn::posix::numbered_path("out/a.svg", 3) == "out/a-3.svg");
  CHECK(xattn::posix::numbered_path("out.d/a", 2) == "out.d/a-2");
}

TEST_CASE("datenorm: the alignment of a real date has one row per output character") {
  auto m = load("datenorm-int8.xattn");
  TranslateRequest request;
  request.alignment = true;
  TranslateOutput o;
  const std::string error = m->translator.translate("23/11/26", request, &o);
  REQUIRE_MESSAGE(error.empty(), error);
  CHECK(o.text == "2026-11-23");
  REQUIRE(o.ids.size() == 10);
  REQUIRE(o.source_length == 8);
  REQUIRE(o.alignment.size() == 80);
  for (size_t t = 0; t < 10; ++t) {
    float sum = 0.0f;
    for (size_t j = 0; j < 8; ++j) sum += o.alignment[t * 8 + j];
    CHECK(sum == doctest::Approx(1.0f).epsilon(1e-4));
  }
}
