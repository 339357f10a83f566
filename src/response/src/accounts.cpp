#include "firebreak/response/accounts.h"

#include <string>
#include <utility>

#include "firebreak/core/file.h"
#include "firebreak/response/expr.h"

namespace firebreak::response {
namespace {

using rules::Node;

bool IsAccountId(std::string_view id) {
    if (id.size() != 12) {
        return false;
    }
    for (char c : id) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// A scalar's text (strings, numbers and booleans alike); reports other types.
std::optional<std::string> Scalar(const Node& node, std::string_view key, Diagnostics* diags) {
    if (node.is_string() || node.is_number()) {
        return node.text;
    }
    if (node.is_bool()) {
        return std::string(node.boolean ? "true" : "false");
    }
    diags->Error(
            "bad-value",
            node.pos,
            "'" + std::string(key) + "' must be a string, not " + std::string(node.TypeName()));
    return std::nullopt;
}

std::vector<std::string> StringList(const Node& node, std::string_view key, Diagnostics* diags) {
    std::vector<std::string> out;
    if (node.is_string()) {
        out.push_back(node.text);
        return out;
    }
    if (!node.is_array()) {
        diags->Error("bad-value",
                     node.pos,
                     "'" + std::string(key) + "' must be a list of strings, not " +
                             std::string(node.TypeName()));
        return out;
    }
    for (const Node& item : node.items) {
        if (auto text = Scalar(item, key, diags)) {
            out.push_back(std::move(*text));
        }
    }
    return out;
}

}  // namespace

event::JsonValue AccountInfo::ToJson() const {
    event::JsonValue out = JsonObject();
    SetMember(&out, "Id", JsonString(id));
    SetMember(&out, "Name", JsonString(name));
    SetMember(&out, "Environment", JsonString(environment.empty() ? "unknown" : environment));
    SetMember(&out, "Role", JsonString(role));
    std::vector<event::JsonValue> region_items;
    for (const std::string& r : regions) {
        region_items.push_back(JsonString(r));
    }
    SetMember(&out, "Regions", JsonArray(std::move(region_items)));
    SetMember(&out, "Owner", JsonString(owner));
    std::vector<event::JsonValue> notify_items;
    for (const std::string& n : notify) {
        notify_items.push_back(JsonString(n));
    }
    SetMember(&out, "Notify", JsonArray(std::move(notify_items)));
    event::JsonValue tag_object = JsonObject();
    for (const auto& [k, v] : tags) {
        SetMember(&tag_object, k, JsonString(v));
    }
    SetMember(&out, "Tags", std::move(tag_object));
    SetMember(&out, "Registered", JsonBool(true));
    return out;
}

event::JsonValue UnregisteredAccountJson(std::string_view id) {
    AccountInfo info;
    info.id = std::string(id);
    event::JsonValue out = info.ToJson();
    SetMember(&out, "Registered", JsonBool(false));
    return out;
}

const AccountInfo* AccountRegistry::Find(std::string_view id) const {
    for (const AccountInfo& info : accounts_) {
        if (info.id == id) {
            return &info;
        }
    }
    return nullptr;
}

AccountRegistry LoadAccounts(const Node& list, Diagnostics* diags) {
    AccountRegistry registry;
    if (!list.is_array()) {
        diags->Error("bad-value",
                     list.pos,
                     "'accounts' must be a list of accounts, not " + std::string(list.TypeName()));
        return registry;
    }
    for (const Node& item : list.items) {
        if (!item.is_object()) {
            diags->Error("bad-value",
                         item.pos,
                         "an account must be a mapping, not " + std::string(item.TypeName()));
            continue;
        }
        AccountInfo info;
        info.pos = item.pos;
        int errors_before = diags->error_count();
        for (const auto& [key, value] : item.members) {
            if (key == "id") {
                if (auto text = Scalar(value, key, diags)) {
                    info.id = *text;
                    if (!IsAccountId(info.id)) {
                        diags->Error("bad-value",
                                     value.pos,
                                     "account id '" + info.id +
                                             "' is not 12 digits (quote ids that start with 0)");
                    }
                }
            } else if (key == "name") {
                info.name = Scalar(value, key, diags).value_or("");
            } else if (key == "environment") {
                info.environment = Scalar(value, key, diags).value_or("");
            } else if (key == "role") {
                info.role = Scalar(value, key, diags).value_or("");
            } else if (key == "external-id") {
                info.external_id = Scalar(value, key, diags).value_or("");
            } else if (key == "regions") {
                info.regions = StringList(value, key, diags);
            } else if (key == "owner") {
                info.owner = Scalar(value, key, diags).value_or("");
            } else if (key == "notify") {
                info.notify = StringList(value, key, diags);
            } else if (key == "tags") {
                if (!value.is_object()) {
                    diags->Error("bad-value", value.pos, "'tags' must be a mapping");
                    continue;
                }
                for (const auto& [tk, tv] : value.members) {
                    if (auto text = Scalar(tv, tk, diags)) {
                        info.tags[tk] = *text;
                    }
                }
            } else {
                diags->Error("unknown-key",
                             value.key_pos,
                             "unknown account key '" + key +
                                     "' (expected id, name, environment, role, external-id, "
                                     "regions, owner, notify, tags)");
            }
        }
        if (info.id.empty()) {
            diags->Error("missing-field", item.pos, "an account needs an 'id'");
            continue;
        }
        if (registry.Find(info.id) != nullptr) {
            diags->Error("duplicate-id", item.pos, "account " + info.id + " is listed twice");
            continue;
        }
        if (diags->error_count() == errors_before) {
            registry.Add(std::move(info));
        }
    }
    return registry;
}

AccountRegistry LoadAccountsFile(const std::string& path, Diagnostics* diags) {
    Result<std::string> text = ReadFileToString(path);
    if (!text) {
        diags->Error("io", SourcePos{path, 0, 0}, text.error().message());
        return {};
    }
    std::vector<Node> docs = rules::ParseYamlDocuments(*text, path, diags);
    if (docs.empty() || !docs[0].is_object()) {
        diags->Error("bad-value",
                     SourcePos{path, 1, 1},
                     "an account registry is a mapping with an 'accounts' list");
        return {};
    }
    const Node* list = docs[0].Find("accounts");
    if (list == nullptr) {
        diags->Error("missing-field", docs[0].pos, "no 'accounts' list");
        return {};
    }
    return LoadAccounts(*list, diags);
}

}  // namespace firebreak::response
