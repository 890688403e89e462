#include "udp_echo_server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "sluice/lab/echo_reply.h"
#include "sluice/lab/sockaddr.h"

namespace sluice::lab::echo {

namespace {

using boost::asio::ip::udp;

// Room for one IPV6_PKTINFO control message.
struct alignas(cmsghdr) PktinfoControl {
  std::array<unsigned char, CMSG_SPACE(sizeof(in6_pktinfo))> bytes{};
};

// The request text: the datagram without a trailing line ending; inner line breaks become spaces
// so the reply stays one line.
std::string requestText(const char* data, std::size_t length) {
  std::string text(data, length);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

UdpEchoServer::UdpEchoServer(boost::asio::io_context& io, std::string name)
    : socket_(io), name_(std::move(name)), buffer_(65536) {}

base::Status UdpEchoServer::listen(std::uint16_t port) {
  port_ = port;
  const udp::endpoint endpoint(udp::v6(), port);
  const std::string where = "udp bind [::]:" + std::to_string(port);
  boost::system::error_code error;
  if (socket_.open(endpoint.protocol(), error); error) {
    return base::fail(base::Errc::kIo, where + ": open: " + error.message());
  }
  if (socket_.set_option(boost::asio::ip::v6_only(false), error); error) {
    return base::fail(base::Errc::kIo, where + ": IPV6_V6ONLY off: " + error.message());
  }
  if (socket_.set_option(udp::socket::reuse_address(true), error); error) {
    return base::fail(base::Errc::kIo, where + ": SO_REUSEADDR: " + error.message());
  }
  const int on = 1;
  if (::setsockopt(socket_.native_handle(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0) {
    return base::fail(base::Error::fromErrno(where + ": IPV6_RECVPKTINFO", errno));
  }
  if (socket_.bind(endpoint, error); error) {
    return base::fail(base::Errc::kIo, where + ": bind: " + error.message());
  }
  return {};
}

void UdpEchoServer::start() { waitReadable(); }

void UdpEchoServer::waitReadable() {
  socket_.async_wait(udp::socket::wait_read, [this](const boost::system::error_code& error) {
    if (error) return;  // cancelled: shutting down
    answerPending();
    waitReadable();
  });
}

void UdpEchoServer::answerPending() {
  while (true) {
    sockaddr_in6 peer{};
    iovec data{.iov_base = buffer_.data(), .iov_len = buffer_.size()};
    PktinfoControl control;
    msghdr message{};
    message.msg_name = &peer;
    message.msg_namelen = sizeof(peer);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes.data();
    message.msg_controllen = control.bytes.size();
    const ssize_t received = ::recvmsg(socket_.native_handle(), &message, MSG_DONTWAIT);
    if (received < 0) {
      if (errno != EAGAIN && errno != EINTR) std::perror("sluice-echo: udp recvmsg");
      if (errno != EINTR) return;
      continue;
    }

    in6_pktinfo destination{};
    bool have_destination = false;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_PKTINFO) {
        std::memcpy(&destination, CMSG_DATA(header), sizeof(destination));
        have_destination = true;
      }
    }
    auto peer_address = fromSockaddr(reinterpret_cast<const sockaddr*>(&peer), message.msg_namelen);
    if (!peer_address) continue;
    SocketAddress local{.address = boost::asio::ip::address_v6::any(), .port = port_};
    if (have_destination) {
      boost::asio::ip::address_v6::bytes_type bytes{};
      std::memcpy(bytes.data(), &destination.ipi6_addr, bytes.size());
      local.address = unmapIpv4(boost::asio::ip::address_v6(bytes));
    }

    const std::string reply =
        formatEchoReply({.name = name_,
                         .proto = "udp",
                         .peer = *peer_address,
                         .local = local,
                         .echo = requestText(buffer_.data(), static_cast<std::size_t>(received))});

    // Answer from the address the request was sent to (a multi-address or VIP-holding namespace
    // would otherwise answer from whatever address routing picks).
    iovec reply_data{.iov_base = const_cast<char*>(reply.data()), .iov_len = reply.size()};
    PktinfoControl reply_control;
    msghdr answer{};
    answer.msg_name = &peer;
    answer.msg_namelen = message.msg_namelen;
    answer.msg_iov = &reply_data;
    answer.msg_iovlen = 1;
    if (have_destination) {
      answer.msg_control = reply_control.bytes.data();
      answer.msg_controllen = reply_control.bytes.size();
      cmsghdr* header = CMSG_FIRSTHDR(&answer);
      header->cmsg_level = IPPROTO_IPV6;
      header->cmsg_type = IPV6_PKTINFO;
      header->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      in6_pktinfo source{};
      source.ipi6_addr = destination.ipi6_addr;
      // A link-local source only means something together with its interface.
      if (IN6_IS_ADDR_LINKLOCAL(&destination.ipi6_addr))
        source.ipi6_ifindex = destination.ipi6_ifindex;
      std::memcpy(CMSG_DATA(header), &source, sizeof(source));
    }
    if (::sendmsg(socket_.native_handle(), &answer, MSG_DONTWAIT) < 0) {
      std::perror("sluice-echo: udp sendmsg");
    }
  }
}

}  // namespace sluice::lab::echo
