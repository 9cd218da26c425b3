// Status: how every fallible runtime call reports failure without exceptions.
//
// A Status carries a code a program can branch on and a short, specific,
// human-readable message ("tensor decoder/layer_3/ffn/linear_0/weight:
// expected 128x32, got 32x128"). The message lives inside the Status itself,
// so building one never allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xattn {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,   // a caller-supplied value is out of range
  kBadModel,          // the model bytes are malformed, corrupted or inconsistent
  kUnsupported,       // well-formed, but a feature this build does not run
  kArenaTooSmall,     // the caller's arena cannot hold the session
  kMisaligned,        // a buffer does not have the alignment the runtime needs
  kLimitExceeded,     // input or option beyond the session limits
  kNotReady,          // call order: e.g. generate() before encode()
};

class Status {
 public:
  static constexpr size_t kMaxMessage = 160;

  constexpr Status() = default;
  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const char* message() const { return code_ == StatusCode::kOk ? "ok" : message_; }

  // Builders: a Status is made with a code and then composed by appending
  // pieces, e.g. Status::error(kBadModel).add("tensor ").add(name).add(": ...").
  static Status error(StatusCode code);
  Status& add(const char* text);
  Status& add(uint64_t value);
  Status& add_int(int64_t value);
  Status& add_dims(uint32_t rows, uint32_t cols);  // "128x32"

 private:
  StatusCode code_ = StatusCode::kOk;
  uint8_t length_ = 0;
  char message_[kMaxMessage] = {};
};

const char* status_code_name(StatusCode code);

}  // namespace xattn
