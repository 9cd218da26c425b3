#include "xattn/status.h"

namespace xattn {

Status Status::error(StatusCode code) {
  Status s;
  s.code_ = code;
  return s;
}

Status& Status::add(const char* text) {
  // Leave room for the terminator; a message too long is cut, never overflowed.
  while (text && *text && length_ + 1u < kMaxMessage) message_[length_++] = *text++;
  message_[length_] = '\0';
  return *this;
}

Status& Status::add(uint64_t value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[24];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = '\0';
  return add(text);
}

Status& Status::add_int(int64_t value) {
  if (value < 0) {
    add("-");
    return add(static_cast<uint64_t>(-(value + 1)) + 1u);
  }
  return add(static_cast<uint64_t>(value));
}

Status& Status::add_dims(uint32_t rows, uint32_t cols) {
  add(static_cast<uint64_t>(rows));
  add("x");
  return add(static_cast<uint64_t>(cols));
}

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kBadModel: return "bad model";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kArenaTooSmall: return "arena too small";
    case StatusCode::kMisaligned: return "misaligned buffer";
    case StatusCode::kLimitExceeded: return "limit exceeded";
    case StatusCode::kNotReady: return "not ready";
  }
  return "unknown";
}

}  // namespace xattn
