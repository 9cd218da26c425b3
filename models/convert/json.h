// A minimal JSON reader for the few small JSON files a CTranslate2 model
// directory holds (config.json, *_vocabulary.json). Host tools only.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace xattn {
namespace convert {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  bool is_null() const { return kind == Kind::kNull; }
  // The member `key` of an object, or nullptr.
  const JsonValue* get(const std::string& key) const;
};

// Parses a whole JSON document. Returns "" on success, else a one-line error
// naming the byte offset.
std::string parse_json(const std::string& text, JsonValue* out);

}  // namespace convert
}  // namespace xattn
