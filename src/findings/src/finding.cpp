#include "firebreak/findings/finding.h"

#include <algorithm>
#include <cstdio>

#include "firebreak/core/text.h"

namespace firebreak::findings {
namespace {

using event::ExtractedEvent;
using event::FieldId;
using event::kEndOfList;

std::string First(const ExtractedEvent& e, FieldId f) {
    return std::string(e.FirstString(f));
}

// All string/number values of a field, for resource templates.
std::vector<std::string> Values(const ExtractedEvent& e, FieldId f) {
    std::vector<std::string> out;
    for (uint32_t i = e.first(f); i != kEndOfList; i = e.at(i).next) {
        const event::Occurrence& o = e.at(i);
        if (o.type == event::ValueType::kString || o.type == event::ValueType::kNumber) {
            if (std::find(out.begin(), out.end(), o.text) == out.end()) {
                out.emplace_back(o.text);
            }
        }
    }
    return out;
}

// 64-bit FNV-1a, for ids of events that carry no eventID.
uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

void Field(std::string* out, std::string_view key, std::string_view value, bool* first) {
    if (!*first) {
        out->push_back(',');
    }
    *first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
}

}  // namespace

int NormalizedSeverity(rules::Severity severity) {
    switch (severity) {
        case rules::Severity::kInformational:
            return 0;
        case rules::Severity::kLow:
            return 30;
        case rules::Severity::kMedium:
            return 50;
        case rules::Severity::kHigh:
            return 80;
        case rules::Severity::kCritical:
            return 95;
    }
    return 0;
}

Finding BuildFinding(const matcher::CompiledRuleset& ruleset,
                     uint32_t rule_index,
                     const ExtractedEvent& e,
                     std::string_view source_file,
                     uint64_t record_index) {
    const matcher::SystemFields& f = ruleset.system_fields();
    const rules::Rule& rule = ruleset.rule(rule_index);
    Finding out;
    out.rule_index = rule_index;
    out.rule = &rule;
    out.source_file = std::string(source_file);
    out.record_index = record_index;
    out.event_id = First(e, f.event_id);
    out.event_time = First(e, f.event_time);
    out.event_name = First(e, f.event_name);
    out.event_source = First(e, f.event_source);
    out.region = First(e, f.aws_region);
    out.account = First(e, f.recipient_account);
    if (out.account.empty()) {
        out.account = First(e, f.identity_account);
    }
    out.detail_type = First(e, f.detail_type);
    if (e.shape == event::EventShape::kEnvelope ||
        e.shape == event::EventShape::kUnwrappedEnvelope) {
        if (out.account.empty()) {
            out.account = First(e, f.account);
        }
        if (out.region.empty()) {
            out.region = First(e, f.region);
        }
        if (out.event_time.empty()) {
            out.event_time = First(e, f.time);
        }
        if (out.event_id.empty()) {
            out.event_id = First(e, f.id);
        }
        if (out.event_name.empty() && e.shape == event::EventShape::kEnvelope) {
            out.event_name = First(e, f.detail_type_gd);  // e.g. the GuardDuty finding type
        }
        if (out.event_source.empty()) {
            out.event_source = First(e, f.source);
        }
    }
    out.principal = First(e, f.identity_arn);
    out.principal_type = First(e, f.identity_type);
    if (out.principal.empty()) {
        out.principal = First(e, f.identity_invoked_by);
    }
    if (out.principal.empty()) {
        out.principal = First(e, f.identity_principal);
    }
    if (out.principal.empty() && !out.principal_type.empty()) {
        // e.g. anonymous S3 access: {"type":"AWSAccount","accountId":"anonymous"}
        std::string who = First(e, f.identity_account);
        out.principal = out.principal_type + (who.empty() ? "" : ":" + who);
    }
    out.access_key_id = First(e, f.identity_access_key);
    out.source_ip = First(e, f.source_ip);
    out.user_agent = First(e, f.user_agent);
    out.error_code = First(e, f.error_code);

    const auto& fields = ruleset.resource_fields(rule_index);
    for (size_t r = 0; r < rule.resources.size(); ++r) {
        const rules::ResourceSpec& spec = rule.resources[r];
        // Expand the template; a placeholder with several values multiplies the resources.
        std::vector<std::string> ids = {""};
        size_t pos = 0;
        size_t k = 0;
        bool missing = false;
        const std::string& t = spec.id_template;
        while (pos < t.size()) {
            size_t open = t.find('{', pos);
            std::string literal = t.substr(pos, open == std::string::npos ? t.npos : open - pos);
            for (std::string& id : ids) {
                id += literal;
            }
            if (open == std::string::npos) {
                break;
            }
            size_t close = t.find('}', open);
            std::vector<std::string> values = Values(e, fields[r][k++]);
            if (values.empty()) {
                missing = true;
                break;
            }
            std::vector<std::string> next;
            for (const std::string& id : ids) {
                for (const std::string& v : values) {
                    next.push_back(id + v);
                }
            }
            ids = std::move(next);
            pos = close + 1;
        }
        if (missing) {
            continue;
        }
        for (std::string& id : ids) {
            out.resources.push_back({spec.type, std::move(id)});
        }
    }
    if (out.resources.empty()) {
        out.resources.push_back({"AwsAccount", "AWS::::Account:" + out.account});
    }
    std::string key = out.event_id;
    if (key.empty()) {
        char buf[32];
        std::snprintf(buf,
                      sizeof(buf),
                      "%016llx",
                      static_cast<unsigned long long>(
                              Fnv1a(std::to_string(record_index), Fnv1a(source_file))));
        key = std::string("h-") + buf;
    }
    out.id = "firebreak/" + rule.id + "/" + key;
    return out;
}

std::string ToAsffJson(const Finding& fd, const AsffOptions& options) {
    const rules::Rule& rule = *fd.rule;
    std::string account = fd.account.empty() ? "000000000000" : fd.account;
    std::string time = fd.event_time.empty() ? "1970-01-01T00:00:00Z" : fd.event_time;
    std::string out;
    out.reserve(2048);
    out.push_back('{');
    bool first = true;
    Field(&out, "SchemaVersion", "2018-10-08", &first);
    Field(&out, "Id", fd.id, &first);
    Field(&out,
          "ProductArn",
          "arn:aws:securityhub:" + (fd.region.empty() ? options.product_region : fd.region) + ":" +
                  account + ":product/" + account + "/default",
          &first);
    Field(&out, "ProductName", "firebreak", &first);
    Field(&out, "CompanyName", "firebreak", &first);
    Field(&out, "GeneratorId", rule.id, &first);
    Field(&out, "AwsAccountId", account, &first);
    out.append(",\"Types\":[");
    if (rule.mitre.empty()) {
        AppendJsonString("Unusual Behaviors/User/" + rule.id, &out);
    } else {
        for (size_t i = 0; i < rule.mitre.size(); ++i) {
            if (i > 0) {
                out.push_back(',');
            }
            AppendJsonString("TTPs/MITRE ATT&CK/" + rule.mitre[i], &out);
        }
    }
    out.push_back(']');
    Field(&out, "FirstObservedAt", time, &first);
    Field(&out, "LastObservedAt", time, &first);
    Field(&out, "CreatedAt", time, &first);
    Field(&out, "UpdatedAt", time, &first);
    out.append(",\"Severity\":{\"Label\":");
    AppendJsonString(rules::SeverityLabel(rule.severity), &out);
    out.append(",\"Normalized\":" + std::to_string(NormalizedSeverity(rule.severity)) + "}");
    Field(&out, "Title", rule.title, &first);
    // ASFF caps Description at 1024 characters: the event part is kept whole and the rule's text
    // (which for Sigma rules carries false positives and references) is shortened instead.
    std::string what = fd.event_name.empty() ? fd.detail_type : fd.event_name;
    std::string event_part = " Event: " + what;
    if (!fd.principal.empty()) {
        event_part += " by " + fd.principal;
    }
    if (!fd.source_ip.empty()) {
        event_part += " from " + fd.source_ip;
    }
    if (!fd.event_time.empty()) {
        event_part += " at " + fd.event_time;
    }
    event_part += ".";
    if (event_part.size() > 512) {
        event_part.resize(509);
        event_part += "...";
    }
    std::string description = rule.description;
    while (!description.empty() && (description.back() == '\n' || description.back() == ' ')) {
        description.pop_back();
    }
    size_t room = 1024 - event_part.size();
    if (description.size() > room) {
        size_t cut = room - 3;
        while (cut > 0 && (static_cast<unsigned char>(description[cut]) & 0xc0) == 0x80) {
            --cut;  // not inside a UTF-8 sequence
        }
        description.resize(cut);
        description += "...";
    }
    description += event_part;
    Field(&out, "Description", description, &first);
    if (!rule.references.empty()) {
        Field(&out, "SourceUrl", rule.references[0], &first);
    }
    out.append(",\"Resources\":[");
    for (size_t i = 0; i < fd.resources.size(); ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        out.push_back('{');
        bool rf = true;
        Field(&out, "Type", fd.resources[i].type, &rf);
        Field(&out, "Id", fd.resources[i].id, &rf);
        Field(&out, "Partition", "aws", &rf);
        if (!fd.region.empty()) {
            Field(&out, "Region", fd.region, &rf);
        }
        out.push_back('}');
    }
    out.push_back(']');
    if (!fd.event_name.empty() && !fd.event_source.empty() &&
        fd.event_source.find(".amazonaws.com") != std::string::npos) {
        out.append(",\"Action\":{\"ActionType\":\"AWS_API_CALL\",\"AwsApiCallAction\":{");
        bool af = true;
        Field(&out, "Api", fd.event_name, &af);
        Field(&out, "ServiceName", fd.event_source, &af);
        auto ip = ParseIp(fd.source_ip);
        if (ip) {
            Field(&out, "CallerType", "remoteip", &af);
            out.append(",\"RemoteIpDetails\":{");
            bool rf = true;
            Field(&out, ip->v6 ? "IpAddressV6" : "IpAddressV4", fd.source_ip, &rf);
            out.push_back('}');
        } else if (!fd.source_ip.empty()) {
            Field(&out, "CallerType", "domain", &af);
            out.append(",\"DomainDetails\":{");
            bool rf = true;
            Field(&out, "Domain", fd.source_ip, &rf);
            out.push_back('}');
        }
        out.append("}}");
    }
    out.append(",\"ProductFields\":{");
    bool pf = true;
    Field(&out, "firebreak/RuleId", rule.id, &pf);
    if (rule.format == rules::RuleFormat::kSigma) {
        Field(&out, "firebreak/RuleFormat", "sigma", &pf);
        if (!rule.author.empty()) {
            Field(&out, "sigma/Author", rule.author.substr(0, 256), &pf);
        }
        if (!rule.status.empty()) {
            Field(&out, "sigma/Status", rule.status, &pf);
        }
    }
    Field(&out, "firebreak/SourceFile", fd.source_file, &pf);
    Field(&out, "firebreak/RecordIndex", std::to_string(fd.record_index), &pf);
    if (!fd.event_id.empty()) {
        Field(&out, "firebreak/EventId", fd.event_id, &pf);
    }
    if (!fd.event_name.empty()) {
        Field(&out, "firebreak/EventName", fd.event_name, &pf);
    }
    if (!fd.principal.empty()) {
        Field(&out, "firebreak/Principal", fd.principal, &pf);
    }
    if (!fd.principal_type.empty()) {
        Field(&out, "firebreak/PrincipalType", fd.principal_type, &pf);
    }
    if (!fd.access_key_id.empty()) {
        Field(&out, "firebreak/AccessKeyId", fd.access_key_id, &pf);
    }
    if (!fd.source_ip.empty()) {
        Field(&out, "firebreak/SourceIp", fd.source_ip, &pf);
    }
    if (!fd.user_agent.empty()) {
        Field(&out, "firebreak/UserAgent", fd.user_agent.substr(0, 512), &pf);
    }
    if (!fd.error_code.empty()) {
        Field(&out, "firebreak/ErrorCode", fd.error_code, &pf);
    }
    out.push_back('}');
    Field(&out, "RecordState", "ACTIVE", &first);
    out.append(",\"Workflow\":{\"Status\":\"NEW\"}");
    out.push_back('}');
    return out;
}

}  // namespace firebreak::findings
