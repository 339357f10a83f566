// File: sandbox_client.h (tests)
//
// An AwsClient for the in-process sandbox: alice's keys from examples/worlds/single-account.yaml,
// us-east-1, every service's endpoint at the sandbox, no retry sleeps.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"

namespace firebreak::evidence::testing {

inline aws::AwsClient SandboxClient(const std::string& endpoint_url,
                                    std::shared_ptr<aws::HttpTransport> transport) {
    aws::Credentials credentials;
    credentials.access_key_id = "AKIAEXAMPLEALICE0001";
    credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC";
    aws::ResolvedConfig config;
    config.region = "us-east-1";
    config.region_source = "test";
    Result<aws::Endpoint> endpoint = aws::ParseEndpointUrl(endpoint_url);
    EXPECT_TRUE(endpoint.has_value());
    for (std::optional<aws::Endpoint>& e : config.endpoints) {
        e = *endpoint;
    }
    aws::AwsClient client(std::move(config),
                          aws::MakeStaticProvider(credentials, "test keys"),
                          std::move(transport));
    client.SetSleepForTesting([](std::chrono::milliseconds) {});
    return client;
}

}  // namespace firebreak::evidence::testing
