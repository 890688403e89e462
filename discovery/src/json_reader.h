// Reading fields of a JSON object with the path kept, so every decoding error says where it is
// ("spec.ports[1].port: must be 1..65535"). Absent and null fields read as their default, as the
// API server treats them.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "sluice/discovery/objects.h"

namespace sluice::discovery::detail {

class JsonReader {
 public:
  JsonReader(const boost::json::object* object, std::string path)
      : object_(object), path_(std::move(path)) {}

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string pathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  [[nodiscard]] DecodeError error(std::string_view key, std::string reason) const {
    return DecodeError{.path = pathOf(key), .reason = std::move(reason)};
  }

  // nullptr when absent or null.
  [[nodiscard]] const boost::json::value* find(std::string_view key) const {
    if (object_ == nullptr) return nullptr;
    const auto* value = object_->if_contains(key);
    return (value == nullptr || value->is_null()) ? nullptr : value;
  }

  [[nodiscard]] Decoded<std::string> string(std::string_view key) const {
    const auto* value = find(key);
    if (value == nullptr) return std::string();
    if (!value->is_string()) return std::unexpected(error(key, "must be a string"));
    return std::string(value->get_string());
  }

  [[nodiscard]] Decoded<bool> boolean(std::string_view key, bool fallback) const {
    const auto* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_bool()) return std::unexpected(error(key, "must be true or false"));
    return value->get_bool();
  }

  // An integer in [min, max]; `fallback` when absent.
  [[nodiscard]] Decoded<std::int64_t> integer(std::string_view key, std::int64_t min,
                                              std::int64_t max, std::int64_t fallback) const {
    const auto* value = find(key);
    if (value == nullptr) return fallback;
    std::int64_t number = 0;
    if (value->is_int64()) {
      number = value->get_int64();
    } else if (value->is_uint64() && value->get_uint64() <= INT64_MAX) {
      number = static_cast<std::int64_t>(value->get_uint64());
    } else {
      return std::unexpected(error(key, "must be an integer"));
    }
    if (number < min || number > max) {
      return std::unexpected(error(key, std::to_string(number) + " is outside " +
                                            std::to_string(min) + ".." + std::to_string(max)));
    }
    return number;
  }

  // A nested object; an empty reader when absent.
  [[nodiscard]] Decoded<JsonReader> object(std::string_view key) const {
    const auto* value = find(key);
    if (value == nullptr) return JsonReader(nullptr, pathOf(key));
    if (!value->is_object()) return std::unexpected(error(key, "must be an object"));
    return JsonReader(&value->get_object(), pathOf(key));
  }

  // An array; nullptr when absent.
  [[nodiscard]] Decoded<const boost::json::array*> array(std::string_view key) const {
    const auto* value = find(key);
    if (value == nullptr) return static_cast<const boost::json::array*>(nullptr);
    if (!value->is_array()) return std::unexpected(error(key, "must be a list"));
    return &value->get_array();
  }

  // Element `index` of array `key`, as an object.
  [[nodiscard]] Decoded<JsonReader> element(std::string_view key, const boost::json::array& array,
                                            std::size_t index) const {
    const std::string where = pathOf(key) + "[" + std::to_string(index) + "]";
    if (!array[index].is_object()) {
      return std::unexpected(DecodeError{.path = where, .reason = "must be an object"});
    }
    return JsonReader(&array[index].get_object(), where);
  }

  [[nodiscard]] Decoded<std::vector<std::string>> strings(std::string_view key) const {
    auto array = this->array(key);
    if (!array) return std::unexpected(array.error());
    std::vector<std::string> out;
    if (*array == nullptr) return out;
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
      const auto& item = (**array)[i];
      if (!item.is_string()) {
        return std::unexpected(DecodeError{.path = pathOf(key) + "[" + std::to_string(i) + "]",
                                           .reason = "must be a string"});
      }
      out.emplace_back(item.get_string());
    }
    return out;
  }

  [[nodiscard]] Decoded<std::map<std::string, std::string>> stringMap(std::string_view key) const {
    auto nested = object(key);
    if (!nested) return std::unexpected(nested.error());
    std::map<std::string, std::string> out;
    if (nested->object_ == nullptr) return out;
    for (const auto& [name, value] : *nested->object_) {
      if (!value.is_string()) {
        return std::unexpected(nested->error(name, "must be a string"));
      }
      out.emplace(std::string(name), std::string(value.get_string()));
    }
    return out;
  }

 private:
  const boost::json::object* object_;
  std::string path_;
};

}  // namespace sluice::discovery::detail
