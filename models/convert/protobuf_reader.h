// A minimal protobuf wire-format reader (varints, fixed 32/64-bit fields and
// length-delimited fields), enough to read SentencePiece's ModelProto. Every
// length is checked against the bytes left; malformed input is an error
// message, never a read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xattn {
namespace convert {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;           // varint, fixed32 or fixed64 value
  const uint8_t* data = nullptr; // bytes of a length-delimited field
  size_t size = 0;
};

class ProtoReader {
 public:
  ProtoReader(const void* data, size_t size)
      : at_(static_cast<const uint8_t*>(data)), end_(at_ + size) {}

  // Reads the next field into *field. Returns false at the end of the
  // message or on malformed bytes (then error() says what).
  bool next(ProtoField* field);
  const std::string& error() const { return error_; }

 private:
  bool varint(uint64_t* out);
  const uint8_t* at_;
  const uint8_t* end_;
  std::string error_;
};

// A fixed32 field's bits as a float.
float proto_float(const ProtoField& field);

}  // namespace convert
}  // namespace xattn
