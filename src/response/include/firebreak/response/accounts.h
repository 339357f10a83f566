// File: accounts.h
//
// The account registry: what firebreak knows about each AWS account it responds in. Decision
// trees read the account's environment (production / development / ...), responses reach into
// member accounts through the account's responder role, and notifications go to its owners.
//
//   accounts:
//     - id: "111111111111"
//       name: acme-prod
//       environment: production          # free text; production, staging, development, ...
//       role: FirebreakResponder          # role name or full ARN to assume for responses
//       external-id: ...                  # optional, for the AssumeRole call
//       regions: [us-east-1, eu-west-1]   # optional: where responses may act
//       owner: platform-team              # optional
//       notify: [secops]                  # optional: sink names
//       tags: {cost-center: "42"}         # optional
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/rules/node.h"

namespace firebreak::response {

struct AccountInfo {
    std::string id;
    std::string name;
    std::string environment;
    std::string role;
    std::string external_id;
    std::vector<std::string> regions;
    std::string owner;
    std::vector<std::string> notify;
    std::map<std::string, std::string> tags;
    SourcePos pos;

    // {"Id", "Name", "Environment", "Role", "Regions", "Owner", "Notify", "Tags", "Registered"}:
    // the `account` root of playbook expressions.
    event::JsonValue ToJson() const;
};

class AccountRegistry {
public:
    const AccountInfo* Find(std::string_view id) const;

    const std::vector<AccountInfo>& accounts() const { return accounts_; }

    void Add(AccountInfo info) { accounts_.push_back(std::move(info)); }

private:
    std::vector<AccountInfo> accounts_;
};

// Reads an `accounts:` list (the value node). Problems are diagnostics at file:line:column.
AccountRegistry LoadAccounts(const rules::Node& list, Diagnostics* diags);

// Reads a YAML file whose top level has `accounts:`.
AccountRegistry LoadAccountsFile(const std::string& path, Diagnostics* diags);

// What the `account` root holds for an account missing from the registry: Id set, Environment
// "unknown", Registered false.
event::JsonValue UnregisteredAccountJson(std::string_view id);

}  // namespace firebreak::response
