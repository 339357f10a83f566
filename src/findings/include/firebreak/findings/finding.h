// File: finding.h
//
// Findings: what a rule match becomes, rendered in AWS Security Finding Format (ASFF) so Security
// Hub and the tools around it read them unchanged. A finding copies what it needs out of the
// event (events are views into parser buffers and do not outlive their batch).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "firebreak/event/extracted_event.h"
#include "firebreak/matcher/compiled_ruleset.h"

namespace firebreak::findings {

struct Resource {
    std::string type;
    std::string id;
};

struct Finding {
    std::string id;  // stable for the same rule and event
    uint32_t rule_index = 0;
    const rules::Rule* rule = nullptr;  // owned by the CompiledRuleset
    std::string account;
    std::string region;
    std::string event_id;
    std::string event_time;
    std::string event_name;
    std::string event_source;
    std::string principal;       // ARN, or the best identity the event has
    std::string principal_type;  // userIdentity.type
    std::string access_key_id;
    std::string source_ip;
    std::string user_agent;
    std::string error_code;
    std::string detail_type;  // for EventBridge envelopes
    std::vector<Resource> resources;
    std::string source_file;
    uint64_t record_index = 0;
    uint64_t file_order = 0;  // position of the source file in the run, for stable ordering
};

// Builds a finding from a matched event. Allocates (findings are rare next to events).
Finding BuildFinding(const matcher::CompiledRuleset& ruleset,
                     uint32_t rule_index,
                     const event::ExtractedEvent& event,
                     std::string_view source_file,
                     uint64_t record_index);

struct AsffOptions {
    // ProductArn is arn:aws:securityhub:<region>:<account>:product/<account>/default, the ARN
    // Security Hub assigns to findings a customer imports from its own account.
    std::string product_region = "us-east-1";
};

// One ASFF finding as compact JSON.
std::string ToAsffJson(const Finding& finding, const AsffOptions& options);

// Severity.Normalized per ASFF's label ranges.
int NormalizedSeverity(rules::Severity severity);

}  // namespace firebreak::findings
