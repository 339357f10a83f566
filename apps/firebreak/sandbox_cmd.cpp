#include "sandbox_cmd.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "firebreak/sandbox/server.h"

namespace firebreak::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
    g_stop.store(true);
}

}  // namespace

CLI::App* AddSandboxCommand(CLI::App& app, SandboxFlags* flags) {
    CLI::App* cmd = app.add_subcommand("sandbox",
                                       "Run an AWS-compatible sandbox cloud on loopback that "
                                       "writes CloudTrail for every call");
    cmd->add_option(
            "--world,-w",
            flags->world,
            "World file (YAML) to start from; ignored when --data already holds a saved world "
            "unless --reset");
    cmd->add_option("--data,-d",
                    flags->data_dir,
                    "Folder for the saved world (world.json) and CloudTrail logs (cloudtrail/)");
    cmd->add_option("--host", flags->host, "Address to bind (default 127.0.0.1)");
    cmd->add_option("--port,-p", flags->port, "Port (default 4566; 0 picks a free one)");
    cmd->add_option(
            "--port-file", flags->port_file, "Write the bound port to this file once listening");
    cmd->add_option(
            "--events",
            flags->events,
            "Also stream every CloudTrail record as an EventBridge envelope, one JSON per line, "
            "to this file ('-' for stdout)");
    cmd->add_option("--digest-period",
                    flags->digest_period_seconds,
                    "Seconds between CloudTrail digest files of trails with log file validation "
                    "(default 3600, as CloudTrail; at least 1)")
            ->check(CLI::Range(1.0, 86400.0));
    cmd->add_option("--stream-retain",
                    flags->stream_retain,
                    "Envelopes the live stream (GET /_firebreak/stream) keeps for pollers "
                    "(default 100000)")
            ->check(CLI::Range(size_t{1}, size_t{100000000}));
    cmd->add_flag("--reset", flags->reset, "Start from --world even if --data holds a saved world");
    cmd->add_flag("--quiet,-q", flags->quiet, "No per-call log on stderr");
    return cmd;
}

int RunSandbox(const SandboxFlags& flags) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(flags.data_dir, ec);
    if (ec) {
        std::fprintf(stderr,
                     "firebreak sandbox: cannot create %s: %s\n",
                     flags.data_dir.c_str(),
                     ec.message().c_str());
        return 2;
    }
    std::string state_path = (fs::path(flags.data_dir) / "world.json").string();
    std::string source = fs::exists(state_path) && !flags.reset ? state_path : flags.world;
    if (source.empty()) {
        std::fprintf(stderr,
                     "firebreak sandbox: no world: pass --world FILE (examples/worlds/*.yaml)\n");
        return 2;
    }
    Diagnostics diags;
    auto world = sandbox::LoadWorldFile(source, &diags);
    for (const auto& d : diags.items())
        std::fprintf(stderr, "%s\n", d.ToString().c_str());
    if (!world) {
        std::fprintf(stderr, "firebreak sandbox: %s\n", world.error().ToString().c_str());
        return 2;
    }
    if (diags.has_errors()) {
        std::fprintf(stderr,
                     "firebreak sandbox: %d error(s) in %s; not starting\n",
                     diags.error_count(),
                     source.c_str());
        return 2;
    }
    sandbox::SandboxOptions options;
    options.host = flags.host;
    options.port = flags.port;
    options.state_path = state_path;
    options.trail_dir = (fs::path(flags.data_dir) / "cloudtrail").string();
    options.stream_retain = flags.stream_retain;
    if (flags.digest_period_seconds > 0) {
        options.digest_period = std::chrono::milliseconds(
                static_cast<int64_t>(flags.digest_period_seconds * 1000.0));
    }
    if (!flags.quiet) {
        options.access_log = [](const std::string& line) {
            std::fprintf(stderr, "%s\n", line.c_str());
        };
    }
    size_t account_count = world->accounts.size();
    auto started = sandbox::Sandbox::Start(options, std::move(world).value());
    if (!started) {
        std::fprintf(stderr, "firebreak sandbox: %s\n", started.error().ToString().c_str());
        return 2;
    }
    auto& box = *started;
    if (!flags.port_file.empty()) {
        std::ofstream(flags.port_file) << box->port() << "\n";
    }
    std::fprintf(stderr,
                 "firebreak sandbox: %zu account(s) from %s, serving at %s\n"
                 "  CloudTrail logs: %s (S3 layout; `firebreak hunt` reads them)\n"
                 "  saved world:     %s\n"
                 "  use: aws --endpoint-url %s ... with a key from the world file\n",
                 account_count,
                 source.c_str(),
                 box->endpoint_url().c_str(),
                 options.trail_dir.c_str(),
                 state_path.c_str(),
                 box->endpoint_url().c_str());

    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    std::thread streamer;
    std::shared_ptr<sandbox::Subscription> subscription;
    if (!flags.events.empty()) {
        subscription = box->Subscribe(10000);
        streamer = std::thread([subscription, path = flags.events] {
            std::FILE* out = path == "-" ? stdout : std::fopen(path.c_str(), "a");
            if (out == nullptr) {
                std::fprintf(
                        stderr, "firebreak sandbox: cannot open %s for events\n", path.c_str());
                return;
            }
            while (!subscription->closed()) {
                auto next = subscription->Next(std::chrono::milliseconds(200));
                if (!next)
                    continue;
                std::fputs(next->c_str(), out);
                std::fputc('\n', out);
                std::fflush(out);
            }
            if (out != stdout)
                std::fclose(out);
        });
    }
    while (!g_stop.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::fprintf(stderr, "firebreak sandbox: stopping\n");
    box->Stop();
    if (subscription)
        subscription->Close();
    if (streamer.joinable())
        streamer.join();
    auto stats = box->stats();
    std::fprintf(stderr,
                 "firebreak sandbox: %llu request(s), %llu CloudTrail record(s), %llu denied, %llu "
                 "authentication failure(s)\n",
                 static_cast<unsigned long long>(stats.requests),
                 static_cast<unsigned long long>(stats.records),
                 static_cast<unsigned long long>(stats.denied),
                 static_cast<unsigned long long>(stats.auth_failures));
    return 0;
}

}  // namespace firebreak::cli
