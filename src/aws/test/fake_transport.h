// File: fake_transport.h
//
// A scripted HttpTransport for client tests: records every request it is given and answers from
// a queue of canned replies (or transport errors). No sockets.
#pragma once

#include <deque>
#include <mutex>
#include <utility>
#include <variant>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/http.h"

namespace firebreak::aws::testing {

class FakeTransport final : public HttpTransport {
public:
    struct Sent {
        Endpoint endpoint;
        HttpRequest request;
    };

    void Reply(int status, std::string body, Headers headers = {}) {
        std::lock_guard<std::mutex> lock(mu_);
        HttpResponse response;
        response.status = status;
        response.body = std::move(body);
        response.headers = std::move(headers);
        replies_.emplace_back(std::move(response));
    }

    void Fail(bool timeout, std::string message) {
        std::lock_guard<std::mutex> lock(mu_);
        replies_.emplace_back(TransportError{timeout, std::move(message)});
    }

    Result<HttpResponse, TransportError> Send(const Endpoint& endpoint,
                                              const HttpRequest& request) override {
        std::lock_guard<std::mutex> lock(mu_);
        sent_.push_back({endpoint, request});
        if (replies_.empty())
            return TransportError{false, "no scripted reply"};
        auto next = std::move(replies_.front());
        replies_.pop_front();
        if (std::holds_alternative<TransportError>(next))
            return std::get<TransportError>(std::move(next));
        return std::get<HttpResponse>(std::move(next));
    }

    const std::vector<Sent>& sent() const { return sent_; }

private:
    std::mutex mu_;
    std::deque<std::variant<HttpResponse, TransportError>> replies_;
    std::vector<Sent> sent_;
};

// A client in us-east-1 with static test keys, talking to `transport`, never sleeping.
inline AwsClient MakeTestClient(std::shared_ptr<FakeTransport> transport,
                                std::string region = "us-east-1") {
    ResolvedConfig config;
    config.profile = "test";
    config.region = std::move(region);
    Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt};
    AwsClient client(config, MakeStaticProvider(creds, "test"), std::move(transport));
    client.SetSleepForTesting([](std::chrono::milliseconds) {});
    return client;
}

}  // namespace firebreak::aws::testing
