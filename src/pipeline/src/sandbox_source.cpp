// SandboxSource: the sandbox's live stream (signed long polls) into the pipeline, with a durable
// cursor (epoch, seq).
#include "firebreak/pipeline/sandbox_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::pipeline {
namespace {

constexpr std::string_view kStateFormat = "firebreak-sandbox-source";
constexpr std::string_view kStreamPath = "/_firebreak/stream";
// Any service name may sign a stream request; "events" as EventBridge's.
constexpr std::string_view kSigningName = "events";
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{30000};

std::optional<uint64_t> ParseSeq(std::string_view text) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// "sandbox:<epoch>:<first>-<last>" -> (epoch, last).
std::optional<SandboxCursor> ParseSource(std::string_view source) {
    if (!source.starts_with(SandboxSource::kSourcePrefix))
        return std::nullopt;
    source.remove_prefix(SandboxSource::kSourcePrefix.size());
    size_t colon = source.find(':');
    size_t dash = source.rfind('-');
    if (colon == std::string_view::npos || colon == 0 || dash == std::string_view::npos ||
        dash < colon) {
        return std::nullopt;
    }
    std::optional<uint64_t> first = ParseSeq(source.substr(colon + 1, dash - colon - 1));
    std::optional<uint64_t> last = ParseSeq(source.substr(dash + 1));
    if (!first || !last || *first > *last)
        return std::nullopt;
    SandboxCursor cursor;
    cursor.epoch = std::string(source.substr(0, colon));
    cursor.seq = *last;
    return cursor;
}

Status ErrnoStatus(const std::string& what) {
    return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno), true);
}

// Writes `text` to `path` through a temporary file: fsync, rename, fsync of the folder.
Status WriteFileAtomically(const std::string& path, std::string_view text) {
    std::string temp = path + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ErrnoStatus("cannot write " + temp);
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            Status failed = ErrnoStatus("cannot write " + temp);
            ::close(fd);
            return failed;
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        Status failed = ErrnoStatus("cannot fsync " + temp);
        ::close(fd);
        return failed;
    }
    if (::close(fd) != 0)
        return ErrnoStatus("cannot close " + temp);
    if (::rename(temp.c_str(), path.c_str()) != 0)
        return ErrnoStatus("cannot rename " + temp + " to " + path);
    std::string folder = std::filesystem::path(path).parent_path().string();
    int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
    }
    return Status::Ok();
}

const event::JsonValue* Member(const event::JsonValue& object,
                               std::string_view key,
                               event::JsonValue::Type type) {
    const event::JsonValue* value = object.is_object() ? object.Find(key) : nullptr;
    return value != nullptr && value->type == type ? value : nullptr;
}

std::optional<uint64_t> NumberMember(const event::JsonValue& object, std::string_view key) {
    const event::JsonValue* value = Member(object, key, event::JsonValue::Type::kNumber);
    return value != nullptr ? ParseSeq(value->text) : std::nullopt;
}

}  // namespace

SandboxSource::SandboxSource(SandboxSourceOptions options) : options_(std::move(options)) {}

SandboxSource::~SandboxSource() {
    Stop();
}

Result<std::unique_ptr<SandboxSource>> SandboxSource::Open(
        SandboxSourceOptions options, const std::vector<std::string>& already) {
    if (options.endpoint_url.empty())
        return InvalidArgument("sandbox source: no endpoint URL");
    if (options.credentials.empty())
        return InvalidArgument("sandbox source: no credentials");
    if (options.state_file.empty())
        return InvalidArgument("sandbox source: no state file");
    Result<aws::Endpoint> endpoint = aws::ParseEndpointUrl(options.endpoint_url);
    if (!endpoint)
        return InvalidArgument("sandbox source: " + endpoint.error().message());
    options.max_batch = std::clamp<size_t>(options.max_batch, 1, 10000);
    options.wait = std::clamp(
            options.wait, std::chrono::milliseconds(0), std::chrono::milliseconds(20000));
    if (!options.transport) {
        aws::TransportOptions transport;
        transport.request_timeout = options.wait + std::chrono::seconds(15);
        options.transport = aws::MakeCurlTransport(transport);
    }
    std::unique_ptr<SandboxSource> source(new SandboxSource(std::move(options)));
    source->endpoint_ = *endpoint;
    FIREBREAK_RETURN_IF_ERROR(source->LoadState());
    SandboxCursor& cursor = source->cursor_;
    for (const std::string& name : already) {
        std::optional<SandboxCursor> pending = ParseSource(name);
        if (!pending)
            continue;
        if (cursor.epoch.empty())
            cursor.epoch = pending->epoch;
        if (pending->epoch == cursor.epoch)
            cursor.seq = std::max(cursor.seq, pending->seq);
    }
    return source;
}

Status SandboxSource::LoadState() {
    std::error_code ec;
    if (!std::filesystem::exists(options_.state_file, ec))
        return Status::Ok();
    Result<std::string> text = ReadFileToString(options_.state_file, 1 << 20);
    if (!text)
        return Status(StatusCode::kUnavailable, text.error().message());
    Result<event::JsonValue> json = event::ParseJson(*text);
    const event::JsonValue* format =
            json ? Member(*json, "format", event::JsonValue::Type::kString) : nullptr;
    const event::JsonValue* epoch =
            json ? Member(*json, "epoch", event::JsonValue::Type::kString) : nullptr;
    std::optional<uint64_t> seq = json ? NumberMember(*json, "seq") : std::nullopt;
    if (format == nullptr || format->text != kStateFormat || epoch == nullptr || !seq) {
        return DataLoss(options_.state_file + ": not a " + std::string(kStateFormat) +
                        " cursor file");
    }
    cursor_.epoch = epoch->text;
    cursor_.seq = *seq;
    return Status::Ok();
}

Status SandboxSource::SaveState(const SandboxCursor& cursor) {
    std::string text = "{\"format\":";
    AppendJsonString(kStateFormat, &text);
    text += ",\"epoch\":";
    AppendJsonString(cursor.epoch, &text);
    text += ",\"seq\":" + std::to_string(cursor.seq) + "}\n";
    return WriteFileAtomically(options_.state_file, text);
}

void SandboxSource::Log(const std::string& line) const {
    if (options_.log) {
        options_.log(line);
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
}

Result<size_t> SandboxSource::PollOnce(const SandboxDeliver& deliver) {
    std::lock_guard<std::mutex> poll_lock(poll_mu_);
    SandboxCursor from = cursor();
    auto failed = [this](Status status) {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.errors;
        return status;
    };

    aws::HttpRequest request;
    request.method = "GET";
    request.path = endpoint_.base_path + std::string(kStreamPath);
    request.query = "after=" + std::to_string(from.seq) +
                    "&max=" + std::to_string(options_.max_batch) +
                    "&wait=" + std::to_string(options_.wait.count());
    if (!from.epoch.empty())
        request.query += "&epoch=" + aws::UriEncode(from.epoch, false);
    request.headers.emplace_back("Host", endpoint_.HostHeader());
    aws::SigningOptions signing;
    signing.region = options_.region;
    signing.service = std::string(kSigningName);
    signing.time = std::chrono::system_clock::now();
    aws::SignRequest(&request, options_.credentials, signing);
    {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.polls;
    }
    auto sent = options_.transport->Send(endpoint_, request);
    if (!sent) {
        return failed(
                Status(StatusCode::kUnavailable,
                       "sandbox stream " + options_.endpoint_url + ": " + sent.error().message,
                       true));
    }
    Result<event::JsonValue> reply = event::ParseJson(sent->body);
    if (sent->status != 200) {
        const event::JsonValue* type =
                reply ? Member(*reply, "__type", event::JsonValue::Type::kString) : nullptr;
        const event::JsonValue* message =
                reply ? Member(*reply, "message", event::JsonValue::Type::kString) : nullptr;
        std::string what = "sandbox stream " + options_.endpoint_url + ": HTTP " +
                           std::to_string(sent->status);
        if (type != nullptr)
            what += " " + type->text;
        if (message != nullptr)
            what += ": " + message->text.substr(0, 300);
        bool refused = sent->status == 403 || sent->status == 400;
        return failed(Status(refused ? StatusCode::kPermissionDenied : StatusCode::kUnavailable,
                             what,
                             !refused));
    }
    const event::JsonValue* epoch =
            reply ? Member(*reply, "epoch", event::JsonValue::Type::kString) : nullptr;
    const event::JsonValue* events =
            reply ? Member(*reply, "events", event::JsonValue::Type::kArray) : nullptr;
    std::optional<uint64_t> next = reply ? NumberMember(*reply, "next") : std::nullopt;
    std::optional<uint64_t> lost = reply ? NumberMember(*reply, "lost") : std::nullopt;
    if (epoch == nullptr || epoch->text.empty() || events == nullptr || !next || !lost ||
        *next < events->items.size()) {
        return failed(Status(
                StatusCode::kUnavailable,
                "sandbox stream " + options_.endpoint_url + ": the reply is not a stream batch",
                true));
    }
    bool new_epoch = !from.epoch.empty() && epoch->text != from.epoch;
    uint64_t count = events->items.size();
    uint64_t first = *next - count + 1;
    if (*lost > 0) {
        // The gap: right after the cursor in the same epoch, or from 1 in a new one.
        uint64_t gap_first = new_epoch || from.epoch.empty() ? 1 : from.seq + 1;
        std::string gap = epoch->text + ":" + std::to_string(gap_first);
        if (gap != last_gap_) {
            last_gap_ = gap;
            {
                std::lock_guard<std::mutex> lock(mu_);
                stats_.lost += *lost;
            }
            Log("sandbox source: " + std::to_string(*lost) + " event(s) lost: seq " +
                std::to_string(gap_first) + "-" + std::to_string(gap_first + *lost - 1) +
                " of epoch " + epoch->text +
                " left the sandbox's stream ring before they were read (raise the sandbox's "
                "--stream-retain or poll more often)");
        }
    }
    if (new_epoch) {
        std::string change = from.epoch + ">" + epoch->text;
        if (change != last_epoch_change_) {
            last_epoch_change_ = change;
            Log("sandbox source: the sandbox restarted (stream epoch " + from.epoch + " -> " +
                epoch->text + "); reading the new epoch from its start");
        }
    }
    SandboxCursor to;
    to.epoch = epoch->text;
    to.seq = *next;
    if (count == 0) {
        if (to.epoch != from.epoch || to.seq != from.seq) {
            FIREBREAK_RETURN_IF_ERROR(SaveState(to));
            std::lock_guard<std::mutex> lock(mu_);
            cursor_ = to;
        }
        return size_t{0};
    }
    std::string payload;
    for (const event::JsonValue& envelope : events->items) {
        payload += event::ToJson(envelope);
        payload.push_back('\n');
    }
    std::string source = std::string(kSourcePrefix) + to.epoch + ":" + std::to_string(first) + "-" +
                         std::to_string(*next);
    Status delivered = deliver(source, payload);
    if (!delivered.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.deliver_refusals;
        return delivered;
    }
    Status saved = SaveState(to);
    {
        std::lock_guard<std::mutex> lock(mu_);
        cursor_ = to;  // delivered: the WAL holds it even if the state file could not be written
        stats_.events += count;
        ++stats_.batches;
    }
    if (!saved.ok())
        return saved;
    return static_cast<size_t>(count);
}

void SandboxSource::Start(SandboxDeliver deliver) {
    std::lock_guard<std::mutex> start_lock(mu_);
    if (thread_.joinable())
        return;
    stop_ = false;
    thread_ = std::thread([this, deliver = std::move(deliver)] {
        std::chrono::milliseconds backoff{0};
        std::unique_lock<std::mutex> lock(mu_);
        while (!stop_) {
            lock.unlock();
            Result<size_t> polled = PollOnce(deliver);
            if (!polled) {
                backoff = std::clamp(backoff * 2, kFirstBackoff, kMaxBackoff);
                Log("sandbox source: " + polled.error().ToString() + " (retrying in " +
                    std::to_string(backoff.count()) + " ms)");
            } else {
                backoff = std::chrono::milliseconds(0);
            }
            lock.lock();
            if (backoff.count() > 0)
                stop_cv_.wait_for(lock, backoff, [this] { return stop_; });
        }
    });
}

void SandboxSource::Stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

SandboxSourceStats SandboxSource::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
}

SandboxCursor SandboxSource::cursor() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cursor_;
}

}  // namespace firebreak::pipeline
