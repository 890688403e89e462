// Listing: the full current set in pages of `limit`, each page after the first asking with the
// previous page's `continue` token. The pages are one consistent snapshot at the first page's
// resourceVersion; if the server compacted that version away meanwhile it answers 410 and the
// list starts over (and, after a second 410, is taken in one unpaginated piece, as client-go's
// pager does). Only a complete list reaches the sink.
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>

#include "kube_reflector.h"

namespace sluice::discovery {
namespace {

// The list's items, resourceVersion and continue token, or why the body is not a list.
struct ListPage {
  std::vector<boost::json::object> items;
  std::string resource_version;
  std::string continue_token;
};

base::Result<ListPage> parseListPage(const std::string& body) {
  using base::Errc;
  using base::fail;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    return fail(Errc::kInvalidArgument, "the list response is not a JSON object");
  }
  auto& list = value.get_object();
  ListPage page;
  if (const auto* meta = list.if_contains("metadata"); meta != nullptr && meta->is_object()) {
    const auto& m = meta->get_object();
    if (const auto* rv = m.if_contains("resourceVersion"); rv != nullptr && rv->is_string()) {
      page.resource_version = std::string(rv->get_string());
    }
    if (const auto* token = m.if_contains("continue"); token != nullptr && token->is_string()) {
      page.continue_token = std::string(token->get_string());
    }
  }
  if (page.resource_version.empty()) {
    return fail(Errc::kInvalidArgument, "the list response has no metadata.resourceVersion");
  }
  auto* items = list.if_contains("items");
  if (items == nullptr || items->is_null()) return page;  // Go encodes an empty slice as null
  if (!items->is_array()) return fail(Errc::kInvalidArgument, "the list's items is not an array");
  page.items.reserve(items->get_array().size());
  for (auto& item : items->get_array()) {
    if (!item.is_object()) {
      return fail(Errc::kInvalidArgument, "an item of the list is not a JSON object");
    }
    page.items.push_back(std::move(item.get_object()));
  }
  return page;
}

}  // namespace

Reflector::Impl::Next Reflector::Impl::list() {
  std::vector<boost::json::object> items;
  std::string continue_token;
  std::uint32_t page_size = options_.list_page_size;
  int expired_restarts = 0;
  std::size_t pages = 0;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> params;
    if (page_size > 0) params.emplace_back("limit", std::to_string(page_size));
    if (!continue_token.empty()) params.emplace_back("continue", continue_token);
    const std::string target = kind_.list_path + queryWithSelectors(std::move(params));
    auto response = http_->get(target, detail::Clock::now() + options_.request_timeout);
    if (stopping_) return Next::kStopped;
    if (!response) {
      recordFailure("list " + kind_.list_path + ": " + response.error().message());
      return Next::kRetryList;
    }
    if (response->status == 410 && !continue_token.empty()) {
      // The snapshot the pages came from has been compacted: start over.
      ++expired_restarts;
      spdlog::info("{} reflector: list continuation expired after {} page(s); listing again",
                   kind_.name, pages);
      {
        const std::lock_guard lock(stats_mutex_);
        ++stats_.relists_410;
      }
      items.clear();
      continue_token.clear();
      pages = 0;
      if (expired_restarts >= 2) page_size = 0;
      continue;
    }
    if (response->status != 200) {
      recordFailure(describeHttpFailure("list", response->status, response->body),
                    response->retry_after);
      return Next::kRetryList;
    }
    auto page = parseListPage(response->body);
    if (!page) {
      recordFailure("list " + kind_.list_path + ": " + page.error().message());
      return Next::kRetryList;
    }
    ++pages;
    std::move(page->items.begin(), page->items.end(), std::back_inserter(items));
    if (!page->continue_token.empty()) {
      continue_token = std::move(page->continue_token);
      continue;
    }
    // The last page's resourceVersion is the snapshot's (all pages carry the same one).
    const std::string version = page->resource_version;
    spdlog::debug("{} reflector: listed {} item(s) in {} page(s) at resourceVersion {}", kind_.name,
                  items.size(), pages, version);
    callSink("replace", [&] { sink_.replace(std::move(items), version); });
    setResourceVersion(version);
    const std::lock_guard lock(stats_mutex_);
    ++stats_.lists;
    stats_.synced = true;
    stats_.consecutive_failures = 0;
    return Next::kWatch;
  }
}

}  // namespace sluice::discovery
