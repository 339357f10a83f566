// File: handlers_securityhub.cpp
//
// Security Hub (REST-JSON) BatchImportFindings and GetFindings: where `firebreak serve` reports
// findings, so tests can read back what it sent.
//
// BatchImportFindings (POST /findings/import, {"Findings":[ASFF...]}, at most 100 findings):
// each finding is checked for ASFF's required fields (SchemaVersion, Id, ProductArn, GeneratorId,
// AwsAccountId, Types, CreatedAt, UpdatedAt, Severity, Title, Description, Resources) and its
// size (240 KB); a finding that fails is listed in FailedFindings (ErrorCode "InvalidInput") and
// the others are stored, upserted by ProductArn + Id in the caller's account and region.
// GetFindings (POST /findings): the caller's account and region's findings in key order, paged by
// MaxResults (1..100, default 100) and NextToken (an index); Filters and SortCriteria are
// accepted and ignored. CloudTrail records both as management events (GetFindings read-only);
// BatchImportFindings's requestParameters list only each finding's Id and ProductArn.
#include <algorithm>
#include <charconv>

#include "call.h"

namespace firebreak::sandbox {
namespace {

constexpr size_t kMaxFindings = 100;
constexpr size_t kMaxFindingBytes = 240 * 1024;
constexpr int64_t kMaxResults = 100;

std::string Str(const event::JsonValue& object, std::string_view key) {
    const event::JsonValue* v = object.Find(key);
    return v != nullptr && v->is_string() ? v->text : std::string();
}

// Why the finding does not adhere to ASFF, or "" when it has every required field.
std::string AsffProblem(const event::JsonValue& finding, size_t bytes) {
    constexpr std::string_view kPrefix =
            "Finding does not adhere to Amazon Security Finding Format. ";
    if (!finding.is_object())
        return std::string(kPrefix) + "A finding must be an object.";
    if (bytes > kMaxFindingBytes) {
        return "Finding size " + std::to_string(bytes) + " bytes exceeds the limit of " +
               std::to_string(kMaxFindingBytes) + " bytes.";
    }
    for (std::string_view key : {"SchemaVersion",
                                 "Id",
                                 "ProductArn",
                                 "GeneratorId",
                                 "AwsAccountId",
                                 "CreatedAt",
                                 "UpdatedAt",
                                 "Title",
                                 "Description"}) {
        const event::JsonValue* v = finding.Find(key);
        if (v == nullptr)
            return std::string(kPrefix) + "data should have required property '" +
                   std::string(key) + "'";
        if (!v->is_string() || v->text.empty())
            return std::string(kPrefix) + "data." + std::string(key) +
                   " should be a non-empty string";
    }
    for (std::string_view key : {"CreatedAt", "UpdatedAt"}) {
        if (!ParseIsoTime(finding.Find(key)->text))
            return std::string(kPrefix) + "data." + std::string(key) +
                   " should match format \"date-time\"";
    }
    const std::string& account = finding.Find("AwsAccountId")->text;
    if (account.size() != 12 ||
        !std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::string(kPrefix) + "data.AwsAccountId should be a 12-digit account id";
    }
    const event::JsonValue* types = finding.Find("Types");
    if (types == nullptr)
        return std::string(kPrefix) + "data should have required property 'Types'";
    if (!types->is_array() || types->items.empty() ||
        !std::all_of(types->items.begin(), types->items.end(), [](const event::JsonValue& t) {
            return t.is_string() && !t.text.empty();
        })) {
        return std::string(kPrefix) + "data.Types should be a non-empty array of strings";
    }
    const event::JsonValue* severity = finding.Find("Severity");
    if (severity == nullptr)
        return std::string(kPrefix) + "data should have required property 'Severity'";
    if (!severity->is_object())
        return std::string(kPrefix) + "data.Severity should be an object";
    const event::JsonValue* resources = finding.Find("Resources");
    if (resources == nullptr)
        return std::string(kPrefix) + "data should have required property 'Resources'";
    if (!resources->is_array() || resources->items.empty())
        return std::string(kPrefix) + "data.Resources should be a non-empty array";
    for (const event::JsonValue& resource : resources->items) {
        if (!resource.is_object() || Str(resource, "Type").empty() || Str(resource, "Id").empty())
            return std::string(kPrefix) + "data.Resources[] should have Type and Id strings";
    }
    return "";
}

void BatchImportFindings(Call& call) {
    const event::JsonValue* findings = call.json.Find("Findings");
    if (findings == nullptr || !findings->is_array()) {
        call.Fail("InvalidInputException", "Findings is required and must be a list");
        return;
    }
    if (findings->items.size() > kMaxFindings) {
        call.Fail("InvalidInputException",
                  "Findings must contain at most 100 items, not " +
                          std::to_string(findings->items.size()));
        return;
    }
    std::string request = "{\"findings\":[";
    for (size_t i = 0; i < findings->items.size(); ++i) {
        const event::JsonValue& finding = findings->items[i];
        request += i > 0 ? ",{" : "{";
        if (finding.is_object()) {
            request += "\"id\":" + JsonText(Str(finding, "Id")) +
                       ",\"productArn\":" + JsonText(Str(finding, "ProductArn"));
        }
        request += "}";
    }
    call.request_parameters = request + "]}";
    if (!call.Authorize("securityhub:BatchImportFindings"))
        return;

    Timestamp now = call.world->Now();
    int64_t succeeded = 0;
    std::string failed;
    int64_t failed_count = 0;
    for (const event::JsonValue& finding : findings->items) {
        std::string text = event::ToJson(finding);
        std::string problem = AsffProblem(finding, text.size());
        if (!problem.empty()) {
            failed += failed.empty() ? "{" : ",{";
            failed += "\"Id\":" + JsonText(finding.is_object() ? Str(finding, "Id") : "") +
                      ",\"ErrorCode\":\"InvalidInput\",\"ErrorMessage\":" + JsonText(problem) + "}";
            ++failed_count;
            continue;
        }
        std::string product_arn = Str(finding, "ProductArn");
        std::string id = Str(finding, "Id");
        std::string key = SecurityHubFindingKey(call.account_id, call.region, product_arn, id);
        auto [it, inserted] = call.world->securityhub_findings.try_emplace(key);
        ImportedFinding& stored = it->second;
        if (inserted) {
            stored.account_id = call.account_id;
            stored.region = call.region;
            stored.product_arn = product_arn;
            stored.id = id;
            stored.first_imported = now;
        }
        stored.finding = std::move(text);
        stored.last_imported = now;
        ++succeeded;
    }
    call.mutated = succeeded > 0;
    std::string reply = "{\"FailedCount\":" + std::to_string(failed_count) +
                        ",\"SuccessCount\":" + std::to_string(succeeded) + ",\"FailedFindings\":[" +
                        failed + "]}";
    call.response_elements = reply;
    call.ReplyJson(std::move(reply));
}

void GetFindings(Call& call) {
    int64_t max_results = kMaxResults;
    size_t start = 0;
    std::string request = "{";
    if (const event::JsonValue* max = call.json.Find("MaxResults")) {
        int64_t value = 0;
        auto [end, ec] =
                std::from_chars(max->text.data(), max->text.data() + max->text.size(), value);
        if (!max->is_number() || ec != std::errc() || end != max->text.data() + max->text.size() ||
            value < 1 || value > kMaxResults) {
            call.Fail("InvalidInputException", "MaxResults must be a number from 1 to 100");
            return;
        }
        max_results = value;
        request += "\"maxResults\":" + std::to_string(value);
    }
    if (const event::JsonValue* token = call.json.Find("NextToken")) {
        auto [end, ec] =
                std::from_chars(token->text.data(), token->text.data() + token->text.size(), start);
        if (!token->is_string() || token->text.empty() || ec != std::errc() ||
            end != token->text.data() + token->text.size()) {
            call.Fail("InvalidInputException", "The NextToken is not valid");
            return;
        }
        request += std::string(request.size() > 1 ? "," : "") +
                   "\"nextToken\":" + JsonText(token->text);
    }
    call.request_parameters = request + "}";
    if (!call.Authorize("securityhub:GetFindings"))
        return;
    std::string prefix = SecurityHubFindingKey(call.account_id, call.region, "", "");
    prefix.pop_back();  // "<account>/<region>/"
    std::vector<const ImportedFinding*> mine;
    const auto& all = call.world->securityhub_findings;
    for (auto it = all.lower_bound(prefix); it != all.end() && it->first.starts_with(prefix);
         ++it) {
        mine.push_back(&it->second);
    }
    std::string reply = "{\"Findings\":[";
    size_t end = std::min(mine.size(), start + static_cast<size_t>(max_results));
    for (size_t i = start; i < end; ++i) {
        if (i > start)
            reply += ",";
        reply += mine[i]->finding;
    }
    reply += "]";
    if (end < mine.size())
        reply += ",\"NextToken\":" + JsonText(std::to_string(end));
    reply += "}";
    call.ReplyJson(std::move(reply));
}

}  // namespace

std::string RouteSecurityHub(const aws::HttpRequest& request) {
    std::string_view path = request.path;
    while (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    if (request.method == "POST" && path == "/findings/import")
        return "BatchImportFindings";
    if (request.method == "POST" && path == "/findings")
        return "GetFindings";
    return "";
}

void RegisterSecurityHubHandlers(HandlerTable* table) {
    (*table)[{Api::kSecurityHub, "BatchImportFindings"}] = {BatchImportFindings, false};
    (*table)[{Api::kSecurityHub, "GetFindings"}] = {GetFindings, true};
}

}  // namespace firebreak::sandbox
