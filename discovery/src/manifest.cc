// Manifests: YAML documents → JSON values (YAML 1.2 core-schema scalars) → the shared decoders.
// A decoder's error path ("spec.ports[1].port") is walked back through the YAML to its line.
#include "sluice/discovery/manifest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace sluice::discovery {
namespace {

// Plain (unquoted) scalars resolve like YAML 1.2's core schema; quoted ones stay strings.
boost::json::value scalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return boost::json::string(text);  // quoted
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::int64_t integer = 0;
  const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
  if (auto [end, ec] = std::from_chars(begin, text.data() + text.size(), integer);
      ec == std::errc() && end == text.data() + text.size()) {
    return integer;
  }
  double real = 0;
  if (auto [end, ec] = std::from_chars(begin, text.data() + text.size(), real);
      ec == std::errc() && end == text.data() + text.size()) {
    return real;
  }
  return boost::json::string(text);
}

boost::json::value toJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      boost::json::object object;
      for (const auto& item : node) object[item.first.Scalar()] = toJson(item.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      boost::json::array array;
      for (const auto& item : node) array.push_back(toJson(item));
      return array;
    }
    case YAML::NodeType::Scalar: return scalarToJson(node);
    default: return nullptr;
  }
}

// The line of `path` ("spec.ports[1].port") inside `node`: the deepest part that exists.
int lineOf(const YAML::Node& root, const std::string& path) {
  YAML::Node node = root;
  int line = root.Mark().line + 1;
  std::size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '.') ++at;
    YAML::Node next;
    if (path[at] == '[') {
      const std::size_t close = path.find(']', at);
      if (close == std::string::npos) break;
      const std::size_t index = std::stoul(path.substr(at + 1, close - at - 1));
      if (!node.IsSequence() || index >= node.size()) break;
      next = node[index];
      at = close + 1;
    } else {
      const std::size_t stop = path.find_first_of(".[", at);
      const std::string key = path.substr(at, stop == std::string::npos ? stop : stop - at);
      if (!node.IsMap() || !node[key]) break;
      next = node[key];
      at = stop == std::string::npos ? path.size() : stop;
    }
    node = next;
    if (node.Mark().line >= 0) line = node.Mark().line + 1;
  }
  return line;
}

// Decodes one object document into `out`, or says what is wrong with it.
std::expected<void, ManifestError> addObject(const YAML::Node& node, const std::string& file,
                                             ManifestObjects& out) {
  const int line = node.Mark().line + 1;
  if (!node.IsMap()) {
    return std::unexpected(ManifestError{file, line, "a manifest must be a mapping with a kind"});
  }
  const std::string kind = node["kind"] ? node["kind"].Scalar() : "";
  const boost::json::value json = toJson(node);
  const auto& object = json.get_object();
  auto failed = [&](const DecodeError& error) {
    return std::unexpected(
        ManifestError{file, lineOf(node, error.path), kind + ": " + error.toString()});
  };
  if (kind == "Service") {
    auto service = decodeService(object);
    if (!service) return failed(service.error());
    out.services.push_back(std::move(*service));
  } else if (kind == "EndpointSlice") {
    auto slice = decodeEndpointSlice(object);
    if (!slice) return failed(slice.error());
    out.slices.push_back(std::move(*slice));
  } else if (kind == "Node") {
    auto decoded = decodeNode(object);
    if (!decoded) return failed(decoded.error());
    out.nodes.push_back(std::move(*decoded));
  } else if (kind.empty()) {
    return std::unexpected(ManifestError{file, line, "the document has no kind"});
  } else {
    out.ignored.push_back(file + ":" + std::to_string(line) + ": kind " + kind +
                          " is not read here");
  }
  return {};
}

std::expected<void, ManifestError> addDocument(const YAML::Node& document, const std::string& file,
                                               ManifestObjects& out) {
  if (!document || document.IsNull()) return {};  // an empty document ("---" at the end)
  if (document.IsMap() && document["kind"] && document["kind"].Scalar() == "List") {
    const YAML::Node items = document["items"];
    if (!items) return {};
    if (!items.IsSequence()) {
      return std::unexpected(
          ManifestError{file, items.Mark().line + 1, "List: items must be a list"});
    }
    for (const auto& item : items) {
      if (auto added = addObject(item, file, out); !added) return added;
    }
    return {};
  }
  return addObject(document, file, out);
}

template <typename T>
void appendAll(std::vector<T>& to, std::vector<T>& from) {
  std::move(from.begin(), from.end(), std::back_inserter(to));
}

}  // namespace

std::string ManifestError::toString() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + reason : file + ": " + reason;
}

std::expected<ManifestObjects, ManifestError> parseManifest(std::string_view text,
                                                            const std::string& file) {
  ManifestObjects out;
  try {
    // JSON is YAML, so one parser reads both.
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    for (const auto& document : documents) {
      if (auto added = addDocument(document, file, out); !added) {
        return std::unexpected(added.error());
      }
    }
  } catch (const YAML::Exception& e) {
    return std::unexpected(ManifestError{file, e.mark.line + 1, e.msg});
  } catch (const std::exception& e) {
    return std::unexpected(ManifestError{file, 0, e.what()});
  }
  return out;
}

std::expected<ManifestObjects, std::vector<ManifestError>> loadManifestDirectory(
    const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      files.push_back(entry.path());
    }
  }
  if (ec) {
    return std::unexpected(std::vector<ManifestError>{
        ManifestError{dir.string(), 0, "cannot read the directory: " + ec.message()}});
  }
  std::sort(files.begin(), files.end());

  ManifestObjects merged;
  std::vector<ManifestError> errors;
  std::set<std::string> seen;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      errors.push_back(ManifestError{path.filename().string(), 0, "cannot read the file"});
      continue;
    }
    auto objects = parseManifest(text.str(), path.filename().string());
    if (!objects) {
      errors.push_back(objects.error());
      continue;
    }
    auto claim = [&](const std::string& kind, const ObjectName& name) {
      if (!seen.insert(kind + " " + name.toString()).second) {
        errors.push_back(ManifestError{path.filename().string(), 0,
                                       kind + " " + name.toString() + " is defined twice"});
      }
    };
    for (const auto& s : objects->services) claim("Service", s.meta.name);
    for (const auto& s : objects->slices) claim("EndpointSlice", s.meta.name);
    for (const auto& n : objects->nodes) claim("Node", n.meta.name);
    appendAll(merged.services, objects->services);
    appendAll(merged.slices, objects->slices);
    appendAll(merged.nodes, objects->nodes);
    appendAll(merged.ignored, objects->ignored);
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return merged;
}

}  // namespace sluice::discovery
