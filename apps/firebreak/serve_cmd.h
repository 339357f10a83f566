// File: serve_cmd.h
//
// `firebreak serve --config firebreak.yaml`: the live pipeline from detection to response.
// Wiring only: the config (serve_config.h and the response sections), the write-ahead log, the
// live pipeline and the finding store (src/pipeline, src/findings), the responder (playbooks,
// src/response), the evidence vault and the HTTP front (src/server).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace firebreak::cli {

struct ServeFlags {
    std::string config;
    std::string listen;     // overrides serve.listen
    std::string state;      // overrides serve.state
    std::string token_env;  // the token from this environment variable (overrides serve.token)
    std::string port_file;  // the bound port is written here once listening
    std::string endpoint_url;
    std::string region;
    std::string profile;
    bool quiet = false;
};

CLI::App* AddServeCommand(CLI::App& app, ServeFlags* flags);

int RunServe(const ServeFlags& flags);

}  // namespace firebreak::cli
