// File: world.cpp
//
// The world model's behaviour: time formatting, deterministic ids, lookups with AWS's
// account/region scoping, access-key resolution, STS sessions, S3 object versions, the AWS-managed
// policies, and JSON persistence (one field list per struct, shared by the writer and the reader,
// so the two cannot drift apart).
#include "firebreak/sandbox/world.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <concepts>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::sandbox {

// ---------------------------------------------------------------------------------------------
// Time

namespace {

std::string FormatIso(Timestamp t, bool millis) {
    using namespace std::chrono;
    const sys_days midnight = floor<days>(t);
    const year_month_day ymd{midnight};
    const hh_mm_ss<milliseconds> hms{t - midnight};
    char buf[64];
    int n = std::snprintf(buf,
                          sizeof buf,
                          "%04d-%02u-%02uT%02d:%02d:%02d",
                          static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()),
                          static_cast<int>(hms.hours().count()),
                          static_cast<int>(hms.minutes().count()),
                          static_cast<int>(hms.seconds().count()));
    std::string out(buf, static_cast<size_t>(n));
    if (millis) {
        std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(hms.subseconds().count()));
        out += buf;
    }
    out += 'Z';
    return out;
}

// Reads exactly `width` decimal digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int* out) {
    if (*pos + width > text.size()) {
        return false;
    }
    int value = 0;
    for (size_t i = 0; i < width; ++i) {
        char c = text[*pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    *pos += width;
    *out = value;
    return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
    if (*pos < text.size() && text[*pos] == c) {
        ++*pos;
        return true;
    }
    return false;
}

}  // namespace

std::string FormatIsoSeconds(Timestamp t) {
    return FormatIso(t, false);
}

std::string FormatIsoMillis(Timestamp t) {
    return FormatIso(t, true);
}

std::optional<Timestamp> ParseIsoTime(std::string_view text) {
    using namespace std::chrono;
    size_t pos = 0;
    int y = 0;
    int mo = 0;
    int d = 0;
    if (!ReadDigits(text, &pos, 4, &y) || !Expect(text, &pos, '-') ||
        !ReadDigits(text, &pos, 2, &mo) || !Expect(text, &pos, '-') ||
        !ReadDigits(text, &pos, 2, &d)) {
        return std::nullopt;
    }
    const year_month_day ymd{
            year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    Timestamp t = sys_days{ymd};
    if (pos == text.size()) {
        return t;
    }
    int h = 0;
    int mi = 0;
    int s = 0;
    if (!Expect(text, &pos, 'T') || !ReadDigits(text, &pos, 2, &h) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &mi) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &s) || h > 23 || mi > 59 || s > 59) {
        return std::nullopt;
    }
    t += hours{h} + minutes{mi} + seconds{s};
    if (Expect(text, &pos, '.')) {
        int ms = 0;
        int scale = 100;
        size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ms += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
            ++digits;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        t += milliseconds{ms};
    }
    std::string_view zone = text.substr(pos);
    if (zone != "Z" && zone != "+00:00") {
        return std::nullopt;
    }
    return t;
}

Timestamp WorldClock::Now() const {
    if (now_) {
        return now_();
    }
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// ---------------------------------------------------------------------------------------------
// Ids

namespace {

// SplitMix64's finaliser: a bijection on 64-bit values with good diffusion.
uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr uint64_t kSeedSalt = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kExtraSalt1 = 0xbb67ae8584caa73bULL;
constexpr uint64_t kExtraSalt2 = 0x3c6ef372fe94f82bULL;

std::string Hex16(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return std::string(buf, 16);
}

// 13 characters of RFC 4648 base32 (A-Z2-7) hold all 64 bits (the first holds the top 4).
std::string Base32Of64(uint64_t v) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out(13, 'A');
    for (int i = 12; i >= 0; --i) {
        out[static_cast<size_t>(i)] = kAlphabet[v & 31];
        v >>= 5;
    }
    return out;
}

void AppendBase64Chars(uint64_t v, int count, std::string* out) {
    static constexpr char kAlphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    for (int i = 0; i < count; ++i) {
        out->push_back(kAlphabet[v & 63]);
        v >>= 6;
    }
}

std::string_view HexPrefix(IdKind kind) {
    switch (kind) {
        case IdKind::kInstance:
            return "i-";
        case IdKind::kReservation:
            return "r-";
        case IdKind::kVpc:
            return "vpc-";
        case IdKind::kSubnet:
            return "subnet-";
        case IdKind::kSecurityGroup:
            return "sg-";
        case IdKind::kSecurityGroupRule:
            return "sgr-";
        case IdKind::kVolume:
            return "vol-";
        case IdKind::kSnapshot:
            return "snap-";
        case IdKind::kImage:
            return "ami-";
        default:
            return {};
    }
}

std::string_view KeyPrefix(IdKind kind) {
    switch (kind) {
        case IdKind::kAccessKey:
            return "AKIA";
        case IdKind::kSessionKey:
            return "ASIA";
        case IdKind::kUserId:
            return "AIDA";
        case IdKind::kRoleId:
            return "AROA";
        case IdKind::kPolicyId:
            return "ANPA";
        default:
            return {};
    }
}

}  // namespace

uint64_t IdGenerator::NextValue() {
    // counter -> value is a bijection for a fixed seed, so values (and ids) never repeat.
    return Mix(counter_++ ^ Mix(seed_ ^ kSeedSalt));
}

std::string IdGenerator::Next(IdKind kind) {
    const uint64_t v = NextValue();
    if (std::string_view prefix = HexPrefix(kind); !prefix.empty()) {
        return std::string(prefix) + "0" + Hex16(v);
    }
    if (std::string_view prefix = KeyPrefix(kind); !prefix.empty()) {
        // 13 characters carry the unique value; 3 more come from a second mix of it.
        return std::string(prefix) + Base32Of64(v) + Base32Of64(Mix(v ^ kExtraSalt1)).substr(10);
    }
    switch (kind) {
        case IdKind::kHex16:
            return Hex16(v);
        case IdKind::kUuid: {
            std::string hex = Hex16(v) + Hex16(Mix(v ^ kExtraSalt1));
            return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                   hex.substr(16, 4) + "-" + hex.substr(20);
        }
        case IdKind::kObjectVersion: {
            std::string out;
            AppendBase64Chars(v, 11, &out);  // all 64 bits
            AppendBase64Chars(Mix(v ^ kExtraSalt1), 10, &out);
            AppendBase64Chars(Mix(v ^ kExtraSalt2), 11, &out);
            return out;
        }
        default:
            FIREBREAK_CHECK(false);
            return {};
    }
}

std::string IdGenerator::NextSecret() {
    const uint64_t v = NextValue();
    return Base64Encode(Sha256("firebreak-sandbox-secret:" + std::to_string(v))).substr(0, 40);
}

std::string IdGenerator::NextSessionToken() {
    const uint64_t v = NextValue();
    std::string raw;
    for (int block = 0; block < 5; ++block) {
        raw += Sha256("firebreak-sandbox-token:" + std::to_string(v) + ":" + std::to_string(block));
    }
    // Real tokens start with the base64 of a small binary header; keep the look.
    return "IQoJb3JpZ2luX2VjE" + Base64Encode(raw);
}

// ---------------------------------------------------------------------------------------------
// Enumerations

namespace {

template <class E>
struct EnumEntry {
    E value;
    std::string_view name;
};

constexpr EnumEntry<KeyStatus> kKeyStatuses[] = {{KeyStatus::kActive, "Active"},
                                                 {KeyStatus::kInactive, "Inactive"}};

constexpr EnumEntry<InstanceState> kInstanceStates[] = {
        {InstanceState::kPending, "pending"},
        {InstanceState::kRunning, "running"},
        {InstanceState::kShuttingDown, "shutting-down"},
        {InstanceState::kTerminated, "terminated"},
        {InstanceState::kStopping, "stopping"},
        {InstanceState::kStopped, "stopped"},
};

constexpr EnumEntry<VolumeState> kVolumeStates[] = {
        {VolumeState::kCreating, "creating"},
        {VolumeState::kAvailable, "available"},
        {VolumeState::kInUse, "in-use"},
        {VolumeState::kDeleting, "deleting"},
        {VolumeState::kDeleted, "deleted"},
        {VolumeState::kError, "error"},
};

constexpr EnumEntry<SnapshotState> kSnapshotStates[] = {
        {SnapshotState::kPending, "pending"},
        {SnapshotState::kCompleted, "completed"},
        {SnapshotState::kError, "error"},
};

constexpr EnumEntry<ObjectLockMode> kLockModes[] = {
        {ObjectLockMode::kNone, ""},
        {ObjectLockMode::kGovernance, "GOVERNANCE"},
        {ObjectLockMode::kCompliance, "COMPLIANCE"},
};

constexpr EnumEntry<Versioning> kVersionings[] = {
        {Versioning::kDisabled, ""},
        {Versioning::kEnabled, "Enabled"},
        {Versioning::kSuspended, "Suspended"},
};

template <class E, size_t N>
std::string_view NameIn(const EnumEntry<E> (&table)[N], E value) {
    for (const auto& entry : table) {
        if (entry.value == value) {
            return entry.name;
        }
    }
    return {};
}

template <class E, size_t N>
std::optional<E> ParseIn(const EnumEntry<E> (&table)[N], std::string_view name) {
    for (const auto& entry : table) {
        if (entry.name == name) {
            return entry.value;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view KeyStatusName(KeyStatus status) {
    return NameIn(kKeyStatuses, status);
}

std::optional<KeyStatus> ParseKeyStatus(std::string_view name) {
    return ParseIn(kKeyStatuses, name);
}

std::string_view InstanceStateName(InstanceState state) {
    return NameIn(kInstanceStates, state);
}

std::optional<InstanceState> ParseInstanceState(std::string_view name) {
    return ParseIn(kInstanceStates, name);
}

std::string_view VolumeStateName(VolumeState state) {
    return NameIn(kVolumeStates, state);
}

std::optional<VolumeState> ParseVolumeState(std::string_view name) {
    return ParseIn(kVolumeStates, name);
}

std::string_view SnapshotStateName(SnapshotState state) {
    return NameIn(kSnapshotStates, state);
}

std::optional<SnapshotState> ParseSnapshotState(std::string_view name) {
    return ParseIn(kSnapshotStates, name);
}

std::string_view ObjectLockModeName(ObjectLockMode mode) {
    return NameIn(kLockModes, mode);
}

std::optional<ObjectLockMode> ParseObjectLockMode(std::string_view name) {
    return ParseIn(kLockModes, name);
}

std::string_view VersioningName(Versioning v) {
    return NameIn(kVersionings, v);
}

std::optional<Versioning> ParseVersioning(std::string_view name) {
    return ParseIn(kVersionings, name);
}

// ---------------------------------------------------------------------------------------------
// ARNs and small helpers

namespace {

std::string Cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (std::string_view p : parts) {
        out += p;
    }
    return out;
}

// The last path segment of an ARN's resource ("arn:...:role/a/b/Name" -> "Name").
std::string_view ArnLastSegment(std::string_view arn) {
    size_t slash = arn.rfind('/');
    return slash == std::string_view::npos ? arn : arn.substr(slash + 1);
}

}  // namespace

std::string_view ArnAccountId(std::string_view arn) {
    size_t start = 0;
    for (int field = 0; field < 4; ++field) {
        size_t colon = arn.find(':', start);
        if (colon == std::string_view::npos) {
            return {};
        }
        start = colon + 1;
    }
    size_t end = arn.find(':', start);
    return end == std::string_view::npos ? std::string_view{} : arn.substr(start, end - start);
}

std::string UserArn(std::string_view account, std::string_view path, std::string_view name) {
    return Cat({"arn:aws:iam::", account, ":user", path.empty() ? "/" : path, name});
}

std::string RoleArn(std::string_view account, std::string_view path, std::string_view name) {
    return Cat({"arn:aws:iam::", account, ":role", path.empty() ? "/" : path, name});
}

std::string PolicyArn(std::string_view account, std::string_view path, std::string_view name) {
    return Cat({"arn:aws:iam::", account, ":policy", path.empty() ? "/" : path, name});
}

std::string AssumedRoleArn(std::string_view account,
                           std::string_view role_name,
                           std::string_view session_name) {
    return Cat({"arn:aws:sts::", account, ":assumed-role/", role_name, "/", session_name});
}

std::string InstanceArn(std::string_view region, std::string_view account, std::string_view id) {
    return Cat({"arn:aws:ec2:", region, ":", account, ":instance/", id});
}

std::string VolumeArn(std::string_view region, std::string_view account, std::string_view id) {
    return Cat({"arn:aws:ec2:", region, ":", account, ":volume/", id});
}

std::string SnapshotArn(std::string_view region, std::string_view id) {
    return Cat({"arn:aws:ec2:", region, "::snapshot/", id});
}

std::string SecurityGroupArn(std::string_view region,
                             std::string_view account,
                             std::string_view id) {
    return Cat({"arn:aws:ec2:", region, ":", account, ":security-group/", id});
}

std::string TrailArn(std::string_view region, std::string_view account, std::string_view name) {
    return Cat({"arn:aws:cloudtrail:", region, ":", account, ":trail/", name});
}

std::string TopicArn(std::string_view region, std::string_view account, std::string_view name) {
    return Cat({"arn:aws:sns:", region, ":", account, ":", name});
}

std::string BucketArn(std::string_view bucket) {
    return Cat({"arn:aws:s3:::", bucket});
}

std::string ObjectArn(std::string_view bucket, std::string_view key) {
    return Cat({"arn:aws:s3:::", bucket, "/", key});
}

std::string SecurityHubFindingKey(std::string_view account_id,
                                  std::string_view region,
                                  std::string_view product_arn,
                                  std::string_view id) {
    return Cat({account_id, "/", region, "/", product_arn, "/", id});
}

bool IsValidBucketName(std::string_view name) {
    if (name.size() < 3 || name.size() > 63) {
        return false;
    }
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (!alnum(name.front()) || !alnum(name.back()) ||
        !std::all_of(name.begin(), name.end(), [&](char c) {
            return alnum(c) || c == '-' || c == '.';
        })) {
        return false;
    }
    if (name.find("..") != std::string_view::npos || name.find(".-") != std::string_view::npos ||
        name.find("-.") != std::string_view::npos) {
        return false;
    }
    bool ip_like = std::count(name.begin(), name.end(), '.') == 3 &&
                   std::all_of(name.begin(), name.end(), [](char c) {
                       return c == '.' || (c >= '0' && c <= '9');
                   });
    return !ip_like && !name.starts_with("xn--") && !name.starts_with("sthree-") &&
           !name.ends_with("-s3alias") && !name.ends_with("--ol-s3");
}

std::string S3Etag(std::string_view data) {
    return "\"" + HexEncode(Md5(data)) + "\"";
}

const ObjectVersion* Bucket::Latest(std::string_view key) const {
    auto it = objects.find(std::string(key));
    if (it == objects.end() || it->second.empty() || it->second.back().delete_marker) {
        return nullptr;
    }
    return &it->second.back();
}

// ---------------------------------------------------------------------------------------------
// Lookups

namespace {

template <class Map>
auto* FindScoped(Map& map, std::string_view account, std::string_view region, std::string_view id) {
    auto it = map.find(std::string(id));
    using Value = std::remove_reference_t<decltype(it->second)>;
    if (it == map.end() || it->second.account_id != account || it->second.region != region) {
        return static_cast<Value*>(nullptr);
    }
    return &it->second;
}

template <class Map>
auto* FindScopedByName(Map& map,
                       std::string_view account,
                       std::string_view region,
                       std::string_view name) {
    using Value = std::remove_reference_t<decltype(map.begin()->second)>;
    for (auto& [key, value] : map) {
        if (value.name == name && value.account_id == account && value.region == region) {
            return &value;
        }
    }
    return static_cast<Value*>(nullptr);
}

}  // namespace

Account* World::FindAccount(std::string_view account_id) {
    auto it = accounts.find(std::string(account_id));
    return it == accounts.end() ? nullptr : &it->second;
}

const Account* World::FindAccount(std::string_view account_id) const {
    auto it = accounts.find(std::string(account_id));
    return it == accounts.end() ? nullptr : &it->second;
}

IamUser* World::FindUser(std::string_view account_id, std::string_view name) {
    Account* account = FindAccount(account_id);
    if (account == nullptr) {
        return nullptr;
    }
    auto it = account->users.find(std::string(name));
    return it == account->users.end() ? nullptr : &it->second;
}

const IamUser* World::FindUser(std::string_view account_id, std::string_view name) const {
    const Account* account = FindAccount(account_id);
    if (account == nullptr) {
        return nullptr;
    }
    auto it = account->users.find(std::string(name));
    return it == account->users.end() ? nullptr : &it->second;
}

IamRole* World::FindRole(std::string_view account_id, std::string_view name) {
    Account* account = FindAccount(account_id);
    if (account == nullptr) {
        return nullptr;
    }
    auto it = account->roles.find(std::string(name));
    return it == account->roles.end() ? nullptr : &it->second;
}

const IamRole* World::FindRole(std::string_view account_id, std::string_view name) const {
    const Account* account = FindAccount(account_id);
    if (account == nullptr) {
        return nullptr;
    }
    auto it = account->roles.find(std::string(name));
    return it == account->roles.end() ? nullptr : &it->second;
}

const IamRole* World::FindRoleByArn(std::string_view arn) const {
    const Account* account = FindAccount(ArnAccountId(arn));
    if (account == nullptr) {
        return nullptr;
    }
    for (const auto& [name, role] : account->roles) {
        if (role.arn == arn) {
            return &role;
        }
    }
    return nullptr;
}

const ManagedPolicy* World::FindManagedPolicy(std::string_view arn) const {
    if (arn.starts_with("arn:aws:iam::aws:")) {
        auto it = aws_managed_policies.find(std::string(arn));
        return it == aws_managed_policies.end() ? nullptr : &it->second;
    }
    const Account* account = FindAccount(ArnAccountId(arn));
    if (account == nullptr) {
        return nullptr;
    }
    for (const auto& [name, policy] : account->policies) {
        if (policy.arn == arn) {
            return &policy;
        }
    }
    return nullptr;
}

SnapshotState World::SnapshotStateAt(const Snapshot& snapshot, Timestamp now) {
    if (snapshot.state == SnapshotState::kPending && snapshot.completes_at &&
        now >= *snapshot.completes_at) {
        return SnapshotState::kCompleted;
    }
    return snapshot.state;
}

Instance* World::FindInstance(std::string_view account,
                              std::string_view region,
                              std::string_view id) {
    return FindScoped(instances, account, region, id);
}

Volume* World::FindVolume(std::string_view account, std::string_view region, std::string_view id) {
    return FindScoped(volumes, account, region, id);
}

SecurityGroup* World::FindSecurityGroup(std::string_view account,
                                        std::string_view region,
                                        std::string_view id) {
    return FindScoped(security_groups, account, region, id);
}

AutoScalingGroup* World::FindAutoScalingGroup(std::string_view account,
                                              std::string_view region,
                                              std::string_view name) {
    return FindScopedByName(auto_scaling_groups, account, region, name);
}

ClassicLoadBalancer* World::FindLoadBalancer(std::string_view account,
                                             std::string_view region,
                                             std::string_view name) {
    return FindScopedByName(load_balancers, account, region, name);
}

TargetGroup* World::FindTargetGroup(std::string_view account,
                                    std::string_view region,
                                    std::string_view arn_or_name) {
    if (arn_or_name.starts_with("arn:")) {
        return FindScoped(target_groups, account, region, arn_or_name);
    }
    return FindScopedByName(target_groups, account, region, arn_or_name);
}

Trail* World::FindTrail(std::string_view account,
                        std::string_view region,
                        std::string_view name_or_arn) {
    for (auto& [arn, trail] : trails) {
        if (trail.account_id != account) {
            continue;
        }
        if (name_or_arn.starts_with("arn:")) {
            if (trail.arn == name_or_arn) {
                return &trail;
            }
            continue;
        }
        if (trail.name == name_or_arn && (trail.home_region == region || trail.is_multi_region)) {
            return &trail;
        }
    }
    return nullptr;
}

Bucket* World::FindBucket(std::string_view name) {
    auto it = buckets.find(std::string(name));
    return it == buckets.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------------
// Credentials

std::optional<ResolvedKey> World::ResolveAccessKey(std::string_view access_key_id,
                                                   Timestamp now) const {
    if (auto it = sessions.find(std::string(access_key_id)); it != sessions.end()) {
        const RoleSession& session = it->second;
        ResolvedKey key;
        key.secret_access_key = session.secret;
        key.session_token = session.session_token;
        key.expired = now >= session.expiration;
        key.expiration = session.expiration;
        const IamRole* role = FindRoleByArn(session.role_arn);
        CallerIdentity& id = key.identity;
        id.type = CallerIdentity::Type::kAssumedRole;
        id.account_id = session.account_id;
        id.role_name = role != nullptr ? role->name : std::string(ArnLastSegment(session.role_arn));
        id.role_id = role != nullptr ? role->role_id : std::string();
        id.role_arn = session.role_arn;
        id.session_name = session.session_name;
        id.principal_id = id.role_id + ":" + session.session_name;
        id.arn = AssumedRoleArn(session.account_id, id.role_name, session.session_name);
        id.access_key_id = session.access_key_id;
        id.session_created = FormatIsoSeconds(session.issued);
        id.mfa_authenticated = session.mfa_authenticated;
        return key;
    }
    for (const auto& [account_id, account] : accounts) {
        for (const AccessKey& root_key : account.root_keys) {
            if (root_key.id != access_key_id) {
                continue;
            }
            ResolvedKey key;
            key.secret_access_key = root_key.secret;
            key.inactive = root_key.status == KeyStatus::kInactive;
            CallerIdentity& id = key.identity;
            id.type = CallerIdentity::Type::kRoot;
            id.account_id = account.id;
            id.principal_id = account.id;
            id.arn = "arn:aws:iam::" + account.id + ":root";
            id.access_key_id = root_key.id;
            id.user_name = account.alias;
            return key;
        }
        for (const auto& [user_name, user] : account.users) {
            for (const AccessKey& user_key : user.access_keys) {
                if (user_key.id != access_key_id) {
                    continue;
                }
                ResolvedKey key;
                key.secret_access_key = user_key.secret;
                key.inactive = user_key.status == KeyStatus::kInactive;
                CallerIdentity& id = key.identity;
                id.type = CallerIdentity::Type::kIamUser;
                id.account_id = account.id;
                id.principal_id = user.user_id;
                id.arn = user.arn;
                id.access_key_id = user_key.id;
                id.user_name = user.name;
                return key;
            }
        }
    }
    return std::nullopt;
}

AccessKey World::NewAccessKey() {
    AccessKey key;
    key.id = ids.Next(IdKind::kAccessKey);
    key.secret = ids.NextSecret();
    key.status = KeyStatus::kActive;
    key.create_date = Now();
    return key;
}

const RoleSession& World::IssueSession(const IamRole& role,
                                       std::string session_name,
                                       std::string caller_arn,
                                       std::chrono::seconds duration,
                                       bool mfa_authenticated,
                                       std::string source_identity) {
    RoleSession session;
    session.access_key_id = ids.Next(IdKind::kSessionKey);
    session.secret = ids.NextSecret();
    session.session_token = ids.NextSessionToken();
    session.issued = Now();
    session.expiration = session.issued + duration;
    session.account_id = std::string(ArnAccountId(role.arn));
    session.role_arn = role.arn;
    session.session_name = std::move(session_name);
    session.source_identity = std::move(source_identity);
    session.caller_arn = std::move(caller_arn);
    session.mfa_authenticated = mfa_authenticated;
    std::string id = session.access_key_id;
    return sessions[id] = std::move(session);
}

namespace {

Timestamp AddYears(Timestamp t, int years) {
    using namespace std::chrono;
    const sys_days midnight = floor<days>(t);
    year_month_day ymd{midnight};
    ymd += std::chrono::years{years};
    if (!ymd.ok()) {  // 29 February -> 28 February
        ymd = ymd.year() / ymd.month() / last;
    }
    return sys_days{ymd} + (t - midnight);
}

}  // namespace

Timestamp RetainUntil(const DefaultRetention& retention, Timestamp written) {
    if (retention.years > 0) {
        return AddYears(written, retention.years);
    }
    return written + std::chrono::days{retention.days};
}

const ObjectVersion& World::PutObject(Bucket* bucket,
                                      const std::string& key,
                                      std::string data,
                                      std::string content_type,
                                      std::map<std::string, std::string> metadata) {
    ObjectVersion version;
    version.etag = S3Etag(data);
    version.data = std::move(data);
    version.last_modified = Now();
    if (!content_type.empty()) {
        version.content_type = std::move(content_type);
    }
    version.metadata = std::move(metadata);
    if (bucket->object_lock_enabled && bucket->default_retention) {
        version.lock_mode = bucket->default_retention->mode;
        version.retain_until = RetainUntil(*bucket->default_retention, version.last_modified);
    }
    std::vector<ObjectVersion>& versions = bucket->objects[key];
    if (bucket->versioning == Versioning::kEnabled) {
        version.version_id = ids.Next(IdKind::kObjectVersion);
    } else {
        std::erase_if(versions, [](const ObjectVersion& v) { return v.version_id == "null"; });
    }
    versions.push_back(std::move(version));
    return versions.back();
}

// ---------------------------------------------------------------------------------------------
// AWS-managed policies

void AddAwsManagedPolicies(World* world) {
    struct Builtin {
        std::string_view name;
        std::string_view policy_id;
        std::string_view description;
        std::string_view document;
    };

    // Policy ids and dates are the sandbox's own constants.
    static constexpr Builtin kBuiltins[] = {
            {"AdministratorAccess",
             "ANPAIWMBCKSKIEE64ZLYK",
             "Provides full access to AWS services and resources.",
             R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})"},
            {"ReadOnlyAccess",
             "ANPAILL3HVNFSB6DCOWYQ",
             "Provides read-only access to AWS services and resources (sandbox approximation).",
             R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*","cloudtrail:LookupEvents"],"Resource":"*"}]})"},
            {"AWSDenyAll",
             "ANPAYXL2ENJ47GPHD6ACP",
             "Deny all access.",
             R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})"},
    };
    const Timestamp created =
            std::chrono::sys_days{std::chrono::year{2015} / 2 / 6} + std::chrono::hours{18};
    for (const Builtin& b : kBuiltins) {
        ManagedPolicy policy;
        policy.arn = Cat({"arn:aws:iam::aws:policy/", b.name});
        policy.name = std::string(b.name);
        policy.policy_id = std::string(b.policy_id);
        policy.description = std::string(b.description);
        policy.document = std::string(b.document);
        policy.create_date = created;
        world->aws_managed_policies[policy.arn] = std::move(policy);
    }
}

// ---------------------------------------------------------------------------------------------
// Persistence: one field list per struct, visited by the writer and by the reader.

namespace {

template <class T, class U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

template <class V, class T>
requires Is<T, AccessKey>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("secret", x.secret);
    v("status", x.status);
    v("create_date", x.create_date);
}

template <class V, class T>
requires Is<T, IamUser>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("user_id", x.user_id);
    v("arn", x.arn);
    v("path", x.path);
    v("create_date", x.create_date);
    v("tags", x.tags);
    v("access_keys", x.access_keys);
    v("has_login_profile", x.has_login_profile);
    v("inline_policies", x.inline_policies);
    v("attached_policy_arns", x.attached_policy_arns);
}

template <class V, class T>
requires Is<T, IamRole>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("role_id", x.role_id);
    v("arn", x.arn);
    v("path", x.path);
    v("description", x.description);
    v("create_date", x.create_date);
    v("tags", x.tags);
    v("trust_policy", x.trust_policy);
    v("inline_policies", x.inline_policies);
    v("attached_policy_arns", x.attached_policy_arns);
    v("max_session_duration", x.max_session_duration);
}

template <class V, class T>
requires Is<T, ManagedPolicy>

void Fields(V& v, T& x) {
    v("arn", x.arn);
    v("name", x.name);
    v("policy_id", x.policy_id);
    v("path", x.path);
    v("description", x.description);
    v("document", x.document);
    v("create_date", x.create_date);
}

template <class V, class T>
requires Is<T, RoleSession>

void Fields(V& v, T& x) {
    v("access_key_id", x.access_key_id);
    v("secret", x.secret);
    v("session_token", x.session_token);
    v("issued", x.issued);
    v("expiration", x.expiration);
    v("account_id", x.account_id);
    v("role_arn", x.role_arn);
    v("session_name", x.session_name);
    v("source_identity", x.source_identity);
    v("caller_arn", x.caller_arn);
    v("mfa_authenticated", x.mfa_authenticated);
}

template <class V, class T>
requires Is<T, Account>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("alias", x.alias);
    v("root_keys", x.root_keys);
    v("regions", x.regions);
    v("users", x.users);
    v("roles", x.roles);
    v("policies", x.policies);
}

template <class V, class T>
requires Is<T, Vpc>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("cidr_block", x.cidr_block);
    v("is_default", x.is_default);
    v("tags", x.tags);
}

template <class V, class T>
requires Is<T, Subnet>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("vpc_id", x.vpc_id);
    v("cidr_block", x.cidr_block);
    v("availability_zone", x.availability_zone);
    v("tags", x.tags);
}

template <class V, class T>
requires Is<T, IpRange>

void Fields(V& v, T& x) {
    v("cidr", x.cidr);
    v("description", x.description);
    v("rule_id", x.rule_id);
}

template <class V, class T>
requires Is<T, GroupReference>

void Fields(V& v, T& x) {
    v("group_id", x.group_id);
    v("owner_id", x.owner_id);
    v("description", x.description);
    v("rule_id", x.rule_id);
}

template <class V, class T>
requires Is<T, IpPermission>

void Fields(V& v, T& x) {
    v("protocol", x.protocol);
    v("from_port", x.from_port);
    v("to_port", x.to_port);
    v("ipv4_ranges", x.ipv4_ranges);
    v("groups", x.groups);
}

template <class V, class T>
requires Is<T, SecurityGroup>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("name", x.name);
    v("description", x.description);
    v("vpc_id", x.vpc_id);
    v("ingress", x.ingress);
    v("egress", x.egress);
    v("tags", x.tags);
}

template <class V, class T>
requires Is<T, BlockDeviceMapping>

void Fields(V& v, T& x) {
    v("device_name", x.device_name);
    v("volume_id", x.volume_id);
    v("delete_on_termination", x.delete_on_termination);
    v("attach_time", x.attach_time);
}

template <class V, class T>
requires Is<T, Instance>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("reservation_id", x.reservation_id);
    v("image_id", x.image_id);
    v("instance_type", x.instance_type);
    v("state", x.state);
    v("launch_time", x.launch_time);
    v("availability_zone", x.availability_zone);
    v("subnet_id", x.subnet_id);
    v("vpc_id", x.vpc_id);
    v("private_ip", x.private_ip);
    v("security_group_ids", x.security_group_ids);
    v("tags", x.tags);
    v("disable_api_termination", x.disable_api_termination);
    v("root_device_name", x.root_device_name);
    v("block_devices", x.block_devices);
    v("iam_instance_profile_arn", x.iam_instance_profile_arn);
}

template <class V, class T>
requires Is<T, VolumeAttachment>

void Fields(V& v, T& x) {
    v("instance_id", x.instance_id);
    v("device", x.device);
    v("state", x.state);
    v("attach_time", x.attach_time);
    v("delete_on_termination", x.delete_on_termination);
}

template <class V, class T>
requires Is<T, Volume>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("size_gib", x.size_gib);
    v("availability_zone", x.availability_zone);
    v("volume_type", x.volume_type);
    v("state", x.state);
    v("create_time", x.create_time);
    v("snapshot_id", x.snapshot_id);
    v("attachments", x.attachments);
    v("tags", x.tags);
    v("encrypted", x.encrypted);
}

template <class V, class T>
requires Is<T, Snapshot>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("volume_id", x.volume_id);
    v("description", x.description);
    v("state", x.state);
    v("start_time", x.start_time);
    v("completes_at", x.completes_at);
    v("owner_id", x.owner_id);
    v("volume_size_gib", x.volume_size_gib);
    v("tags", x.tags);
    v("encrypted", x.encrypted);
}

template <class V, class T>
requires Is<T, AsgInstance>

void Fields(V& v, T& x) {
    v("instance_id", x.instance_id);
    v("lifecycle_state", x.lifecycle_state);
    v("health_status", x.health_status);
    v("availability_zone", x.availability_zone);
    v("protected_from_scale_in", x.protected_from_scale_in);
}

template <class V, class T>
requires Is<T, AutoScalingGroup>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("arn", x.arn);
    v("account_id", x.account_id);
    v("region", x.region);
    v("min_size", x.min_size);
    v("max_size", x.max_size);
    v("desired_capacity", x.desired_capacity);
    v("launch_template_name", x.launch_template_name);
    v("availability_zones", x.availability_zones);
    v("subnet_ids", x.subnet_ids);
    v("instances", x.instances);
    v("load_balancer_names", x.load_balancer_names);
    v("target_group_arns", x.target_group_arns);
    v("created_time", x.created_time);
    v("tags", x.tags);
}

template <class V, class T>
requires Is<T, ClassicLoadBalancer>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("arn", x.arn);
    v("account_id", x.account_id);
    v("region", x.region);
    v("dns_name", x.dns_name);
    v("vpc_id", x.vpc_id);
    v("availability_zones", x.availability_zones);
    v("subnet_ids", x.subnet_ids);
    v("security_group_ids", x.security_group_ids);
    v("instance_ids", x.instance_ids);
    v("created_time", x.created_time);
}

template <class V, class T>
requires Is<T, Target>

void Fields(V& v, T& x) {
    v("id", x.id);
    v("port", x.port);
    v("health_state", x.health_state);
}

template <class V, class T>
requires Is<T, TargetGroup>

void Fields(V& v, T& x) {
    v("arn", x.arn);
    v("name", x.name);
    v("account_id", x.account_id);
    v("region", x.region);
    v("protocol", x.protocol);
    v("port", x.port);
    v("vpc_id", x.vpc_id);
    v("target_type", x.target_type);
    v("targets", x.targets);
    v("load_balancer_arns", x.load_balancer_arns);
}

template <class V, class T>
requires Is<T, DataResource>

void Fields(V& v, T& x) {
    v("type", x.type);
    v("values", x.values);
}

template <class V, class T>
requires Is<T, EventSelector>

void Fields(V& v, T& x) {
    v("read_write_type", x.read_write_type);
    v("include_management_events", x.include_management_events);
    v("data_resources", x.data_resources);
}

template <class V, class T>
requires Is<T, Trail>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("arn", x.arn);
    v("account_id", x.account_id);
    v("home_region", x.home_region);
    v("s3_bucket", x.s3_bucket);
    v("s3_key_prefix", x.s3_key_prefix);
    v("is_logging", x.is_logging);
    v("is_multi_region", x.is_multi_region);
    v("include_global_service_events", x.include_global_service_events);
    v("log_file_validation", x.log_file_validation);
    v("cloud_watch_logs_log_group_arn", x.cloud_watch_logs_log_group_arn);
    v("cloud_watch_logs_role_arn", x.cloud_watch_logs_role_arn);
    v("kms_key_id", x.kms_key_id);
    v("start_logging_time", x.start_logging_time);
    v("stop_logging_time", x.stop_logging_time);
    v("event_selectors", x.event_selectors);
}

template <class V, class T>
requires Is<T, PublicAccessBlock>

void Fields(V& v, T& x) {
    v("block_public_acls", x.block_public_acls);
    v("ignore_public_acls", x.ignore_public_acls);
    v("block_public_policy", x.block_public_policy);
    v("restrict_public_buckets", x.restrict_public_buckets);
}

template <class V, class T>
requires Is<T, DefaultRetention>

void Fields(V& v, T& x) {
    v("mode", x.mode);
    v("days", x.days);
    v("years", x.years);
}

template <class V, class T>
requires Is<T, ObjectVersion>

void Fields(V& v, T& x) {
    v("version_id", x.version_id);
    v.Bytes("data_base64", x.data);
    v("etag", x.etag);
    v("last_modified", x.last_modified);
    v("content_type", x.content_type);
    v("metadata", x.metadata);
    v("lock_mode", x.lock_mode);
    v("retain_until", x.retain_until);
    v("legal_hold", x.legal_hold);
    v("delete_marker", x.delete_marker);
}

template <class V, class T>
requires Is<T, Bucket>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("region", x.region);
    v("owner_account", x.owner_account);
    v("create_date", x.create_date);
    v("policy", x.policy);
    v("public_access_block", x.public_access_block);
    v("object_lock_enabled", x.object_lock_enabled);
    v("default_retention", x.default_retention);
    v("versioning", x.versioning);
    v("objects", x.objects);
}

template <class V, class T>
requires Is<T, SnsMessage>

void Fields(V& v, T& x) {
    v("message_id", x.message_id);
    v("subject", x.subject);
    v("message", x.message);
    v("timestamp", x.timestamp);
}

template <class V, class T>
requires Is<T, SnsTopic>

void Fields(V& v, T& x) {
    v("arn", x.arn);
    v("name", x.name);
    v("account_id", x.account_id);
    v("region", x.region);
    v("messages", x.messages);
}

template <class V, class T>
requires Is<T, RecordedEvent>

void Fields(V& v, T& x) {
    v("event_id", x.event_id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("event_name", x.event_name);
    v("event_source", x.event_source);
    v("event_time", x.event_time);
    v("read_only", x.read_only);
    v("access_key_id", x.access_key_id);
    v("username", x.username);
    v("resource_types", x.resource_types);
    v("resource_names", x.resource_names);
    v("record", x.record);
}

template <class V, class T>
requires Is<T, SsmCommand>

void Fields(V& v, T& x) {
    v("command_id", x.command_id);
    v("account_id", x.account_id);
    v("region", x.region);
    v("document_name", x.document_name);
    v("instance_ids", x.instance_ids);
    v("parameters", x.parameters);
    v("comment", x.comment);
    v("status", x.status);
    v("requested_time", x.requested_time);
}

template <class V, class T>
requires Is<T, ImportedFinding>

void Fields(V& v, T& x) {
    v("account_id", x.account_id);
    v("region", x.region);
    v("product_arn", x.product_arn);
    v("id", x.id);
    v("finding", x.finding);
    v("first_imported", x.first_imported);
    v("last_imported", x.last_imported);
}

template <class V, class T>
requires Is<T, WorldSettings>

void Fields(V& v, T& x) {
    v("snapshot_completion_seconds", x.snapshot_completion_seconds);
}

// The world's persisted fields (the clock is not state; "version" is written separately).
template <class V, class T>
requires Is<T, World>

void Fields(V& v, T& x) {
    v("name", x.name);
    v("description", x.description);
    v("settings", x.settings);
    v("ids", x.ids);
    v("accounts", x.accounts);
    v("aws_managed_policies", x.aws_managed_policies);
    v("vpcs", x.vpcs);
    v("subnets", x.subnets);
    v("security_groups", x.security_groups);
    v("instances", x.instances);
    v("volumes", x.volumes);
    v("snapshots", x.snapshots);
    v("auto_scaling_groups", x.auto_scaling_groups);
    v("load_balancers", x.load_balancers);
    v("target_groups", x.target_groups);
    v("trails", x.trails);
    v("buckets", x.buckets);
    v("topics", x.topics);
    v("ssm_commands", x.ssm_commands);
    v("sessions", x.sessions);
    v("event_history", x.event_history);
    v("securityhub_findings", x.securityhub_findings);
}

struct AnyVisitor {
    template <class T>
    void operator()(std::string_view /*key*/, T& /*value*/) {}

    void Bytes(std::string_view /*key*/, std::string& /*value*/) {}
};

template <class T>
concept HasFields = requires(AnyVisitor& v, T& x) {
    Fields(v, x);
};

// Enumerations are written as their AWS names.
std::string_view EnumText(KeyStatus e) {
    return KeyStatusName(e);
}

std::string_view EnumText(InstanceState e) {
    return InstanceStateName(e);
}

std::string_view EnumText(VolumeState e) {
    return VolumeStateName(e);
}

std::string_view EnumText(SnapshotState e) {
    return SnapshotStateName(e);
}

std::string_view EnumText(ObjectLockMode e) {
    return ObjectLockModeName(e);
}

std::string_view EnumText(Versioning e) {
    return VersioningName(e);
}

template <class E>
std::optional<E> EnumFromText(std::string_view text);

template <>
std::optional<KeyStatus> EnumFromText<KeyStatus>(std::string_view text) {
    return ParseKeyStatus(text);
}

template <>
std::optional<InstanceState> EnumFromText<InstanceState>(std::string_view text) {
    return ParseInstanceState(text);
}

template <>
std::optional<VolumeState> EnumFromText<VolumeState>(std::string_view text) {
    return ParseVolumeState(text);
}

template <>
std::optional<SnapshotState> EnumFromText<SnapshotState>(std::string_view text) {
    return ParseSnapshotState(text);
}

template <>
std::optional<ObjectLockMode> EnumFromText<ObjectLockMode>(std::string_view text) {
    return ParseObjectLockMode(text);
}

template <>
std::optional<Versioning> EnumFromText<Versioning>(std::string_view text) {
    return ParseVersioning(text);
}

class JsonWriter {
public:
    std::string Take() { return std::move(out_); }

    template <class T>
    void operator()(std::string_view key, const T& value) {
        Key(key);
        Write(value);
    }

    void Bytes(std::string_view key, const std::string& data) {
        Key(key);
        AppendJsonString(Base64Encode(data), &out_);
    }

    void BeginObject() { Open('{'); }

    void EndObject() { Close('}'); }

    void Write(const std::string& s) { AppendJsonString(s, &out_); }

    void Write(bool b) { out_ += b ? "true" : "false"; }

    void Write(int n) { out_ += std::to_string(n); }

    void Write(uint64_t n) { out_ += std::to_string(n); }

    void Write(Timestamp t) { AppendJsonString(FormatIsoMillis(t), &out_); }

    void Write(const IdGenerator& ids) {
        Open('{');
        (*this)("seed", ids.seed());
        (*this)("counter", ids.counter());
        Close('}');
    }

    template <class E>
    requires std::is_enum_v<E>

    void Write(E e) { AppendJsonString(EnumText(e), &out_); }

    template <class T>
    void Write(const std::optional<T>& value) {
        if (value) {
            Write(*value);
        } else {
            out_ += "null";
        }
    }

    template <class T>
    void Write(const std::vector<T>& items) {
        Open('[');
        for (const T& item : items) {
            Separate();
            Write(item);
        }
        Close(']');
    }

    template <class T>
    void Write(const std::map<std::string, T>& map) {
        Open('{');
        for (const auto& [key, value] : map) {
            Key(key);
            Write(value);
        }
        Close('}');
    }

    template <class T>
    requires HasFields<const T>

    void Write(const T& value) {
        Open('{');
        Fields(*this, value);
        Close('}');
    }

private:
    void Newline() {
        out_ += '\n';
        out_.append(static_cast<size_t>(depth_) * 2, ' ');
    }

    void Separate() {
        if (!first_) {
            out_ += ',';
        }
        first_ = false;
        Newline();
    }

    void Key(std::string_view key) {
        Separate();
        AppendJsonString(key, &out_);
        out_ += ": ";
    }

    void Open(char c) {
        out_ += c;
        ++depth_;
        first_ = true;
    }

    void Close(char c) {
        --depth_;
        if (!first_) {
            Newline();
        }
        out_ += c;
        first_ = false;
    }

    std::string out_;
    int depth_ = 0;
    bool first_ = true;
};

class JsonReader {
public:
    JsonReader(const event::JsonValue* object, std::string path, std::string* error)
        : object_(object),
          path_(std::move(path)),
          error_(error) {}

    // Absent members keep their defaults; present ones must have the right type.
    template <class T>
    void operator()(std::string_view key, T& value) {
        if (const event::JsonValue* member = object_->Find(key)) {
            Read(*member, &value, path_ + "." + std::string(key));
        }
    }

    void Bytes(std::string_view key, std::string& data) {
        const event::JsonValue* member = object_->Find(key);
        if (member == nullptr) {
            return;
        }
        std::string path = path_ + "." + std::string(key);
        if (!member->is_string()) {
            Fail(path, "a base64 string");
            return;
        }
        Result<std::string> bytes = Base64Decode(member->text);
        if (!bytes) {
            Fail(path, "valid base64");
            return;
        }
        data = std::move(*bytes);
    }

    void Read(const event::JsonValue& v, std::string* out, const std::string& path) {
        if (!v.is_string()) {
            Fail(path, "a string");
            return;
        }
        *out = v.text;
    }

    void Read(const event::JsonValue& v, bool* out, const std::string& path) {
        if (v.type != event::JsonValue::Type::kBool) {
            Fail(path, "true or false");
            return;
        }
        *out = v.boolean;
    }

    void Read(const event::JsonValue& v, int* out, const std::string& path) {
        ReadInteger(v, out, path);
    }

    void Read(const event::JsonValue& v, uint64_t* out, const std::string& path) {
        ReadInteger(v, out, path);
    }

    void Read(const event::JsonValue& v, Timestamp* out, const std::string& path) {
        std::optional<Timestamp> t = v.is_string() ? ParseIsoTime(v.text) : std::nullopt;
        if (!t) {
            Fail(path, "an ISO-8601 UTC time");
            return;
        }
        *out = *t;
    }

    void Read(const event::JsonValue& v, IdGenerator* out, const std::string& path) {
        uint64_t seed = 1;
        uint64_t counter = 0;
        if (!v.is_object()) {
            Fail(path, "an object");
            return;
        }
        JsonReader sub(&v, path, error_);
        sub("seed", seed);
        sub("counter", counter);
        out->Restore(seed, counter);
    }

    template <class E>
    requires std::is_enum_v<E>

    void Read(const event::JsonValue& v, E* out, const std::string& path) {
        std::optional<E> e = v.is_string() ? EnumFromText<E>(v.text) : std::nullopt;
        if (!e) {
            Fail(path, "a known enumeration value");
            return;
        }
        *out = *e;
    }

    template <class T>
    void Read(const event::JsonValue& v, std::optional<T>* out, const std::string& path) {
        if (v.type == event::JsonValue::Type::kNull) {
            out->reset();
            return;
        }
        T value{};
        Read(v, &value, path);
        *out = std::move(value);
    }

    template <class T>
    void Read(const event::JsonValue& v, std::vector<T>* out, const std::string& path) {
        if (!v.is_array()) {
            Fail(path, "an array");
            return;
        }
        out->clear();
        for (size_t i = 0; i < v.items.size(); ++i) {
            T item{};
            Read(v.items[i], &item, path + "[" + std::to_string(i) + "]");
            out->push_back(std::move(item));
        }
    }

    template <class T>
    void Read(const event::JsonValue& v, std::map<std::string, T>* out, const std::string& path) {
        if (!v.is_object()) {
            Fail(path, "an object");
            return;
        }
        out->clear();
        for (const auto& [key, member] : v.members) {
            T value{};
            Read(member, &value, path + "." + key);
            (*out)[key] = std::move(value);
        }
    }

    template <class T>
    requires HasFields<T>

    void Read(const event::JsonValue& v, T* out, const std::string& path) {
        if (!v.is_object()) {
            Fail(path, "an object");
            return;
        }
        JsonReader sub(&v, path, error_);
        Fields(sub, *out);
    }

private:
    template <class N>
    void ReadInteger(const event::JsonValue& v, N* out, const std::string& path) {
        N value{};
        const char* end = v.text.data() + v.text.size();
        auto [ptr, ec] = std::from_chars(v.text.data(), end, value);
        if (!v.is_number() || ec != std::errc() || ptr != end) {
            Fail(path, "an integer");
            return;
        }
        *out = value;
    }

    void Fail(const std::string& path, std::string_view expected) {
        if (error_->empty()) {
            *error_ = path + ": expected " + std::string(expected);
        }
    }

    const event::JsonValue* object_;
    std::string path_;
    std::string* error_;
};

constexpr std::string_view kFormatName = "firebreak-sandbox-world";

}  // namespace

std::string SerializeWorld(const World& world) {
    JsonWriter writer;
    writer.BeginObject();
    writer("format", std::string(kFormatName));
    writer("version", kWorldFormatVersion);
    Fields(writer, world);
    writer.EndObject();
    std::string out = writer.Take();
    out += '\n';
    return out;
}

Result<World> ParseWorldJson(std::string_view json) {
    Result<event::JsonValue> parsed = event::ParseJson(json);
    if (!parsed) {
        return DataLoss("world JSON: " + parsed.error().message());
    }
    const event::JsonValue& root = *parsed;
    if (!root.is_object()) {
        return DataLoss("world JSON: the top level is not an object");
    }
    const event::JsonValue* format = root.Find("format");
    if (format == nullptr || !format->is_string() || format->text != kFormatName) {
        return DataLoss("world JSON: not a firebreak sandbox world (\"format\" is missing)");
    }
    const event::JsonValue* version = root.Find("version");
    if (version == nullptr || !version->is_number() ||
        version->text != std::to_string(kWorldFormatVersion)) {
        return DataLoss("world JSON: unsupported version (this build reads version " +
                        std::to_string(kWorldFormatVersion) + ")");
    }
    World world;
    std::string error;
    JsonReader reader(&root, "$", &error);
    Fields(reader, world);
    if (!error.empty()) {
        return DataLoss("world JSON: " + error);
    }
    return world;
}

Status SaveWorldAtomically(const World& world, const std::string& path) {
    const std::string text = SerializeWorld(world);
    const std::filesystem::path target(path);
    std::filesystem::path dir = target.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    std::string temp = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = mkstemp(temp.data());
    if (fd < 0) {
        return Status(
                StatusCode::kUnavailable,
                "cannot create a temporary file next to " + path + ": " + std::strerror(errno));
    }
    auto fail = [&](std::string_view what) {
        const int err = errno;
        close(fd);
        unlink(temp.c_str());
        return Status(StatusCode::kUnavailable,
                      std::string(what) + " " + temp + ": " + std::strerror(err));
    };
    size_t written = 0;
    while (written < text.size()) {
        ssize_t n = write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot write");
        }
        written += static_cast<size_t>(n);
    }
    if (fsync(fd) != 0) {
        return fail("cannot fsync");
    }
    if (close(fd) != 0) {
        const int err = errno;
        unlink(temp.c_str());
        return Status(StatusCode::kUnavailable, "cannot close " + temp + ": " + std::strerror(err));
    }
    if (rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        unlink(temp.c_str());
        return Status(StatusCode::kUnavailable,
                      "cannot rename " + temp + " to " + path + ": " + std::strerror(err));
    }
    // Make the rename itself durable.
    const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir_fd >= 0) {
        fsync(dir_fd);
        close(dir_fd);
    }
    return Status::Ok();
}

}  // namespace firebreak::sandbox
