#include "protobuf_reader.h"

#include <cstring>

namespace xattn {
namespace convert {

bool ProtoReader::varint(uint64_t* out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at_ == end_) {
      error_ = "protobuf: truncated varint";
      return false;
    }
    const uint8_t byte = *at_++;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *out = value;
      return true;
    }
  }
  error_ = "protobuf: varint longer than 10 bytes";
  return false;
}

bool ProtoReader::next(ProtoField* field) {
  if (at_ == end_ || !error_.empty()) return false;
  uint64_t key = 0;
  if (!varint(&key)) return false;
  const uint64_t number = key >> 3;
  if (number == 0 || number > 0x1fffffff) {
    error_ = "protobuf: field number out of range";
    return false;
  }
  field->number = static_cast<uint32_t>(number);
  field->type = static_cast<WireType>(key & 7);
  field->data = nullptr;
  field->size = 0;
  field->value = 0;
  const size_t left = static_cast<size_t>(end_ - at_);
  switch (key & 7) {
    case 0:
      return varint(&field->value);
    case 1:
      if (left < 8) break;
      for (int i = 0; i < 8; ++i) field->value |= static_cast<uint64_t>(at_[i]) << (8 * i);
      at_ += 8;
      return true;
    case 5:
      if (left < 4) break;
      for (int i = 0; i < 4; ++i) field->value |= static_cast<uint64_t>(at_[i]) << (8 * i);
      at_ += 4;
      return true;
    case 2: {
      uint64_t size = 0;
      if (!varint(&size)) return false;
      if (size > static_cast<uint64_t>(end_ - at_)) break;
      field->data = at_;
      field->size = static_cast<size_t>(size);
      at_ += size;
      return true;
    }
    default:
      error_ = "protobuf: unsupported wire type " + std::to_string(key & 7) + " (field " +
               std::to_string(number) + ")";
      return false;
  }
  error_ = "protobuf: field " + std::to_string(number) + " runs past the end of its message";
  return false;
}

float proto_float(const ProtoField& field) {
  const uint32_t bits = static_cast<uint32_t>(field.value);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace convert
}  // namespace xattn
