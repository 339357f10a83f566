// File: serve_config.h
//
// `firebreak serve --config firebreak.yaml`: the daemon's sections of the config file. The
// response sections (accounts, notifications, evidence) are read by response_context.h's loader
// from the same file; this loader takes the rest and reports every problem with
// file:line:column before anything starts.
//
//   serve:
//     listen: 127.0.0.1:8443          # loopback by default; 0 picks a free port
//     token: ${FIREBREAK_TOKEN}       # bearer token for the API and ingest (required)
//     hmac-secret: ${FIREBREAK_HMAC}  # optional: ingest may sign bodies instead
//     state: firebreak-state          # wal/, findings.db, runs.db, sources/, vault defaults
//     workers: 0                      # detection threads, 0 = all cores
//     queue: {max-batches: 1024, max-bytes: 256MiB}
//     max-body: 16MiB
//     seal-every: 1h                  # periodic evidence digests (0 = off)
//   rules: [rules/]                   # rule files or folders, plus the built-in pack
//   builtin-rules: true
//   playbooks: [playbooks/]           # plus the built-in playbooks
//   builtin-playbooks: true
//   sources:
//     - {type: folder, path: /var/log/cloudtrail, poll: 2s}
//     - {type: sandbox, url: http://127.0.0.1:4566, region: us-east-1, wait: 10s}
//   findings:
//     aggregation-window: 1h
//     securityhub: {enabled: false, region: us-east-1}
//   response:
//     workers: 2
//     notify: [responders]            # told about plans waiting for approval (default: all)
//     auto-apply:
//       - {playbook: cloudtrail-reenable, environments: ["*"], severities: [high, critical]}
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/pipeline/responder.h"
#include "firebreak/rules/node.h"

namespace firebreak::cli {

struct ServeSource {
    enum class Type : uint8_t { kFolder, kSandbox };
    Type type = Type::kFolder;
    std::string path;                       // folder
    std::chrono::milliseconds poll{2000};   // folder
    std::string url;                        // sandbox
    std::string region = "us-east-1";       // sandbox: the SigV4 scope
    std::chrono::milliseconds wait{10000};  // sandbox: long-poll
    SourcePos pos;
};

struct ServeConfig {
    std::string host = "127.0.0.1";
    int port = 8443;
    std::string token;
    std::string hmac_secret;
    std::string state = "firebreak-state";
    unsigned workers = 0;
    size_t max_batches = 1024;
    size_t max_bytes = 256u << 20;
    size_t max_body = 16u << 20;
    std::chrono::seconds seal_every{3600};
    std::vector<std::string> rules;
    bool builtin_rules = true;
    std::vector<std::string> playbooks;
    bool builtin_playbooks = true;
    std::vector<ServeSource> sources;
    std::chrono::seconds aggregation_window{3600};
    bool securityhub = false;
    std::string securityhub_region;
    unsigned response_workers = 2;
    std::vector<std::string> notify;
    std::vector<pipeline::AutoApplyRule> auto_apply;
};

// One top-level key of the config file that belongs to serve (serve, rules, builtin-rules,
// playbooks, builtin-playbooks, sources, findings, response). False for keys it does not know.
// Relative paths are relative to the working folder, as in the other sections.
bool LoadServeKey(const std::string& key,
                  const rules::Node& value,
                  ServeConfig* config,
                  Diagnostics* diags);

// Checks what only the whole file can tell (a token is set, sources are not duplicated).
void CheckServeConfig(const ServeConfig& config, const SourcePos& file_pos, Diagnostics* diags);

// "16MiB", "256MB", "1024", "64KiB" → bytes; nullopt when not a size.
std::optional<uint64_t> ParseByteSize(std::string_view text);

// "127.0.0.1:8443", "[::1]:8443", ":8443", "8443" → host and port.
bool ParseListen(std::string_view text, std::string* host, int* port);

}  // namespace firebreak::cli
