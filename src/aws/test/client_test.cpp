// The client's plumbing: shared config files, region and endpoint precedence, the credential
// chain, retries and error parsing. Transport is scripted (fake_transport.h); nothing leaves the
// process.
#include "firebreak/aws/client.h"

#include <map>

#include <gtest/gtest.h>

#include "fake_transport.h"
#include "firebreak/aws/credentials.h"

namespace firebreak::aws {
namespace {

using testing::FakeTransport;
using testing::MakeTestClient;

EnvLookup Env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end())
            return std::nullopt;
        return it->second;
    };
}

constexpr std::string_view kConfig = R"(# comment
[default]
region = eu-west-1

[profile dev]
region = us-west-2
services = local
endpoint_url = https://vpce-1.ec2.us-west-2.vpce.amazonaws.com

[profile member]
role_arn = arn:aws:iam::111111111111:role/FirebreakResponder
source_profile = security
role_session_name = ir-case-7
duration_seconds = 900

[profile loop-a]
role_arn = arn:aws:iam::1:role/a
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::1:role/b
source_profile = loop-a

[services local]
sts =
  endpoint_url = http://127.0.0.1:4566
ec2 =
  endpoint_url = http://127.0.0.1:4567

[sso-session ignored]
sso_region = us-east-1
)";

constexpr std::string_view kCredentials = R"([default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[security]
aws_access_key_id = AKIASECURITY
aws_secret_access_key = security-secret
this line is malformed
)";

SharedConfig Shared(Diagnostics* diags) {
    return ParseSharedConfig(
            kConfig, "/home/u/.aws/config", kCredentials, "/home/u/.aws/credentials", diags);
}

TEST(SharedConfig, ParsesProfilesServicesAndReportsBadLines) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].pos.ToString(), "/home/u/.aws/credentials:8:1");
    ASSERT_NE(shared.Profile("default"), nullptr);
    EXPECT_EQ(*shared.Profile("default")->Get("region"), "eu-west-1");
    EXPECT_EQ(*shared.Profile("default")->Get("aws_access_key_id"), "AKIADEFAULT");
    EXPECT_EQ(*shared.Profile("member")->Get("source_profile"), "security");
    EXPECT_EQ(shared.services.at("local").nested.at("sts").at("endpoint_url"),
              "http://127.0.0.1:4566");
    EXPECT_EQ(shared.Profile("ignored"), nullptr);
}

TEST(ResolveConfig, RegionPrecedence) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    EXPECT_EQ(ResolveConfig({}, shared, Env({}))->region, "eu-west-1");
    EXPECT_EQ(ResolveConfig({}, shared, Env({{"AWS_DEFAULT_REGION", "ap-south-1"}}))->region,
              "ap-south-1");
    EXPECT_EQ(
            ResolveConfig({},
                          shared,
                          Env({{"AWS_DEFAULT_REGION", "ap-south-1"}, {"AWS_REGION", "sa-east-1"}}))
                    ->region,
            "sa-east-1");
    ConfigOverrides flag;
    flag.region = "ca-central-1";
    auto resolved = ResolveConfig(flag, shared, Env({{"AWS_REGION", "sa-east-1"}}));
    EXPECT_EQ(resolved->region, "ca-central-1");
    EXPECT_EQ(resolved->region_source, "--region");
    EXPECT_EQ(ResolveConfig({}, shared, Env({{"AWS_PROFILE", "dev"}}))->region, "us-west-2");
}

TEST(ResolveConfig, EndpointPrecedenceFlagThenServiceEnvThenGlobalEnvThenConfig) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    auto env = Env({{"AWS_PROFILE", "dev"}});
    auto from_config = ResolveConfig({}, shared, env);
    ASSERT_TRUE(from_config.has_value());
    auto endpoint = [&](const ResolvedConfig& c, ServiceId id) {
        const auto& e = c.endpoints[static_cast<size_t>(id)];
        return e ? e->Origin() : std::string("default");
    };
    EXPECT_EQ(endpoint(*from_config, ServiceId::kSts), "http://127.0.0.1:4566");
    EXPECT_EQ(endpoint(*from_config, ServiceId::kEc2), "http://127.0.0.1:4567");
    EXPECT_EQ(endpoint(*from_config, ServiceId::kIam),
              "https://vpce-1.ec2.us-west-2.vpce.amazonaws.com");

    auto with_env = ResolveConfig({},
                                  shared,
                                  Env({{"AWS_PROFILE", "dev"},
                                       {"AWS_ENDPOINT_URL", "http://localhost:9000"},
                                       {"AWS_ENDPOINT_URL_STS", "http://localhost:9001/base/"}}));
    EXPECT_EQ(endpoint(*with_env, ServiceId::kEc2), "http://localhost:9000");
    EXPECT_EQ(endpoint(*with_env, ServiceId::kSts), "http://localhost:9001");
    EXPECT_EQ(with_env->endpoints[static_cast<size_t>(ServiceId::kSts)]->base_path, "/base");

    ConfigOverrides flag;
    flag.endpoint_url = "http://127.0.0.1:8080";
    auto with_flag =
            ResolveConfig(flag, shared, Env({{"AWS_ENDPOINT_URL_STS", "http://localhost:9001"}}));
    EXPECT_EQ(endpoint(*with_flag, ServiceId::kSts), "http://127.0.0.1:8080");

    auto ignored = ResolveConfig(
            {},
            shared,
            Env({{"AWS_PROFILE", "dev"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}));
    EXPECT_EQ(endpoint(*ignored, ServiceId::kSts), "default");
}

TEST(ResolveConfig, BadValuesAreErrorsNamingTheSource) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    auto bad_url = ResolveConfig({}, shared, Env({{"AWS_ENDPOINT_URL", "ftp://x"}}));
    ASSERT_FALSE(bad_url.has_value());
    EXPECT_NE(bad_url.error().message().find("AWS_ENDPOINT_URL"), std::string::npos);
    auto missing = ResolveConfig({}, shared, Env({{"AWS_PROFILE", "nope"}}));
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message().find("profile 'nope'"), std::string::npos);
    auto attempts = ResolveConfig({}, shared, Env({{"AWS_MAX_ATTEMPTS", "0"}}));
    EXPECT_FALSE(attempts.has_value());
}

TEST(Endpoints, DefaultsPerService) {
    EXPECT_EQ(DefaultEndpoint(ServiceId::kEc2, "eu-west-1").host, "ec2.eu-west-1.amazonaws.com");
    EXPECT_EQ(DefaultEndpoint(ServiceId::kIam, "eu-west-1").host, "iam.amazonaws.com");
    EXPECT_EQ(SigningRegion(ServiceId::kIam, "eu-west-1"), "us-east-1");
    EXPECT_EQ(DefaultEndpoint(ServiceId::kElbV2, "us-east-2").host,
              "elasticloadbalancing.us-east-2.amazonaws.com");
    EXPECT_EQ(DefaultEndpoint(ServiceId::kS3, "cn-north-1").host, "s3.cn-north-1.amazonaws.com.cn");
    auto parsed = ParseEndpointUrl("http://[::1]:8080/");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->host, "::1");
    EXPECT_EQ(parsed->HostHeader(), "::1:8080");
    EXPECT_FALSE(ParseEndpointUrl("http://host:99999").has_value());
    EXPECT_FALSE(ParseEndpointUrl("host:80").has_value());
    EXPECT_FALSE(ParseEndpointUrl("http://user:pw@host").has_value());
}

TEST(CredentialChain, EnvironmentUnlessAProfileIsNamed) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    auto env = Env({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                    {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                    {"AWS_SESSION_TOKEN", "tok"}});
    auto config = ResolveConfig({}, shared, env);
    auto provider = DefaultCredentialsProvider(*config, shared, env, nullptr);
    ASSERT_TRUE(provider.has_value());
    auto creds = (*provider)->Resolve();
    EXPECT_EQ(creds->access_key_id, "AKIAENV");
    EXPECT_EQ(creds->session_token, "tok");
    EXPECT_EQ((*provider)->Describe(), "environment");

    ConfigOverrides named;
    named.profile = "security";
    auto config2 = ResolveConfig(named, shared, env);
    auto provider2 = DefaultCredentialsProvider(*config2, shared, env, nullptr);
    EXPECT_EQ((*provider2)->Resolve()->access_key_id, "AKIASECURITY");

    auto no_env = DefaultCredentialsProvider(
            *ResolveConfig({}, shared, Env({})), shared, Env({}), nullptr);
    EXPECT_EQ((*no_env)->Resolve()->access_key_id, "AKIADEFAULT");
}

TEST(CredentialChain, ErrorsNeverCarrySecrets) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    ConfigOverrides loop;
    loop.profile = "loop-a";
    auto config = ResolveConfig(loop, shared, Env({}));
    auto provider = DefaultCredentialsProvider(*config, shared, Env({}), nullptr);
    ASSERT_FALSE(provider.has_value());
    EXPECT_NE(provider.error().message().find("loop"), std::string::npos);

    SharedConfig empty = ParseSharedConfig("", "/c", "", "/k", &diags);
    auto none =
            DefaultCredentialsProvider(*ResolveConfig({}, empty, Env({})), empty, Env({}), nullptr);
    ASSERT_TRUE(none.has_value());
    auto resolved = (*none)->Resolve();
    ASSERT_FALSE(resolved.has_value());
    EXPECT_EQ(resolved.error().code, "NoCredentials");
    EXPECT_EQ(resolved.error().message.find("secret"), std::string::npos);
}

constexpr std::string_view kAssumeRoleReply =
        R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>)"
        R"(<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/FirebreakResponder/ir-case-7</Arn>)"
        R"(<AssumedRoleId>AROAEXAMPLE:ir-case-7</AssumedRoleId></AssumedRoleUser><Credentials>)"
        R"(<AccessKeyId>ASIAMEMBER</AccessKeyId><SecretAccessKey>member-secret</SecretAccessKey>)"
        R"(<SessionToken>member-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>)"
        R"(</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>)";

TEST(CredentialChain, AssumeRoleProfileSignsWithTheSourceAndUsesTheSession) {
    Diagnostics diags;
    SharedConfig shared = Shared(&diags);
    auto transport = std::make_shared<FakeTransport>();
    transport->Reply(200, std::string(kAssumeRoleReply));
    transport->Reply(
            200,
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>111111111111</Account>"
            "</GetCallerIdentityResult></GetCallerIdentityResponse>");
    ConfigOverrides named;
    named.profile = "member";
    named.region = "us-east-1";
    auto config = ResolveConfig(named, shared, Env({}));
    auto provider = DefaultCredentialsProvider(*config, shared, Env({}), transport);
    ASSERT_TRUE(provider.has_value()) << provider.error().ToString();
    AwsClient client(*config, *provider, transport);
    auto reply = client.Query(ServiceId::kSts, "GetCallerIdentity", {});
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    ASSERT_EQ(transport->sent().size(), 2u);
    const HttpRequest& assume = transport->sent()[0].request;
    EXPECT_NE(assume.body.find("Action=AssumeRole"), std::string::npos);
    EXPECT_NE(assume.body.find("RoleSessionName=ir-case-7"), std::string::npos);
    EXPECT_NE(assume.body.find("DurationSeconds=900"), std::string::npos);
    EXPECT_NE(assume.Header("Authorization")->find("Credential=AKIASECURITY/"), std::string::npos);
    const HttpRequest& call = transport->sent()[1].request;
    EXPECT_NE(call.Header("Authorization")->find("Credential=ASIAMEMBER/"), std::string::npos);
    EXPECT_EQ(*call.Header("X-Amz-Security-Token"), "member-token");
    EXPECT_EQ((*provider)->Describe().find("secret"), std::string::npos);
}

TEST(RoleSessionCache, OneSessionPerRoleAcrossCalls) {
    auto transport = std::make_shared<FakeTransport>();
    transport->Reply(200, std::string(kAssumeRoleReply));
    for (int i = 0; i < 3; ++i)
        transport->Reply(200, "<Response><return>true</return></Response>");
    RoleSessionCache cache(MakeTestClient(transport), "firebreak-ir");
    for (int i = 0; i < 3; ++i) {
        AwsClient member = cache.ForAccount("111111111111", "FirebreakResponder", "eu-west-1");
        EXPECT_EQ(member.region(), "eu-west-1");
        ASSERT_TRUE(member.Query(ServiceId::kEc2, "CreateTags", {}).has_value());
    }
    EXPECT_EQ(transport->sent().size(), 4u);
    EXPECT_NE(transport->sent()[0].request.body.find(
                      "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FFirebreakResponder"),
              std::string::npos);
    EXPECT_EQ(transport->sent()[1].endpoint.host, "ec2.eu-west-1.amazonaws.com");
    EXPECT_EQ(cache.Provider("arn:aws:iam::111111111111:role/FirebreakResponder")->assume_count(),
              1);
}

TEST(Retries, ThrottlingAnd5xxAndTimeoutsAreRetriedBounded) {
    auto transport = std::make_shared<FakeTransport>();
    transport->Reply(503, "");
    transport->Fail(true, "Operation timed out");
    transport->Reply(200, "<Response><return>true</return></Response>");
    AwsClient client = MakeTestClient(transport);
    auto reply = client.Query(ServiceId::kEc2, "CreateTags", {});
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(AwsClient::LastCallStats().attempts, 3);

    auto throttled = std::make_shared<FakeTransport>();
    for (int i = 0; i < 5; ++i) {
        throttled->Reply(400,
                         "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                         "<Message>Rate "
                         "exceeded</Message></Error><RequestId>q-1</RequestId></ErrorResponse>");
    }
    AwsClient client2 = MakeTestClient(throttled);
    auto failed = client2.Query(ServiceId::kIam, "ListAccessKeys", {});
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(throttled->sent().size(), 3u);  // max_attempts
    EXPECT_TRUE(failed.error().throttling);
    EXPECT_EQ(failed.error().ToString(),
              "iam:ListAccessKeys: Throttling (HTTP 400, request q-1): Rate exceeded");
    EXPECT_EQ(failed.error().ToStatus().code(), StatusCode::kResourceExhausted);
}

TEST(Retries, ClientErrorsAreNotRetried) {
    auto transport = std::make_shared<FakeTransport>();
    transport->Reply(
            400,
            R"(<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>)"
            R"(<Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0abc' does not exist)"
            R"(</Message></Error></Errors><RequestID>e-1</RequestID></Response>)");
    auto reply = MakeTestClient(transport).Query(ServiceId::kEc2, "StopInstances", {});
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(transport->sent().size(), 1u);
    EXPECT_EQ(reply.error().code, "InvalidInstanceID.NotFound");
    EXPECT_EQ(reply.error().request_id, "e-1");
    EXPECT_EQ(reply.error().ToStatus().code(), StatusCode::kNotFound);
}

TEST(Errors, JsonAndS3AndUnknownBodies) {
    HttpResponse json;
    json.status = 400;
    json.headers = {{"x-amzn-RequestId", "j-1"}};
    json.body =
            R"({"__type":"com.amazonaws.cloudtrail.v20131101#TrailNotFoundException","message":"Unknown trail"})";
    ApiError e1 = ParseErrorResponse(Protocol::kJson11, json);
    EXPECT_EQ(e1.code, "TrailNotFoundException");
    EXPECT_EQ(e1.message, "Unknown trail");
    EXPECT_EQ(e1.request_id, "j-1");

    HttpResponse s3;
    s3.status = 404;
    s3.body =
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
            "<RequestId>s-1</RequestId></Error>";
    ApiError e2 = ParseErrorResponse(Protocol::kRestXml, s3);
    EXPECT_EQ(e2.code, "NoSuchKey");
    EXPECT_EQ(e2.request_id, "s-1");

    HttpResponse head;
    head.status = 404;
    head.headers = {{"x-amz-request-id", "h-1"}};
    ApiError e3 = ParseErrorResponse(Protocol::kRestXml, head);
    EXPECT_EQ(e3.code, "NotFound");
    EXPECT_EQ(e3.request_id, "h-1");

    HttpResponse proxy;
    proxy.status = 502;
    proxy.body = "<html>bad gateway</html>";
    ApiError e4 = ParseErrorResponse(Protocol::kQuery, proxy);
    EXPECT_TRUE(e4.retryable);
    EXPECT_EQ(e4.code, "Http502");
}

TEST(Client, QueryRequestShapeAndNoRegionError) {
    auto transport = std::make_shared<FakeTransport>();
    transport->Reply(200, "<Response><return>true</return></Response>");
    QueryParams params;
    params.AddList("ResourceId", {"i-1", "vol 2"}, false)
            .Add("Tag.1.Key", "case")
            .Add("Tag.1.Value", "IR-1");
    ASSERT_TRUE(MakeTestClient(transport).Query(ServiceId::kEc2, "CreateTags", params).has_value());
    const auto& sent = transport->sent()[0];
    EXPECT_EQ(sent.endpoint.host, "ec2.us-east-1.amazonaws.com");
    EXPECT_EQ(sent.request.method, "POST");
    EXPECT_EQ(sent.request.body,
              "Action=CreateTags&Version=2016-11-15&ResourceId.1=i-1&ResourceId.2=vol%202&Tag.1."
              "Key=case&"
              "Tag.1.Value=IR-1");
    EXPECT_EQ(*sent.request.Header("Host"), "ec2.us-east-1.amazonaws.com");
    EXPECT_NE(sent.request.Header("Authorization")->find("/us-east-1/ec2/aws4_request"),
              std::string::npos);

    auto none = std::make_shared<FakeTransport>();
    auto failed = MakeTestClient(none, "").Query(ServiceId::kEc2, "CreateTags", {});
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, "NoRegion");
    EXPECT_TRUE(none->sent().empty());
}

TEST(Time, IsoParsingAndFormatting) {
    auto t = ParseIsoTime("2024-01-01T00:00:00.000Z");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(FormatIsoTime(*t), "2024-01-01T00:00:00Z");
    EXPECT_EQ(FormatIsoTime(*ParseIsoTime("2024-01-01T02:00:00+02:00")), "2024-01-01T00:00:00Z");
    EXPECT_FALSE(ParseIsoTime("yesterday").has_value());
    EXPECT_FALSE(ParseIsoTime("2024-13-01T00:00:00Z").has_value());
}

}  // namespace
}  // namespace firebreak::aws
