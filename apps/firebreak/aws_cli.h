// File: aws_cli.h
//
// An AWS client the way every firebreak command builds one: --profile, --region and
// --endpoint-url over the shared config files and the default credential chain (environment,
// profiles, role chains). Problems are printed as they are found.
#pragma once

#include <string>

#include "firebreak/aws/client.h"
#include "firebreak/core/status.h"

namespace firebreak::cli {

struct AwsFlags {
    std::string profile;
    std::string region;
    std::string endpoint_url;
};

Result<aws::AwsClient> MakeCliAwsClient(const AwsFlags& flags);

}  // namespace firebreak::cli
