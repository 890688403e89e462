// Table: aligned terminal columns under upper-case headers, as kubectl prints them. Cells are
// left-aligned and separated by three spaces; trailing blanks are trimmed.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sluice::controlplane::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  // A row shorter than the headers is padded with empty cells.
  void addRow(std::vector<std::string> cells);
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }
  // Header line, then one line per row, each ending in '\n'.
  [[nodiscard]] std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Columns a string takes on a terminal: UTF-8 code points (no wide characters are expected).
[[nodiscard]] std::size_t displayWidth(const std::string& text) noexcept;

}  // namespace sluice::controlplane::cli
