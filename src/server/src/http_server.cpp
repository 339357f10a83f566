#include "firebreak/server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <httplib.h>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"

// How slow clients are bounded (slowloris).
//
// cpp-httplib 0.11.4 serves each accepted socket on a worker of its task queue through its own
// SocketStream, whose read timeout applies to each recv() separately: a client sending one byte
// every few seconds keeps a worker for as long as it likes, and `threads` such clients stop the
// server. httplib offers no whole-request deadline, and the socket options hook applies to the
// listening socket only. What it does offer is a virtual process_and_close_socket() and a
// protected process_request(Stream&, ...): this file overrides the first and hands the second
// its own DeadlineStream, which polls against absolute deadlines instead of per-call timeouts:
//   - request line and headers: read_timeout from accept (measured when the listener queued the
//     socket, so time spent waiting for a worker counts) or, on a kept-alive connection, from the
//     next request's first byte; at most kMaxHeaderBytes of them;
//   - the body: request_deadline from the same start;
//   - the response: write_timeout from its first byte.
// A connection whose deadline passed while it waited for a worker still gets whatever bytes
// already arrived (poll with a zero timeout), so a well-behaved client that sent its request at
// once is served, while a trickling one is dropped at its first wait. With N tricklers and T
// workers, a good request therefore waits at most about ceil(N / T) * read_timeout, and in
// practice one read_timeout: tricklers queued behind the first T find their deadline already
// passed. Idle kept-alive connections are closed at once when other connections wait.
// The worker pool is this file's own TaskQueue, which records when each socket was queued.

namespace firebreak::server {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kStreamBufferBytes = 16 * 1024;
constexpr uint64_t kMinUnverifiedBytesPerSecond = 1 << 20;

thread_local Clock::time_point t_job_enqueued{};

// A TaskQueue that remembers when each job (an accepted socket) was queued.
class WorkerPool final : public httplib::TaskQueue {
public:
    explicit WorkerPool(size_t threads) {
        for (size_t i = 0; i < threads; ++i) {
            threads_.emplace_back([this] { Run(); });
        }
    }

    ~WorkerPool() override = default;

    void enqueue(std::function<void()> fn) override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            jobs_.push_back(Job{std::move(fn), Clock::now()});
            queued_.fetch_add(1, std::memory_order_relaxed);
        }
        cv_.notify_one();
    }

    // Runs the jobs still queued (each closes its socket) and joins the threads.
    void shutdown() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            shutdown_ = true;
        }
        cv_.notify_all();
        for (std::thread& thread : threads_) {
            thread.join();
        }
    }

    size_t queued() const { return queued_.load(std::memory_order_relaxed); }

private:
    struct Job {
        std::function<void()> fn;
        Clock::time_point enqueued;
    };

    void Run() {
        while (true) {
            Job job;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
                if (jobs_.empty())
                    return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
                queued_.fetch_sub(1, std::memory_order_relaxed);
            }
            t_job_enqueued = job.enqueued;
            job.fn();
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::atomic<size_t> queued_{0};
    bool shutdown_ = false;
    std::vector<std::thread> threads_;
};

// An httplib::Stream over a connected socket with absolute read and write deadlines.
class DeadlineStream final : public httplib::Stream {
public:
    DeadlineStream(int fd, std::chrono::seconds write_timeout)
        : fd_(fd),
          write_timeout_(write_timeout) {}

    void BeginRequest(Clock::time_point start,
                      Clock::time_point header_deadline,
                      Clock::time_point body_deadline) {
        request_start_ = start;
        read_deadline_ = header_deadline;
        body_deadline_ = body_deadline;
        in_headers_ = true;
        header_bytes_ = 0;
        header_too_large_ = false;
        timed_out_ = false;
        write_started_ = false;
    }

    void HeadersDone() {
        in_headers_ = false;
        read_deadline_ = body_deadline_;
    }

    // Brings the body's deadline forward (never later than request_deadline).
    void CapBodyDeadline(Clock::time_point deadline) {
        body_deadline_ = std::min(body_deadline_, deadline);
        if (!in_headers_)
            read_deadline_ = body_deadline_;
    }

    Clock::time_point request_start() const { return request_start_; }

    bool timed_out() const { return timed_out_; }

    bool header_too_large() const { return header_too_large_; }

    bool has_buffered() const { return pos_ < len_; }

    // Waits until a byte can be read or `deadline` passes (idle keep-alive).
    bool WaitReadable(Clock::time_point deadline) const {
        return has_buffered() || Wait(POLLIN, deadline);
    }

    bool is_readable() const override { return WaitReadable(read_deadline_); }

    bool is_writable() const override {
        return Wait(POLLOUT, write_started_ ? write_deadline_ : Clock::now() + write_timeout_);
    }

    ssize_t read(char* ptr, size_t size) override {
        if (size == 0)
            return 0;
        if (pos_ == len_) {
            if (in_headers_ && header_bytes_ >= kMaxHeaderBytes) {
                header_too_large_ = true;
                return -1;
            }
            if (!Wait(POLLIN, read_deadline_))
                return -1;
            ssize_t n;
            do {
                n = ::recv(fd_, buffer_, sizeof(buffer_), 0);
            } while (n < 0 && errno == EINTR);
            if (n <= 0)
                return n == 0 ? 0 : -1;
            pos_ = 0;
            len_ = static_cast<size_t>(n);
            if (in_headers_)
                header_bytes_ += len_;
        }
        size_t take = std::min(size, len_ - pos_);
        std::memcpy(ptr, buffer_ + pos_, take);
        pos_ += take;
        return static_cast<ssize_t>(take);
    }

    ssize_t write(const char* ptr, size_t size) override {
        if (!write_started_) {
            write_started_ = true;
            write_deadline_ = Clock::now() + write_timeout_;
        }
        if (!Wait(POLLOUT, write_deadline_))
            return -1;
        ssize_t n;
        do {
            n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        return n;
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof(addr);
        if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
            Describe(addr, &ip, &port);
    }

    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof(addr);
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
            Describe(addr, &ip, &port);
    }

    int socket() const override { return fd_; }

private:
    static void Describe(const sockaddr_storage& addr, std::string* ip, int* port) {
        char text[INET6_ADDRSTRLEN] = {};
        if (addr.ss_family == AF_INET) {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
            ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
            *port = ntohs(v4->sin_port);
        } else if (addr.ss_family == AF_INET6) {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
            ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
            *port = ntohs(v6->sin6_port);
        }
        *ip = text;
    }

    // poll() until `events` or the deadline; a deadline already passed still sees ready bytes.
    bool Wait(short events, Clock::time_point deadline) const {
        while (true) {
            auto remaining =
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            int timeout_ms =
                    static_cast<int>(std::clamp<int64_t>(remaining.count() + 1, 0, INT_MAX));
            if (remaining.count() < 0)
                timeout_ms = 0;
            pollfd pfd{};
            pfd.fd = fd_;
            pfd.events = events;
            int ready = ::poll(&pfd, 1, timeout_ms);
            if (ready > 0)
                return true;  // including HUP/ERR: the next recv/send reports them
            if (ready == 0) {
                timed_out_ = true;
                return false;
            }
            if (errno != EINTR)
                return false;
        }
    }

    int fd_;
    std::chrono::seconds write_timeout_;
    Clock::time_point request_start_{};
    Clock::time_point read_deadline_{};
    Clock::time_point body_deadline_{};
    Clock::time_point write_deadline_{};
    bool in_headers_ = true;
    bool write_started_ = false;
    bool header_too_large_ = false;
    mutable bool timed_out_ = false;
    size_t header_bytes_ = 0;
    size_t pos_ = 0;
    size_t len_ = 0;
    char buffer_[kStreamBufferBytes];
};

// What one connection's current request has been decided so far. Lives on the worker's stack;
// httplib's callbacks find it through t_connection (a request is served on one thread).
struct ConnectionState {
    DeadlineStream* stream = nullptr;
    httplib::Request* request = nullptr;
    RouteMatch route;
    std::string principal;  // "token", "hmac" (signature checked after the body), "" (health)
    std::string content_encoding;
    bool has_body = false;       // declared a body (Content-Length > 0 or chunked)
    bool body_consumed = false;  // that body was read to its end
    bool must_close = false;
    bool responded = false;
    bool rejected = false;  // decided before the body: `rejection` is the response
    int rejection_status = 0;
    std::string rejection_body;
    std::string rejection_allow;
    bool rejection_retry = false;

    void ResetRequest() {
        request = nullptr;
        route = RouteMatch();
        principal.clear();
        content_encoding.clear();
        has_body = false;
        body_consumed = false;
        responded = false;
        rejected = false;
        rejection_status = 0;
        rejection_body.clear();
        rejection_allow.clear();
        rejection_retry = false;
    }
};

thread_local ConnectionState* t_connection = nullptr;

std::string ErrorBody(std::string_view message) {
    std::string body = "{\"error\":";
    AppendJsonString(message, &body);
    body += "}\n";
    return body;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

bool ParseDigits(std::string_view text, uint64_t* out) {
    if (text.empty() || text.size() > 18)
        return false;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    *out = value;
    return true;
}

bool HasLineBreak(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

// Headers a ServiceApi may not set (httplib writes them, or they would split the response).
bool IsReservedHeader(std::string_view name) {
    for (std::string_view reserved : {"content-length",
                                      "content-type",
                                      "connection",
                                      "transfer-encoding",
                                      "keep-alive",
                                      "www-authenticate"}) {
        if (EqualsIgnoreAsciiCase(name, reserved))
            return true;
    }
    return false;
}

// {"status":"<word>"} from a health body: the "status" string if it is a short word, else
// derived from the HTTP status, so nothing else can reach an unauthenticated caller.
std::string HealthBody(const ApiResponse& response) {
    std::string_view body = response.body;
    std::string word;
    size_t key = body.find("\"status\"");
    if (key != std::string_view::npos) {
        std::string_view rest = Trim(body.substr(key + 8));
        if (!rest.empty() && rest.front() == ':') {
            rest = Trim(rest.substr(1));
            if (!rest.empty() && rest.front() == '"') {
                size_t end = rest.find('"', 1);
                if (end != std::string_view::npos && end > 1 && end <= 33) {
                    std::string_view candidate = rest.substr(1, end - 1);
                    bool ok = std::all_of(candidate.begin(), candidate.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '_' || c == '-';
                    });
                    if (ok)
                        word = std::string(candidate);
                }
            }
        }
    }
    if (word.empty())
        word = response.status >= 200 && response.status < 300 ? "ok" : "unavailable";
    return "{\"status\":\"" + word + "\"}\n";
}

int ClampStatus(int status) {
    return status >= 100 && status <= 599 ? status : 500;
}

}  // namespace

bool SecretEquals(std::string_view a, std::string_view b) {
    std::string da = Sha256(a);
    std::string db = Sha256(b);
    unsigned char diff = 0;
    for (size_t i = 0; i < da.size() && i < db.size(); ++i) {
        diff |= static_cast<unsigned char>(da[i] ^ db[i]);
    }
    return diff == 0 && da.size() == db.size();
}

std::string IngestSignature(std::string_view secret,
                            std::string_view timestamp,
                            std::string_view body) {
    std::string message;
    message.reserve(timestamp.size() + 1 + body.size());
    message.append(timestamp);
    message += '.';
    message.append(body);
    return "sha256=" + HexEncode(HmacSha256(secret, message));
}

class HttpServer::Impl {
public:
    Impl(HttpServerOptions options, ServiceApi* api, Metrics* metrics)
        : options_(std::move(options)),
          api_(api),
          server_(this) {
        if (metrics != nullptr) {
            requests_ = metrics->AddLabeledCounter(
                    "firebreak_http_requests_total", "HTTP responses by status code.", "code");
            rejected_ = metrics->AddLabeledCounter(
                    "firebreak_http_rejected_total",
                    "HTTP requests refused by the server front (auth, too_large, bad_request, "
                    "busy, timeout).",
                    "reason");
            ingest_bytes_ = metrics->AddCounter("firebreak_ingest_bytes_total",
                                                "Bytes of ingest bodies accepted for processing.");
        }
    }

    ~Impl() { Stop(); }

    Status Listen();
    void Stop();

    int port() const { return port_; }

    // Called by ConnectionServer on a worker for each accepted socket.
    bool ServeConnection(int fd);

private:
    class ConnectionServer final : public httplib::Server {
    public:
        explicit ConnectionServer(Impl* impl) : impl_(impl) {}

        bool ProcessRequest(httplib::Stream& stream,
                            bool close_connection,
                            bool& connection_closed,
                            const std::function<void(httplib::Request&)>& setup) {
            return process_request(stream, close_connection, connection_closed, setup);
        }

        // httplib listens with a backlog of 5: a burst of connections (or a few slow clients
        // and a burst) overflows it and the kernel drops SYNs, which clients retry only after a
        // second. Linux lets listen() be called again to raise it.
        void RaiseBacklog() { ::listen(svr_sock_.load(), SOMAXCONN); }

    private:
        bool process_and_close_socket(int sock) override { return impl_->ServeConnection(sock); }

        Impl* impl_;
    };

    void Reject(const char* reason) {
        if (rejected_ != nullptr)
            rejected_->Inc(reason);
    }

    bool RegisterConnection(int fd) {
        std::lock_guard<std::mutex> lock(connections_mu_);
        if (stopping_.load())
            return false;
        connections_.insert(fd);
        return true;
    }

    void UnregisterConnection(int fd) {
        std::lock_guard<std::mutex> lock(connections_mu_);
        connections_.erase(fd);
    }

    void SetupRequest(httplib::Request& request);
    void Precheck(const httplib::Request& request, ConnectionState* conn);
    void SetRejection(ConnectionState* conn, int status, std::string_view message);
    void WriteRejection(ConnectionState& conn, httplib::Response& res);
    void Dispatch(const httplib::Request& req,
                  httplib::Response& res,
                  const httplib::ContentReader* reader);
    bool ReadBody(const httplib::ContentReader& reader,
                  ConnectionState* conn,
                  httplib::Response& res,
                  std::string* body);
    void Serve(const httplib::Request& req,
               httplib::Response& res,
               ConnectionState* conn,
               const httplib::ContentReader* reader);
    void ServeIngest(const httplib::Request& req,
                     httplib::Response& res,
                     ConnectionState* conn,
                     const httplib::ContentReader* reader);
    void Linger(int fd);
    void OnError(const httplib::Request& req, httplib::Response& res);
    // Counts a response before httplib writes it (so a client that has read it sees the count).
    void CountResponse(ConnectionState* conn, int status);

    HttpServerOptions options_;
    ServiceApi* api_;
    ConnectionServer server_;
    LabeledCounter* requests_ = nullptr;
    LabeledCounter* rejected_ = nullptr;
    Counter* ingest_bytes_ = nullptr;
    int port_ = -1;
    std::thread listen_thread_;
    std::atomic<bool> listen_returned_{false};
    std::atomic<WorkerPool*> pool_{nullptr};
    std::atomic<size_t> inflight_ingest_{0};
    std::atomic<bool> stopping_{false};
    std::mutex connections_mu_;
    std::set<int> connections_;
    std::once_flag stop_once_;
};

Status HttpServer::Impl::Listen() {
    server_.new_task_queue = [this] {
        auto* pool = new WorkerPool(options_.threads);
        pool_.store(pool);
        return pool;
    };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_keep_alive_max_count(std::max<size_t>(1, options_.max_requests_per_connection));
    // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port and
    // silently take half the connections (two daemons on one state directory). SO_REUSEADDR only:
    // a restart can still bind while old connections sit in TIME_WAIT.
    server_.set_socket_options([](int sock) {
        int one = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    });
    server_.set_keep_alive_timeout(
            std::max<time_t>(1, static_cast<time_t>(options_.keep_alive_timeout.count())));
    httplib::Server::Handler plain = [this](const httplib::Request& req, httplib::Response& res) {
        Dispatch(req, res, nullptr);
    };
    httplib::Server::HandlerWithContentReader with_reader =
            [this](const httplib::Request& req,
                   httplib::Response& res,
                   const httplib::ContentReader& reader) {
                Dispatch(req, res, &reader);
            };
    server_.Get(".*", plain);
    server_.Post(".*", plain);
    server_.Post(".*", with_reader);
    server_.Patch(".*", plain);
    server_.Patch(".*", with_reader);
    server_.Delete(".*", plain);
    server_.Delete(".*", with_reader);
    server_.set_pre_routing_handler([this](const httplib::Request&, httplib::Response& res) {
        ConnectionState* conn = t_connection;
        if (conn == nullptr || !conn->rejected)
            return httplib::Server::HandlerResponse::Unhandled;
        WriteRejection(*conn, res);
        return httplib::Server::HandlerResponse::Handled;
    });
    server_.set_expect_100_continue_handler(
            [this](const httplib::Request&, httplib::Response& res) {
                ConnectionState* conn = t_connection;
                if (conn == nullptr || !conn->rejected)
                    return 100;
                WriteRejection(*conn, res);
                return res.status;
            });
    httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req,
                                                           httplib::Response& res) {
        OnError(req, res);
        return httplib::Server::HandlerResponse::Handled;
    };
    server_.set_error_handler(on_error);
    server_.set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
                res.status = 500;
                res.set_content(ErrorBody("internal error"), "application/json");
            });

    port_ = options_.port == 0
                    ? server_.bind_to_any_port(options_.host)
                    : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port_ <= 0) {
        return Status(StatusCode::kUnavailable,
                      "cannot listen on " + options_.host + ":" + std::to_string(options_.port));
    }
    server_.RaiseBacklog();
    listen_thread_ = std::thread([this] {
        server_.listen_after_bind();
        listen_returned_.store(true);
    });
    // httplib's stop() does nothing until the listener runs, so a Stop() right after Start()
    // would otherwise leave it accepting forever: wait until it is up (bounded; Stop() also
    // retries).
    for (int i = 0; i < 5000 && !server_.is_running() && !listen_returned_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_.is_running()) {
        Stop();
        return Status(StatusCode::kUnavailable, "the HTTP listener did not start");
    }
    return Status::Ok();
}

void HttpServer::Impl::Stop() {
    std::call_once(stop_once_, [this] {
        {
            std::lock_guard<std::mutex> lock(connections_mu_);
            stopping_.store(true);
            // Wakes workers waiting on slow or idle clients; requests inside the ServiceApi
            // finish and their responses fail to write.
            for (int fd : connections_) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        if (!listen_thread_.joinable())
            return;
        while (!listen_returned_.load()) {
            server_.stop();
            if (listen_returned_.load())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        listen_thread_.join();
    });
}

bool HttpServer::Impl::ServeConnection(int fd) {
    Clock::time_point accepted =
            t_job_enqueued == Clock::time_point{} ? Clock::now() : t_job_enqueued;
    if (!RegisterConnection(fd)) {
        ::close(fd);
        return false;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto stream = std::make_unique<DeadlineStream>(fd, options_.write_timeout);
    ConnectionState conn;
    conn.stream = stream.get();
    t_connection = &conn;
    size_t max_requests = std::max<size_t>(1, options_.max_requests_per_connection);
    bool linger = false;
    for (size_t n = 0; n < max_requests && !stopping_.load(); ++n) {
        Clock::time_point start = accepted;
        if (n > 0) {
            WorkerPool* pool = pool_.load();
            bool others_wait = pool != nullptr && pool->queued() > 0;
            Clock::time_point idle_until =
                    Clock::now() + (others_wait
                                            ? std::chrono::seconds(0)
                                            : std::chrono::seconds(options_.keep_alive_timeout));
            if (!stream->WaitReadable(idle_until))
                break;
            start = Clock::now();
        }
        conn.ResetRequest();
        stream->BeginRequest(
                start, start + options_.read_timeout, start + options_.request_deadline);
        bool close_connection = n + 1 == max_requests;
        bool connection_closed = false;
        bool ok = server_.ProcessRequest(
                *stream, close_connection, connection_closed, [this](httplib::Request& req) {
                    SetupRequest(req);
                });
        if (stream->timed_out() && !conn.responded)
            Reject("timeout");
        // A client refused before its body was read gets to finish sending, so that it reads the
        // answer; one that was too slow does not.
        linger = conn.has_body && !conn.body_consumed && conn.responded && !stream->timed_out();
        if (!ok || connection_closed || close_connection || conn.must_close || stream->timed_out())
            break;
    }
    t_connection = nullptr;
    if (linger && !stopping_.load())
        Linger(fd);
    UnregisterConnection(fd);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    return true;
}

// After answering a request whose body was not read (413, 401, 429, ...): stop sending, then
// discard what the client still sends for a bounded time before closing, so the close does not
// turn into a reset that would destroy the response before the client reads it. Cut short
// when other connections wait for a worker.
void HttpServer::Impl::Linger(int fd) {
    ::shutdown(fd, SHUT_WR);
    Clock::time_point until =
            Clock::now() + std::max(options_.read_timeout, std::chrono::seconds(2));
    char scratch[16 * 1024];
    while (!stopping_.load()) {
        WorkerPool* pool = pool_.load();
        if (pool != nullptr && pool->queued() > 0)
            return;
        auto remaining =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (remaining.count() <= 0)
            return;
        pollfd pfd{};
        pfd.fd = fd;
        pfd.events = POLLIN;
        int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(remaining.count(), 200)));
        if (ready < 0 && errno != EINTR)
            return;
        if (ready <= 0)
            continue;
        ssize_t n = ::recv(fd, scratch, sizeof(scratch), 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return;
    }
}

void HttpServer::Impl::SetupRequest(httplib::Request& request) {
    ConnectionState* conn = t_connection;
    if (conn == nullptr)
        return;
    conn->request = &request;
    conn->stream->HeadersDone();
    // httplib would decompress gzip bodies itself; ingest keeps the bytes as received.
    conn->content_encoding = request.get_header_value("Content-Encoding");
    request.headers.erase("Content-Encoding");
    Precheck(request, conn);
    if (conn->rejected) {
        // The body (if any) is not read: the connection cannot carry another request.
        conn->must_close = true;
        request.headers.erase("Connection");
        request.headers.emplace("Connection", "close");
    }
}

void HttpServer::Impl::SetRejection(ConnectionState* conn, int status, std::string_view message) {
    conn->rejected = true;
    conn->rejection_status = status;
    conn->rejection_body = ErrorBody(message);
}

void HttpServer::Impl::WriteRejection(ConnectionState& conn, httplib::Response& res) {
    res.status = conn.rejection_status;
    res.set_content(conn.rejection_body, "application/json");
    if (conn.rejection_status == 401)
        res.set_header("WWW-Authenticate", "Bearer");
    if (conn.rejection_status == 405)
        res.set_header("Allow", conn.rejection_allow);
    if (conn.rejection_retry)
        res.set_header("Retry-After", "1");
    CountResponse(&conn, res.status);
}

void HttpServer::Impl::Precheck(const httplib::Request& request, ConnectionState* conn) {
    conn->route = MatchRoute(request.method, request.path);
    const RouteMatch& route = conn->route;
    bool is_health = request.path == "/healthz";
    bool is_ingest = route.kind == RouteMatch::Kind::kFound &&
                     route.spec->route == std::string_view("ingest");

    // Body framing first: it decides whether the connection can be reused.
    bool chunked = false;
    uint64_t declared = 0;
    bool has_length = request.has_header("Content-Length");
    if (request.has_header("Transfer-Encoding")) {
        chunked = EqualsIgnoreAsciiCase(Trim(request.get_header_value("Transfer-Encoding")),
                                        "chunked");
        if (!chunked || has_length || request.get_header_value_count("Transfer-Encoding") > 1) {
            SetRejection(conn, 400, "unsupported Transfer-Encoding");
            return;
        }
    }
    if (has_length) {
        if (request.get_header_value_count("Content-Length") > 1 ||
            !ParseDigits(Trim(request.get_header_value("Content-Length")), &declared)) {
            SetRejection(conn, 400, "malformed Content-Length");
            return;
        }
    }
    conn->has_body = chunked || declared > 0;

    if (!is_health) {
        std::string authorization = request.get_header_value("Authorization");
        std::string_view auth = Trim(authorization);
        if (!auth.empty()) {
            bool bearer = auth.size() > 7 && EqualsIgnoreAsciiCase(auth.substr(0, 7), "bearer ");
            if (!bearer || !SecretEquals(Trim(auth.substr(7)), options_.token)) {
                SetRejection(conn, 401, "invalid credentials");
                return;
            }
            conn->principal = "token";
        } else if (is_ingest && !options_.hmac_secret.empty() &&
                   request.has_header("X-Firebreak-Signature")) {
            uint64_t timestamp = 0;
            if (!ParseDigits(Trim(request.get_header_value("X-Firebreak-Timestamp")), &timestamp)) {
                SetRejection(conn, 401, "missing or malformed X-Firebreak-Timestamp");
                return;
            }
            int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
            int64_t skew = now - static_cast<int64_t>(timestamp);
            if (skew < 0)
                skew = -skew;
            if (skew > options_.max_clock_skew_seconds) {
                SetRejection(conn, 401, "X-Firebreak-Timestamp outside the allowed clock skew");
                return;
            }
            conn->principal = "hmac";
            // The signature can only be checked once the body is in, so until then the sender
            // is anonymous: its body must keep up kMinUnverifiedBytesPerSecond (after a
            // read_timeout of grace) instead of getting the whole request_deadline.
            conn->stream->CapBodyDeadline(
                    conn->stream->request_start() + options_.read_timeout +
                    std::chrono::seconds(declared / kMinUnverifiedBytesPerSecond));
        } else {
            SetRejection(conn, 401, "authentication required");
            return;
        }
    }

    switch (route.kind) {
        case RouteMatch::Kind::kFound:
            break;
        case RouteMatch::Kind::kNotFound:
            SetRejection(conn, 404, "no such route");
            return;
        case RouteMatch::Kind::kMethodNotAllowed:
            SetRejection(conn, 405, "method not allowed");
            conn->rejection_allow = route.allow;
            return;
        case RouteMatch::Kind::kBadId:
            SetRejection(conn, 400, "invalid id in path");
            return;
    }

    if (declared > options_.max_body_bytes) {
        SetRejection(conn,
                     413,
                     "body larger than " + std::to_string(options_.max_body_bytes) + " bytes");
        return;
    }
    std::string encoding = AsciiLower(Trim(conn->content_encoding));
    if (!encoding.empty() && encoding != "identity" && !(is_ingest && encoding == "gzip")) {
        SetRejection(conn, 415, "unsupported Content-Encoding");
        return;
    }
    conn->content_encoding = encoding == "identity" ? "" : encoding;
    std::string content_type = AsciiLower(request.get_header_value("Content-Type"));
    if (content_type.starts_with("multipart/")) {
        SetRejection(conn, 415, "multipart bodies are not accepted");
        return;
    }
    if (is_ingest && !conn->has_body) {
        SetRejection(conn, 400, "empty ingest body");
        return;
    }
}

bool HttpServer::Impl::ReadBody(const httplib::ContentReader& reader,
                                ConnectionState* conn,
                                httplib::Response& res,
                                std::string* body) {
    bool too_large = false;
    size_t limit = options_.max_body_bytes;
    bool ok = reader([&](const char* data, size_t size) {
        if (body->size() + size > limit) {
            too_large = true;
            return false;
        }
        body->append(data, size);
        return true;
    });
    if (ok) {
        conn->body_consumed = true;
        return true;
    }
    conn->must_close = true;
    if (too_large) {
        res.status = 413;
        res.set_content(ErrorBody("body larger than " + std::to_string(limit) + " bytes"),
                        "application/json");
    } else if (conn->stream->timed_out()) {
        res.status = 408;
        res.set_content(ErrorBody("request timeout"), "application/json");
    } else {
        res.status = 400;
        res.set_content(ErrorBody("malformed body"), "application/json");
    }
    return false;
}

void HttpServer::Impl::Dispatch(const httplib::Request& req,
                                httplib::Response& res,
                                const httplib::ContentReader* reader) {
    ConnectionState* conn = t_connection;
    if (conn == nullptr || conn->route.kind != RouteMatch::Kind::kFound) {
        res.status = 500;
        res.set_content(ErrorBody("internal error"), "application/json");
        CountResponse(conn, res.status);
        return;
    }
    Serve(req, res, conn, reader);
    CountResponse(conn, res.status);
}

void HttpServer::Impl::Serve(const httplib::Request& req,
                             httplib::Response& res,
                             ConnectionState* conn,
                             const httplib::ContentReader* reader) {
    if (conn->must_close && conn->request != nullptr) {
        conn->request->headers.erase("Connection");
        conn->request->headers.emplace("Connection", "close");
    }
    const RouteSpec& spec = *conn->route.spec;
    if (spec.route == std::string_view("ingest")) {
        ServeIngest(req, res, conn, reader);
    } else {
        ApiRequest api_request;
        api_request.method = req.method == "HEAD" ? "GET" : req.method;
        api_request.path = req.path;
        api_request.path_params = conn->route.path_params;
        if (spec.auth) {
            api_request.query.insert(req.params.begin(), req.params.end());
            api_request.principal = conn->principal;
        }
        if (reader != nullptr && !ReadBody(*reader, conn, res, &api_request.body)) {
            return;
        }
        if (reader == nullptr && !conn->has_body)
            conn->body_consumed = true;
        if (!spec.auth)
            api_request.body.clear();
        ApiResponse response = api_->Handle(spec.route, api_request);
        res.status = ClampStatus(response.status);
        if (!spec.auth) {
            res.set_content(HealthBody(response), "application/json");
        } else {
            std::string body = std::move(response.body);
            bool json = response.content_type.find("json") != std::string::npos;
            if (json && body.empty() && res.status != 204)
                body = "{}";
            if (json && !body.empty() && body.back() != '\n')
                body += '\n';
            std::string content_type = HasLineBreak(response.content_type)
                                               ? std::string("application/json")
                                               : response.content_type;
            res.set_content(body, content_type);
            for (const auto& header : response.headers) {
                if (IsReservedHeader(header.first) || HasLineBreak(header.first) ||
                    HasLineBreak(header.second) || header.first.empty()) {
                    continue;
                }
                res.set_header(header.first, header.second);
            }
        }
    }
    if (conn->has_body && !conn->body_consumed) {
        // A GET with a body (httplib does not read it) or a request refused before reading.
        conn->must_close = true;
        if (conn->request != nullptr) {
            conn->request->headers.erase("Connection");
            conn->request->headers.emplace("Connection", "close");
        }
    }
}

void HttpServer::Impl::ServeIngest(const httplib::Request& req,
                                   httplib::Response& res,
                                   ConnectionState* conn,
                                   const httplib::ContentReader* reader) {
    struct InflightGuard {
        std::atomic<size_t>* counter;

        ~InflightGuard() { counter->fetch_sub(1); }
    };

    size_t before = inflight_ingest_.fetch_add(1);
    InflightGuard guard{&inflight_ingest_};
    if (before >= options_.max_inflight_ingest || reader == nullptr) {
        if (reader == nullptr) {
            res.status = 400;
            res.set_content(ErrorBody("empty ingest body"), "application/json");
            return;
        }
        res.status = 429;
        res.set_content(ErrorBody("too many concurrent ingest requests"), "application/json");
        res.set_header("Retry-After", "1");
        return;
    }
    std::string body;
    if (!ReadBody(*reader, conn, res, &body))
        return;
    if (body.empty()) {
        res.status = 400;
        res.set_content(ErrorBody("empty ingest body"), "application/json");
        return;
    }
    if (conn->principal == "hmac") {
        std::string timestamp(Trim(req.get_header_value("X-Firebreak-Timestamp")));
        std::string given = AsciiLower(Trim(req.get_header_value("X-Firebreak-Signature")));
        if (!SecretEquals(given, IngestSignature(options_.hmac_secret, timestamp, body))) {
            res.status = 401;
            res.set_content(ErrorBody("invalid signature"), "application/json");
            res.set_header("WWW-Authenticate", "Bearer");
            return;
        }
    }
    if (ingest_bytes_ != nullptr)
        ingest_bytes_->Inc(body.size());
    IngestRequest ingest;
    ingest.body = body;
    ingest.content_encoding = conn->content_encoding;
    ingest.content_type = req.get_header_value("Content-Type");
    ingest.auth = conn->principal;
    ingest.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
    IngestReply reply = api_->Ingest(ingest);
    res.status = ClampStatus(reply.status);
    std::string reply_body = reply.body.empty() ? std::string("{}") : std::move(reply.body);
    if (reply_body.back() != '\n')
        reply_body += '\n';
    res.set_content(reply_body, "application/json");
    if (reply.retry_after_seconds > 0)
        res.set_header("Retry-After", std::to_string(reply.retry_after_seconds));
}

// Responses httplib makes itself (malformed request line or headers, a timeout while reading
// them, a chunked GET body over the limit) get a JSON body; ours already have one.
void HttpServer::Impl::OnError(const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty())
        return;
    ConnectionState* conn = t_connection;
    if (conn != nullptr) {
        conn->must_close = true;
        if (conn->stream->timed_out()) {
            res.status = 408;
        } else if (conn->stream->header_too_large()) {
            res.status = 431;
        }
    }
    std::string_view message = "bad request";
    switch (res.status) {
        case 408:
            message = "request timeout";
            break;
        case 413:
            message = "body too large";
            break;
        case 414:
            message = "URI too long";
            break;
        case 415:
            message = "unsupported media type";
            break;
        case 431:
            message = "request headers too large";
            break;
        case 404:
            message = "no such route";
            break;
        default:
            if (res.status >= 500)
                message = "internal error";
            break;
    }
    res.set_content(ErrorBody(message), "application/json");
    CountResponse(conn, res.status);
}

void HttpServer::Impl::CountResponse(ConnectionState* conn, int status) {
    if (conn != nullptr)
        conn->responded = true;
    if (requests_ != nullptr)
        requests_->Inc(std::to_string(status));
    switch (status) {
        case 401:
            Reject("auth");
            break;
        case 413:
            Reject("too_large");
            break;
        case 408:
            Reject("timeout");
            break;
        case 429:
        case 503:
            Reject("busy");
            break;
        case 400:
        case 404:
        case 405:
        case 414:
        case 415:
        case 431:
            Reject("bad_request");
            break;
        default:
            break;
    }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    Stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      ServiceApi* api,
                                                      Metrics* metrics) {
    if (options.token.empty())
        return InvalidArgument("the HTTP server needs a bearer token");
    if (api == nullptr)
        return InvalidArgument("the HTTP server needs a service");
    if (options.threads == 0)
        return InvalidArgument("the HTTP server needs at least one thread");
    if (options.max_body_bytes == 0)
        return InvalidArgument("max_body_bytes must be positive");
    auto impl = std::make_unique<Impl>(std::move(options), api, metrics);
    Status listening = impl->Listen();
    if (!listening.ok())
        return listening;
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const {
    return impl_->port();
}

void HttpServer::Stop() {
    impl_->Stop();
}

}  // namespace firebreak::server
