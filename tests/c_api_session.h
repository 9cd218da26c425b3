// A C API model and session for tests: the model opened from aligned bytes
// the caller keeps alive, its handle's storage and a session buffer sized by
// xattn_session_buffer_bytes for `limits`, all held here.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>

#include "aligned_bytes.h"
#include "xattn/xattn.h"

namespace xattn_test {

struct CApiSession {
  CApiSession(const uint8_t* model_bytes, size_t size, const xattn_limits& limits) {
    xattn_error error;
    REQUIRE_MESSAGE(xattn_model_open(model_bytes, size, &storage, &model, &error) == XATTN_OK, error.message);
    const size_t need = xattn_session_buffer_bytes(model, &limits);
    REQUIRE(need > 0);
    buffer.reset(new AlignedBytes(nullptr, need));
    REQUIRE_MESSAGE(xattn_session_create(model, &limits, buffer->data(), need, &session, &error) == XATTN_OK,
                    error.message);
  }
  xattn_model_storage storage;
  xattn_model* model = nullptr;
  std::unique_ptr<AlignedBytes> buffer;
  xattn_session* session = nullptr;
};

}  // namespace xattn_test
