// File: aws_cli.cpp
#include "aws_cli.h"

#include <cstdio>

#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/core/diagnostics.h"

namespace firebreak::cli {

Result<aws::AwsClient> MakeCliAwsClient(const AwsFlags& flags) {
    aws::EnvLookup env = aws::ProcessEnvironment();
    Diagnostics diags;
    aws::SharedConfig shared = aws::LoadSharedConfig(env, &diags);
    for (const Diagnostic& d : diags.items()) {
        std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
    aws::ConfigOverrides overrides;
    overrides.profile = flags.profile;
    overrides.region = flags.region;
    overrides.endpoint_url = flags.endpoint_url;
    Result<aws::ResolvedConfig> config = aws::ResolveConfig(overrides, shared, env);
    if (!config) {
        return config.error();
    }
    std::shared_ptr<aws::HttpTransport> transport = aws::MakeCurlTransport(config->transport);
    Result<std::shared_ptr<aws::CredentialsProvider>> creds =
            aws::DefaultCredentialsProvider(*config, shared, env, transport);
    if (!creds) {
        return creds.error();
    }
    return aws::AwsClient(*config, *creds, transport);
}

}  // namespace firebreak::cli
