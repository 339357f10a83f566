// libcurl transport. Signing is done by firebreak (sigv4.cpp), never by CURLOPT_AWS_SIGV4; curl
// only moves bytes. Every header the signer signed is passed through CURLOPT_HTTPHEADER verbatim;
// curl's own additions (Accept, a default Content-Type) are unsigned and harmless, and its
// automatic "Expect: 100-continue" is switched off.
#include <mutex>
#include <vector>

#include <curl/curl.h>

#include "firebreak/aws/http.h"
#include "firebreak/core/text.h"

namespace firebreak::aws {
namespace {

void GlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* out = static_cast<std::string*>(user);
    out->append(data, size * count);
    return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* response = static_cast<HttpResponse*>(user);
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    if (line.substr(0, 5) == "HTTP/") {
        // A new status line (after 100 Continue or a redirect): start over.
        response->headers.clear();
        return size * count;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

class CurlTransport final : public HttpTransport {
public:
    explicit CurlTransport(const TransportOptions& options) : options_(options) { GlobalInit(); }

    ~CurlTransport() override {
        for (CURL* handle : idle_)
            curl_easy_cleanup(handle);
    }

    Result<HttpResponse, TransportError> Send(const Endpoint& endpoint,
                                              const HttpRequest& request) override {
        CURL* curl = Acquire();
        Result<HttpResponse, TransportError> result = Perform(curl, endpoint, request);
        Release(curl);
        return result;
    }

private:
    CURL* Acquire() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (!idle_.empty()) {
                CURL* handle = idle_.back();
                idle_.pop_back();
                curl_easy_reset(handle);
                return handle;
            }
        }
        return curl_easy_init();
    }

    void Release(CURL* handle) {
        std::lock_guard<std::mutex> lock(mu_);
        idle_.push_back(handle);
    }

    Result<HttpResponse, TransportError> Perform(CURL* curl,
                                                 const Endpoint& endpoint,
                                                 const HttpRequest& request) {
        std::string url = endpoint.Origin() + request.path;  // the client put base_path in
        if (!request.query.empty())
            url += "?" + request.query;

        curl_slist* header_list = nullptr;
        for (const auto& [name, value] : request.headers) {
            // "Name;" is curl's syntax for a header with an empty value.
            std::string line = value.empty() ? name + ";" : name + ": " + value;
            header_list = curl_slist_append(header_list, line.c_str());
        }
        if (!request.Header("Expect"))
            header_list = curl_slist_append(header_list, "Expect:");

        HttpResponse response;
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl,
                         CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count()));
        curl_easy_setopt(
                curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        if (!options_.ca_bundle.empty())
            curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
        if (!options_.verify_tls) {
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (request.method == "GET") {
            curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        } else if (request.method == "HEAD") {
            curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        } else {
            curl_easy_setopt(curl, CURLOPT_POST, 1L);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
            curl_easy_setopt(curl,
                             CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
            if (request.method != "POST") {
                curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
            }
        }
        CURLcode code = curl_easy_perform(curl);
        curl_slist_free_all(header_list);
        if (code != CURLE_OK) {
            TransportError error;
            error.timeout = code == CURLE_OPERATION_TIMEDOUT;
            // The URL carries no secrets (SigV4 goes in headers), so it may be named.
            error.message = std::string(curl_easy_strerror(code)) + " (" + endpoint.Origin() + ")";
            return error;
        }
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        response.status = static_cast<int>(status);
        return response;
    }

    TransportOptions options_;
    std::mutex mu_;
    std::vector<CURL*> idle_;
};

}  // namespace

std::unique_ptr<HttpTransport> MakeCurlTransport(const TransportOptions& options) {
    return std::make_unique<CurlTransport>(options);
}

}  // namespace firebreak::aws
