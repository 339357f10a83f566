// Wire formats shared by every handler: form parameters, success and error envelopes per
// protocol (../shared/notes/aws-wire-protocols.md 1.4, 1.5), IAM checks with AWS's denial shapes.
#include <algorithm>

#include "call.h"
#include "firebreak/aws/client.h"
#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"

namespace firebreak::sandbox {
namespace {

constexpr ApiInfo kApis[] = {
        {Api::kEc2,
         "ec2.amazonaws.com",
         WireProtocol::kEc2,
         "2016-11-15",
         "http://ec2.amazonaws.com/doc/2016-11-15/",
         "ec2"},
        {Api::kAutoScaling,
         "autoscaling.amazonaws.com",
         WireProtocol::kQuery,
         "2011-01-01",
         "http://autoscaling.amazonaws.com/doc/2011-01-01/",
         "autoscaling"},
        {Api::kElb,
         "elasticloadbalancing.amazonaws.com",
         WireProtocol::kQuery,
         "2012-06-01",
         "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/",
         "elasticloadbalancing"},
        {Api::kElbV2,
         "elasticloadbalancing.amazonaws.com",
         WireProtocol::kQuery,
         "2015-12-01",
         "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
         "elasticloadbalancing"},
        {Api::kCloudTrail,
         "cloudtrail.amazonaws.com",
         WireProtocol::kJson,
         "2013-11-01",
         "",
         "cloudtrail"},
        {Api::kIam,
         "iam.amazonaws.com",
         WireProtocol::kQuery,
         "2010-05-08",
         "https://iam.amazonaws.com/doc/2010-05-08/",
         "iam"},
        {Api::kSts,
         "sts.amazonaws.com",
         WireProtocol::kQuery,
         "2011-06-15",
         "https://sts.amazonaws.com/doc/2011-06-15/",
         "sts"},
        {Api::kS3,
         "s3.amazonaws.com",
         WireProtocol::kRestXml,
         "2006-03-01",
         "http://s3.amazonaws.com/doc/2006-03-01/",
         "s3"},
        {Api::kSsm, "ssm.amazonaws.com", WireProtocol::kJson, "2014-11-06", "", "ssm"},
        {Api::kSns,
         "sns.amazonaws.com",
         WireProtocol::kQuery,
         "2010-03-31",
         "http://sns.amazonaws.com/doc/2010-03-31/",
         "sns"},
        {Api::kSecurityHub,
         "securityhub.amazonaws.com",
         WireProtocol::kRestJson,
         "2018-10-26",
         "",
         "securityhub"},
};

int HexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool FormDecode(std::string_view in, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '+') {
            out->push_back(' ');
        } else if (c == '%') {
            if (i + 2 >= in.size())
                return false;
            int hi = HexDigit(in[i + 1]);
            int lo = HexDigit(in[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            out->push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else {
            out->push_back(c);
        }
    }
    return true;
}

}  // namespace

const ApiInfo& GetApiInfo(Api api) {
    return kApis[static_cast<size_t>(api)];
}

bool FormParams::Parse(std::string_view body) {
    items_.clear();
    size_t start = 0;
    while (start < body.size()) {
        size_t end = body.find('&', start);
        if (end == std::string_view::npos)
            end = body.size();
        std::string_view part = body.substr(start, end - start);
        start = end + 1;
        if (part.empty())
            continue;
        size_t eq = part.find('=');
        std::string name;
        std::string value;
        if (!FormDecode(part.substr(0, eq), &name))
            return false;
        if (eq != std::string_view::npos && !FormDecode(part.substr(eq + 1), &value))
            return false;
        items_.emplace_back(std::move(name), std::move(value));
    }
    return true;
}

const std::string* FormParams::Get(std::string_view name) const {
    for (const auto& [k, v] : items_) {
        if (k == name)
            return &v;
    }
    return nullptr;
}

std::string FormParams::GetOr(std::string_view name, std::string_view fallback) const {
    const std::string* v = Get(name);
    return v ? *v : std::string(fallback);
}

std::vector<std::string> FormParams::List(std::string_view name) const {
    std::vector<std::string> out;
    for (int i = 1;; ++i) {
        const std::string* v = Get(std::string(name) + "." + std::to_string(i));
        if (v == nullptr)
            break;
        out.push_back(*v);
    }
    return out;
}

std::vector<std::string> FormParams::MemberList(std::string_view name) const {
    std::vector<std::string> out;
    for (int i = 1;; ++i) {
        const std::string* v = Get(std::string(name) + ".member." + std::to_string(i));
        if (v == nullptr)
            break;
        out.push_back(*v);
    }
    return out;
}

std::vector<int> FormParams::Indexes(std::string_view prefix) const {
    std::vector<int> out;
    std::string head = std::string(prefix) + ".";
    for (const auto& [k, v] : items_) {
        if (k.compare(0, head.size(), head) != 0)
            continue;
        size_t i = head.size();
        int n = 0;
        bool digits = false;
        while (i < k.size() && k[i] >= '0' && k[i] <= '9' && n < 100000) {
            n = n * 10 + (k[i] - '0');
            ++i;
            digits = true;
        }
        if (digits && n > 0 && (i == k.size() || k[i] == '.'))
            out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string NewUuid() {
    char bytes[16];
    RandomBytes(bytes, sizeof(bytes));
    bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);
    std::string hex = HexEncode(std::string_view(bytes, sizeof(bytes)));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string XmlText(std::string_view text) {
    return aws::XmlEscape(text);
}

std::string JsonText(std::string_view text) {
    return JsonQuote(text);
}

bool Call::Authorize(std::string_view iam_action, std::string_view resource) {
    RequestContext context;
    context.requested_region = region;
    Decision decision = Evaluate(*world, caller, iam_action, resource, context);
    if (decision.allowed)
        return true;
    std::string message = AccessDeniedMessage(caller, iam_action, resource, decision);
    switch (info().protocol) {
        case WireProtocol::kEc2:
            Fail("UnauthorizedOperation",
                 "You are not authorized to perform this operation. " + message +
                         ". Encoded authorization failure message: " + Base64Encode(message),
                 403);
            break;
        case WireProtocol::kJson:
            Fail("AccessDeniedException", message, 400);
            break;
        case WireProtocol::kRestJson:
            Fail("AccessDeniedException", message, 403);
            break;
        case WireProtocol::kQuery:
        case WireProtocol::kRestXml:
            Fail("AccessDenied", message, 403);
            break;
    }
    return false;
}

void Call::Fail(std::string code, std::string message, int http_status) {
    status = http_status;
    headers.clear();
    error_code = code;
    error_message = message;
    response_elements.reset();
    switch (info().protocol) {
        case WireProtocol::kEc2:
            headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
            body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" +
                   XmlText(code) + "</Code><Message>" + XmlText(message) +
                   "</Message></Error></Errors><RequestID>" + request_id +
                   "</RequestID></Response>";
            break;
        case WireProtocol::kQuery:
            headers.emplace_back("Content-Type", "text/xml");
            headers.emplace_back("x-amzn-RequestId", request_id);
            body = "<ErrorResponse xmlns=\"" + std::string(info().xml_namespace) +
                   "\"><Error><Type>" + (http_status >= 500 ? "Receiver" : "Sender") +
                   "</Type><Code>" + XmlText(code) + "</Code><Message>" + XmlText(message) +
                   "</Message></Error><RequestId>" + request_id + "</RequestId></ErrorResponse>";
            break;
        case WireProtocol::kJson:
            headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
            headers.emplace_back("x-amzn-RequestId", request_id);
            body = "{\"__type\":" + JsonText(code) + ",\"message\":" + JsonText(message) + "}";
            break;
        case WireProtocol::kRestJson:
            headers.emplace_back("Content-Type", "application/json");
            headers.emplace_back("x-amzn-RequestId", request_id);
            headers.emplace_back("x-amzn-ErrorType", code);
            body = "{\"Code\":" + JsonText(code) + ",\"Message\":" + JsonText(message) + "}";
            break;
        case WireProtocol::kRestXml:
            headers.emplace_back("Content-Type", "application/xml");
            headers.emplace_back("x-amz-request-id", request_id);
            body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + XmlText(code) +
                   "</Code><Message>" + XmlText(message) + "</Message>" +
                   (s3.bucket.empty() ? ""
                                      : "<BucketName>" + XmlText(s3.bucket) + "</BucketName>") +
                   (s3.key.empty() ? "" : "<Key>" + XmlText(s3.key) + "</Key>") + "<RequestId>" +
                   request_id + "</RequestId><HostId>" + request_id + "</HostId></Error>";
            break;
    }
}

void Call::ReplyEc2(std::string_view inner_xml) {
    status = 200;
    headers = {{"Content-Type", "text/xml;charset=UTF-8"}};
    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" +
           std::string(info().xml_namespace) + "\"><requestId>" + request_id + "</requestId>" +
           std::string(inner_xml) + "</" + action + "Response>";
}

void Call::ReplyQuery(std::string_view inner_xml, bool has_result) {
    status = 200;
    headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", request_id}};
    body = "<" + action + "Response xmlns=\"" + std::string(info().xml_namespace) + "\">";
    if (has_result)
        body += "<" + action + "Result>" + std::string(inner_xml) + "</" + action + "Result>";
    body += "<ResponseMetadata><RequestId>" + request_id + "</RequestId></ResponseMetadata></" +
            action + "Response>";
}

void Call::ReplyJson(std::string json_body) {
    status = 200;
    headers = {{"Content-Type",
                info().protocol == WireProtocol::kRestJson ? "application/json"
                                                           : "application/x-amz-json-1.1"},
               {"x-amzn-RequestId", request_id}};
    body = std::move(json_body);
}

void Call::ReplyS3(int http_status, std::string s3_body, std::string content_type) {
    status = http_status;
    headers.emplace_back("x-amz-request-id", request_id);
    headers.emplace_back("x-amz-id-2", request_id);
    if (!s3_body.empty())
        headers.emplace_back("Content-Type", std::move(content_type));
    body = std::move(s3_body);
}

}  // namespace firebreak::sandbox
