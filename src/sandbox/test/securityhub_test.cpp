// File: securityhub_test.cpp
//
// Security Hub in the sandbox through firebreak's own client (aws/securityhub.h) on 127.0.0.1
// (examples/worlds/single-account.yaml): BatchImportFindings validates ASFF's required fields
// per finding, upserts by ProductArn + Id, GetFindings pages what was stored, both calls are
// recorded in CloudTrail, IAM applies, and the findings survive a save and reload of the world.
#include "firebreak/aws/securityhub.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kProductArn[] =
        "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default";

// A complete ASFF finding; `omit` leaves one required field out.
std::string Asff(const std::string& id,
                 const std::string& title = "Root login",
                 const std::string& omit = "") {
    std::vector<std::pair<std::string, std::string>> fields = {
            {"SchemaVersion", "\"2018-10-08\""},
            {"Id", event::ToJson([&] {
                 event::JsonValue v;
                 v.type = event::JsonValue::Type::kString;
                 v.text = id;
                 return v;
             }())},
            {"ProductArn", std::string("\"") + kProductArn + "\""},
            {"GeneratorId", "\"firebreak/root-login\""},
            {"AwsAccountId", "\"111111111111\""},
            {"Types", "[\"TTPs/Initial Access\"]"},
            {"CreatedAt", "\"2026-11-01T08:00:00Z\""},
            {"UpdatedAt", "\"2026-11-01T08:00:00Z\""},
            {"Severity", "{\"Label\":\"HIGH\"}"},
            {"Title", "\"" + title + "\""},
            {"Description", "\"The root user signed in\""},
            {"Resources", "[{\"Type\":\"AwsAccount\",\"Id\":\"AWS::::Account:111111111111\"}]"},
    };
    std::string out = "{";
    for (const auto& [name, value] : fields) {
        if (name == omit)
            continue;
        if (out.size() > 1)
            out += ",";
        out += "\"" + name + "\":" + value;
    }
    return out + "}";
}

std::string Text(const std::string& json, std::string_view key) {
    auto parsed = event::ParseJson(json);
    const event::JsonValue* v = parsed && parsed->is_object() ? parsed->Find(key) : nullptr;
    return v != nullptr && v->is_string() ? v->text : "";
}

class SecurityHubSandboxTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-sandbox-shub-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<World> world = LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        SandboxOptions options;
        options.state_path = (dir_ / "world.json").string();
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = milliseconds(50);
        options.threads = 4;
        auto started = Sandbox::Start(std::move(options), std::move(world).value());
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(started).value();
        transport_ = aws::MakeCurlTransport({});
    }

    void TearDown() override {
        transport_.reset();
        if (sandbox_)
            sandbox_->Stop();
        sandbox_.reset();
        std::error_code ignored;
        if (!dir_.empty())
            fs::remove_all(dir_, ignored);
    }

    aws::AwsClient Client(const char* id, const char* secret) const {
        aws::Credentials credentials;
        credentials.access_key_id = id;
        credentials.secret_access_key = secret;
        aws::ResolvedConfig config;
        config.region = "us-east-1";
        config.region_source = "test";
        config.retry.base_delay = milliseconds(0);
        auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
        EXPECT_TRUE(endpoint.has_value());
        for (std::optional<aws::Endpoint>& e : config.endpoints)
            e = *endpoint;
        return aws::AwsClient(
                std::move(config), aws::MakeStaticProvider(credentials, "test keys"), transport_);
    }

    aws::AwsClient Alice() const {
        return Client("AKIAEXAMPLEALICE0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC");
    }

    aws::AwsClient Bob() const {
        return Client("AKIAEXAMPLEBOB000001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEBOB1");
    }

    // The event names and readOnly flags in the CloudTrail event history, oldest first.
    std::vector<std::string> History() const {
        std::vector<std::string> out;
        sandbox_->Inspect([&](const World& world) {
            for (const RecordedEvent& e : world.event_history) {
                if (e.event_source == "securityhub.amazonaws.com")
                    out.push_back(e.event_name + (e.read_only ? " (read)" : ""));
            }
        });
        return out;
    }

    fs::path dir_;
    std::unique_ptr<Sandbox> sandbox_;
    std::shared_ptr<aws::HttpTransport> transport_;
};

TEST_F(SecurityHubSandboxTest, ImportValidatesEachFindingAndStoresTheValidOnes) {
    std::vector<std::string> findings = {Asff("f-1"), Asff("f-2", "x", "Title"), Asff("f-3")};
    auto reply = aws::securityhub::BatchImportFindings(Alice(), findings);
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    EXPECT_EQ(reply->success_count, 2);
    EXPECT_EQ(reply->failed_count, 1);
    ASSERT_EQ(reply->failed_findings.size(), 1u);
    EXPECT_EQ(reply->failed_findings[0].id, "f-2");
    EXPECT_EQ(reply->failed_findings[0].error_code, "InvalidInput");
    EXPECT_NE(reply->failed_findings[0].error_message.find("'Title'"), std::string::npos)
            << reply->failed_findings[0].error_message;
    size_t stored = 0;
    sandbox_->Inspect([&](const World& world) { stored = world.securityhub_findings.size(); });
    EXPECT_EQ(stored, 2u);
    EXPECT_EQ(History(), std::vector<std::string>{"BatchImportFindings"});
}

TEST_F(SecurityHubSandboxTest, EveryRequiredFieldIsChecked) {
    std::vector<std::string> findings;
    for (const char* field : {"SchemaVersion",
                              "Id",
                              "ProductArn",
                              "GeneratorId",
                              "AwsAccountId",
                              "Types",
                              "CreatedAt",
                              "UpdatedAt",
                              "Severity",
                              "Title",
                              "Description",
                              "Resources"}) {
        findings.push_back(Asff(std::string("missing-") + field, "t", field));
    }
    auto reply = aws::securityhub::BatchImportFindings(Alice(), findings);
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    EXPECT_EQ(reply->success_count, 0);
    EXPECT_EQ(reply->failed_count, 12);
    ASSERT_EQ(reply->failed_findings.size(), 12u);
    EXPECT_EQ(reply->failed_findings[1].id, "");  // the one without an Id
    EXPECT_EQ(reply->failed_findings[11].id, "missing-Resources");
}

TEST_F(SecurityHubSandboxTest, ImportUpsertsByProductArnAndIdAndGetFindingsPages) {
    std::vector<std::string> first = {Asff("f-1", "old title"), Asff("f-2")};
    ASSERT_TRUE(aws::securityhub::BatchImportFindings(Alice(), first).has_value());
    std::vector<std::string> again = {Asff("f-1", "new title")};
    auto upsert = aws::securityhub::BatchImportFindings(Alice(), again);
    ASSERT_TRUE(upsert.has_value());
    EXPECT_EQ(upsert->success_count, 1);

    aws::securityhub::GetFindingsRequest request;
    request.max_results = 1;
    auto page1 = aws::securityhub::GetFindings(Alice(), request);
    ASSERT_TRUE(page1.has_value()) << page1.error().ToString();
    ASSERT_EQ(page1->findings.size(), 1u);
    EXPECT_EQ(Text(page1->findings[0], "Id"), "f-1");
    EXPECT_EQ(Text(page1->findings[0], "Title"), "new title");
    EXPECT_EQ(page1->next_token, "1");
    request.next_token = page1->next_token;
    auto page2 = aws::securityhub::GetFindings(Alice(), request);
    ASSERT_TRUE(page2.has_value());
    ASSERT_EQ(page2->findings.size(), 1u);
    EXPECT_EQ(Text(page2->findings[0], "Id"), "f-2");
    EXPECT_EQ(page2->next_token, "");
    EXPECT_EQ(History(),
              (std::vector<std::string>{"BatchImportFindings",
                                        "BatchImportFindings",
                                        "GetFindings (read)",
                                        "GetFindings (read)"}));
}

TEST_F(SecurityHubSandboxTest, ImportFindingsBatchesAnyNumber) {
    std::vector<std::string> findings;
    for (int i = 0; i < 150; ++i)
        findings.push_back(Asff("f-" + std::to_string(i)));
    auto reply = aws::securityhub::ImportFindings(Alice(), findings);
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    EXPECT_EQ(reply->success_count, 150);
    EXPECT_EQ(History().size(), 2u);
    size_t stored = 0;
    sandbox_->Inspect([&](const World& world) { stored = world.securityhub_findings.size(); });
    EXPECT_EQ(stored, 150u);
}

TEST_F(SecurityHubSandboxTest, IamDenialsAndBadRequestsAreAwsShaped) {
    std::vector<std::string> findings = {Asff("f-1")};
    auto denied = aws::securityhub::BatchImportFindings(Bob(), findings);
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, "AccessDeniedException");
    EXPECT_EQ(denied.error().http_status, 403);
    EXPECT_NE(denied.error().message.find("securityhub:BatchImportFindings"), std::string::npos);

    aws::securityhub::GetFindingsRequest request;
    request.max_results = 500;
    auto bad = aws::securityhub::GetFindings(Alice(), request);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, "InvalidInputException");
    EXPECT_EQ(bad.error().http_status, 400);
}

TEST(SecurityHubWorldTest, ImportedFindingsSurviveSerialisation) {
    World world;
    ImportedFinding finding;
    finding.account_id = "111111111111";
    finding.region = "us-east-1";
    finding.product_arn = kProductArn;
    finding.id = "f-1";
    finding.finding = Asff("f-1");
    finding.first_imported = Timestamp(std::chrono::milliseconds(1700000000123));
    finding.last_imported = finding.first_imported;
    world.securityhub_findings[SecurityHubFindingKey(
            finding.account_id, finding.region, finding.product_arn, finding.id)] = finding;
    Result<World> back = ParseWorldJson(SerializeWorld(world));
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(back->securityhub_findings, world.securityhub_findings);
}

}  // namespace
}  // namespace firebreak::sandbox
