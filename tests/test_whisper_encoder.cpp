// Whisper's audio encoder: the conv stem (im2col + the linear kernels)
// against its scalar definition on odd shapes, on every kernel path; and
// the whole encoder of the shared random Whisper against CTranslate2
// 4.8.1's output for mel input 0 (encoder-out-000.f32, [frames / 2 x d_model]).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_tables.h"
#include "nn/conv1d.h"
#include "nn/linear.h"
#include "whisper_model_support.h"
#include "xattn/arena.h"
#include "xattn/session.h"

using namespace xattn;

namespace {

// max |a[i] - b[i]| in double. A plain comparison, not std::fmax: aarch64
// g++ 12's vectorizer stops with an internal compiler error on fmax
// reductions in this file.
double max_abs_difference(const float* a, const float* b, size_t n) {
  double worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double difference = std::fabs(double(a[i]) - double(b[i]));
    if (difference > worst) worst = difference;
  }
  return worst;
}

// im2col + linear on `table` equals the definition, float32 and int8 weights.
void check_conv(const kernels::KernelTable& table, size_t in, size_t out, size_t frames, size_t stride,
                ConvLayout layout, bool int8) {
  std::mt19937 rng(static_cast<uint32_t>(in * 131 + out * 7 + frames + stride));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const size_t k = in * kConvKernel, t = conv_out_frames(frames, stride);
  std::vector<float> x(in * frames), w(out * k), bias(out), scales(out);
  std::vector<int8_t> q(out * k);
  for (float& v : x) v = u(rng);
  for (float& v : w) v = u(rng);
  for (float& v : bias) v = u(rng);
  for (size_t o = 0; o < out; ++o) {
    float m = 0.0f;
    for (size_t j = 0; j < k; ++j) m = std::fabs(w[o * k + j]) > m ? std::fabs(w[o * k + j]) : m;
    scales[o] = 127.0f / m;
    for (size_t j = 0; j < k; ++j) q[o * k + j] = static_cast<int8_t>(std::lrint(w[o * k + j] * scales[o]));
  }
  LinearView conv;
  conv.weight.rows = static_cast<uint32_t>(out);
  conv.weight.cols = static_cast<uint32_t>(k);
  conv.bias = bias.data();
  if (int8) {
    conv.weight.dtype = format::DType::kInt8;
    conv.weight.kernel = LinearKernel::kInt8;
    conv.weight.data = q.data();
    conv.weight.scales = scales.data();
  } else {
    conv.weight.data = w.data();
  }
  std::vector<float> columns(t * k), got(t * out), expected(t * out);
  std::vector<int8_t> quantized(t * k);
  std::vector<float> quantized_scales(t);
  LinearContext context;
  context.kernels = &table;
  context.quantized = quantized.data();
  context.quantized_scales = quantized_scales.data();
  conv_im2col(x.data(), layout, in, frames, stride, 0, t, columns.data());
  linear(context, conv, columns.data(), t, got.data());
  conv1d_reference(conv, x.data(), layout, in, frames, stride, expected.data());
  // float32: summation order only. int8: the activations are quantized per
  // row (127 levels), so the error scales with the row's largest input.
  const double tolerance = int8 ? 0.02 * std::sqrt(static_cast<double>(k)) : 1e-5 * std::sqrt(static_cast<double>(k));
  const double worst = max_abs_difference(got.data(), expected.data(), got.size());
  INFO(table.name << " in " << in << " out " << out << " frames " << frames << " stride " << stride << " int8 " << int8);
  CHECK(worst <= tolerance);
}

void check_conv_shapes(const kernels::KernelTable& table) {
  for (bool int8 : {false, true}) {
    check_conv(table, 5, 7, 11, 1, ConvLayout::kChannelMajor, int8);
    check_conv(table, 13, 17, 9, 2, ConvLayout::kTimeMajor, int8);
    check_conv(table, 80, 33, 1, 1, ConvLayout::kChannelMajor, int8);
    check_conv(table, 33, 33, 2, 2, ConvLayout::kTimeMajor, int8);
    check_conv(table, 19, 40, 31, 2, ConvLayout::kTimeMajor, int8);
  }
}

}  // namespace

TEST_CASE("whisper encoder: conv stem as im2col + linear matches the definition (scalar)") {
  check_conv_shapes(kernels::reference_kernels());
}
XATTN_TABLE_CASE("whisper encoder: conv stem as im2col + linear matches the definition (avx2)", "avx2") {
  check_conv_shapes(*kernels::kernels_by_name("avx2"));
}
XATTN_TABLE_CASE("whisper encoder: conv stem as im2col + linear matches the definition (neon)", "neon") {
  check_conv_shapes(*kernels::kernels_by_name("neon"));
}

TEST_CASE("whisper encoder: im2col pads with zeros and strides by frames") {
  // 2 channels x 3 frames, channel-major: channel 0 = 1 2 3, channel 1 = 4 5 6.
  const float x[] = {1, 2, 3, 4, 5, 6};
  float columns[2 * 6];
  conv_im2col(x, ConvLayout::kChannelMajor, 2, 3, 2, 0, 2, columns);  // frames 0 and 2
  const float expected[] = {0, 1, 2, 0, 4, 5, 2, 3, 0, 5, 6, 0};
  for (size_t i = 0; i < 12; ++i) CHECK(columns[i] == expected[i]);
  // A chunk starting later: output frame 1 only, of a time-major input.
  const float time_major[] = {1, 4, 2, 5, 3, 6};
  conv_im2col(time_major, ConvLayout::kTimeMajor, 2, 3, 2, 1, 1, columns);
  for (size_t i = 0; i < 6; ++i) CHECK(columns[i] == expected[6 + i]);
}

namespace {

// Encodes mel-000 on `path` and returns the largest |difference| to CTranslate2's output.
double encoder_difference(const test::OpenWhisper& model, const char* path) {
  const test::WhisperData data = test::whisper_data();
  Limits limits;
  limits.max_source_length = static_cast<uint32_t>(conv_out_frames(data.frames, 2));
  limits.max_target_length = 48;
  limits.max_beam = 4;
  std::vector<uint8_t> storage(arena_bytes(model.view->config, limits) + kArenaAlignment);
  void* arena = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
  Session session;
  Status s = session.init_with_kernel_path(*model.view, limits, arena, storage.size() - kArenaAlignment, path);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  const std::vector<float> mel = test::whisper_mel(0);
  REQUIRE(mel.size() == data.mel_values());
  s = session.encode_features(mel.data(), data.n_mels, data.frames);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  CHECK(session.source_length() == limits.max_source_length);
  const std::vector<float> golden = test::read_f32_file(test::whisper_dir() + "/encoder-out-000.f32");
  REQUIRE(golden.size() == size_t{session.source_length()} * model.view->config.d_model);
  std::vector<float> out(golden.size());
  s = session.copy_encoder_output(out.data(), out.size());
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return max_abs_difference(out.data(), golden.data(), out.size());
}

}  // namespace

TEST_CASE("whisper encoder: float32 output of mel-000 within 1e-4 of CTranslate2's, every kernel path") {
  if (!test::have_whisper()) return;
  test::OpenWhisper model;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &model);
  const char* paths[] = {"scalar", "sse4.2", "avx2", "avx512", "neon", "neon-dotprod"};
  size_t ran = 0;
  for (const char* path : paths) {
    if (kernels::kernels_by_name(path) == nullptr) continue;
    const double worst = encoder_difference(model, path);
    MESSAGE(std::string(path) << ": max |encoder - CTranslate2| = " << worst);
    CHECK(worst <= 1e-4);
    ++ran;
  }
  CHECK(ran >= 1);
}

TEST_CASE("whisper encoder: sessions check what encode_features is given") {
  if (!test::have_whisper()) return;
  test::OpenWhisper model;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &model);
  const test::WhisperData data = test::whisper_data();
  REQUIRE(data.frames >= 4);
  const uint32_t source = data.frames / 4;  // room for the frame counts below
  Limits limits;
  limits.max_source_length = source;
  limits.max_target_length = 16;
  std::vector<uint8_t> storage(arena_bytes(model.view->config, limits) + kArenaAlignment);
  void* arena = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
  Session session;
  REQUIRE(session.init(*model.view, limits, arena, storage.size() - kArenaAlignment).is_ok());
  std::vector<float> mel = test::whisper_mel(1);
  REQUIRE(mel.size() == data.mel_values());
  const uint32_t n = data.n_mels;
  const uint32_t ids[] = {1, 2};
  CHECK(session.encode(ids, 2).code() == StatusCode::kInvalidArgument);
  const Status text = session.encode_text("a", 1);
  CHECK(text.code() == StatusCode::kInvalidArgument);
  CHECK(std::string(text.message()) == "encode_text: this model's encoder takes log-mel features: use encode_features()");
  CHECK(session.encode_features(mel.data(), n - 1, 2 * source).code() == StatusCode::kInvalidArgument);
  CHECK(session.encode_features(mel.data(), n, 0).code() == StatusCode::kInvalidArgument);
  CHECK(session.encode_features(mel.data(), n, 2 * source + 1).code() == StatusCode::kLimitExceeded);
  mel[5] = std::nanf("");
  CHECK(session.encode_features(mel.data(), n, 2 * source).code() == StatusCode::kInvalidArgument);
  mel[5] = 0.5f;
  // Odd frame counts: the stride-2 conv keeps (frames - 1) / 2 + 1 frames.
  REQUIRE(session.encode_features(mel.data(), n, 2 * source - 1).is_ok());
  CHECK(session.source_length() == source);
  REQUIRE(session.encode_features(mel.data(), n, 1).is_ok());
  CHECK(session.source_length() == 1);
}
