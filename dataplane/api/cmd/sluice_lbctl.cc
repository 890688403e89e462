// sluice-lbctl: drives a load balancer's local API (sluice.lb.v1.LoadBalancer on
// /run/sluice/lb.sock): VIPs, weighted backends, counters. Run it as root on the LB machine.
//
//   sluice-lbctl vip add 192.168.60.10:80/tcp --service 1 [--dsr] [--kind LoadBalancer]
//   sluice-lbctl backends set 1 10.0.0.2:8080 10.0.0.3:8080*2     (ADDR:PORT[*WEIGHT])
//   sluice-lbctl vip list | backends list 1 | counters | status   [-o json]
//   sluice-lbctl vip del 192.168.60.10:80/tcp | backends del 1
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/dataplane/lb_api.h"
#include "sluice/lb/v1/lb.grpc.pb.h"

namespace {

namespace v1 = sluice::lb::v1;

struct Endpoint {
  std::string address;
  std::uint32_t port = 0;
};

// "10.0.0.2:8080" or "[2001:db8::2]:8080"; the server checks the address itself.
bool splitEndpoint(std::string_view text, Endpoint& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  const std::string_view port = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size()) return false;
  out.address = std::string(host);
  return true;
}

// "ADDR:PORT/PROTO" → a VipKey.
bool parseVip(std::string_view text, v1::VipKey& key) {
  const auto slash = text.rfind('/');
  if (slash == std::string_view::npos) return false;
  Endpoint endpoint;
  if (!splitEndpoint(text.substr(0, slash), endpoint)) return false;
  key.set_address(endpoint.address);
  key.set_port(endpoint.port);
  key.set_protocol(std::string(text.substr(slash + 1)));
  return true;
}

// "ADDR:PORT[*WEIGHT]" → a Backend.
bool parseBackend(std::string_view text, v1::Backend& backend) {
  std::uint32_t weight = 1;
  if (const auto star = text.rfind('*'); star != std::string_view::npos) {
    const std::string_view w = text.substr(star + 1);
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
    if (ec != std::errc() || end != w.data() + w.size()) return false;
    text = text.substr(0, star);
  }
  Endpoint endpoint;
  if (!splitEndpoint(text, endpoint)) return false;
  backend.set_address(endpoint.address);
  backend.set_port(endpoint.port);
  backend.set_weight(weight);
  return true;
}

int usage(const std::string& message) {
  std::fprintf(stderr, "sluice-lbctl: %s\n", message.c_str());
  return 2;
}

int report(const grpc::Status& status, const std::string& socket) {
  if (status.ok()) return 0;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::fprintf(stderr, "sluice-lbctl: no load balancer answers on %s (%s)\n", socket.c_str(),
                 status.error_message().c_str());
  } else {
    std::fprintf(stderr, "sluice-lbctl: %s\n", status.error_message().c_str());
  }
  return 1;
}

void printJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::printf("%s", json.c_str());
}

std::string vipText(const v1::VipKey& key) {
  const bool v6 = key.address().find(':') != std::string::npos;
  return (v6 ? "[" + key.address() + "]" : key.address()) + ":" + std::to_string(key.port()) + "/" +
         key.protocol();
}

void printBackends(const google::protobuf::RepeatedPtrField<v1::Backend>& backends) {
  std::printf("%-40s %7s %-12s %s\n", "BACKEND", "WEIGHT", "STATE", "MAGLEV SLOTS");
  for (const v1::Backend& b : backends) {
    const bool v6 = b.address().find(':') != std::string::npos;
    const std::string where =
        (v6 ? "[" + b.address() + "]" : b.address()) + ":" + std::to_string(b.port());
    std::printf("%-40s %7u %-12s %u\n", where.c_str(), b.weight(), b.state().c_str(),
                b.maglev_entries());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Drives a Sluice load balancer (sluice-lb) through its local API.", "sluice-lbctl");
  app.require_subcommand(1);
  std::string socket = sluice::dataplane::kDefaultLbSocketPath;
  std::string output = "table";
  app.add_option("--socket", socket, "The load balancer's API socket")->capture_default_str();
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  CLI::App* status = app.add_subcommand("status", "The data plane and what it holds");
  CLI::App* vip = app.add_subcommand("vip", "Virtual IPs (frontends)");
  vip->require_subcommand(1);
  CLI::App* vip_list = vip->add_subcommand("list", "Every VIP");
  CLI::App* vip_add = vip->add_subcommand("add", "Add a VIP, or replace the one with its key");
  std::string vip_arg;
  std::uint32_t service = 0;
  std::string kind = "LoadBalancer";
  bool dsr = false;
  bool local_only = false;
  std::uint32_t affinity = 0;
  std::vector<std::string> ranges;
  vip_add->add_option("VIP", vip_arg, "ADDR:PORT/PROTO, e.g. 192.168.60.10:80/tcp")->required();
  vip_add->add_option("--service", service, "The backend set it sends to (> 0)")->required();
  vip_add->add_option("--kind", kind, "LoadBalancer, ExternalIP, NodePort or ClusterIP")
      ->capture_default_str();
  vip_add->add_flag("--dsr", dsr, "Direct server return to the backends");
  vip_add->add_flag("--local", local_only, "Keep the client's address; local backends only");
  vip_add->add_option("--affinity", affinity, "ClientIP affinity timeout in seconds (0: off)");
  vip_add->add_option("--source-range", ranges, "A CIDR allowed in (repeatable)");
  CLI::App* vip_del = vip->add_subcommand("del", "Delete a VIP");
  vip_del->add_option("VIP", vip_arg, "ADDR:PORT/PROTO")->required();

  CLI::App* backends = app.add_subcommand("backends", "Backend sets");
  backends->require_subcommand(1);
  std::vector<std::string> backend_args;
  CLI::App* backends_set =
      backends->add_subcommand("set", "Replace a service's backends (builds its Maglev table)");
  backends_set->add_option("SERVICE", service, "Service id")->required();
  backends_set->add_option("BACKEND", backend_args, "ADDR:PORT[*WEIGHT]")->required();
  CLI::App* backends_list = backends->add_subcommand("list", "A service's backends");
  backends_list->add_option("SERVICE", service, "Service id")->required();
  CLI::App* backends_del = backends->add_subcommand("del", "Delete a service's backend set");
  backends_del->add_option("SERVICE", service, "Service id")->required();
  CLI::App* counters = app.add_subcommand("counters", "Packets, bytes, connections, drops");

  CLI11_PARSE(app, argc, argv);

  auto stub = v1::LoadBalancer::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  const bool json = output == "json";

  if (status->parsed()) {
    v1::Status reply;
    if (int rc = report(stub->GetStatus(&context, {}, &reply), socket)) return rc;
    if (json) {
      printJson(reply);
    } else {
      std::printf("data plane %s: %u VIPs, %u backend sets, Maglev size %u\n",
                  reply.dataplane().c_str(), reply.vips(), reply.services(), reply.maglev_size());
    }
  } else if (vip_list->parsed()) {
    v1::VipList reply;
    if (int rc = report(stub->ListVips(&context, {}, &reply), socket)) return rc;
    if (json) {
      printJson(reply);
    } else {
      std::printf("%-44s %8s %-13s %s\n", "VIP", "SERVICE", "KIND", "FLAGS");
      for (const v1::Vip& v : reply.vips()) {
        std::string flags = std::string(v.dsr() ? "dsr " : "") + (v.local_only() ? "local " : "");
        for (const auto& r : v.source_ranges()) flags += "from:" + r + " ";
        std::printf("%-44s %8u %-13s %s\n", vipText(v.key()).c_str(), v.service_id(),
                    v.kind().c_str(), flags.c_str());
      }
    }
  } else if (vip_add->parsed()) {
    v1::Vip request;
    if (!parseVip(vip_arg, *request.mutable_key())) {
      return usage("VIP '" + vip_arg + "' is not ADDR:PORT/PROTO (e.g. [2001:db8::1]:53/udp)");
    }
    request.set_service_id(service);
    request.set_kind(kind);
    request.set_dsr(dsr);
    request.set_local_only(local_only);
    request.set_affinity_timeout_s(affinity);
    for (const auto& r : ranges) request.add_source_ranges(r);
    v1::UpsertVipReply reply;
    if (int rc = report(stub->UpsertVip(&context, request, &reply), socket)) return rc;
  } else if (vip_del->parsed()) {
    v1::VipKey request;
    if (!parseVip(vip_arg, request)) return usage("VIP '" + vip_arg + "' is not ADDR:PORT/PROTO");
    v1::DeleteVipReply reply;
    if (int rc = report(stub->DeleteVip(&context, request, &reply), socket)) return rc;
  } else if (backends_set->parsed()) {
    v1::SetBackendsRequest request;
    request.set_service_id(service);
    for (const auto& arg : backend_args) {
      if (!parseBackend(arg, *request.add_backends())) {
        return usage("backend '" + arg + "' is not ADDR:PORT or ADDR:PORT*WEIGHT");
      }
    }
    v1::SetBackendsReply reply;
    if (int rc = report(stub->SetBackends(&context, request, &reply), socket)) return rc;
    if (json) {
      printJson(reply);
    } else {
      printBackends(reply.backends());
    }
  } else if (backends_list->parsed()) {
    v1::ListBackendsRequest request;
    request.set_service_id(service);
    v1::BackendList reply;
    if (int rc = report(stub->ListBackends(&context, request, &reply), socket)) return rc;
    if (json) {
      printJson(reply);
    } else {
      printBackends(reply.backends());
    }
  } else if (backends_del->parsed()) {
    v1::DeleteBackendsRequest request;
    request.set_service_id(service);
    v1::DeleteBackendsReply reply;
    if (int rc = report(stub->DeleteBackends(&context, request, &reply), socket)) return rc;
  } else if (counters->parsed()) {
    v1::Counters reply;
    if (int rc = report(stub->GetCounters(&context, {}, &reply), socket)) return rc;
    if (json) {
      printJson(reply);
    } else {
      std::printf("%8s %14s %16s %14s\n", "SERVICE", "PACKETS", "BYTES", "CONNECTIONS");
      for (const auto& s : reply.services()) {
        std::printf("%8u %14llu %16llu %14llu\n", s.service_id(),
                    static_cast<unsigned long long>(s.packets()),
                    static_cast<unsigned long long>(s.bytes()),
                    static_cast<unsigned long long>(s.new_connections()));
      }
      std::printf("tracked connections: %llu\n",
                  static_cast<unsigned long long>(reply.connections()));
      for (const auto& d : reply.drops()) {
        std::printf("dropped (%s): %llu\n", d.reason().c_str(),
                    static_cast<unsigned long long>(d.packets()));
      }
    }
  }
  return 0;
}
