// File: world_loader.cpp
//
// Reads a hand-written YAML world file (schema in src/sandbox/README.md, "World file") into a
// World. The file names things (instances, subnets, security groups...) and may leave ids out;
// the loader generates ids, fills AWS's defaults (a default VPC and security group, an 8 GiB root
// volume, private addresses from the subnet), and resolves references by name or id. Every
// problem is a Diagnostic at the node's file:line:column with a stable code; the item at fault is
// skipped and loading goes on.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>

#include "firebreak/core/crypto.h"
#include "firebreak/core/ip.h"
#include "firebreak/core/text.h"
#include "firebreak/rules/node.h"
#include "firebreak/sandbox/iam_policy.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

using rules::Node;

constexpr std::string_view kDefaultTime = "2024-01-01T00:00:00Z";

std::string Quote(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

std::string JoinKeys(std::initializer_list<std::string_view> keys) {
    std::string out;
    for (std::string_view k : keys) {
        if (!out.empty()) {
            out += ", ";
        }
        out += k;
    }
    return out;
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
    return std::all_of(s.begin(), s.end(), pred);
}

bool IsLowerHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool IsUpperAlnum(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

// "i-" + 8 or 17 lowercase hex digits (EC2's short and long id forms).
bool IsHexId(std::string_view id, std::string_view prefix) {
    if (!id.starts_with(prefix)) {
        return false;
    }
    std::string_view rest = id.substr(prefix.size());
    return (rest.size() == 8 || rest.size() == 17) && AllOf(rest, IsLowerHex);
}

// "AKIA" + 16 (access keys) or more (user/role ids) uppercase letters and digits.
bool IsKeyLikeId(std::string_view id, std::string_view prefix, size_t min, size_t max) {
    if (!id.starts_with(prefix)) {
        return false;
    }
    std::string_view rest = id.substr(prefix.size());
    return rest.size() >= min && rest.size() <= max && AllOf(rest, IsUpperAlnum);
}

bool IsAccountId(std::string_view id) {
    return id.size() == 12 && AllOf(id, IsDigit);
}

bool IsRegionName(std::string_view r) {
    // xx-name-N or xx-gov-name-N
    size_t dash = r.rfind('-');
    if (dash == std::string_view::npos || dash + 1 == r.size() ||
        !AllOf(r.substr(dash + 1), IsDigit)) {
        return false;
    }
    std::string_view head = r.substr(0, dash);
    if (head.size() < 4 || head[2] != '-') {
        return false;
    }
    return std::all_of(
            head.begin(), head.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

bool IsResourceName(std::string_view name) {
    return !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' ||
               c == '_' || c == '.' || c == '+' || c == '=' || c == ',' || c == '@';
    });
}

bool IsIamPath(std::string_view path) {
    return !path.empty() && path.front() == '/' && path.back() == '/';
}

// ---------------------------------------------------------------------------------------------
// One YAML mapping of the world file: checks its keys, reads typed values, reports problems.

class Mapping {
public:
    // `check` false: the mapping was checked before (a second pass over the same node).
    Mapping(const Node& node,
            std::string what,
            std::initializer_list<std::string_view> keys,
            Diagnostics* diags,
            bool check = true)
        : node_(node),
          what_(std::move(what)),
          diags_(diags) {
        if (!node.is_object()) {
            if (check) {
                diags_->Error("bad-value",
                              node.pos,
                              what_ + " must be a mapping, not " + std::string(node.TypeName()));
            }
            return;
        }
        valid_ = true;
        if (!check) {
            return;
        }
        std::set<std::string_view> seen;
        for (const auto& [key, value] : node.members) {
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                diags_->Error("unknown-key",
                              value.key_pos,
                              "unknown key " + Quote(key) + " in " + what_ +
                                      " (expected one of: " + JoinKeys(keys) + ")");
            } else if (!seen.insert(key).second) {
                diags_->Error("duplicate-key",
                              value.key_pos,
                              "key " + Quote(key) + " appears twice in " + what_);
            }
        }
    }

    bool valid() const { return valid_; }

    const SourcePos& pos() const { return node_.pos; }

    const std::string& what() const { return what_; }

    // The value of `key`; nullptr when absent or null.
    const Node* Get(std::string_view key) const {
        if (!valid_) {
            return nullptr;
        }
        for (const auto& [k, v] : node_.members) {
            if (k == key) {
                return v.is_null() ? nullptr : &v;
            }
        }
        return nullptr;
    }

    // A string (numbers are taken as their text: `id: 111111111111`).
    std::optional<std::string> Text(std::string_view key) const {
        const Node* v = Get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (!v->is_string() && !v->is_number()) {
            Bad(*v, key, "a string");
            return std::nullopt;
        }
        return v->text;
    }

    std::string TextOr(std::string_view key, std::string fallback) const {
        std::optional<std::string> v = Text(key);
        return v ? *v : std::move(fallback);
    }

    // A required, non-empty string; reports missing-key.
    std::optional<std::string> Required(std::string_view key) const {
        if (!valid_) {
            return std::nullopt;
        }
        if (Get(key) == nullptr) {
            diags_->Error("missing-key", node_.pos, what_ + " needs " + Quote(key));
            return std::nullopt;
        }
        std::optional<std::string> v = Text(key);
        if (v && v->empty()) {
            Bad(*Get(key), key, "a non-empty string");
            return std::nullopt;
        }
        return v;
    }

    std::optional<int> Int(std::string_view key, int min, int max) const {
        const Node* v = Get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        long long n = 0;
        const char* end = v->text.data() + v->text.size();
        auto [ptr, ec] = std::from_chars(v->text.data(), end, n);
        if (!v->is_number() || ec != std::errc() || ptr != end || n < min || n > max) {
            Bad(*v, key, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
            return std::nullopt;
        }
        return static_cast<int>(n);
    }

    std::optional<bool> Bool(std::string_view key) const {
        const Node* v = Get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (!v->is_bool()) {
            Bad(*v, key, "true or false");
            return std::nullopt;
        }
        return v->boolean;
    }

    std::optional<Timestamp> Time(std::string_view key) const {
        const Node* v = Get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        std::optional<Timestamp> t = v->is_string() ? ParseIsoTime(v->text) : std::nullopt;
        if (!t) {
            Bad(*v, key, "an ISO-8601 UTC time such as 2024-05-01T12:00:00Z");
        }
        return t;
    }

    // A string or a list of strings, with each one's position.
    std::vector<const Node*> List(std::string_view key) const {
        std::vector<const Node*> out;
        const Node* v = Get(key);
        if (v == nullptr) {
            return out;
        }
        if (v->is_string() || v->is_number()) {
            out.push_back(v);
            return out;
        }
        if (!v->is_array()) {
            Bad(*v, key, "a string or a list of strings");
            return out;
        }
        for (const Node& item : v->items) {
            if (!item.is_string() && !item.is_number()) {
                Bad(item, key, "a string");
                continue;
            }
            out.push_back(&item);
        }
        return out;
    }

    // A list of anything (each item checked by the caller).
    const std::vector<Node>* Items(std::string_view key) const {
        const Node* v = Get(key);
        if (v == nullptr) {
            return nullptr;
        }
        if (!v->is_array()) {
            Bad(*v, key, "a list");
            return nullptr;
        }
        return &v->items;
    }

    // A mapping of string to string (tags, metadata).
    std::map<std::string, std::string> StringMap(std::string_view key) const {
        std::map<std::string, std::string> out;
        const Node* v = Get(key);
        if (v == nullptr) {
            return out;
        }
        if (!v->is_object()) {
            Bad(*v, key, "a mapping");
            return out;
        }
        for (const auto& [k, value] : v->members) {
            if (!value.is_string() && !value.is_number() && !value.is_bool()) {
                Bad(value, k, "a string");
                continue;
            }
            out[k] = value.is_bool() ? (value.boolean ? "true" : "false") : value.text;
        }
        return out;
    }

    void Bad(const Node& value, std::string_view key, std::string_view expected) const {
        diags_->Error("bad-value",
                      value.pos,
                      Quote(key) + " in " + what_ + " must be " + std::string(expected));
    }

private:
    const Node& node_;
    std::string what_;
    Diagnostics* diags_;
    bool valid_ = false;
};

// Names declared in one region of one account, for references by name.
class NameTable {
public:
    void Add(const std::string& name, const std::string& id) { names_[name].push_back(id); }

    const std::vector<std::string>* Find(const std::string& name) const {
        auto it = names_.find(name);
        return it == names_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, std::vector<std::string>> names_;
};

struct RegionState {
    NameTable vpcs;
    NameTable subnets;
    NameTable security_groups;
    NameTable instances;
    NameTable volumes;
    NameTable load_balancers;  // name -> ARN
    NameTable target_groups;   // name -> ARN
    std::vector<std::string> subnet_order;
    std::vector<std::string> vpc_order;
    std::map<std::string, std::string> default_groups;  // vpc id -> its "default" group id
    std::map<std::string, uint32_t> next_host;          // subnet id -> next host offset
    std::string default_image;
};

struct PendingBucketCheck {
    std::string bucket;
    SourcePos pos;
    std::string trail;
};

std::optional<uint32_t> Ipv4ToInt(const IpAddress& ip) {
    if (ip.v6) {
        return std::nullopt;
    }
    return (uint32_t{ip.bytes[0]} << 24) | (uint32_t{ip.bytes[1]} << 16) |
           (uint32_t{ip.bytes[2]} << 8) | uint32_t{ip.bytes[3]};
}

std::string IntToIpv4(uint32_t v) {
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
           std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

class Loader {
public:
    Loader(const std::string& file, Diagnostics* diags) : file_(file), diags_(diags) {}

    World Load(std::string_view text) {
        std::vector<Node> docs = rules::ParseYamlDocuments(text, file_, diags_);
        base_time_ = *ParseIsoTime(kDefaultTime);
        AddAwsManagedPolicies(&world_);
        if (docs.empty() || docs[0].is_null()) {
            if (!diags_->has_errors()) {
                diags_->Error("empty-world", SourcePos{file_, 1, 1}, "the world file is empty");
            }
            return std::move(world_);
        }
        if (docs.size() > 1) {
            diags_->Error("multiple-documents",
                          docs[1].pos,
                          "a world file holds one YAML document; this one and the rest are "
                          "ignored");
        }
        Mapping top(docs[0],
                    "the world file",
                    {"version", "name", "description", "seed", "time", "settings", "accounts"},
                    diags_);
        if (!top.valid()) {
            return std::move(world_);
        }
        if (std::optional<int> version = top.Int("version", 0, 1000)) {
            if (*version != 1) {
                diags_->Error("bad-version",
                              top.Get("version")->pos,
                              "world file version " + std::to_string(*version) +
                                      " is not supported (this build reads version 1)");
            }
        }
        world_.name = top.TextOr("name", "");
        world_.description = top.TextOr("description", "");
        if (const Node* seed = top.Get("seed")) {
            uint64_t value = 0;
            const char* end = seed->text.data() + seed->text.size();
            auto [ptr, ec] = std::from_chars(seed->text.data(), end, value);
            if (!seed->is_number() || ec != std::errc() || ptr != end) {
                top.Bad(*seed, "seed", "a non-negative integer");
            } else {
                world_.ids = IdGenerator(value);
            }
        }
        if (std::optional<Timestamp> t = top.Time("time")) {
            base_time_ = *t;
        }
        if (const Node* settings = top.Get("settings")) {
            LoadSettings(*settings);
        }
        if (const std::vector<Node>* accounts = top.Items("accounts")) {
            for (const Node& account : *accounts) {
                LoadAccount(account);
            }
        } else if (top.Get("accounts") == nullptr) {
            diags_->Error("missing-key", top.pos(), "the world file needs \"accounts\"");
        }
        for (const PendingBucketCheck& check : bucket_checks_) {
            if (!world_.buckets.contains(check.bucket)) {
                diags_->Warning("unknown-bucket",
                                check.pos,
                                "trail " + Quote(check.trail) + " logs to bucket " +
                                        Quote(check.bucket) +
                                        ", which this world does not define (deliveries to it "
                                        "will fail)");
            }
        }
        return std::move(world_);
    }

private:
    // ---- ids ----------------------------------------------------------------------------------

    // The mapping's explicit `id` (`prefix` + 8 or 17 hex digits) when valid and unused, else a
    // generated one.
    template <class Map>
    std::string TakeId(const Mapping& m,
                       const Map& existing,
                       IdKind kind,
                       std::string_view prefix) {
        if (std::optional<std::string> id = m.Text("id")) {
            const Node* node = m.Get("id");
            if (!IsHexId(*id, prefix)) {
                diags_->Error("bad-id",
                              node->pos,
                              Quote(*id) + " is not a valid id for " + m.what() + " (expected " +
                                      std::string(prefix) + " + 8 or 17 hex digits)");
            } else if (existing.contains(*id)) {
                diags_->Error("duplicate-id", node->pos, "id " + Quote(*id) + " is already used");
            } else {
                return *id;
            }
        }
        return world_.NewId(kind);
    }

    // A long-term access key: explicit id/secret or generated ones.
    std::optional<AccessKey> LoadAccessKey(const Node& node, std::string what) {
        Mapping m(node, std::move(what), {"id", "secret", "status", "created"}, diags_);
        if (!m.valid()) {
            return std::nullopt;
        }
        AccessKey key;
        if (std::optional<std::string> id = m.Text("id")) {
            if (!IsKeyLikeId(*id, "AKIA", 16, 16)) {
                diags_->Error("bad-id",
                              m.Get("id")->pos,
                              Quote(*id) +
                                      " is not an access key id (AKIA + 16 uppercase "
                                      "letters or digits)");
                return std::nullopt;
            }
            key.id = *id;
        } else {
            key.id = world_.NewId(IdKind::kAccessKey);
        }
        if (!key_ids_.insert(key.id).second) {
            diags_->Error("duplicate-id",
                          m.Get("id") != nullptr ? m.Get("id")->pos : m.pos(),
                          "access key " + Quote(key.id) + " is already used");
            return std::nullopt;
        }
        key.secret = m.TextOr("secret", "");
        if (key.secret.empty()) {
            key.secret = world_.ids.NextSecret();
        }
        if (std::optional<std::string> status = m.Text("status")) {
            std::optional<KeyStatus> parsed = ParseKeyStatus(*status);
            if (!parsed) {
                m.Bad(*m.Get("status"), "status", "Active or Inactive");
            } else {
                key.status = *parsed;
            }
        }
        key.create_date = m.Time("created").value_or(base_time_);
        return key;
    }

    // A policy document written as a YAML mapping or as JSON text; validated.
    std::optional<std::string> PolicyText(const Node& node,
                                          PolicyKind kind,
                                          std::string_view what) {
        std::string text;
        if (node.is_string()) {
            text = node.text;
        } else if (node.is_object()) {
            text = node.ToJson();
        } else {
            diags_->Error("bad-policy",
                          node.pos,
                          std::string(what) + " must be a mapping or a JSON string");
            return std::nullopt;
        }
        Result<PolicyDocument> doc = ParsePolicyDocument(text, kind);
        if (!doc) {
            diags_->Error("bad-policy", node.pos, std::string(what) + ": " + doc.error().message());
            return std::nullopt;
        }
        return text;
    }

    std::map<std::string, std::string> InlinePolicies(const Mapping& m, std::string_view owner) {
        std::map<std::string, std::string> out;
        const Node* v = m.Get("inline_policies");
        if (v == nullptr) {
            return out;
        }
        if (!v->is_object()) {
            m.Bad(*v, "inline_policies", "a mapping of policy name to document");
            return out;
        }
        for (const auto& [name, doc] : v->members) {
            std::string what = "inline policy " + Quote(name) + " of " + std::string(owner);
            if (std::optional<std::string> text = PolicyText(doc, PolicyKind::kIdentity, what)) {
                out[name] = *text;
            }
        }
        return out;
    }

    // Names ("ReadOnlyAccess": AWS-managed first, then the account's own) or ARNs.
    std::vector<std::string> AttachedPolicies(const Mapping& m, const Account& account) {
        std::vector<std::string> out;
        for (const Node* ref : m.List("attached_policies")) {
            std::string arn;
            if (ref->text.starts_with("arn:")) {
                if (world_.FindManagedPolicy(ref->text) != nullptr) {
                    arn = ref->text;
                }
            } else if (world_.aws_managed_policies.contains("arn:aws:iam::aws:policy/" +
                                                            ref->text)) {
                arn = "arn:aws:iam::aws:policy/" + ref->text;
            } else if (auto it = account.policies.find(ref->text); it != account.policies.end()) {
                arn = it->second.arn;
            }
            if (arn.empty()) {
                diags_->Error("unknown-reference",
                              ref->pos,
                              "no managed policy " + Quote(ref->text) +
                                      " (define it under "
                                      "iam.policies, or use an AWS-managed policy: "
                                      "AdministratorAccess, ReadOnlyAccess, AWSDenyAll)");
                continue;
            }
            if (std::find(out.begin(), out.end(), arn) == out.end()) {
                out.push_back(arn);
            }
        }
        return out;
    }

    // ---- accounts and IAM ---------------------------------------------------------------------

    void LoadAccount(const Node& node) {
        Mapping m(
                node, "account", {"id", "alias", "root_keys", "regions", "iam", "buckets"}, diags_);
        std::optional<std::string> id = m.Required("id");
        if (!id) {
            return;
        }
        if (!IsAccountId(*id)) {
            diags_->Error("bad-id",
                          m.Get("id")->pos,
                          Quote(*id) +
                                  " is not an account id (12 digits; quote ids with "
                                  "leading zeros)");
            return;
        }
        if (world_.accounts.contains(*id)) {
            diags_->Error(
                    "duplicate-account", m.Get("id")->pos, "account " + *id + " appears twice");
            return;
        }
        Account& account = world_.accounts[*id];
        account.id = *id;
        account.alias = m.TextOr("alias", "");
        if (const std::vector<Node>* keys = m.Items("root_keys")) {
            for (const Node& k : *keys) {
                if (std::optional<AccessKey> key =
                            LoadAccessKey(k, "root key of account " + account.id)) {
                    account.root_keys.push_back(std::move(*key));
                }
            }
        }
        if (const Node* iam = m.Get("iam")) {
            LoadIam(*iam, &account);
        }
        if (const Node* regions = m.Get("regions")) {
            if (!regions->is_object()) {
                m.Bad(*regions, "regions", "a mapping of region name to resources");
            } else {
                for (const auto& [name, body] : regions->members) {
                    if (!IsRegionName(name)) {
                        diags_->Error("bad-value",
                                      body.key_pos,
                                      Quote(name) + " is not a region name such as us-east-1");
                        continue;
                    }
                    if (std::find(account.regions.begin(), account.regions.end(), name) !=
                        account.regions.end()) {
                        diags_->Error(
                                "duplicate-key", body.key_pos, "region " + name + " appears twice");
                        continue;
                    }
                    account.regions.push_back(name);
                    LoadRegion(body, &account, name);
                }
            }
        }
        if (const std::vector<Node>* buckets = m.Items("buckets")) {
            for (const Node& b : *buckets) {
                LoadBucket(b, account);
            }
        }
    }

    void LoadIam(const Node& node, Account* account) {
        Mapping m(node,
                  "iam section of account " + account->id,
                  {"users", "roles", "policies", "sessions"},
                  diags_);
        if (const std::vector<Node>* policies = m.Items("policies")) {
            for (const Node& p : *policies) {
                LoadPolicy(p, account);
            }
        }
        if (const std::vector<Node>* users = m.Items("users")) {
            for (const Node& u : *users) {
                LoadUser(u, account);
            }
        }
        if (const std::vector<Node>* roles = m.Items("roles")) {
            for (const Node& r : *roles) {
                LoadRole(r, account);
            }
        }
        if (const std::vector<Node>* sessions = m.Items("sessions")) {
            for (const Node& s : *sessions) {
                LoadSession(s, *account);
            }
        }
    }

    std::string IamPath(const Mapping& m) {
        std::string path = m.TextOr("path", "/");
        if (!IsIamPath(path)) {
            m.Bad(*m.Get("path"), "path", "a path that starts and ends with \"/\"");
            return "/";
        }
        return path;
    }

    std::optional<std::string> IamName(const Mapping& m) {
        std::optional<std::string> name = m.Required("name");
        if (name && !IsResourceName(*name)) {
            m.Bad(*m.Get("name"), "name", "letters, digits and +=,.@_-");
            return std::nullopt;
        }
        return name;
    }

    void LoadPolicy(const Node& node, Account* account) {
        Mapping m(node,
                  "managed policy",
                  {"name", "path", "description", "document", "created"},
                  diags_);
        std::optional<std::string> name = IamName(m);
        if (!name) {
            return;
        }
        if (account->policies.contains(*name)) {
            diags_->Error(
                    "duplicate-name", m.Get("name")->pos, "policy " + *name + " appears twice");
            return;
        }
        const Node* doc = m.Get("document");
        if (doc == nullptr) {
            diags_->Error(
                    "missing-key", m.pos(), "managed policy " + *name + " needs \"document\"");
            return;
        }
        std::optional<std::string> text =
                PolicyText(*doc, PolicyKind::kIdentity, "document of policy " + *name);
        if (!text) {
            return;
        }
        ManagedPolicy policy;
        policy.name = *name;
        policy.path = IamPath(m);
        policy.arn = PolicyArn(account->id, policy.path, policy.name);
        policy.policy_id = world_.NewId(IdKind::kPolicyId);
        policy.description = m.TextOr("description", "");
        policy.document = *text;
        policy.create_date = m.Time("created").value_or(base_time_);
        account->policies[*name] = std::move(policy);
    }

    void LoadUser(const Node& node, Account* account) {
        Mapping m(node,
                  "IAM user",
                  {"name",
                   "id",
                   "path",
                   "created",
                   "tags",
                   "access_keys",
                   "login_profile",
                   "inline_policies",
                   "attached_policies"},
                  diags_);
        std::optional<std::string> name = IamName(m);
        if (!name) {
            return;
        }
        if (account->users.contains(*name)) {
            diags_->Error("duplicate-name", m.Get("name")->pos, "user " + *name + " appears twice");
            return;
        }
        IamUser user;
        user.name = *name;
        user.path = IamPath(m);
        user.arn = UserArn(account->id, user.path, user.name);
        user.user_id = PrincipalId(m, "AIDA", IdKind::kUserId);
        user.create_date = m.Time("created").value_or(base_time_);
        user.tags = m.StringMap("tags");
        if (const std::vector<Node>* keys = m.Items("access_keys")) {
            for (const Node& k : *keys) {
                if (std::optional<AccessKey> key = LoadAccessKey(k, "access key of " + *name)) {
                    user.access_keys.push_back(std::move(*key));
                }
            }
        }
        user.has_login_profile = m.Bool("login_profile").value_or(false);
        user.inline_policies = InlinePolicies(m, "user " + *name);
        user.attached_policy_arns = AttachedPolicies(m, *account);
        account->users[*name] = std::move(user);
    }

    std::string PrincipalId(const Mapping& m, std::string_view prefix, IdKind kind) {
        if (std::optional<std::string> id = m.Text("id")) {
            if (IsKeyLikeId(*id, prefix, 16, 28) && principal_ids_.insert(*id).second) {
                return *id;
            }
            diags_->Error("bad-id",
                          m.Get("id")->pos,
                          Quote(*id) + " is not a valid unused id for " + m.what() + " (" +
                                  std::string(prefix) +
                                  " + 16 or more uppercase letters or "
                                  "digits)");
        }
        std::string id = world_.NewId(kind);
        principal_ids_.insert(id);
        return id;
    }

    void LoadRole(const Node& node, Account* account) {
        Mapping m(node,
                  "IAM role",
                  {"name",
                   "id",
                   "path",
                   "description",
                   "created",
                   "tags",
                   "trust",
                   "trusted_accounts",
                   "inline_policies",
                   "attached_policies",
                   "max_session_duration"},
                  diags_);
        std::optional<std::string> name = IamName(m);
        if (!name) {
            return;
        }
        if (account->roles.contains(*name)) {
            diags_->Error("duplicate-name", m.Get("name")->pos, "role " + *name + " appears twice");
            return;
        }
        IamRole role;
        role.name = *name;
        role.path = IamPath(m);
        role.arn = RoleArn(account->id, role.path, role.name);
        role.role_id = PrincipalId(m, "AROA", IdKind::kRoleId);
        role.description = m.TextOr("description", "");
        role.create_date = m.Time("created").value_or(base_time_);
        role.tags = m.StringMap("tags");
        role.max_session_duration = m.Int("max_session_duration", 3600, 43200).value_or(3600);
        const Node* trust = m.Get("trust");
        std::vector<const Node*> trusted = m.List("trusted_accounts");
        if (trust != nullptr && !trusted.empty()) {
            diags_->Error("bad-value",
                          trust->key_pos,
                          "role " + *name + ": use either \"trust\" or \"trusted_accounts\"");
            return;
        }
        if (trust != nullptr) {
            std::optional<std::string> text =
                    PolicyText(*trust, PolicyKind::kTrust, "trust policy of role " + *name);
            if (!text) {
                return;
            }
            role.trust_policy = *text;
        } else if (!trusted.empty()) {
            std::string principals;
            for (const Node* t : trusted) {
                if (!IsAccountId(t->text)) {
                    diags_->Error("bad-id", t->pos, Quote(t->text) + " is not an account id");
                    return;
                }
                principals += (principals.empty() ? "" : ",") +
                              Quote("arn:aws:iam::" + t->text + ":root");
            }
            role.trust_policy =
                    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[)" +
                    principals + R"(]},"Action":"sts:AssumeRole"}]})";
        } else {
            diags_->Error("missing-key",
                          m.pos(),
                          "role " + *name +
                                  " needs \"trust\" (a trust policy) or "
                                  "\"trusted_accounts\"");
            return;
        }
        role.inline_policies = InlinePolicies(m, "role " + *name);
        role.attached_policy_arns = AttachedPolicies(m, *account);
        account->roles[*name] = std::move(role);
    }

    void LoadSession(const Node& node, const Account& account) {
        Mapping m(node,
                  "session",
                  {"role",
                   "name",
                   "access_key",
                   "secret",
                   "token",
                   "issued",
                   "expires",
                   "duration",
                   "source_identity",
                   "caller",
                   "mfa"},
                  diags_);
        std::optional<std::string> role_ref = m.Required("role");
        std::optional<std::string> name = m.Required("name");
        if (!role_ref || !name) {
            return;
        }
        const IamRole* role = role_ref->starts_with("arn:")
                                      ? world_.FindRoleByArn(*role_ref)
                                      : world_.FindRole(account.id, *role_ref);
        if (role == nullptr) {
            diags_->Error("unknown-reference",
                          m.Get("role")->pos,
                          "no role " + Quote(*role_ref) + " in account " + account.id);
            return;
        }
        RoleSession session;
        if (std::optional<std::string> key = m.Text("access_key")) {
            if (!IsKeyLikeId(*key, "ASIA", 16, 16)) {
                diags_->Error("bad-id",
                              m.Get("access_key")->pos,
                              Quote(*key) +
                                      " is not a session key id (ASIA + 16 uppercase "
                                      "letters or digits)");
                return;
            }
            session.access_key_id = *key;
        } else {
            session.access_key_id = world_.NewId(IdKind::kSessionKey);
        }
        if (!key_ids_.insert(session.access_key_id).second) {
            diags_->Error("duplicate-id",
                          m.pos(),
                          "access key " + Quote(session.access_key_id) + " is already used");
            return;
        }
        session.secret = m.TextOr("secret", "");
        if (session.secret.empty()) {
            session.secret = world_.ids.NextSecret();
        }
        session.session_token = m.TextOr("token", "");
        if (session.session_token.empty()) {
            session.session_token = world_.ids.NextSessionToken();
        }
        session.issued = m.Time("issued").value_or(base_time_);
        const int duration = m.Int("duration", 900, 43200).value_or(3600);
        session.expiration =
                m.Time("expires").value_or(session.issued + std::chrono::seconds{duration});
        session.account_id = account.id;
        session.role_arn = role->arn;
        session.session_name = *name;
        session.source_identity = m.TextOr("source_identity", "");
        session.caller_arn = m.TextOr("caller", "");
        session.mfa_authenticated = m.Bool("mfa").value_or(false);
        world_.sessions[session.access_key_id] = std::move(session);
    }

    // ---- regions ------------------------------------------------------------------------------

    struct Scope {
        const Account* account;
        std::string region;
        RegionState* state;
    };

    void LoadRegion(const Node& node, const Account* account, const std::string& region) {
        Mapping m(node,
                  "region " + region + " of account " + account->id,
                  {"vpcs",
                   "security_groups",
                   "volumes",
                   "instances",
                   "snapshots",
                   "load_balancers",
                   "target_groups",
                   "auto_scaling_groups",
                   "trails",
                   "topics"},
                  diags_);
        if (!m.valid()) {
            return;
        }
        RegionState& state = regions_[{account->id, region}];
        Scope scope{account, region, &state};
        const std::vector<Node>* vpcs = m.Items("vpcs");
        if (vpcs != nullptr && !vpcs->empty()) {
            for (const Node& v : *vpcs) {
                LoadVpc(v, scope);
            }
        } else {
            AddDefaultVpc(scope);
        }
        if (const std::vector<Node>* groups = m.Items("security_groups")) {
            // Two passes, so rules can refer to groups declared after them.
            for (const Node& n : *groups) {
                DeclareSecurityGroup(n, scope);
            }
            for (const Node& n : *groups) {
                FillSecurityGroup(n, scope);
            }
        }
        ForEach(m, "volumes", [&](const Node& n) { LoadVolume(n, scope); });
        ForEach(m, "instances", [&](const Node& n) { LoadInstance(n, scope); });
        ForEach(m, "snapshots", [&](const Node& n) { LoadSnapshot(n, scope); });
        ForEach(m, "load_balancers", [&](const Node& n) { LoadLoadBalancer(n, scope); });
        ForEach(m, "target_groups", [&](const Node& n) { LoadTargetGroup(n, scope); });
        ForEach(m, "auto_scaling_groups", [&](const Node& n) { LoadAutoScalingGroup(n, scope); });
        ForEach(m, "trails", [&](const Node& n) { LoadTrail(n, scope); });
        ForEach(m, "topics", [&](const Node& n) { LoadTopic(n, scope); });
    }

    template <class F>
    void ForEach(const Mapping& m, std::string_view key, F&& f) {
        if (const std::vector<Node>* items = m.Items(key)) {
            for (const Node& item : *items) {
                f(item);
            }
        }
    }

    // Resolves `ref`, a name declared in this region or the id of a resource of this
    // account/region. A name several resources share (security groups of different VPCs) is
    // narrowed by `prefer` (e.g. "in the instance's VPC"). Reports unknown-reference /
    // ambiguous-reference.
    template <class Map>
    std::optional<std::string> Resolve(const NameTable& names,
                                       const Map& existing,
                                       const Scope& scope,
                                       const Node& ref,
                                       std::string_view kind,
                                       const std::function<bool(const std::string&)>& prefer = {}) {
        if (!ref.is_string()) {
            diags_->Error("bad-value",
                          ref.pos,
                          "a reference to a " + std::string(kind) + " must be a string");
            return std::nullopt;
        }
        if (const std::vector<std::string>* ids = names.Find(ref.text)) {
            if (ids->size() == 1) {
                return ids->front();
            }
            if (prefer) {
                std::vector<std::string> preferred;
                std::copy_if(ids->begin(), ids->end(), std::back_inserter(preferred), prefer);
                if (preferred.size() == 1) {
                    return preferred.front();
                }
            }
            diags_->Error("ambiguous-reference",
                          ref.pos,
                          "several " + std::string(kind) + "s are named " + Quote(ref.text) +
                                  " in " + scope.region + "; refer to one by id");
            return std::nullopt;
        }
        if (auto it = existing.find(ref.text); it != existing.end() &&
                                               it->second.account_id == scope.account->id &&
                                               it->second.region == scope.region) {
            return ref.text;
        }
        diags_->Error("unknown-reference",
                      ref.pos,
                      "no " + std::string(kind) + " " + Quote(ref.text) + " in " + scope.region +
                              " of account " + scope.account->id);
        return std::nullopt;
    }

    // Prefers security groups of `vpc_id` among groups that share a name.
    std::function<bool(const std::string&)> InVpc(std::string vpc_id) {
        return [this, vpc_id = std::move(vpc_id)](const std::string& group_id) {
            return world_.security_groups[group_id].vpc_id == vpc_id;
        };
    }

    static void SetNameTag(const std::string& name, Tags* tags) {
        if (!name.empty() && !tags->contains("Name")) {
            (*tags)["Name"] = name;
        }
    }

    std::string DefaultAz(const Scope& scope) const { return scope.region + "a"; }

    // A group's rules: all traffic from members of the group itself, all traffic out.
    void AddDefaultGroup(const Scope& scope, const std::string& vpc_id) {
        SecurityGroup sg;
        sg.id = world_.NewId(IdKind::kSecurityGroup);
        sg.account_id = scope.account->id;
        sg.region = scope.region;
        sg.name = "default";
        sg.description = "default VPC security group";
        sg.vpc_id = vpc_id;
        IpPermission self;
        self.groups.push_back(
                {sg.id, scope.account->id, "", world_.NewId(IdKind::kSecurityGroupRule)});
        sg.ingress.push_back(std::move(self));
        sg.egress.push_back(AllowAllEgress());
        scope.state->security_groups.Add(sg.name, sg.id);
        scope.state->default_groups[vpc_id] = sg.id;
        world_.security_groups[sg.id] = std::move(sg);
    }

    IpPermission AllowAllEgress() {
        IpPermission all;
        all.ipv4_ranges.push_back({"0.0.0.0/0", "", world_.NewId(IdKind::kSecurityGroupRule)});
        return all;
    }

    void AddDefaultVpc(const Scope& scope) {
        Vpc vpc;
        vpc.id = world_.NewId(IdKind::kVpc);
        vpc.account_id = scope.account->id;
        vpc.region = scope.region;
        vpc.cidr_block = "172.31.0.0/16";
        vpc.is_default = true;
        Subnet subnet;
        subnet.id = world_.NewId(IdKind::kSubnet);
        subnet.account_id = scope.account->id;
        subnet.region = scope.region;
        subnet.vpc_id = vpc.id;
        subnet.cidr_block = "172.31.0.0/20";
        subnet.availability_zone = DefaultAz(scope);
        scope.state->vpcs.Add("default", vpc.id);
        scope.state->vpc_order.push_back(vpc.id);
        scope.state->subnets.Add("default", subnet.id);
        scope.state->subnet_order.push_back(subnet.id);
        std::string vpc_id = vpc.id;
        world_.vpcs[vpc.id] = std::move(vpc);
        world_.subnets[subnet.id] = std::move(subnet);
        AddDefaultGroup(scope, vpc_id);
    }

    std::optional<CidrBlock> Ipv4Cidr(const Mapping& m, std::string_view key) {
        std::optional<std::string> text = m.Text(key);
        if (!text) {
            return std::nullopt;
        }
        std::optional<CidrBlock> cidr = ParseCidr(*text);
        if (!cidr || cidr->base.v6 || cidr->prefix_bits < 16 || cidr->prefix_bits > 28) {
            m.Bad(*m.Get(key), key, "an IPv4 CIDR block from /16 to /28");
            return std::nullopt;
        }
        return cidr;
    }

    void LoadVpc(const Node& node, const Scope& scope) {
        Mapping m(node, "VPC", {"name", "id", "cidr", "default", "tags", "subnets"}, diags_);
        if (!m.valid()) {
            return;
        }
        Vpc vpc;
        vpc.id = TakeId(m, world_.vpcs, IdKind::kVpc, "vpc-");
        vpc.account_id = scope.account->id;
        vpc.region = scope.region;
        std::optional<CidrBlock> cidr = Ipv4Cidr(m, "cidr");
        vpc.cidr_block = cidr ? m.Get("cidr")->text : "10.0.0.0/16";
        if (!cidr) {
            cidr = ParseCidr(vpc.cidr_block);
        }
        vpc.is_default = m.Bool("default").value_or(false);
        vpc.tags = m.StringMap("tags");
        const std::string name = m.TextOr("name", "");
        SetNameTag(name, &vpc.tags);
        if (!name.empty()) {
            if (scope.state->vpcs.Find(name) != nullptr) {
                diags_->Error("duplicate-name",
                              m.Get("name")->pos,
                              "VPC " + Quote(name) + " appears twice in " + scope.region);
                return;
            }
            scope.state->vpcs.Add(name, vpc.id);
        }
        scope.state->vpc_order.push_back(vpc.id);
        const std::string vpc_id = vpc.id;
        world_.vpcs[vpc.id] = std::move(vpc);
        ForEach(m, "subnets", [&](const Node& n) { LoadSubnet(n, scope, vpc_id, *cidr); });
        AddDefaultGroup(scope, vpc_id);
    }

    void LoadSubnet(const Node& node,
                    const Scope& scope,
                    const std::string& vpc_id,
                    const CidrBlock& vpc_cidr) {
        Mapping m(node, "subnet", {"name", "id", "cidr", "az", "tags"}, diags_);
        if (!m.valid()) {
            return;
        }
        if (m.Get("cidr") == nullptr) {
            diags_->Error("missing-key", m.pos(), "subnet needs \"cidr\"");
            return;
        }
        std::optional<CidrBlock> cidr = Ipv4Cidr(m, "cidr");
        if (!cidr) {
            return;
        }
        if (!vpc_cidr.Contains(cidr->base) || cidr->prefix_bits < vpc_cidr.prefix_bits) {
            m.Bad(*m.Get("cidr"), "cidr", "inside the VPC's CIDR block");
            return;
        }
        Subnet subnet;
        subnet.id = TakeId(m, world_.subnets, IdKind::kSubnet, "subnet-");
        subnet.account_id = scope.account->id;
        subnet.region = scope.region;
        subnet.vpc_id = vpc_id;
        subnet.cidr_block = m.Get("cidr")->text;
        subnet.availability_zone = m.TextOr("az", DefaultAz(scope));
        if (!subnet.availability_zone.starts_with(scope.region) ||
            subnet.availability_zone.size() != scope.region.size() + 1) {
            m.Bad(*m.Get("az"), "az", "an availability zone of " + scope.region);
            subnet.availability_zone = DefaultAz(scope);
        }
        subnet.tags = m.StringMap("tags");
        const std::string name = m.TextOr("name", "");
        SetNameTag(name, &subnet.tags);
        if (!name.empty()) {
            if (scope.state->subnets.Find(name) != nullptr) {
                diags_->Error("duplicate-name",
                              m.Get("name")->pos,
                              "subnet " + Quote(name) + " appears twice in " + scope.region);
                return;
            }
            scope.state->subnets.Add(name, subnet.id);
        }
        scope.state->subnet_order.push_back(subnet.id);
        world_.subnets[subnet.id] = std::move(subnet);
    }

    std::string DefaultVpc(const Scope& scope) const {
        return scope.state->vpc_order.empty() ? std::string() : scope.state->vpc_order.front();
    }

    // First pass: the group exists with an id, so rules can refer to any group of the region.
    void DeclareSecurityGroup(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "security group",
                  {"name", "id", "description", "vpc", "ingress", "egress", "tags"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        if (!name) {
            return;
        }
        std::string vpc_id = DefaultVpc(scope);
        if (const Node* vpc = m.Get("vpc")) {
            std::optional<std::string> resolved =
                    Resolve(scope.state->vpcs, world_.vpcs, scope, *vpc, "VPC");
            if (!resolved) {
                return;
            }
            vpc_id = *resolved;
        }
        if (*name == "default") {
            // Configures the VPC's default group instead of adding one.
            declared_groups_[&node] = scope.state->default_groups[vpc_id];
            return;
        }
        for (const auto& [id, sg] : world_.security_groups) {
            if (sg.vpc_id == vpc_id && sg.name == *name) {
                diags_->Error("duplicate-name",
                              m.Get("name")->pos,
                              "security group " + Quote(*name) + " appears twice in one VPC");
                return;
            }
        }
        SecurityGroup sg;
        sg.id = TakeId(m, world_.security_groups, IdKind::kSecurityGroup, "sg-");
        sg.account_id = scope.account->id;
        sg.region = scope.region;
        sg.name = *name;
        sg.description = m.TextOr("description", *name);
        sg.vpc_id = vpc_id;
        sg.tags = m.StringMap("tags");
        scope.state->security_groups.Add(sg.name, sg.id);
        declared_groups_[&node] = sg.id;
        world_.security_groups[sg.id] = std::move(sg);
    }

    // Second pass: rules (unknown keys were reported by the first pass).
    void FillSecurityGroup(const Node& node, const Scope& scope) {
        auto declared = declared_groups_.find(&node);
        if (declared == declared_groups_.end()) {
            return;
        }
        Mapping m(node,
                  "security group",
                  {"name", "id", "description", "vpc", "ingress", "egress", "tags"},
                  diags_,
                  /*check=*/false);
        SecurityGroup& sg = world_.security_groups[declared->second];
        if (sg.name == "default") {
            Tags tags = m.StringMap("tags");
            sg.tags.insert(tags.begin(), tags.end());
        }
        if (const std::vector<Node>* rules = m.Items("ingress")) {
            sg.ingress.clear();
            for (const Node& r : *rules) {
                if (std::optional<IpPermission> p = LoadPermission(r, scope, sg)) {
                    sg.ingress.push_back(std::move(*p));
                }
            }
        }
        if (const std::vector<Node>* rules = m.Items("egress")) {
            sg.egress.clear();
            for (const Node& r : *rules) {
                if (std::optional<IpPermission> p = LoadPermission(r, scope, sg)) {
                    sg.egress.push_back(std::move(*p));
                }
            }
        } else if (sg.egress.empty()) {
            sg.egress.push_back(AllowAllEgress());
        }
    }

    std::optional<IpPermission> LoadPermission(const Node& node,
                                               const Scope& scope,
                                               const SecurityGroup& sg) {
        Mapping m(node,
                  "security group rule",
                  {"protocol",
                   "port",
                   "ports",
                   "from_port",
                   "to_port",
                   "cidrs",
                   "groups",
                   "description"},
                  diags_);
        if (!m.valid()) {
            return std::nullopt;
        }
        IpPermission p;
        std::string protocol = AsciiLower(m.TextOr("protocol", "tcp"));
        if (protocol == "all" || protocol == "-1") {
            protocol = "-1";
        } else if (protocol != "tcp" && protocol != "udp" && protocol != "icmp") {
            m.Bad(*m.Get("protocol"), "protocol", "tcp, udp, icmp or all");
            return std::nullopt;
        }
        p.protocol = protocol;
        if (protocol == "-1") {
            p.from_port = -1;
            p.to_port = -1;
        } else if (std::optional<int> port = m.Int("port", -1, 65535)) {
            p.from_port = *port;
            p.to_port = *port;
        } else if (std::optional<std::string> ports = m.Text("ports")) {
            int from = 0;
            int to = 0;
            char dash = 0;
            std::istringstream in(*ports);
            if (!(in >> from >> dash >> to) || dash != '-' || !in.eof() || from < 0 || to > 65535 ||
                from > to) {
                m.Bad(*m.Get("ports"), "ports", "a range such as 8000-8080");
                return std::nullopt;
            }
            p.from_port = from;
            p.to_port = to;
        } else if (m.Get("from_port") != nullptr || m.Get("to_port") != nullptr) {
            p.from_port = m.Int("from_port", -1, 65535).value_or(-1);
            p.to_port = m.Int("to_port", -1, 65535).value_or(p.from_port);
        } else if (protocol == "icmp") {
            p.from_port = -1;
            p.to_port = -1;
        } else {
            diags_->Error("missing-key",
                          m.pos(),
                          "a tcp/udp rule needs \"port\", \"ports\" or \"from_port\"/\"to_port\"");
            return std::nullopt;
        }
        const std::string description = m.TextOr("description", "");
        if (const Node* cidrs = m.Get("cidrs")) {
            std::vector<const Node*> items;
            if (cidrs->is_array()) {
                for (const Node& c : cidrs->items) {
                    items.push_back(&c);
                }
            } else {
                items.push_back(cidrs);
            }
            for (const Node* c : items) {
                IpRange range;
                range.description = description;
                const Node* cidr_node = c;
                if (c->is_object()) {
                    Mapping cm(*c, "CIDR entry", {"cidr", "description"}, diags_);
                    cidr_node = cm.Get("cidr");
                    if (cidr_node == nullptr) {
                        diags_->Error("missing-key", c->pos, "CIDR entry needs \"cidr\"");
                        continue;
                    }
                    range.description = cm.TextOr("description", description);
                }
                std::optional<CidrBlock> block =
                        cidr_node->is_string() ? ParseCidr(cidr_node->text) : std::nullopt;
                if (!block || block->base.v6) {
                    diags_->Error("bad-value",
                                  cidr_node->pos,
                                  "expected an IPv4 CIDR block such as 203.0.113.0/24");
                    continue;
                }
                range.cidr = cidr_node->text;
                range.rule_id = world_.NewId(IdKind::kSecurityGroupRule);
                p.ipv4_ranges.push_back(std::move(range));
            }
        }
        if (const Node* groups = m.Get("groups")) {
            std::vector<const Node*> items;
            if (groups->is_array()) {
                for (const Node& g : groups->items) {
                    items.push_back(&g);
                }
            } else {
                items.push_back(groups);
            }
            for (const Node* g : items) {
                GroupReference ref;
                ref.description = description;
                const Node* group_node = g;
                if (g->is_object()) {
                    Mapping gm(*g, "group entry", {"group", "description"}, diags_);
                    group_node = gm.Get("group");
                    if (group_node == nullptr) {
                        diags_->Error("missing-key", g->pos, "group entry needs \"group\"");
                        continue;
                    }
                    ref.description = gm.TextOr("description", description);
                }
                std::optional<std::string> id = Resolve(scope.state->security_groups,
                                                        world_.security_groups,
                                                        scope,
                                                        *group_node,
                                                        "security group",
                                                        InVpc(sg.vpc_id));
                if (!id) {
                    continue;
                }
                if (world_.security_groups[*id].vpc_id != sg.vpc_id) {
                    diags_->Error(
                            "bad-value",
                            group_node->pos,
                            "security group " + Quote(group_node->text) + " is in another VPC");
                    continue;
                }
                ref.group_id = *id;
                ref.owner_id = scope.account->id;
                ref.rule_id = world_.NewId(IdKind::kSecurityGroupRule);
                p.groups.push_back(std::move(ref));
            }
        }
        if (p.ipv4_ranges.empty() && p.groups.empty()) {
            diags_->Error("missing-key", m.pos(), "a rule needs \"cidrs\" or \"groups\"");
            return std::nullopt;
        }
        return p;
    }

    void LoadVolume(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "volume",
                  {"name",
                   "id",
                   "size",
                   "az",
                   "type",
                   "encrypted",
                   "state",
                   "snapshot",
                   "tags",
                   "created"},
                  diags_);
        if (!m.valid()) {
            return;
        }
        Volume volume;
        volume.id = TakeId(m, world_.volumes, IdKind::kVolume, "vol-");
        volume.account_id = scope.account->id;
        volume.region = scope.region;
        volume.size_gib = m.Int("size", 1, 65536).value_or(8);
        volume.availability_zone = m.TextOr("az", DefaultAz(scope));
        volume.volume_type = m.TextOr("type", "gp3");
        volume.encrypted = m.Bool("encrypted").value_or(false);
        volume.create_time = m.Time("created").value_or(base_time_);
        volume.snapshot_id = m.TextOr("snapshot", "");
        if (std::optional<std::string> state = m.Text("state")) {
            std::optional<VolumeState> parsed = ParseVolumeState(*state);
            if (!parsed || *parsed == VolumeState::kInUse) {
                m.Bad(*m.Get("state"),
                      "state",
                      "available, creating, deleting, deleted or error (attached volumes belong "
                      "under an instance)");
            } else {
                volume.state = *parsed;
            }
        }
        volume.tags = m.StringMap("tags");
        const std::string name = m.TextOr("name", "");
        if (!RegisterName(scope.state->volumes, m, name, "volume", volume.id)) {
            return;
        }
        SetNameTag(name, &volume.tags);
        world_.volumes[volume.id] = std::move(volume);
    }

    // Adds a unique name to `table`; false (with duplicate-name) when it is taken.
    bool RegisterName(NameTable& table,
                      const Mapping& m,
                      const std::string& name,
                      std::string_view kind,
                      const std::string& id) {
        if (name.empty()) {
            return true;
        }
        if (table.Find(name) != nullptr) {
            diags_->Error("duplicate-name",
                          m.Get("name")->pos,
                          std::string(kind) + " " + Quote(name) + " appears twice");
            return false;
        }
        table.Add(name, id);
        return true;
    }

    std::optional<std::string> AllocateIp(const Subnet& subnet, RegionState* state) {
        std::optional<CidrBlock> cidr = ParseCidr(subnet.cidr_block);
        std::optional<uint32_t> base = cidr ? Ipv4ToInt(cidr->base) : std::nullopt;
        if (!base) {
            return std::nullopt;
        }
        const uint32_t size = uint32_t{1} << (32 - cidr->prefix_bits);
        uint32_t& next = state->next_host.try_emplace(subnet.id, 10).first->second;
        while (next < size - 1) {
            std::string ip = IntToIpv4(*base + next);
            ++next;
            if (!used_ips_.contains(subnet.id + "/" + ip)) {
                used_ips_.insert(subnet.id + "/" + ip);
                return ip;
            }
        }
        return std::nullopt;
    }

    void LoadInstance(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "instance",
                  {"name",
                   "id",
                   "image",
                   "type",
                   "state",
                   "launch_time",
                   "subnet",
                   "private_ip",
                   "security_groups",
                   "tags",
                   "disable_api_termination",
                   "iam_instance_profile",
                   "volumes"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        if (!name) {
            return;
        }
        Instance inst;
        inst.id = TakeId(m, world_.instances, IdKind::kInstance, "i-");
        inst.account_id = scope.account->id;
        inst.region = scope.region;
        inst.reservation_id = world_.NewId(IdKind::kReservation);
        if (std::optional<std::string> image = m.Text("image")) {
            inst.image_id = *image;
        } else {
            if (scope.state->default_image.empty()) {
                scope.state->default_image = world_.NewId(IdKind::kImage);
            }
            inst.image_id = scope.state->default_image;
        }
        inst.instance_type = m.TextOr("type", "t3.micro");
        if (std::optional<std::string> state = m.Text("state")) {
            std::optional<InstanceState> parsed = ParseInstanceState(*state);
            if (!parsed) {
                m.Bad(*m.Get("state"),
                      "state",
                      "pending, running, shutting-down, terminated, stopping or stopped");
            } else {
                inst.state = *parsed;
            }
        }
        inst.launch_time = m.Time("launch_time").value_or(base_time_);
        // Placement: the named subnet, else the first subnet of the region.
        std::string subnet_id;
        if (const Node* subnet = m.Get("subnet")) {
            std::optional<std::string> resolved =
                    Resolve(scope.state->subnets, world_.subnets, scope, *subnet, "subnet");
            if (!resolved) {
                return;
            }
            subnet_id = *resolved;
        } else if (!scope.state->subnet_order.empty()) {
            subnet_id = scope.state->subnet_order.front();
        } else {
            diags_->Error("missing-key",
                          m.pos(),
                          "instance " + *name + " needs \"subnet\": its region has no subnets");
            return;
        }
        const Subnet& subnet = world_.subnets[subnet_id];
        inst.subnet_id = subnet.id;
        inst.vpc_id = subnet.vpc_id;
        inst.availability_zone = subnet.availability_zone;
        if (std::optional<std::string> ip = m.Text("private_ip")) {
            std::optional<IpAddress> parsed = ParseIp(*ip);
            std::optional<CidrBlock> cidr = ParseCidr(subnet.cidr_block);
            if (!parsed || parsed->v6 || !cidr || !cidr->Contains(*parsed)) {
                m.Bad(*m.Get("private_ip"), "private_ip", "an IPv4 address inside the subnet");
                return;
            }
            if (!used_ips_.insert(subnet.id + "/" + *ip).second) {
                m.Bad(*m.Get("private_ip"), "private_ip", "an address no other instance uses");
                return;
            }
            inst.private_ip = *ip;
        } else if (std::optional<std::string> allocated = AllocateIp(subnet, scope.state)) {
            inst.private_ip = *allocated;
        } else {
            diags_->Error(
                    "bad-value",
                    m.pos(),
                    "subnet " + subnet.cidr_block + " has no free address for instance " + *name);
            return;
        }
        std::vector<const Node*> groups = m.List("security_groups");
        if (groups.empty()) {
            inst.security_group_ids.push_back(scope.state->default_groups[inst.vpc_id]);
        }
        for (const Node* g : groups) {
            std::optional<std::string> id = Resolve(scope.state->security_groups,
                                                    world_.security_groups,
                                                    scope,
                                                    *g,
                                                    "security group",
                                                    InVpc(inst.vpc_id));
            if (!id) {
                continue;
            }
            if (world_.security_groups[*id].vpc_id != inst.vpc_id) {
                diags_->Error("bad-value",
                              g->pos,
                              "security group " + Quote(g->text) + " is not in the instance's VPC");
                continue;
            }
            inst.security_group_ids.push_back(*id);
        }
        inst.tags = m.StringMap("tags");
        SetNameTag(*name, &inst.tags);
        inst.disable_api_termination = m.Bool("disable_api_termination").value_or(false);
        if (std::optional<std::string> profile = m.Text("iam_instance_profile")) {
            inst.iam_instance_profile_arn =
                    profile->starts_with("arn:")
                            ? *profile
                            : "arn:aws:iam::" + scope.account->id + ":instance-profile/" + *profile;
        }
        if (!RegisterName(scope.state->instances, m, *name, "instance", inst.id)) {
            return;
        }
        LoadInstanceVolumes(m, scope, &inst);
        world_.instances[inst.id] = std::move(inst);
    }

    // `volumes: [8, {size: 100, device: /dev/sdf}]`; default: one 8 GiB root volume.
    void LoadInstanceVolumes(const Mapping& m, const Scope& scope, Instance* inst) {
        std::vector<Node> defaults;
        const std::vector<Node>* items = m.Items("volumes");
        if (items == nullptr) {
            Node size;
            size.type = Node::Type::kNumber;
            size.text = "8";
            size.pos = m.pos();
            defaults.push_back(size);
            items = &defaults;
        }
        const bool terminated = inst->state == InstanceState::kTerminated;
        char next_device = 'f';
        for (size_t i = 0; i < items->size(); ++i) {
            const Node& item = (*items)[i];
            Volume volume;
            volume.account_id = scope.account->id;
            volume.region = scope.region;
            volume.availability_zone = inst->availability_zone;
            volume.create_time = inst->launch_time;
            std::string device =
                    i == 0 ? inst->root_device_name : std::string("/dev/sd") + next_device++;
            bool delete_on_termination = i == 0;
            std::string name;
            if (item.is_number()) {
                int size = 0;
                const char* end = item.text.data() + item.text.size();
                auto [ptr, ec] = std::from_chars(item.text.data(), end, size);
                if (ec != std::errc() || ptr != end || size < 1 || size > 65536) {
                    diags_->Error("bad-value",
                                  item.pos,
                                  "a volume size must be an integer from 1 to 65536 (GiB)");
                    continue;
                }
                volume.size_gib = size;
                volume.id = world_.NewId(IdKind::kVolume);
            } else {
                Mapping vm(item,
                           "volume of instance",
                           {"name",
                            "id",
                            "size",
                            "device",
                            "type",
                            "encrypted",
                            "delete_on_termination",
                            "tags"},
                           diags_);
                if (!vm.valid()) {
                    continue;
                }
                volume.id = TakeId(vm, world_.volumes, IdKind::kVolume, "vol-");
                volume.size_gib = vm.Int("size", 1, 65536).value_or(8);
                device = vm.TextOr("device", device);
                volume.volume_type = vm.TextOr("type", "gp3");
                volume.encrypted = vm.Bool("encrypted").value_or(false);
                delete_on_termination =
                        vm.Bool("delete_on_termination").value_or(delete_on_termination);
                volume.tags = vm.StringMap("tags");
                name = vm.TextOr("name", "");
                if (!RegisterName(scope.state->volumes, vm, name, "volume", volume.id)) {
                    continue;
                }
                SetNameTag(name, &volume.tags);
            }
            if (terminated) {
                if (delete_on_termination) {
                    continue;  // deleted with the instance
                }
                volume.state = VolumeState::kAvailable;
            } else {
                volume.state = VolumeState::kInUse;
                volume.attachments.push_back(
                        {inst->id, device, "attached", inst->launch_time, delete_on_termination});
                inst->block_devices.push_back(
                        {device, volume.id, delete_on_termination, inst->launch_time});
            }
            world_.volumes[volume.id] = std::move(volume);
        }
    }

    void LoadSettings(const Node& node) {
        Mapping m(node, "settings", {"snapshot_completion_seconds"}, diags_);
        if (!m.valid()) {
            return;
        }
        if (std::optional<int> seconds = m.Int("snapshot_completion_seconds", 0, 86400)) {
            world_.settings.snapshot_completion_seconds = *seconds;
        }
    }

    void LoadSnapshot(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "snapshot",
                  {"id", "volume", "description", "state", "started", "size", "tags", "encrypted"},
                  diags_);
        if (!m.valid()) {
            return;
        }
        const Node* volume_ref = m.Get("volume");
        if (volume_ref == nullptr) {
            diags_->Error("missing-key", m.pos(), "snapshot needs \"volume\"");
            return;
        }
        std::optional<std::string> volume_id =
                Resolve(scope.state->volumes, world_.volumes, scope, *volume_ref, "volume");
        if (!volume_id) {
            return;
        }
        const Volume& volume = world_.volumes[*volume_id];
        Snapshot snap;
        snap.id = TakeId(m, world_.snapshots, IdKind::kSnapshot, "snap-");
        snap.account_id = scope.account->id;
        snap.region = scope.region;
        snap.volume_id = volume.id;
        snap.description = m.TextOr("description", "");
        if (std::optional<std::string> state = m.Text("state")) {
            std::optional<SnapshotState> parsed = ParseSnapshotState(*state);
            if (!parsed) {
                m.Bad(*m.Get("state"), "state", "pending, completed or error");
            } else {
                snap.state = *parsed;
            }
        }
        snap.start_time = m.Time("started").value_or(base_time_);
        snap.owner_id = scope.account->id;
        snap.volume_size_gib = m.Int("size", 1, 65536).value_or(volume.size_gib);
        snap.tags = m.StringMap("tags");
        snap.encrypted = m.Bool("encrypted").value_or(volume.encrypted);
        world_.snapshots[snap.id] = std::move(snap);
    }

    std::vector<std::string> ResolveInstances(const Mapping& m,
                                              std::string_view key,
                                              const Scope& scope) {
        std::vector<std::string> out;
        for (const Node* ref : m.List(key)) {
            if (std::optional<std::string> id = Resolve(
                        scope.state->instances, world_.instances, scope, *ref, "instance")) {
                if (std::find(out.begin(), out.end(), *id) == out.end()) {
                    out.push_back(*id);
                }
            }
        }
        return out;
    }

    static void AddUnique(const std::string& value, std::vector<std::string>* out) {
        if (!value.empty() && std::find(out->begin(), out->end(), value) == out->end()) {
            out->push_back(value);
        }
    }

    void LoadLoadBalancer(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "classic load balancer",
                  {"name", "instances", "subnets", "security_groups", "created"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        if (!name) {
            return;
        }
        ClassicLoadBalancer lb;
        lb.name = *name;
        lb.account_id = scope.account->id;
        lb.region = scope.region;
        lb.arn = "arn:aws:elasticloadbalancing:" + scope.region + ":" + scope.account->id +
                 ":loadbalancer/" + *name;
        const uint64_t dns_number =
                std::stoull(world_.NewId(IdKind::kHex16).substr(0, 8), nullptr, 16);
        lb.dns_name = *name + "-" + std::to_string(dns_number) + "." + scope.region +
                      ".elb.amazonaws.com";
        lb.instance_ids = ResolveInstances(m, "instances", scope);
        for (const Node* ref : m.List("subnets")) {
            if (std::optional<std::string> id =
                        Resolve(scope.state->subnets, world_.subnets, scope, *ref, "subnet")) {
                AddUnique(*id, &lb.subnet_ids);
            }
        }
        for (const std::string& id : lb.instance_ids) {
            if (m.Get("subnets") == nullptr) {
                AddUnique(world_.instances[id].subnet_id, &lb.subnet_ids);
            }
        }
        for (const std::string& subnet : lb.subnet_ids) {
            AddUnique(world_.subnets[subnet].availability_zone, &lb.availability_zones);
            lb.vpc_id = world_.subnets[subnet].vpc_id;
        }
        if (lb.vpc_id.empty()) {
            lb.vpc_id = DefaultVpc(scope);
        }
        for (const Node* ref : m.List("security_groups")) {
            if (std::optional<std::string> id = Resolve(scope.state->security_groups,
                                                        world_.security_groups,
                                                        scope,
                                                        *ref,
                                                        "security group",
                                                        InVpc(lb.vpc_id))) {
                AddUnique(*id, &lb.security_group_ids);
            }
        }
        lb.created_time = m.Time("created").value_or(base_time_);
        if (!RegisterName(scope.state->load_balancers, m, *name, "load balancer", lb.arn)) {
            return;
        }
        world_.load_balancers[lb.arn] = std::move(lb);
    }

    void LoadTargetGroup(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "target group",
                  {"name", "protocol", "port", "vpc", "target_type", "targets"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        if (!name) {
            return;
        }
        TargetGroup tg;
        tg.name = *name;
        tg.account_id = scope.account->id;
        tg.region = scope.region;
        tg.arn = "arn:aws:elasticloadbalancing:" + scope.region + ":" + scope.account->id +
                 ":targetgroup/" + *name + "/" + world_.NewId(IdKind::kHex16);
        tg.protocol = m.TextOr("protocol", "HTTP");
        tg.port = m.Int("port", 1, 65535).value_or(80);
        tg.target_type = m.TextOr("target_type", "instance");
        tg.vpc_id = DefaultVpc(scope);
        if (const Node* vpc = m.Get("vpc")) {
            if (std::optional<std::string> id =
                        Resolve(scope.state->vpcs, world_.vpcs, scope, *vpc, "VPC")) {
                tg.vpc_id = *id;
            }
        }
        if (const std::vector<Node>* targets = m.Items("targets")) {
            for (const Node& t : *targets) {
                Target target;
                target.port = tg.port;
                const Node* ref = &t;
                if (t.is_object()) {
                    Mapping tm(t, "target", {"instance", "port", "health"}, diags_);
                    ref = tm.Get("instance");
                    if (ref == nullptr) {
                        diags_->Error("missing-key", t.pos, "target needs \"instance\"");
                        continue;
                    }
                    target.port = tm.Int("port", 1, 65535).value_or(tg.port);
                    target.health_state = tm.TextOr("health", "healthy");
                }
                std::optional<std::string> id =
                        Resolve(scope.state->instances, world_.instances, scope, *ref, "instance");
                if (!id) {
                    continue;
                }
                target.id = *id;
                tg.targets.push_back(std::move(target));
            }
        }
        if (!RegisterName(scope.state->target_groups, m, *name, "target group", tg.arn)) {
            return;
        }
        world_.target_groups[tg.arn] = std::move(tg);
    }

    void LoadAutoScalingGroup(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "Auto Scaling group",
                  {"name",
                   "min",
                   "max",
                   "desired",
                   "launch_template",
                   "instances",
                   "load_balancers",
                   "target_groups",
                   "tags",
                   "created"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        if (!name) {
            return;
        }
        if (world_.FindAutoScalingGroup(scope.account->id, scope.region, *name) != nullptr) {
            diags_->Error("duplicate-name",
                          m.Get("name")->pos,
                          "Auto Scaling group " + Quote(*name) + " appears twice");
            return;
        }
        AutoScalingGroup asg;
        asg.name = *name;
        asg.account_id = scope.account->id;
        asg.region = scope.region;
        asg.arn = "arn:aws:autoscaling:" + scope.region + ":" + scope.account->id +
                  ":autoScalingGroup:" + world_.NewId(IdKind::kUuid) + ":autoScalingGroupName/" +
                  *name;
        asg.launch_template_name = m.TextOr("launch_template", *name);
        asg.created_time = m.Time("created").value_or(base_time_);
        asg.tags = m.StringMap("tags");
        if (const std::vector<Node>* members = m.Items("instances")) {
            for (const Node& item : *members) {
                AsgInstance member;
                const Node* ref = &item;
                if (item.is_object()) {
                    Mapping im(item,
                               "Auto Scaling group instance",
                               {"instance", "lifecycle", "health", "protected"},
                               diags_);
                    ref = im.Get("instance");
                    if (ref == nullptr) {
                        diags_->Error("missing-key", item.pos, "entry needs \"instance\"");
                        continue;
                    }
                    member.lifecycle_state = im.TextOr("lifecycle", "InService");
                    member.health_status = im.TextOr("health", "Healthy");
                    member.protected_from_scale_in = im.Bool("protected").value_or(false);
                }
                std::optional<std::string> id =
                        Resolve(scope.state->instances, world_.instances, scope, *ref, "instance");
                if (!id) {
                    continue;
                }
                Instance& inst = world_.instances[*id];
                if (inst.tags.contains("aws:autoscaling:groupName")) {
                    diags_->Error("bad-value",
                                  ref->pos,
                                  "instance " + Quote(ref->text) +
                                          " is already in Auto Scaling "
                                          "group " +
                                          inst.tags["aws:autoscaling:groupName"]);
                    continue;
                }
                inst.tags["aws:autoscaling:groupName"] = *name;
                member.instance_id = *id;
                member.availability_zone = inst.availability_zone;
                AddUnique(inst.availability_zone, &asg.availability_zones);
                AddUnique(inst.subnet_id, &asg.subnet_ids);
                asg.instances.push_back(std::move(member));
            }
        }
        if (asg.availability_zones.empty()) {
            asg.availability_zones.push_back(DefaultAz(scope));
        }
        const int count = static_cast<int>(asg.instances.size());
        asg.desired_capacity = m.Int("desired", 0, 10000).value_or(count);
        asg.min_size = m.Int("min", 0, 10000).value_or(asg.desired_capacity);
        asg.max_size =
                m.Int("max", 0, 10000).value_or(std::max(asg.desired_capacity, asg.min_size));
        if (asg.min_size > asg.desired_capacity || asg.desired_capacity > asg.max_size) {
            diags_->Error("bad-value",
                          m.pos(),
                          "Auto Scaling group " + *name + " needs min <= desired <= max (" +
                                  std::to_string(asg.min_size) + ", " +
                                  std::to_string(asg.desired_capacity) + ", " +
                                  std::to_string(asg.max_size) + ")");
        }
        // Attached load balancers and target groups get the group's in-service instances, as
        // Auto Scaling registers them.
        for (const Node* ref : m.List("load_balancers")) {
            std::optional<std::string> arn = Resolve(scope.state->load_balancers,
                                                     world_.load_balancers,
                                                     scope,
                                                     *ref,
                                                     "load balancer");
            if (!arn) {
                continue;
            }
            ClassicLoadBalancer& lb = world_.load_balancers[*arn];
            AddUnique(lb.name, &asg.load_balancer_names);
            for (const AsgInstance& member : asg.instances) {
                if (member.lifecycle_state == "InService") {
                    AddUnique(member.instance_id, &lb.instance_ids);
                }
            }
        }
        for (const Node* ref : m.List("target_groups")) {
            std::optional<std::string> arn = Resolve(
                    scope.state->target_groups, world_.target_groups, scope, *ref, "target group");
            if (!arn) {
                continue;
            }
            TargetGroup& tg = world_.target_groups[*arn];
            AddUnique(tg.arn, &asg.target_group_arns);
            for (const AsgInstance& member : asg.instances) {
                const bool registered =
                        std::any_of(tg.targets.begin(), tg.targets.end(), [&](const Target& t) {
                            return t.id == member.instance_id;
                        });
                if (member.lifecycle_state == "InService" && !registered) {
                    tg.targets.push_back({member.instance_id, tg.port, "healthy"});
                }
            }
        }
        world_.auto_scaling_groups[asg.arn] = std::move(asg);
    }

    void LoadTrail(const Node& node, const Scope& scope) {
        Mapping m(node,
                  "trail",
                  {"name",
                   "bucket",
                   "prefix",
                   "logging",
                   "multi_region",
                   "global_events",
                   "log_file_validation",
                   "started",
                   "stopped",
                   "event_selectors"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        std::optional<std::string> bucket = m.Required("bucket");
        if (!name || !bucket) {
            return;
        }
        for (const auto& [arn, trail] : world_.trails) {
            if (trail.account_id == scope.account->id && trail.name == *name) {
                diags_->Error(
                        "duplicate-name",
                        m.Get("name")->pos,
                        "trail " + Quote(*name) + " appears twice in account " + scope.account->id);
                return;
            }
        }
        Trail trail;
        trail.name = *name;
        trail.account_id = scope.account->id;
        trail.home_region = scope.region;
        trail.arn = TrailArn(scope.region, scope.account->id, *name);
        trail.s3_bucket = *bucket;
        trail.s3_key_prefix = m.TextOr("prefix", "");
        trail.is_logging = m.Bool("logging").value_or(true);
        trail.is_multi_region = m.Bool("multi_region").value_or(false);
        trail.include_global_service_events = m.Bool("global_events").value_or(true);
        trail.log_file_validation = m.Bool("log_file_validation").value_or(false);
        trail.start_logging_time = m.Time("started");
        trail.stop_logging_time = m.Time("stopped");
        if (trail.is_logging && !trail.start_logging_time) {
            trail.start_logging_time = base_time_;
        }
        if (!trail.is_logging && !trail.stop_logging_time) {
            trail.stop_logging_time = base_time_;
        }
        if (const std::vector<Node>* selectors = m.Items("event_selectors")) {
            trail.event_selectors.emplace();
            for (const Node& s : *selectors) {
                if (std::optional<EventSelector> selector = LoadEventSelector(s)) {
                    trail.event_selectors->push_back(std::move(*selector));
                }
            }
        }
        bucket_checks_.push_back({*bucket, m.Get("bucket")->pos, *name});
        world_.trails[trail.arn] = std::move(trail);
    }

    std::optional<EventSelector> LoadEventSelector(const Node& node) {
        Mapping m(node,
                  "event selector",
                  {"read_write", "management_events", "data_resources"},
                  diags_);
        if (!m.valid()) {
            return std::nullopt;
        }
        EventSelector selector;
        selector.read_write_type = m.TextOr("read_write", "All");
        if (selector.read_write_type != "All" && selector.read_write_type != "ReadOnly" &&
            selector.read_write_type != "WriteOnly") {
            m.Bad(*m.Get("read_write"), "read_write", "All, ReadOnly or WriteOnly");
            return std::nullopt;
        }
        selector.include_management_events = m.Bool("management_events").value_or(true);
        if (const std::vector<Node>* resources = m.Items("data_resources")) {
            for (const Node& r : *resources) {
                Mapping rm(r, "data resource", {"type", "values"}, diags_);
                std::optional<std::string> type = rm.Required("type");
                if (!type) {
                    continue;
                }
                DataResource resource;
                resource.type = *type;
                for (const Node* v : rm.List("values")) {
                    resource.values.push_back(v->text);
                }
                selector.data_resources.push_back(std::move(resource));
            }
        }
        return selector;
    }

    void LoadTopic(const Node& node, const Scope& scope) {
        std::string name;
        if (node.is_string()) {
            name = node.text;
        } else {
            Mapping m(node, "topic", {"name"}, diags_);
            std::optional<std::string> n = m.Required("name");
            if (!n) {
                return;
            }
            name = *n;
        }
        if (!IsResourceName(name)) {
            diags_->Error("bad-value", node.pos, Quote(name) + " is not a valid topic name");
            return;
        }
        SnsTopic topic;
        topic.name = name;
        topic.account_id = scope.account->id;
        topic.region = scope.region;
        topic.arn = TopicArn(scope.region, scope.account->id, name);
        if (world_.topics.contains(topic.arn)) {
            diags_->Error("duplicate-name", node.pos, "topic " + Quote(name) + " appears twice");
            return;
        }
        world_.topics[topic.arn] = std::move(topic);
    }

    // ---- S3 -----------------------------------------------------------------------------------

    void LoadBucket(const Node& node, const Account& account) {
        Mapping m(node,
                  "bucket",
                  {"name",
                   "region",
                   "created",
                   "policy",
                   "public_access_block",
                   "versioning",
                   "object_lock",
                   "objects"},
                  diags_);
        std::optional<std::string> name = m.Required("name");
        if (!name) {
            return;
        }
        if (!IsValidBucketName(*name)) {
            m.Bad(*m.Get("name"),
                  "name",
                  "3 to 63 lowercase letters, digits, dots and hyphens, starting and ending "
                  "with a letter or digit, as S3 names buckets");
            return;
        }
        if (world_.buckets.contains(*name)) {
            diags_->Error("duplicate-bucket",
                          m.Get("name")->pos,
                          "bucket " + Quote(*name) + " already exists (bucket names are global)");
            return;
        }
        Bucket bucket;
        bucket.name = *name;
        bucket.owner_account = account.id;
        bucket.region =
                m.TextOr("region", account.regions.empty() ? "us-east-1" : account.regions.front());
        if (!IsRegionName(bucket.region)) {
            m.Bad(*m.Get("region"), "region", "a region name such as us-east-1");
            return;
        }
        bucket.create_date = m.Time("created").value_or(base_time_);
        if (const Node* policy = m.Get("policy")) {
            bucket.policy = PolicyText(*policy, PolicyKind::kResource, "policy of bucket " + *name);
        }
        if (const Node* pab = m.Get("public_access_block")) {
            if (pab->is_bool()) {
                bucket.public_access_block =
                        PublicAccessBlock{pab->boolean, pab->boolean, pab->boolean, pab->boolean};
            } else {
                Mapping pm(*pab,
                           "public access block",
                           {"block_public_acls",
                            "ignore_public_acls",
                            "block_public_policy",
                            "restrict_public_buckets"},
                           diags_);
                if (pm.valid()) {
                    PublicAccessBlock block;
                    block.block_public_acls = pm.Bool("block_public_acls").value_or(false);
                    block.ignore_public_acls = pm.Bool("ignore_public_acls").value_or(false);
                    block.block_public_policy = pm.Bool("block_public_policy").value_or(false);
                    block.restrict_public_buckets =
                            pm.Bool("restrict_public_buckets").value_or(false);
                    bucket.public_access_block = block;
                }
            }
        }
        if (std::optional<std::string> versioning = m.Text("versioning")) {
            std::optional<Versioning> parsed = ParseVersioning(*versioning);
            if (!parsed || *parsed == Versioning::kDisabled) {
                m.Bad(*m.Get("versioning"), "versioning", "Enabled or Suspended");
            } else {
                bucket.versioning = *parsed;
            }
        }
        if (const Node* lock = m.Get("object_lock")) {
            LoadObjectLock(*lock, &bucket);
            if (bucket.object_lock_enabled && bucket.versioning == Versioning::kSuspended) {
                m.Bad(*m.Get("versioning"), "versioning", "Enabled when Object Lock is on");
            }
            if (bucket.object_lock_enabled) {
                bucket.versioning = Versioning::kEnabled;
            }
        }
        if (const std::vector<Node>* objects = m.Items("objects")) {
            for (const Node& o : *objects) {
                LoadObject(o, &bucket);
            }
        }
        world_.buckets[bucket.name] = std::move(bucket);
    }

    void LoadObjectLock(const Node& node, Bucket* bucket) {
        if (node.is_bool()) {
            bucket->object_lock_enabled = node.boolean;
            return;
        }
        Mapping m(node, "object lock", {"mode", "days", "years"}, diags_);
        if (!m.valid()) {
            return;
        }
        bucket->object_lock_enabled = true;
        std::optional<std::string> mode = m.Required("mode");
        if (!mode) {
            return;
        }
        std::optional<ObjectLockMode> parsed = ParseObjectLockMode(*mode);
        if (!parsed || *parsed == ObjectLockMode::kNone) {
            m.Bad(*m.Get("mode"), "mode", "GOVERNANCE or COMPLIANCE");
            return;
        }
        DefaultRetention retention;
        retention.mode = *parsed;
        std::optional<int> days = m.Int("days", 1, 36500);
        std::optional<int> years = m.Int("years", 1, 100);
        if (days.has_value() == years.has_value()) {
            diags_->Error("bad-value", m.pos(), "object lock needs exactly one of days and years");
            return;
        }
        retention.days = days.value_or(0);
        retention.years = years.value_or(0);
        bucket->default_retention = retention;
    }

    void LoadObject(const Node& node, Bucket* bucket) {
        Mapping m(node,
                  "object",
                  {"key",
                   "content",
                   "content_base64",
                   "content_type",
                   "metadata",
                   "lock_mode",
                   "retain_until",
                   "legal_hold",
                   "modified"},
                  diags_);
        std::optional<std::string> key = m.Required("key");
        if (!key) {
            return;
        }
        if (m.Get("content") != nullptr && m.Get("content_base64") != nullptr) {
            diags_->Error("bad-value", m.pos(), "use one of \"content\" and \"content_base64\"");
            return;
        }
        ObjectVersion version;
        if (std::optional<std::string> b64 = m.Text("content_base64")) {
            Result<std::string> bytes = Base64Decode(*b64);
            if (!bytes) {
                m.Bad(*m.Get("content_base64"), "content_base64", "valid base64");
                return;
            }
            version.data = std::move(*bytes);
        } else {
            version.data = m.TextOr("content", "");
        }
        version.etag = S3Etag(version.data);
        version.last_modified = m.Time("modified").value_or(base_time_);
        version.content_type = m.TextOr("content_type", "binary/octet-stream");
        version.metadata = m.StringMap("metadata");
        if (bucket->object_lock_enabled && bucket->default_retention) {
            const DefaultRetention& r = *bucket->default_retention;
            version.lock_mode = r.mode;
            version.retain_until = RetainUntil(r, version.last_modified);
        }
        if (std::optional<std::string> mode = m.Text("lock_mode")) {
            std::optional<ObjectLockMode> parsed = ParseObjectLockMode(*mode);
            if (!parsed || *parsed == ObjectLockMode::kNone || !bucket->object_lock_enabled) {
                m.Bad(*m.Get("lock_mode"),
                      "lock_mode",
                      "GOVERNANCE or COMPLIANCE, in a bucket with object_lock");
                return;
            }
            version.lock_mode = *parsed;
            version.retain_until = m.Time("retain_until");
            if (!version.retain_until) {
                diags_->Error("missing-key", m.pos(), "an object lock_mode needs \"retain_until\"");
                return;
            }
        }
        version.legal_hold = m.Bool("legal_hold").value_or(false);
        std::vector<ObjectVersion>& versions = bucket->objects[*key];
        if (bucket->versioning == Versioning::kEnabled) {
            version.version_id = world_.NewId(IdKind::kObjectVersion);
        } else if (!versions.empty()) {
            diags_->Error("duplicate-key",
                          m.Get("key")->pos,
                          "object " + Quote(*key) + " appears twice in unversioned bucket " +
                                  bucket->name);
            return;
        }
        versions.push_back(std::move(version));
    }

    std::string file_;
    Diagnostics* diags_;
    World world_;
    Timestamp base_time_{};
    std::map<std::pair<std::string, std::string>, RegionState> regions_;
    std::map<const Node*, std::string> declared_groups_;
    std::set<std::string> key_ids_;
    std::set<std::string> principal_ids_;
    std::set<std::string> used_ips_;  // "subnet-id/address"
    std::vector<PendingBucketCheck> bucket_checks_;
};

}  // namespace

World LoadWorldYaml(std::string_view text, const std::string& file, Diagnostics* diags) {
    Loader loader(file, diags);
    return loader.Load(text);
}

Result<World> LoadWorldFile(const std::string& path, Diagnostics* diags) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return NotFound("cannot read world file " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return Status(StatusCode::kUnavailable, "error reading world file " + path);
    }
    if (path.ends_with(".json")) {
        return ParseWorldJson(text.str());
    }
    return LoadWorldYaml(text.str(), path, diags);
}

}  // namespace firebreak::sandbox
