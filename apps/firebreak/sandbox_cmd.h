// File: sandbox_cmd.h
//
// `firebreak sandbox`: flags and the runner (the CLI only wires the sandbox module together).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace firebreak::cli {

struct SandboxFlags {
    std::string world;  // YAML world file (first start, or with --reset)
    std::string data_dir = "sandbox-data";
    std::string host = "127.0.0.1";
    int port = 4566;
    std::string port_file;  // write the bound port here (for scripts using --port 0)
    std::string events;     // "-" or a file: EventBridge envelopes as JSON Lines
    bool reset = false;
    bool quiet = false;
    double digest_period_seconds = 0;  // CloudTrail digest period; 0: the default (an hour)
    size_t stream_retain = 100000;     // envelopes GET /_firebreak/stream keeps
};

CLI::App* AddSandboxCommand(CLI::App& app, SandboxFlags* flags);

int RunSandbox(const SandboxFlags& flags);

}  // namespace firebreak::cli
