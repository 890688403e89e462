// Running code inside a lab network namespace, in this process. runInNetns(netns, fn) runs fn on
// a helper thread that has joined the namespace (setns) and returns fn's result. A socket keeps
// the namespace it was created in for its whole life, so sockets made there can be used from any
// thread afterwards: tests open hundreds of client connections in a pod or in ext cheaply,
// without starting a process per client.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "sluice/base/error.h"

namespace sluice::lab {

// "/run/netns/<name>": where `ip netns` keeps a named namespace.
[[nodiscard]] std::string netnsPath(std::string_view netns);

// Runs `body` on a new thread inside `netns` and waits for it. An empty `netns` runs `body` on
// the calling thread, in whatever namespace that is. Fails when the namespace cannot be opened
// or joined; an exception thrown by `body` is rethrown here.
[[nodiscard]] base::Status runOnThreadInNetns(std::string_view netns,
                                              const std::function<void()>& body);

namespace detail {
template <typename T>
struct ResultValue {
  using type = T;
};
template <typename T>
struct ResultValue<base::Result<T>> {
  using type = T;
};
}  // namespace detail

// fn returning T gives Result<T>; fn returning Result<T> gives Result<T> (not nested); fn
// returning void gives Status.
template <typename Fn>
[[nodiscard]] auto runInNetns(std::string_view netns, Fn&& fn)
    -> base::Result<typename detail::ResultValue<std::invoke_result_t<Fn&>>::type> {
  using Returned = std::invoke_result_t<Fn&>;
  using Out = base::Result<typename detail::ResultValue<Returned>::type>;
  std::optional<Out> out;
  base::Status ran = runOnThreadInNetns(netns, [&] {
    if constexpr (std::is_void_v<Returned>) {
      fn();
      out.emplace();
    } else {
      out.emplace(fn());
    }
  });
  if (!ran) return std::unexpected(std::move(ran.error()));
  return std::move(*out);
}

}  // namespace sluice::lab
