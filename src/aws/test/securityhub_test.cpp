// File: securityhub_test.cpp
//
// Security Hub's BatchImportFindings and GetFindings against a scripted transport: the exact
// request (POST path, JSON body, endpoint, SigV4 scope "securityhub"), reply parsing, REST-JSON
// errors, one retry, and the batching of any number of findings within AWS's limits (100 per
// call, 6 MB per call, 240 KB per finding).
#include "firebreak/aws/securityhub.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_transport.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::aws {
namespace {

using FakeTransport = testing::FakeTransport;

std::string Finding(const std::string& id, size_t pad = 0) {
    return "{\"Id\":\"" + id + "\",\"Pad\":\"" + std::string(pad, 'x') + "\"}";
}

class SecurityHubTest : public ::testing::Test {
protected:
    AwsClient Client(bool endpoint_override) {
        Credentials credentials;
        credentials.access_key_id = "AKIDEXAMPLE";
        credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        ResolvedConfig config;
        config.region = "eu-west-1";
        config.retry.base_delay = std::chrono::milliseconds(0);
        if (endpoint_override) {
            Endpoint endpoint;
            endpoint.scheme = "http";
            endpoint.host = "127.0.0.1";
            endpoint.port = 4566;
            for (auto& e : config.endpoints)
                e = endpoint;
        }
        return AwsClient(std::move(config), MakeStaticProvider(credentials, "test"), transport_);
    }

    std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
};

TEST_F(SecurityHubTest, BatchImportFindingsPostsTheFindingsAndParsesTheCounts) {
    transport_->Reply(
            200,
            R"({"FailedCount":1,"SuccessCount":1,"FailedFindings":[{"Id":"b","ErrorCode":"InvalidInput","ErrorMessage":"Title is required"}]})",
            {{"x-amzn-RequestId", "req-1"}});
    std::vector<std::string> findings = {Finding("a"), Finding("b")};
    auto reply = securityhub::BatchImportFindings(Client(false), findings);
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    EXPECT_EQ(reply->success_count, 1);
    EXPECT_EQ(reply->failed_count, 1);
    ASSERT_EQ(reply->failed_findings.size(), 1u);
    EXPECT_EQ(reply->failed_findings[0].id, "b");
    EXPECT_EQ(reply->failed_findings[0].error_code, "InvalidInput");
    EXPECT_EQ(reply->failed_findings[0].error_message, "Title is required");
    EXPECT_EQ(reply->request_id, "req-1");

    ASSERT_EQ(transport_->sent().size(), 1u);
    const auto& sent = transport_->sent()[0];
    EXPECT_EQ(sent.endpoint.host, "securityhub.eu-west-1.amazonaws.com");
    EXPECT_EQ(sent.endpoint.scheme, "https");
    EXPECT_EQ(sent.request.method, "POST");
    EXPECT_EQ(sent.request.path, "/findings/import");
    EXPECT_EQ(*sent.request.Header("Content-Type"), "application/json");
    EXPECT_EQ(sent.request.body, "{\"Findings\":[" + findings[0] + "," + findings[1] + "]}");
    const std::string* auth = sent.request.Header("Authorization");
    ASSERT_NE(auth, nullptr);
    EXPECT_NE(auth->find("/eu-west-1/securityhub/aws4_request"), std::string::npos) << *auth;
}

TEST_F(SecurityHubTest, ASharedEndpointOverrideIsUsed) {
    transport_->Reply(200, R"({"FailedCount":0,"SuccessCount":1})");
    std::vector<std::string> findings = {Finding("a")};
    ASSERT_TRUE(securityhub::BatchImportFindings(Client(true), findings).has_value());
    EXPECT_EQ(transport_->sent()[0].endpoint.host, "127.0.0.1");
    EXPECT_EQ(transport_->sent()[0].endpoint.port, 4566);
}

TEST_F(SecurityHubTest, ErrorsAreReadFromTheRestJsonShapeAndThrottlingIsRetried) {
    transport_->Reply(429,
                      R"({"Code":"TooManyRequestsException","Message":"Rate exceeded"})",
                      {{"x-amzn-ErrorType", "TooManyRequestsException:http://internal"}});
    transport_->Reply(403,
                      R"({"Code":"InvalidAccessException","Message":"not subscribed"})",
                      {{"x-amzn-ErrorType", "InvalidAccessException"}});
    std::vector<std::string> findings = {Finding("a")};
    auto reply = securityhub::BatchImportFindings(Client(false), findings);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, "InvalidAccessException");
    EXPECT_EQ(reply.error().message, "not subscribed");
    EXPECT_EQ(reply.error().operation, "securityhub:BatchImportFindings");
    EXPECT_EQ(transport_->sent().size(), 2u);
}

TEST_F(SecurityHubTest, AMalformedReplyIsInvalidResponse) {
    transport_->Reply(200, R"({"SuccessCount":"many"})");
    std::vector<std::string> findings = {Finding("a")};
    auto reply = securityhub::BatchImportFindings(Client(false), findings);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, "InvalidResponse");
}

TEST_F(SecurityHubTest, MoreThanOneHundredFindingsInOneCallAreRefusedLocally) {
    std::vector<std::string> findings(101, Finding("a"));
    auto reply = securityhub::BatchImportFindings(Client(false), findings);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, "InvalidInputException");
    EXPECT_TRUE(transport_->sent().empty());
}

TEST(SplitFindingBatchesTest, SplitsByCountBytesAndLeavesOutOversizedFindings) {
    std::vector<std::string> findings;
    for (int i = 0; i < 250; ++i)
        findings.push_back(Finding(std::to_string(i)));
    auto by_count = securityhub::SplitFindingBatches(findings);
    ASSERT_EQ(by_count.ranges.size(), 3u);
    EXPECT_EQ(by_count.ranges[0].begin, 0u);
    EXPECT_EQ(by_count.ranges[0].end, 100u);
    EXPECT_EQ(by_count.ranges[1].end, 200u);
    EXPECT_EQ(by_count.ranges[2].end, 250u);
    EXPECT_TRUE(by_count.too_large.empty());

    // 200 KB each: 30 fit in 6 MB (with the envelope), the 31st starts a new call.
    std::vector<std::string> big(40, Finding("big", 200 * 1024));
    auto by_bytes = securityhub::SplitFindingBatches(big);
    ASSERT_EQ(by_bytes.ranges.size(), 2u);
    EXPECT_EQ(by_bytes.ranges[0].end, 30u);
    EXPECT_EQ(by_bytes.ranges[1].end, 40u);
    size_t body =
            securityhub::EncodeBatchImportFindings(std::span<const std::string>(big).subspan(0, 30))
                    .size();
    EXPECT_LE(body, securityhub::kMaxBatchBytes);

    std::vector<std::string> mixed = {
            Finding("a"), Finding("huge", 300 * 1024), Finding("b"), Finding("c")};
    auto skipped = securityhub::SplitFindingBatches(mixed);
    EXPECT_EQ(skipped.too_large, std::vector<size_t>{1});
    ASSERT_EQ(skipped.ranges.size(), 2u);
    EXPECT_EQ(skipped.ranges[0].end, 1u);
    EXPECT_EQ(skipped.ranges[1].begin, 2u);
    EXPECT_EQ(skipped.ranges[1].end, 4u);
}

TEST_F(SecurityHubTest, ImportFindingsSendsOneCallPerBatchAndSumsTheCounts) {
    transport_->Reply(200, R"({"FailedCount":0,"SuccessCount":100})");
    transport_->Reply(
            200,
            R"({"FailedCount":1,"SuccessCount":19,"FailedFindings":[{"Id":"x","ErrorCode":"InvalidInput","ErrorMessage":"m"}]})");
    std::vector<std::string> findings;
    for (int i = 0; i < 120; ++i)
        findings.push_back(Finding(std::to_string(i)));
    findings.push_back(Finding("oversized", 241 * 1024));
    auto reply = securityhub::ImportFindings(Client(false), findings);
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    EXPECT_EQ(reply->success_count, 119);
    EXPECT_EQ(reply->failed_count, 2);
    ASSERT_EQ(reply->failed_findings.size(), 2u);
    EXPECT_EQ(reply->failed_findings[0].id, "oversized");
    EXPECT_EQ(reply->failed_findings[0].error_code, "FindingTooLarge");
    EXPECT_EQ(reply->failed_findings[1].id, "x");
    EXPECT_EQ(transport_->sent().size(), 2u);
}

TEST_F(SecurityHubTest, GetFindingsSendsPagingAndReturnsTheFindings) {
    transport_->Reply(200, R"({"Findings":[{"Id":"a","Title":"t"}],"NextToken":"2"})");
    securityhub::GetFindingsRequest request;
    request.max_results = 1;
    request.next_token = "1";
    auto reply = securityhub::GetFindings(Client(false), request);
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    EXPECT_EQ(reply->findings, std::vector<std::string>{R"({"Id":"a","Title":"t"})"});
    EXPECT_EQ(reply->next_token, "2");
    const auto& sent = transport_->sent()[0].request;
    EXPECT_EQ(sent.path, "/findings");
    EXPECT_EQ(sent.body, R"({"MaxResults":1,"NextToken":"1"})");
}

}  // namespace
}  // namespace firebreak::aws
