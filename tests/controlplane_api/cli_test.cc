// The `sluice` binary against a FakeInspector served by ApiServer on a socket in a fresh
// temporary directory: what a user sees (tables, JSON, messages) and the exit codes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fake_inspector.h"
#include "sluice/controlplane/api_server.h"
#include "test_support.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX

namespace sluice::controlplane {
namespace {

using testing::FakeInspector;
using testing::TempDir;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs the sluice binary with `args`; the environment is this process's without SLUICE_SOCKET,
// plus `env` ("NAME=value").
CliRun runCli(const TempDir& dir, const std::vector<std::string>& args,
              const std::vector<std::string>& env = {}) {
  const std::string out_path = dir.file("stdout");
  const std::string err_path = dir.file("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> storage = {SLUICE_CLI_PATH};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string(*e).starts_with("SLUICE_SOCKET=")) env_storage.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  CliRun run;
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, SLUICE_CLI_PATH, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "posix_spawn " << SLUICE_CLI_PATH << ": " << spawned;
    return run;
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) {
    ADD_FAILURE() << "waitpid failed";
    return run;
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  return run;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ApiServer::start(socket_, inspector_);
    ASSERT_TRUE(server) << server.error().toString();
    server_ = std::move(*server);
  }

  // sluice --socket <ours> args...
  CliRun sluice(std::vector<std::string> args) {
    args.insert(args.begin(), {"--socket", socket_});
    return runCli(dir_, args);
  }

  static boost::json::value parseJson(const CliRun& run) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(run.out, ec);
    EXPECT_FALSE(ec) << ec.message() << " in:\n" << run.out;
    return value;
  }

  TempDir dir_;
  std::string socket_ = dir_.file("agent.sock");
  FakeInspector inspector_;
  std::unique_ptr<ApiServer> server_;
};

// The column where `header` starts in the header line and where `cell` starts in a row holding it.
void expectAligned(const std::string& table, const std::string& header, const std::string& row_key,
                   const std::string& cell) {
  std::istringstream lines(table);
  std::string head;
  std::getline(lines, head);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with(row_key)) continue;
    EXPECT_EQ(head.find(header), line.find(cell)) << header << " / " << cell << " in:\n" << table;
    return;
  }
  ADD_FAILURE() << "no row " << row_key << " in:\n" << table;
}

TEST_F(CliTest, StatusTable) {
  const CliRun run = sluice({"status"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.out, "Node:           node-a\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "Source:         kubernetes https://10.0.0.1:6443\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "Synced:         yes\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "Last sync:      2024-05-01T10:00:00Z (")) << run.out;
  EXPECT_TRUE(contains(run.out, "Sync errors:    2\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "Version:        0.1.0-test\n")) << run.out;
}

TEST_F(CliTest, StatusJsonHasTheStructFields) {
  const CliRun run = sluice({"status", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const boost::json::object json = parseJson(run).as_object();  // a copy
  EXPECT_EQ(json.at("node").as_string(), "node-a");
  EXPECT_EQ(json.at("synced").as_bool(), true);
  EXPECT_EQ(json.at("last_sync_unix_ms").to_number<std::int64_t>(), 1714557600123);
  EXPECT_EQ(json.at("watch_restarts").to_number<std::uint64_t>(), 4U);
  EXPECT_EQ(json.size(), 13U);
}

TEST_F(CliTest, ServiceListTable) {
  const CliRun run = sluice({"service", "list"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.starts_with("NAME ")) << run.out;
  for (const char* header :
       {"ID", "FAMILY", "FRONTENDS", "BACKENDS", "PACKETS", "BYTES", "CONNECTIONS"}) {
    EXPECT_TRUE(contains(run.out.substr(0, run.out.find('\n')), header)) << header;
  }
  EXPECT_TRUE(contains(run.out, "10.96.0.10:80/TCP ClusterIP")) << run.out;
  EXPECT_TRUE(contains(run.out, "192.168.1.10:30080/TCP NodePort (local-only,allow=10.0.0.0/8)"))
      << run.out;
  EXPECT_TRUE(contains(run.out, "[fd00::10]:53/UDP ClusterIP (dsr)")) << run.out;
  EXPECT_TRUE(contains(run.out, "<none>")) << run.out;  // the service without frontends
  expectAligned(run.out, "BACKENDS", "default/web:http/TCP", "2/3");
  expectAligned(run.out, "PACKETS", "default/web:http/TCP", "123456789012");
  expectAligned(run.out, "FAMILY", "kube-system/dns:dns/UDP", "IPv6");
  // The second frontend of default/web has a line of its own, under FRONTENDS.
  expectAligned(run.out, "FRONTENDS", " ", "192.168.1.10:30080/TCP");
}

TEST_F(CliTest, ServiceListJson) {
  const CliRun run = sluice({"-o", "json", "service", "list"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const boost::json::value json = parseJson(run);
  const boost::json::array& services = json.at("services").as_array();
  ASSERT_EQ(services.size(), 3U);
  const boost::json::object& web = services[0].as_object();
  EXPECT_EQ(web.at("name").as_string(), "default/web:http/TCP");
  EXPECT_EQ(web.at("id").to_number<int>(), 1);
  EXPECT_EQ(web.at("backends_ready").to_number<int>(), 2);
  EXPECT_EQ(web.at("bytes").to_number<std::uint64_t>(), 987654321098U);
  const boost::json::array& frontends = web.at("frontends").as_array();
  ASSERT_EQ(frontends.size(), 2U);
  EXPECT_EQ(frontends[1].at("kind").as_string(), "NodePort");
  EXPECT_EQ(frontends[1].at("flags").as_array().size(), 2U);
}

TEST_F(CliTest, EmptyListsSaySo) {
  inspector_.service_views.clear();
  inspector_.conntrack_views.clear();
  EXPECT_EQ(sluice({"service", "list"}).out, "No services.\n");
  EXPECT_EQ(sluice({"ct", "list"}).out, "No conntrack entries.\n");
  EXPECT_EQ(sluice({"backend", "list", "default/empty:8080/TCP"}).out,
            "No backends for default/empty:8080/TCP.\n");
  const CliRun json = sluice({"service", "list", "-o", "json"});
  EXPECT_TRUE(parseJson(json).at("services").as_array().empty());
}

TEST_F(CliTest, BackendListTable) {
  const CliRun run = sluice({"backend", "list", "default/web:http/TCP"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.starts_with("ADDRESS ")) << run.out;
  expectAligned(run.out, "STATE", "10.0.1.5:8080", "ready");
  expectAligned(run.out, "MAGLEV", "10.0.1.5:8080", "10921");
  expectAligned(run.out, "LOCAL", "10.0.1.5:8080", "yes");
  expectAligned(run.out, "ZONE", "10.0.1.5:8080", "zone-1");
  expectAligned(run.out, "STATE", "10.0.2.6:8080", "terminating");
}

TEST_F(CliTest, BackendListJson) {
  const CliRun run = sluice({"backend", "list", "default/web:http/TCP", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const boost::json::value json = parseJson(run);
  EXPECT_EQ(json.at("service").as_string(), "default/web:http/TCP");
  const boost::json::array& backends = json.at("backends").as_array();
  ASSERT_EQ(backends.size(), 2U);
  EXPECT_EQ(backends[0].at("weight").to_number<int>(), 2);
  EXPECT_EQ(backends[0].at("node_local").as_bool(), true);
  EXPECT_EQ(backends[0].at("maglev_entries").to_number<int>(), 10921);
  EXPECT_EQ(backends[1].at("state").as_string(), "terminating");
}

TEST_F(CliTest, BackendListOfAnUnknownServiceFails) {
  const CliRun run = sluice({"backend", "list", "default/nope"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "sluice: no service matches 'default/nope'\n");
  EXPECT_TRUE(run.out.empty());
}

TEST_F(CliTest, ConntrackListTableAndLimit) {
  const CliRun run = sluice({"ct", "list"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.starts_with("PROTO ")) << run.out;
  expectAligned(run.out, "FLAGS", "TCP     10.0.1.7:40112", "snat,external");
  expectAligned(run.out, "IDLE", "TCP     10.0.1.7:40112", "3s");
  expectAligned(run.out, "IDLE", "UDP", "2m5s");
  expectAligned(run.out, "BACKEND", "UDP", "[fd00:1::5]:53");

  const CliRun limited = sluice({"ct", "list", "--limit", "1"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(inspector_.lastLimit(), 1U);
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 2);  // header + one row
}

TEST_F(CliTest, ConntrackJsonAndUnavailable) {
  const CliRun run = sluice({"ct", "list", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const boost::json::value json = parseJson(run);
  const boost::json::array& entries = json.at("conntrack").as_array();
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[1].at("client").as_string(), "[fd00:1::7]:5353");
  EXPECT_EQ(entries[1].at("idle_ms").to_number<int>(), 125000);
  EXPECT_EQ(entries[1].at("service").to_number<int>(), 2);

  inspector_.conntrack_unavailable = true;
  const CliRun unavailable = sluice({"ct", "list"});
  EXPECT_EQ(unavailable.exit_code, 1);
  EXPECT_EQ(unavailable.err, "sluice: the fake data plane keeps no conntrack\n");
}

TEST_F(CliTest, ExplainReport) {
  const CliRun run = sluice({"explain", "TCP", "10.0.1.7:40112", "10.96.0.10:80"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(inspector_.lastRequest().protocol, "tcp");  // normalised
  EXPECT_EQ(run.out,
            "Flow:      tcp 10.0.1.7:40112 -> 10.96.0.10:80\n"
            "Frontend:  10.96.0.10:80/TCP (ClusterIP)\n"
            "Service:   default/web:http/TCP (id 1)\n"
            "Decisions:\n"
            "  1. source 10.0.1.7 is inside allow 10.0.0.0/8\n"
            "  2. Maglev slot 4711 of 16381 points at 10.0.1.5:8080\n"
            "Backend:   10.0.1.5:8080\n"
            "Verdict:   forward\n"
            "Conntrack: TCP 10.0.1.7:40112 -> 10.96.0.10:80 => 10.0.1.5:8080, service 1, flags "
            "snat,external, idle 3s\n");
}

TEST_F(CliTest, ExplainOfARejectedIPv6ClientFlow) {
  const CliRun run = sluice({"explain", "tcp", "[fd00:1::7]:1234", "192.168.1.10:30080"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(inspector_.lastRequest().source, "[fd00:1::7]:1234");
  EXPECT_TRUE(contains(run.out, "Backend:   none (a new connection would not be forwarded)\n"));
  EXPECT_TRUE(contains(run.out, "Verdict:   reject (no backend)\n"));
  EXPECT_TRUE(contains(run.out, "Conntrack: none (no entry for this flow)\n"));
}

TEST_F(CliTest, ExplainJson) {
  const CliRun with = sluice({"explain", "udp", "10.0.1.7:40112", "10.96.0.10:80", "-o", "json"});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  const boost::json::value json = parseJson(with);
  EXPECT_EQ(json.at("matched").as_bool(), true);
  EXPECT_EQ(json.at("service_id").to_number<int>(), 1);
  EXPECT_EQ(json.at("steps").as_array().size(), 2U);
  EXPECT_EQ(json.at("conntrack").at("backend").as_string(), "10.0.1.5:8080");

  const CliRun without =
      sluice({"explain", "sctp", "10.0.1.7:40112", "10.96.0.99:80", "-o", "json"});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  const boost::json::value none = parseJson(without);
  EXPECT_EQ(none.at("matched").as_bool(), false);
  EXPECT_TRUE(none.at("conntrack").is_null());
}

TEST_F(CliTest, ExplainWithBadArgumentsIsAUsageError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"explain", "icmp", "10.0.1.7:1", "10.96.0.10:80"},
                                             {"explain", "tcp", "10.0.1.7", "10.96.0.10:80"},
                                             {"explain", "tcp", "10.0.1.7:1", "fd00::1:80"},
                                             {"explain", "tcp", "10.0.1.7:1", "10.96.0.10:70000"},
                                             {"explain", "tcp", "10.0.1.7:1"}}) {
    const CliRun run = sluice(args);
    EXPECT_EQ(run.exit_code, 2) << args[2] << " " << run.err;
    EXPECT_FALSE(run.err.empty());
  }
  EXPECT_TRUE(contains(sluice({"explain", "tcp", "10.0.1.7:1", "fd00::1:80"}).err,
                       "write an IPv6 endpoint as [ADDR]:PORT"));
}

TEST_F(CliTest, MetricsArePrintedAsIs) {
  const CliRun run = sluice({"metrics"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, testing::sampleMetrics());
  const CliRun json = sluice({"metrics", "-o", "json"});
  EXPECT_EQ(parseJson(json).at("text").as_string(), testing::sampleMetrics());
}

TEST_F(CliTest, SocketFromTheEnvironment) {
  const CliRun run = runCli(dir_, {"status"}, {"SLUICE_SOCKET=" + socket_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.out, "node-a"));
}

TEST_F(CliTest, MissingSocketCannotReachTheAgent) {
  const std::string missing = dir_.file("nothing-here.sock");
  const CliRun run = runCli(dir_, {"--socket", missing, "service", "list"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "sluice: cannot reach the agent at " + missing +
                         ": No such file or directory (is sluice-agent running? are you root?)\n");
  EXPECT_TRUE(run.out.empty());
}

TEST_F(CliTest, UsageErrorsAndHelp) {
  EXPECT_EQ(sluice({}).exit_code, 2);
  EXPECT_EQ(sluice({"service"}).exit_code, 2);
  EXPECT_EQ(sluice({"backend", "list"}).exit_code, 2);  // SERVICE is required
  EXPECT_EQ(sluice({"bogus"}).exit_code, 2);
  EXPECT_EQ(sluice({"status", "-o", "yaml"}).exit_code, 2);
  EXPECT_EQ(sluice({"ct", "list", "--limit", "-3"}).exit_code, 2);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"},
                                             {"status", "--help"},
                                             {"service", "list", "--help"},
                                             {"backend", "list", "--help"},
                                             {"ct", "list", "--help"},
                                             {"explain", "--help"},
                                             {"metrics", "--help"}}) {
    const CliRun run = runCli(dir_, args);  // help needs no agent
    EXPECT_EQ(run.exit_code, 0) << args[0];
    EXPECT_TRUE(contains(run.out, "Usage: sluice")) << run.out;
  }
}

}  // namespace
}  // namespace sluice::controlplane
