// Typed EC2, Auto Scaling, classic ELB and ELBv2 operations against a scripted transport: for
// every operation the exact form body (compared with the bodies botocore 1.29 produces, from
// ../shared/notes/aws-wire-protocols.md 1.2), the method, path, content type, signing scope and
// endpoint host; the parsing of the notes' minimal success bodies (1.4); the error formats of
// both families (1.5) and the retry of throttling replies.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fake_transport.h"
#include "firebreak/aws/autoscaling.h"
#include "firebreak/aws/client.h"
#include "firebreak/aws/ec2.h"
#include "firebreak/aws/elb.h"
#include "firebreak/aws/sigv4.h"

namespace firebreak::aws {
namespace {

using testing::FakeTransport;
using testing::MakeTestClient;
using FormPairs = std::vector<std::pair<std::string, std::string>>;

// ---- helpers -------------------------------------------------------------------------------

// Decodes an application/x-www-form-urlencoded body ('+' is a space, as botocore writes it) into
// sorted name/value pairs: the order of pairs is irrelevant on the wire.
FormPairs DecodeForm(std::string_view body) {
    FormPairs pairs;
    auto decode = [](std::string_view text) {
        std::string plus(text);
        std::replace(plus.begin(), plus.end(), '+', ' ');
        return UriDecode(plus);
    };
    size_t start = 0;
    while (start <= body.size()) {
        size_t amp = body.find('&', start);
        if (amp == std::string_view::npos) {
            amp = body.size();
        }
        std::string_view pair = body.substr(start, amp - start);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            std::string_view name = pair.substr(0, eq);
            std::string_view value =
                    eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
            pairs.emplace_back(decode(name), decode(value));
        }
        start = amp + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

struct Wire {
    const char* host;
    const char* signing_name;
};

constexpr Wire kEc2Wire = {"ec2.us-east-1.amazonaws.com", "ec2"};
constexpr Wire kAutoScalingWire = {"autoscaling.us-east-1.amazonaws.com", "autoscaling"};
constexpr Wire kElbWire = {"elasticloadbalancing.us-east-1.amazonaws.com", "elasticloadbalancing"};

// Everything about one sent request but its reply: POST / with a form body equal (as pairs) to
// `botocore_body`, signed for `wire.signing_name` in us-east-1, sent to `wire.host` over HTTPS.
void ExpectWire(const FakeTransport::Sent& sent, const Wire& wire, std::string_view botocore_body) {
    const HttpRequest& request = sent.request;
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/");
    EXPECT_EQ(request.query, "");
    ASSERT_NE(request.Header("Content-Type"), nullptr);
    EXPECT_EQ(*request.Header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
    EXPECT_EQ(sent.endpoint.scheme, "https");
    EXPECT_EQ(sent.endpoint.host, wire.host);
    ASSERT_NE(request.Header("Host"), nullptr);
    EXPECT_EQ(*request.Header("Host"), wire.host);
    ASSERT_NE(request.Header("Authorization"), nullptr);
    const std::string& authorization = *request.Header("Authorization");
    EXPECT_NE(authorization.find(std::string("/us-east-1/") + wire.signing_name + "/aws4_request"),
              std::string::npos)
            << authorization;
    auto parsed = ParseAuthorizationHeader(authorization);
    ASSERT_TRUE(parsed.has_value()) << authorization;
    EXPECT_EQ(parsed->access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(parsed->region, "us-east-1");
    EXPECT_EQ(parsed->service, wire.signing_name);
    EXPECT_EQ(DecodeForm(request.body), DecodeForm(botocore_body)) << request.body;
}

constexpr std::string_view kEc2RequestId = "59dbff89-35bd-4eac-99ed-be587EXAMPLE";
constexpr std::string_view kQueryRequestId = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE";

std::string Ec2Body(std::string_view op, std::string_view inner) {
    std::string name = std::string(op) + "Response";
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><" + name +
           " xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>" +
           std::string(kEc2RequestId) + "</requestId>" + std::string(inner) + "</" + name + ">";
}

std::string QueryBody(std::string_view op, std::string_view ns, std::string_view inner) {
    std::string name(op);
    return "<" + name + "Response xmlns=\"" + std::string(ns) + "\"><" + name + "Result>" +
           std::string(inner) + "</" + name + "Result><ResponseMetadata><RequestId>" +
           std::string(kQueryRequestId) + "</RequestId></ResponseMetadata></" + name + "Response>";
}

constexpr std::string_view kAutoScalingNs = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
constexpr std::string_view kElbNs = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/";
constexpr std::string_view kElbV2Ns = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

// An XmlReply as AwsClient::Query() builds it, for the parsers on their own.
XmlReply MakeReply(std::string_view body, bool ec2, std::string_view op = {}) {
    XmlReply reply;
    reply.doc = std::make_shared<pugi::xml_document>();
    EXPECT_TRUE(reply.doc->load_buffer(body.data(), body.size()));
    pugi::xml_node root = reply.doc->document_element();
    if (ec2) {
        reply.result = root;
        reply.request_id = ChildText(root, "requestId");
    } else {
        std::string result_name = std::string(op) + "Result";
        pugi::xml_node result = root.child(result_name.c_str());
        reply.result = result ? result : root;
        reply.request_id = ChildText(root.child("ResponseMetadata"), "RequestId");
    }
    return reply;
}

std::chrono::system_clock::time_point Utc(int year, unsigned month, unsigned day, int seconds) {
    using std::chrono::sys_days;
    return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
           std::chrono::seconds{seconds};
}

// The notes' INST element, with the elided attachTime filled in.
constexpr std::string_view kInstanceXml =
        "<item><instanceId>i-0abc</instanceId><imageId>ami-1</imageId><instanceState><code>16</"
        "code><name>running</name></instanceState><instanceType>t3.micro</instanceType><launchTime>"
        "2024-01-01T00:00:00.000Z</launchTime><placement><availabilityZone>us-east-1a</"
        "availabilityZone></placement><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><"
        "privateIpAddress>10.0.0.5</privateIpAddress><groupSet><item><groupId>sg-1</"
        "groupId><groupName>default</groupName></item></groupSet><tagSet><item><key>Name</"
        "key><value>web</value></item></tagSet><blockDeviceMapping><item><deviceName>/dev/xvda</"
        "deviceName><ebs><volumeId>vol-1</volumeId><status>attached</status><attachTime>2024-01-"
        "01T00:00:05.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></"
        "item></blockDeviceMapping></item>";

void ExpectNotesInstance(const ec2::Instance& instance) {
    EXPECT_EQ(instance.instance_id, "i-0abc");
    EXPECT_EQ(instance.image_id, "ami-1");
    EXPECT_EQ(instance.instance_type, "t3.micro");
    EXPECT_EQ(instance.state.code, 16);
    EXPECT_EQ(instance.state.name, "running");
    EXPECT_EQ(instance.launch_time, Utc(2024, 1, 1, 0));
    EXPECT_EQ(instance.availability_zone, "us-east-1a");
    EXPECT_EQ(instance.subnet_id, "subnet-1");
    EXPECT_EQ(instance.vpc_id, "vpc-1");
    EXPECT_EQ(instance.private_ip_address, "10.0.0.5");
    EXPECT_EQ(instance.public_ip_address, "");
    ASSERT_EQ(instance.security_groups.size(), 1u);
    EXPECT_EQ(instance.security_groups[0].group_id, "sg-1");
    EXPECT_EQ(instance.security_groups[0].group_name, "default");
    EXPECT_EQ(instance.tags, (std::vector<ec2::Tag>{{"Name", "web"}}));
    ASSERT_EQ(instance.block_devices.size(), 1u);
    EXPECT_EQ(instance.block_devices[0].device_name, "/dev/xvda");
    EXPECT_EQ(instance.block_devices[0].volume_id, "vol-1");
    EXPECT_EQ(instance.block_devices[0].status, "attached");
    EXPECT_EQ(instance.block_devices[0].attach_time, Utc(2024, 1, 1, 5));
    EXPECT_EQ(instance.block_devices[0].delete_on_termination, true);
    EXPECT_EQ(instance.iam_instance_profile_arn, "");
}

class OpsTest : public ::testing::Test {
protected:
    std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
    AwsClient client_ = MakeTestClient(transport_);

    const FakeTransport::Sent& OnlySent() {
        EXPECT_EQ(transport_->sent().size(), 1u);
        return transport_->sent().front();
    }
};

// ---- EC2 -----------------------------------------------------------------------------------

TEST_F(OpsTest, DescribeInstances) {
    transport_->Reply(
            200,
            Ec2Body("DescribeInstances",
                    "<reservationSet><item><reservationId>r-1</"
                    "reservationId><ownerId>123456789012</ownerId><groupSet/"
                    "><instancesSet>" +
                            std::string(kInstanceXml) + "</instancesSet></item></reservationSet>"));
    ec2::DescribeInstancesRequest request;
    request.instance_ids = {"i-0abc", "i-0def"};
    request.filters = {{"instance-state-name", {"running", "stopped"}}};
    auto response = ec2::DescribeInstances(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0abc&InstanceId.2=i-"
               "0def&Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2="
               "stopped");
    EXPECT_EQ(response->request_id, kEc2RequestId);
    EXPECT_EQ(response->next_token, "");
    ASSERT_EQ(response->reservations.size(), 1u);
    EXPECT_EQ(response->reservations[0].reservation_id, "r-1");
    EXPECT_EQ(response->reservations[0].owner_id, "123456789012");
    ASSERT_EQ(response->reservations[0].instances.size(), 1u);
    ExpectNotesInstance(response->reservations[0].instances[0]);
}

TEST_F(OpsTest, DescribeInstancesPaginationAndProfile) {
    ec2::DescribeInstancesRequest request;
    request.max_results = 5;
    request.next_token = "tok-1";
    EXPECT_EQ(DecodeForm(ec2::EncodeDescribeInstances(request).Encode()),
              DecodeForm("MaxResults=5&NextToken=tok-1"));

    auto parsed = ec2::ParseDescribeInstances(MakeReply(
            Ec2Body("DescribeInstances",
                    "<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>"
                    "<instanceId>i-1</instanceId><iamInstanceProfile><arn>arn:aws:iam::"
                    "123456789012:instance-profile/web</arn><id>AIPA1</id></iamInstanceProfile>"
                    "<instanceState><code>x</code></instanceState></item></instancesSet></item>"
                    "</reservationSet><nextToken>tok-2</nextToken>"),
            true));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->next_token, "tok-2");
    const ec2::Instance& instance = parsed->reservations.at(0).instances.at(0);
    EXPECT_EQ(instance.iam_instance_profile_arn, "arn:aws:iam::123456789012:instance-profile/web");
    EXPECT_EQ(instance.state.code, std::nullopt);  // unparsable numbers stay empty
    EXPECT_EQ(instance.launch_time, std::nullopt);
    EXPECT_TRUE(instance.block_devices.empty());
}

TEST_F(OpsTest, DescribeAllInstancesFollowsNextToken) {
    transport_->Reply(200,
                      Ec2Body("DescribeInstances",
                              "<reservationSet><item><reservationId>r-1</reservationId>"
                              "<instancesSet>" +
                                      std::string(kInstanceXml) +
                                      "</instancesSet></item></reservationSet><nextToken>tok-2</"
                                      "nextToken>"));
    transport_->Reply(200,
                      Ec2Body("DescribeInstances",
                              "<reservationSet><item><reservationId>r-2</reservationId>"
                              "<instancesSet><item><instanceId>i-2</instanceId></item>"
                              "</instancesSet></item></reservationSet>"));
    ec2::DescribeInstancesRequest request;
    request.max_results = 5;
    auto all = ec2::DescribeAllInstances(client_, request);
    ASSERT_TRUE(all.has_value()) << all.error().ToString();
    ASSERT_EQ(transport_->sent().size(), 2u);
    ExpectWire(transport_->sent()[0],
               kEc2Wire,
               "Action=DescribeInstances&Version=2016-11-15&MaxResults=5");
    ExpectWire(transport_->sent()[1],
               kEc2Wire,
               "Action=DescribeInstances&Version=2016-11-15&MaxResults=5&NextToken=tok-2");
    ASSERT_EQ(all->reservations.size(), 2u);
    EXPECT_EQ(all->reservations[0].reservation_id, "r-1");
    ExpectNotesInstance(all->reservations[0].instances.at(0));
    EXPECT_EQ(all->reservations[1].instances.at(0).instance_id, "i-2");
    EXPECT_EQ(all->next_token, "");
}

TEST_F(OpsTest, DescribeAllInstancesRefusesARepeatedToken) {
    std::string page = Ec2Body("DescribeInstances", "<reservationSet/><nextToken>same</nextToken>");
    transport_->Reply(200, page);
    transport_->Reply(200, page);
    auto all = ec2::DescribeAllInstances(client_, {});
    ASSERT_FALSE(all.has_value());
    EXPECT_EQ(all.error().code, "InvalidResponse");
    EXPECT_EQ(all.error().operation, "ec2:DescribeInstances");
    EXPECT_EQ(transport_->sent().size(), 2u);
}

TEST_F(OpsTest, ModifyInstanceAttributeTermination) {
    transport_->Reply(200, Ec2Body("ModifyInstanceAttribute", "<return>true</return>"));
    ec2::ModifyInstanceAttributeRequest request;
    request.instance_id = "i-0abc";
    request.disable_api_termination = true;
    auto response = ec2::ModifyInstanceAttribute(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=i-0abc&"
               "DisableApiTermination.Value=true");
    EXPECT_EQ(response->request_id, kEc2RequestId);

    request.disable_api_termination = false;
    EXPECT_EQ(DecodeForm(ec2::EncodeModifyInstanceAttribute(request).Encode()),
              DecodeForm("InstanceId=i-0abc&DisableApiTermination.Value=false"));
}

TEST_F(OpsTest, ModifyInstanceAttributeGroups) {
    transport_->Reply(200, Ec2Body("ModifyInstanceAttribute", "<return>true</return>"));
    ec2::ModifyInstanceAttributeRequest request;
    request.instance_id = "i-0abc";
    request.group_ids = {"sg-1", "sg-2"};
    auto response = ec2::ModifyInstanceAttribute(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=i-0abc&GroupId.1=sg-"
               "1&GroupId.2=sg-2");
}

TEST_F(OpsTest, ModifyInstanceAttributeWantsExactlyOneAttribute) {
    ec2::ModifyInstanceAttributeRequest neither;
    neither.instance_id = "i-0abc";
    auto none = ec2::ModifyInstanceAttribute(client_, neither);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, "InvalidParameterCombination");
    EXPECT_EQ(none.error().operation, "ec2:ModifyInstanceAttribute");

    ec2::ModifyInstanceAttributeRequest both = neither;
    both.disable_api_termination = true;
    both.group_ids = {"sg-1"};
    EXPECT_FALSE(ec2::ModifyInstanceAttribute(client_, both).has_value());
    EXPECT_TRUE(transport_->sent().empty());
}

TEST_F(OpsTest, CreateSnapshot) {
    transport_->Reply(200,
                      Ec2Body("CreateSnapshot",
                              "<snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId><status>"
                              "pending</status><startTime>2024-01-01T00:00:00.000Z</startTime><"
                              "progress></progress><ownerId>123456789012</ownerId><volumeSize>8</"
                              "volumeSize><description>IR evidence</description><encrypted>false<"
                              "/encrypted><tagSet><item><key>case</key><value>IR-1</value></item>"
                              "</tagSet>"));
    ec2::CreateSnapshotRequest request;
    request.volume_id = "vol-1";
    request.description = "IR evidence";
    request.tags = {{"case", "IR-1"}};
    auto response = ec2::CreateSnapshot(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=CreateSnapshot&Version=2016-11-15&VolumeId=vol-1&Description=IR+evidence&"
               "TagSpecification.1.ResourceType=snapshot&TagSpecification.1.Tag.1.Key=case&"
               "TagSpecification.1.Tag.1.Value=IR-1");
    const ec2::Snapshot& snapshot = response->snapshot;
    EXPECT_EQ(snapshot.snapshot_id, "snap-1");
    EXPECT_EQ(snapshot.volume_id, "vol-1");
    EXPECT_EQ(snapshot.state, "pending");
    EXPECT_EQ(snapshot.start_time, Utc(2024, 1, 1, 0));
    EXPECT_EQ(snapshot.progress, "");
    EXPECT_EQ(snapshot.owner_id, "123456789012");
    EXPECT_EQ(snapshot.volume_size_gib, 8);
    EXPECT_EQ(snapshot.description, "IR evidence");
    EXPECT_EQ(snapshot.encrypted, false);
    EXPECT_EQ(snapshot.tags, (std::vector<ec2::Tag>{{"case", "IR-1"}}));
    EXPECT_EQ(response->request_id, kEc2RequestId);
}

TEST_F(OpsTest, DescribeVolumes) {
    transport_->Reply(
            200,
            Ec2Body("DescribeVolumes",
                    "<volumeSet><item><volumeId>vol-1</volumeId><size>8</size><snapshotId/><"
                    "availabilityZone>us-east-1a</availabilityZone><status>in-use</status><"
                    "createTime>2023-12-31T23:59:00.000Z</createTime><attachmentSet><item><"
                    "volumeId>vol-1</volumeId><instanceId>i-0abc</instanceId><device>/dev/xvda</"
                    "device><status>attached</status><attachTime>2024-01-01T00:00:05.000Z</"
                    "attachTime><deleteOnTermination>true</deleteOnTermination></item></"
                    "attachmentSet><volumeType>gp3</volumeType><encrypted>false</encrypted></"
                    "item></volumeSet>"));
    ec2::DescribeVolumesRequest request;
    request.volume_ids = {"vol-1"};
    request.filters = {{"attachment.instance-id", {"i-0abc"}}};
    auto response = ec2::DescribeVolumes(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=DescribeVolumes&Version=2016-11-15&VolumeId.1=vol-1&Filter.1.Name="
               "attachment.instance-id&Filter.1.Value.1=i-0abc");
    ASSERT_EQ(response->volumes.size(), 1u);
    const ec2::Volume& volume = response->volumes[0];
    EXPECT_EQ(volume.volume_id, "vol-1");
    EXPECT_EQ(volume.size_gib, 8);
    EXPECT_EQ(volume.snapshot_id, "");
    EXPECT_EQ(volume.availability_zone, "us-east-1a");
    EXPECT_EQ(volume.state, "in-use");
    EXPECT_EQ(volume.create_time, Utc(2023, 12, 31, 23 * 3600 + 59 * 60));
    ASSERT_EQ(volume.attachments.size(), 1u);
    EXPECT_EQ(volume.attachments[0].volume_id, "vol-1");
    EXPECT_EQ(volume.attachments[0].instance_id, "i-0abc");
    EXPECT_EQ(volume.attachments[0].device, "/dev/xvda");
    EXPECT_EQ(volume.attachments[0].state, "attached");
    EXPECT_EQ(volume.attachments[0].attach_time, Utc(2024, 1, 1, 5));
    EXPECT_EQ(volume.attachments[0].delete_on_termination, true);
    EXPECT_EQ(volume.volume_type, "gp3");
    EXPECT_EQ(volume.encrypted, false);
    EXPECT_TRUE(volume.tags.empty());
    EXPECT_EQ(response->next_token, "");
}

TEST_F(OpsTest, CreateTags) {
    transport_->Reply(200, Ec2Body("CreateTags", "<return>true</return>"));
    ec2::CreateTagsRequest request;
    request.resource_ids = {"i-0abc", "vol-1"};
    request.tags = {{"quarantine", "true"}};
    auto response = ec2::CreateTags(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=CreateTags&Version=2016-11-15&ResourceId.1=i-0abc&ResourceId.2=vol-1&Tag.1."
               "Key=quarantine&Tag.1.Value=true");
    EXPECT_EQ(response->request_id, kEc2RequestId);
}

TEST_F(OpsTest, StopInstances) {
    transport_->Reply(200,
                      Ec2Body("StopInstances",
                              "<instancesSet><item><instanceId>i-0abc</instanceId><currentState><"
                              "code>64</code><name>stopping</name></currentState><previousState>"
                              "<code>16</code><name>running</name></previousState></item></"
                              "instancesSet>"));
    ec2::StopInstancesRequest request;
    request.instance_ids = {"i-0abc"};
    request.force = true;
    auto response = ec2::StopInstances(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-0abc&Force=true");
    ASSERT_EQ(response->changes.size(), 1u);
    EXPECT_EQ(response->changes[0].instance_id, "i-0abc");
    EXPECT_EQ(response->changes[0].current_state.code, 64);
    EXPECT_EQ(response->changes[0].current_state.name, "stopping");
    EXPECT_EQ(response->changes[0].previous_state.code, 16);
    EXPECT_EQ(response->changes[0].previous_state.name, "running");

    ec2::StopInstancesRequest hibernate;
    hibernate.instance_ids = {"i-1", "i-2"};
    hibernate.hibernate = true;
    EXPECT_EQ(DecodeForm(ec2::EncodeStopInstances(hibernate).Encode()),
              DecodeForm("InstanceId.1=i-1&InstanceId.2=i-2&Hibernate=true"));
}

TEST_F(OpsTest, DescribeSnapshots) {
    transport_->Reply(200,
                      Ec2Body("DescribeSnapshots",
                              "<snapshotSet><item><snapshotId>snap-1</snapshotId><volumeId>vol-1<"
                              "/volumeId><status>completed</status><startTime>2024-01-01T00:00:"
                              "00.000Z</startTime><progress>100%</progress><ownerId>123456789012<"
                              "/ownerId><volumeSize>8</volumeSize><description>IR evidence</"
                              "description><encrypted>false</encrypted><tagSet><item><key>case</"
                              "key><value>IR-1</value></item></tagSet></item></snapshotSet><"
                              "nextToken>page-2</nextToken>"));
    ec2::DescribeSnapshotsRequest request;
    request.owner_ids = {"self"};
    request.filters = {{"volume-id", {"vol-1"}}, {"tag:case", {"IR-1", "IR-2"}}};
    request.max_results = 5;
    auto response = ec2::DescribeSnapshots(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=DescribeSnapshots&Version=2016-11-15&Owner.1=self&Filter.1.Name=volume-id&"
               "Filter.1.Value.1=vol-1&Filter.2.Name=tag%3Acase&Filter.2.Value.1=IR-1&Filter.2."
               "Value.2=IR-2&MaxResults=5");
    ASSERT_EQ(response->snapshots.size(), 1u);
    const ec2::Snapshot& snapshot = response->snapshots[0];
    EXPECT_EQ(snapshot.snapshot_id, "snap-1");
    EXPECT_EQ(snapshot.volume_id, "vol-1");
    EXPECT_EQ(snapshot.state, "completed");
    EXPECT_EQ(snapshot.progress, "100%");
    EXPECT_EQ(snapshot.start_time, Utc(2024, 1, 1, 0));
    EXPECT_EQ(snapshot.owner_id, "123456789012");
    EXPECT_EQ(snapshot.volume_size_gib, 8);
    EXPECT_EQ(snapshot.tags, (std::vector<ec2::Tag>{{"case", "IR-1"}}));
    EXPECT_EQ(response->next_token, "page-2");
    EXPECT_EQ(response->request_id, kEc2RequestId);

    ec2::DescribeSnapshotsRequest by_id;
    by_id.snapshot_ids = {"snap-1", "snap-2"};
    by_id.next_token = "t";
    EXPECT_EQ(DecodeForm(ec2::EncodeDescribeSnapshots(by_id).Encode()),
              DecodeForm("SnapshotId.1=snap-1&SnapshotId.2=snap-2&NextToken=t"));
}

TEST_F(OpsTest, TerminateInstances) {
    transport_->Reply(200,
                      Ec2Body("TerminateInstances",
                              "<instancesSet><item><instanceId>i-0abc</instanceId><currentState><"
                              "code>32</code><name>shutting-down</name></currentState><"
                              "previousState><code>16</code><name>running</name></previousState>"
                              "</item></instancesSet>"));
    auto response = ec2::TerminateInstances(client_, {{"i-0abc"}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-0abc");
    ASSERT_EQ(response->changes.size(), 1u);
    EXPECT_EQ(response->changes[0].instance_id, "i-0abc");
    EXPECT_EQ(response->changes[0].current_state.code, 32);
    EXPECT_EQ(response->changes[0].current_state.name, "shutting-down");
    EXPECT_EQ(response->changes[0].previous_state.name, "running");
    EXPECT_EQ(response->request_id, kEc2RequestId);
}

TEST_F(OpsTest, TerminateInstancesOperationNotPermitted) {
    transport_->Reply(400,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>"
                      "OperationNotPermitted</Code><Message>The instance 'i-0abc' may not be "
                      "terminated. Modify its 'disableApiTermination' instance attribute and try "
                      "again.</Message></Error></Errors><RequestID>r-1</RequestID></Response>");
    auto response = ec2::TerminateInstances(client_, {{"i-0abc"}});
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(response.error().code, "OperationNotPermitted");
    EXPECT_EQ(response.error().operation, "ec2:TerminateInstances");
    EXPECT_EQ(transport_->sent().size(), 1u);
}

TEST_F(OpsTest, CreateSecurityGroup) {
    transport_->Reply(
            200, Ec2Body("CreateSecurityGroup", "<return>true</return><groupId>sg-0123</groupId>"));
    ec2::CreateSecurityGroupRequest request;
    request.group_name = "quarantine";
    request.description = "no traffic";
    request.vpc_id = "vpc-1";
    auto response = ec2::CreateSecurityGroup(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=CreateSecurityGroup&Version=2016-11-15&GroupName=quarantine&"
               "GroupDescription=no+traffic&VpcId=vpc-1");
    EXPECT_EQ(response->group_id, "sg-0123");
    EXPECT_EQ(response->request_id, kEc2RequestId);

    request.tags = {{"case", "IR-1"}};
    EXPECT_EQ(DecodeForm(ec2::EncodeCreateSecurityGroup(request).Encode()),
              DecodeForm("GroupName=quarantine&GroupDescription=no+traffic&VpcId=vpc-1&"
                         "TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1."
                         "Key=case&TagSpecification.1.Tag.1.Value=IR-1"));
}

TEST_F(OpsTest, CreateSecurityGroupWithoutGroupIdIsAnInvalidResponse) {
    transport_->Reply(200, Ec2Body("CreateSecurityGroup", "<return>true</return>"));
    auto response = ec2::CreateSecurityGroup(client_, {"quarantine", "no traffic", "vpc-1", {}});
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(response.error().code, "InvalidResponse");
    EXPECT_NE(response.error().message.find("groupId"), std::string::npos);
    EXPECT_EQ(response.error().operation, "ec2:CreateSecurityGroup");
    EXPECT_EQ(response.error().request_id, kEc2RequestId);
}

TEST_F(OpsTest, AuthorizeSecurityGroupIngress) {
    transport_->Reply(
            200,
            Ec2Body("AuthorizeSecurityGroupIngress",
                    "<return>true</return><securityGroupRuleSet><item><securityGroupRuleId>sgr-1<"
                    "/securityGroupRuleId><groupId>sg-1</groupId><groupOwnerId>123456789012</"
                    "groupOwnerId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort"
                    ">22</fromPort><toPort>22</toPort><cidrIpv4>10.0.0.0/8</cidrIpv4></item></"
                    "securityGroupRuleSet>"));
    ec2::IpPermission permission;
    permission.ip_protocol = "tcp";
    permission.from_port = 22;
    permission.to_port = 22;
    permission.ipv4_ranges = {{"10.0.0.0/8", "ssh"}};
    permission.groups = {{"sg-2", "", "", ""}};
    auto response = ec2::AuthorizeSecurityGroupIngress(client_, {"sg-1", {permission}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&"
               "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort="
               "22&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8&IpPermissions.1.IpRanges.1."
               "Description=ssh&IpPermissions.1.Groups.1.GroupId=sg-2");
    EXPECT_TRUE(response->return_value);
    ASSERT_EQ(response->rules.size(), 1u);
    const ec2::SecurityGroupRule& rule = response->rules[0];
    EXPECT_EQ(rule.rule_id, "sgr-1");
    EXPECT_EQ(rule.group_id, "sg-1");
    EXPECT_EQ(rule.group_owner_id, "123456789012");
    EXPECT_EQ(rule.is_egress, false);
    EXPECT_EQ(rule.ip_protocol, "tcp");
    EXPECT_EQ(rule.from_port, 22);
    EXPECT_EQ(rule.to_port, 22);
    EXPECT_EQ(rule.cidr_ipv4, "10.0.0.0/8");
    EXPECT_EQ(rule.cidr_ipv6, "");
}

TEST_F(OpsTest, RevokeSecurityGroupIngress) {
    transport_->Reply(
            200,
            Ec2Body("RevokeSecurityGroupIngress",
                    "<return>true</return><unknownIpPermissionSet><item><ipProtocol>tcp</"
                    "ipProtocol><fromPort>443</fromPort><toPort>443</toPort><groups/><ipRanges/><"
                    "ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges><prefixListIds/"
                    "></item></unknownIpPermissionSet>"));
    ec2::IpPermission permission;
    permission.ip_protocol = "tcp";
    permission.from_port = 443;
    permission.to_port = 443;
    permission.ipv6_ranges = {{"::/0", ""}};
    permission.prefix_lists = {{"pl-1", "s3"}};
    auto response = ec2::RevokeSecurityGroupIngress(client_, {"sg-1", {permission}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1."
               "IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443&"
               "IpPermissions.1.Ipv6Ranges.1.CidrIpv6=%3A%3A%2F0&IpPermissions.1.PrefixListIds.1."
               "PrefixListId=pl-1&IpPermissions.1.PrefixListIds.1.Description=s3");
    EXPECT_TRUE(response->return_value);
    ASSERT_EQ(response->unknown_ip_permissions.size(), 1u);
    const ec2::IpPermission& unknown = response->unknown_ip_permissions[0];
    EXPECT_EQ(unknown.ip_protocol, "tcp");
    EXPECT_EQ(unknown.from_port, 443);
    ASSERT_EQ(unknown.ipv6_ranges.size(), 1u);
    EXPECT_EQ(unknown.ipv6_ranges[0].cidr, "::/0");
    EXPECT_TRUE(unknown.ipv4_ranges.empty());
}

TEST_F(OpsTest, RevokeSecurityGroupEgress) {
    transport_->Reply(200, Ec2Body("RevokeSecurityGroupEgress", "<return>true</return>"));
    ec2::IpPermission all_traffic;
    all_traffic.ip_protocol = "-1";
    all_traffic.ipv4_ranges = {{"0.0.0.0/0", ""}};
    auto response = ec2::RevokeSecurityGroupEgress(client_, {"sg-1", {all_traffic}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=RevokeSecurityGroupEgress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1."
               "IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0");
    EXPECT_TRUE(response->return_value);
    EXPECT_TRUE(response->unknown_ip_permissions.empty());
    EXPECT_EQ(response->request_id, kEc2RequestId);

    auto missing = ec2::ParseRevokeSecurityGroupEgress(
            MakeReply(Ec2Body("RevokeSecurityGroupEgress", ""), true));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "InvalidResponse");
    EXPECT_NE(missing.error().message.find("<return>"), std::string::npos);
}

TEST_F(OpsTest, RunInstances) {
    transport_->Reply(200,
                      Ec2Body("RunInstances",
                              "<reservationId>r-2</reservationId><ownerId>123456789012</ownerId><"
                              "groupSet/><instancesSet>" +
                                      std::string(kInstanceXml) + "</instancesSet>"));
    ec2::RunInstancesRequest request;
    request.image_id = "ami-1";
    request.instance_type = "t3.micro";
    request.security_group_ids = {"sg-1"};
    request.tags = {{"Name", "forensics"}};
    auto response = ec2::RunInstances(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&InstanceType=t3.micro&"
               "MinCount=1&MaxCount=1&SecurityGroupId.1=sg-1&TagSpecification.1.ResourceType="
               "instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value="
               "forensics");
    EXPECT_EQ(response->reservation.reservation_id, "r-2");
    EXPECT_EQ(response->reservation.owner_id, "123456789012");
    ASSERT_EQ(response->reservation.instances.size(), 1u);
    ExpectNotesInstance(response->reservation.instances[0]);
}

TEST_F(OpsTest, RunInstancesOptionalFields) {
    ec2::RunInstancesRequest request;
    request.image_id = "ami-1";
    request.instance_type = "t3.micro";
    request.subnet_id = "subnet-1";
    request.key_name = "ir";
    request.user_data = "#!/bin/sh\necho hi\n";
    request.disable_api_termination = true;
    EXPECT_EQ(DecodeForm(ec2::EncodeRunInstances(request).Encode()),
              DecodeForm("ImageId=ami-1&InstanceType=t3.micro&MinCount=1&MaxCount=1&KeyName=ir&"
                         "SubnetId=subnet-1&UserData=IyEvYmluL3NoCmVjaG8gaGkK&"
                         "DisableApiTermination=true"));
}

TEST_F(OpsTest, DescribeSecurityGroups) {
    transport_->Reply(
            200,
            Ec2Body("DescribeSecurityGroups",
                    "<securityGroupInfo><item><ownerId>123456789012</ownerId><groupId>sg-1</"
                    "groupId><groupName>web</groupName><groupDescription>web tier</"
                    "groupDescription><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>"
                    "22</fromPort><toPort>22</toPort><groups><item><userId>123456789012</"
                    "userId><groupId>sg-2</groupId></item></groups><ipRanges><item><cidrIp>10.0."
                    "0.0/8</cidrIp><description>ssh</description></item></ipRanges><ipv6Ranges/><"
                    "prefixListIds/></item></ipPermissions><ipPermissionsEgress><item><ipProtocol"
                    ">-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></"
                    "ipRanges><ipv6Ranges/><prefixListIds><item><prefixListId>pl-1</"
                    "prefixListId></item></prefixListIds></item></ipPermissionsEgress><vpcId>vpc-"
                    "1</vpcId><tagSet><item><key>env</key><value>prod</value></item></tagSet></"
                    "item></securityGroupInfo>"));
    ec2::DescribeSecurityGroupsRequest request;
    request.group_ids = {"sg-1"};
    request.group_names = {"web"};
    request.filters = {{"vpc-id", {"vpc-1"}}};
    auto response = ec2::DescribeSecurityGroups(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kEc2Wire,
               "Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1&GroupName.1=web&"
               "Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1");
    ASSERT_EQ(response->groups.size(), 1u);
    const ec2::SecurityGroup& group = response->groups[0];
    EXPECT_EQ(group.group_id, "sg-1");
    EXPECT_EQ(group.group_name, "web");
    EXPECT_EQ(group.description, "web tier");
    EXPECT_EQ(group.vpc_id, "vpc-1");
    EXPECT_EQ(group.owner_id, "123456789012");
    ASSERT_EQ(group.ingress.size(), 1u);
    EXPECT_EQ(group.ingress[0].ip_protocol, "tcp");
    EXPECT_EQ(group.ingress[0].from_port, 22);
    EXPECT_EQ(group.ingress[0].to_port, 22);
    ASSERT_EQ(group.ingress[0].ipv4_ranges.size(), 1u);
    EXPECT_EQ(group.ingress[0].ipv4_ranges[0].cidr, "10.0.0.0/8");
    EXPECT_EQ(group.ingress[0].ipv4_ranges[0].description, "ssh");
    ASSERT_EQ(group.ingress[0].groups.size(), 1u);
    EXPECT_EQ(group.ingress[0].groups[0].group_id, "sg-2");
    EXPECT_EQ(group.ingress[0].groups[0].user_id, "123456789012");
    ASSERT_EQ(group.egress.size(), 1u);
    EXPECT_EQ(group.egress[0].ip_protocol, "-1");
    EXPECT_EQ(group.egress[0].from_port, std::nullopt);
    EXPECT_EQ(group.egress[0].ipv4_ranges.at(0).cidr, "0.0.0.0/0");
    ASSERT_EQ(group.egress[0].prefix_lists.size(), 1u);
    EXPECT_EQ(group.egress[0].prefix_lists[0].prefix_list_id, "pl-1");
    EXPECT_EQ(group.tags, (std::vector<ec2::Tag>{{"env", "prod"}}));
}

TEST_F(OpsTest, Ec2RepliesWithoutTheirSetAreInvalidResponses) {
    auto body = [](const char* op) {
        return Ec2Body(op, "<return>true</return>");
    };
    auto expect_missing = [&](const char* op, const ApiError& error, const char* element) {
        SCOPED_TRACE(op);
        EXPECT_EQ(error.code, "InvalidResponse");
        EXPECT_EQ(error.operation, std::string("ec2:") + op);
        EXPECT_EQ(error.request_id, kEc2RequestId);
        EXPECT_NE(error.message.find(element), std::string::npos) << error.message;
    };
    expect_missing("DescribeInstances",
                   ec2::ParseDescribeInstances(MakeReply(body("DescribeInstances"), true)).error(),
                   "reservationSet");
    expect_missing("CreateSnapshot",
                   ec2::ParseCreateSnapshot(MakeReply(body("CreateSnapshot"), true)).error(),
                   "snapshotId");
    expect_missing("DescribeVolumes",
                   ec2::ParseDescribeVolumes(MakeReply(body("DescribeVolumes"), true)).error(),
                   "volumeSet");
    expect_missing("StopInstances",
                   ec2::ParseStopInstances(MakeReply(body("StopInstances"), true)).error(),
                   "instancesSet");
    expect_missing("DescribeSnapshots",
                   ec2::ParseDescribeSnapshots(MakeReply(body("DescribeSnapshots"), true)).error(),
                   "snapshotSet");
    expect_missing(
            "TerminateInstances",
            ec2::ParseTerminateInstances(MakeReply(body("TerminateInstances"), true)).error(),
            "instancesSet");
    expect_missing("RunInstances",
                   ec2::ParseRunInstances(MakeReply(body("RunInstances"), true)).error(),
                   "instancesSet");
    expect_missing("DescribeSecurityGroups",
                   ec2::ParseDescribeSecurityGroups(MakeReply(body("DescribeSecurityGroups"), true))
                           .error(),
                   "securityGroupInfo");
    expect_missing("AuthorizeSecurityGroupIngress",
                   ec2::ParseAuthorizeSecurityGroupIngress(
                           MakeReply(Ec2Body("AuthorizeSecurityGroupIngress", ""), true))
                           .error(),
                   "return");
}

TEST_F(OpsTest, Ec2ErrorReply) {
    transport_->Reply(400,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>"
                      "InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0abc' does "
                      "not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-"
                      "example</RequestID></Response>");
    auto response = ec2::StopInstances(client_, {{"i-0abc"}, std::nullopt, std::nullopt});
    ASSERT_FALSE(response.has_value());
    const ApiError& error = response.error();
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.code, "InvalidInstanceID.NotFound");
    EXPECT_EQ(error.message, "The instance ID 'i-0abc' does not exist");
    EXPECT_EQ(error.request_id, "ea966190-f9aa-478e-9ede-example");
    EXPECT_EQ(error.operation, "ec2:StopInstances");
    EXPECT_FALSE(error.retryable);
    EXPECT_EQ(transport_->sent().size(), 1u);
}

TEST_F(OpsTest, Ec2ThrottlingIsRetried) {
    transport_->Reply(503,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>"
                      "RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></"
                      "Error></Errors><RequestID>throttled-1</RequestID></Response>");
    transport_->Reply(200, Ec2Body("CreateTags", "<return>true</return>"));
    auto response = ec2::CreateTags(client_, {{"i-0abc"}, {{"quarantine", "true"}}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    EXPECT_EQ(response->request_id, kEc2RequestId);
    ASSERT_EQ(transport_->sent().size(), 2u);
    EXPECT_EQ(AwsClient::LastCallStats().attempts, 2);
    for (const FakeTransport::Sent& sent : transport_->sent()) {
        ExpectWire(sent,
                   kEc2Wire,
                   "Action=CreateTags&Version=2016-11-15&ResourceId.1=i-0abc&Tag.1.Key=quarantine&"
                   "Tag.1.Value=true");
    }
}

// ---- Auto Scaling --------------------------------------------------------------------------

TEST_F(OpsTest, DetachInstances) {
    transport_->Reply(200,
                      QueryBody("DetachInstances",
                                kAutoScalingNs,
                                "<Activities><member><ActivityId>a-1</ActivityId><"
                                "AutoScalingGroupName>asg1</AutoScalingGroupName><Description>"
                                "Detaching EC2 instance: i-0abc</Description><Cause>At 2024-01-"
                                "01T00:00:00Z instance i-0abc was detached</Cause><StartTime>2024-"
                                "01-01T00:00:00Z</StartTime><StatusCode>InProgress</StatusCode><"
                                "Progress>50</Progress></member></Activities>"));
    autoscaling::DetachInstancesRequest request;
    request.instance_ids = {"i-0abc"};
    request.auto_scaling_group_name = "asg1";
    auto response = autoscaling::DetachInstances(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kAutoScalingWire,
               "Action=DetachInstances&Version=2011-01-01&InstanceIds.member.1=i-0abc&"
               "AutoScalingGroupName=asg1&ShouldDecrementDesiredCapacity=false");
    EXPECT_EQ(response->request_id, kQueryRequestId);
    ASSERT_EQ(response->activities.size(), 1u);
    const autoscaling::Activity& activity = response->activities[0];
    EXPECT_EQ(activity.activity_id, "a-1");
    EXPECT_EQ(activity.auto_scaling_group_name, "asg1");
    EXPECT_EQ(activity.description, "Detaching EC2 instance: i-0abc");
    EXPECT_EQ(activity.cause, "At 2024-01-01T00:00:00Z instance i-0abc was detached");
    EXPECT_EQ(activity.start_time, Utc(2024, 1, 1, 0));
    EXPECT_EQ(activity.end_time, std::nullopt);
    EXPECT_EQ(activity.status_code, "InProgress");
    EXPECT_EQ(activity.progress, 50);

    request.should_decrement_desired_capacity = true;
    EXPECT_EQ(DecodeForm(autoscaling::EncodeDetachInstances(request).Encode()),
              DecodeForm("InstanceIds.member.1=i-0abc&AutoScalingGroupName=asg1&"
                         "ShouldDecrementDesiredCapacity=true"));
}

TEST_F(OpsTest, DescribeAutoScalingInstances) {
    transport_->Reply(200,
                      QueryBody("DescribeAutoScalingInstances",
                                kAutoScalingNs,
                                "<AutoScalingInstances><member><InstanceId>i-0abc</InstanceId><"
                                "InstanceType>t3.micro</InstanceType><AutoScalingGroupName>asg1</"
                                "AutoScalingGroupName><AvailabilityZone>us-east-1a</"
                                "AvailabilityZone><LifecycleState>InService</LifecycleState><"
                                "HealthStatus>HEALTHY</HealthStatus><ProtectedFromScaleIn>false</"
                                "ProtectedFromScaleIn></member></AutoScalingInstances>"));
    autoscaling::DescribeAutoScalingInstancesRequest request;
    request.instance_ids = {"i-0abc"};
    auto response = autoscaling::DescribeAutoScalingInstances(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kAutoScalingWire,
               "Action=DescribeAutoScalingInstances&Version=2011-01-01&InstanceIds.member.1=i-"
               "0abc");
    ASSERT_EQ(response->instances.size(), 1u);
    const autoscaling::AutoScalingInstance& instance = response->instances[0];
    EXPECT_EQ(instance.instance_id, "i-0abc");
    EXPECT_EQ(instance.instance_type, "t3.micro");
    EXPECT_EQ(instance.auto_scaling_group_name, "asg1");
    EXPECT_EQ(instance.availability_zone, "us-east-1a");
    EXPECT_EQ(instance.lifecycle_state, "InService");
    EXPECT_EQ(instance.health_status, "HEALTHY");
    EXPECT_EQ(instance.protected_from_scale_in, false);
    EXPECT_EQ(response->next_token, "");
    EXPECT_EQ(response->request_id, kQueryRequestId);

    request.max_records = 50;
    request.next_token = "tok";
    EXPECT_EQ(DecodeForm(autoscaling::EncodeDescribeAutoScalingInstances(request).Encode()),
              DecodeForm("InstanceIds.member.1=i-0abc&MaxRecords=50&NextToken=tok"));
}

TEST_F(OpsTest, AutoScalingRepliesWithoutTheirListAreInvalidResponses) {
    auto detach = autoscaling::ParseDetachInstances(
            MakeReply(QueryBody("DetachInstances", kAutoScalingNs, ""), false, "DetachInstances"));
    ASSERT_FALSE(detach.has_value());
    EXPECT_EQ(detach.error().code, "InvalidResponse");
    EXPECT_EQ(detach.error().operation, "autoscaling:DetachInstances");
    EXPECT_EQ(detach.error().request_id, kQueryRequestId);
    EXPECT_NE(detach.error().message.find("Activities"), std::string::npos);

    auto describe = autoscaling::ParseDescribeAutoScalingInstances(
            MakeReply(QueryBody("DescribeAutoScalingInstances", kAutoScalingNs, ""),
                      false,
                      "DescribeAutoScalingInstances"));
    ASSERT_FALSE(describe.has_value());
    EXPECT_NE(describe.error().message.find("AutoScalingInstances"), std::string::npos);
}

TEST_F(OpsTest, QueryErrorReply) {
    transport_->Reply(400,
                      "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                      "<Error><Type>Sender</Type><Code>ValidationError</Code><Message>The "
                      "instance i-0abc is not part of Auto Scaling group asg1.</Message></Error>"
                      "<RequestId>e2b1b5c0-asg-error</RequestId></ErrorResponse>");
    auto response = autoscaling::DetachInstances(client_, {{"i-0abc"}, "asg1", false});
    ASSERT_FALSE(response.has_value());
    const ApiError& error = response.error();
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.code, "ValidationError");
    EXPECT_EQ(error.message, "The instance i-0abc is not part of Auto Scaling group asg1.");
    EXPECT_EQ(error.request_id, "e2b1b5c0-asg-error");
    EXPECT_EQ(error.operation, "autoscaling:DetachInstances");
    EXPECT_FALSE(error.retryable);
    EXPECT_EQ(transport_->sent().size(), 1u);
}

TEST_F(OpsTest, QueryThrottlingIsRetried) {
    transport_->Reply(400,
                      "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                      "<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</"
                      "Message></Error><RequestId>throttled-2</RequestId></ErrorResponse>");
    transport_->Reply(
            200,
            QueryBody("DescribeAutoScalingInstances", kAutoScalingNs, "<AutoScalingInstances/>"));
    auto response = autoscaling::DescribeAutoScalingInstances(client_, {{"i-0abc"}, {}, ""});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    EXPECT_TRUE(response->instances.empty());
    EXPECT_EQ(response->request_id, kQueryRequestId);
    ASSERT_EQ(transport_->sent().size(), 2u);
    EXPECT_EQ(AwsClient::LastCallStats().attempts, 2);
    for (const FakeTransport::Sent& sent : transport_->sent()) {
        ExpectWire(sent,
                   kAutoScalingWire,
                   "Action=DescribeAutoScalingInstances&Version=2011-01-01&InstanceIds.member.1=i-"
                   "0abc");
    }
}

// ---- ELB classic and ELBv2 -----------------------------------------------------------------

TEST_F(OpsTest, DescribeLoadBalancers) {
    transport_->Reply(
            200,
            QueryBody("DescribeLoadBalancers",
                      kElbNs,
                      "<LoadBalancerDescriptions><member><LoadBalancerName>lb1</LoadBalancerName>"
                      "<DNSName>lb1-1.us-east-1.elb.amazonaws.com</DNSName><VPCId>vpc-1</VPCId>"
                      "<Scheme>internet-facing</Scheme><Instances><member><InstanceId>i-1<"
                      "/InstanceId></member><member><InstanceId>i-2</InstanceId></member><"
                      "/Instances><AvailabilityZones><member>us-east-1a</member><"
                      "/AvailabilityZones><Subnets><member>subnet-1</member></Subnets><"
                      "SecurityGroups><member>sg-1</member></SecurityGroups></member><"
                      "/LoadBalancerDescriptions><NextMarker>m2</NextMarker>"));
    auto response = elb::DescribeLoadBalancers(client_, {{"lb1", "lb2"}, ""});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kElbWire,
               "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=lb1&"
               "LoadBalancerNames.member.2=lb2");
    ASSERT_EQ(response->load_balancers.size(), 1u);
    const elb::LoadBalancerDescription& lb = response->load_balancers[0];
    EXPECT_EQ(lb.load_balancer_name, "lb1");
    EXPECT_EQ(lb.dns_name, "lb1-1.us-east-1.elb.amazonaws.com");
    EXPECT_EQ(lb.vpc_id, "vpc-1");
    EXPECT_EQ(lb.instance_ids, (std::vector<std::string>{"i-1", "i-2"}));
    EXPECT_EQ(lb.availability_zones, std::vector<std::string>{"us-east-1a"});
    EXPECT_EQ(lb.subnets, std::vector<std::string>{"subnet-1"});
    EXPECT_EQ(lb.security_groups, std::vector<std::string>{"sg-1"});
    EXPECT_EQ(response->next_marker, "m2");
    EXPECT_EQ(response->request_id, kQueryRequestId);

    auto missing = elb::ParseDescribeLoadBalancers(MakeReply(
            QueryBody("DescribeLoadBalancers", kElbNs, ""), false, "DescribeLoadBalancers"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "InvalidResponse");
}

TEST_F(OpsTest, DeregisterInstancesFromLoadBalancer) {
    transport_->Reply(200,
                      QueryBody("DeregisterInstancesFromLoadBalancer",
                                kElbNs,
                                "<Instances><member><InstanceId>i-still-registered</InstanceId></"
                                "member></Instances>"));
    auto response = elb::DeregisterInstancesFromLoadBalancer(client_, {"lb1", {"i-0abc"}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kElbWire,
               "Action=DeregisterInstancesFromLoadBalancer&Version=2012-06-01&LoadBalancerName=lb1&"
               "Instances.member.1.InstanceId=i-0abc");
    EXPECT_EQ(response->remaining_instance_ids, std::vector<std::string>{"i-still-registered"});
    EXPECT_EQ(response->request_id, kQueryRequestId);

    auto missing = elb::ParseDeregisterInstancesFromLoadBalancer(
            MakeReply(QueryBody("DeregisterInstancesFromLoadBalancer", kElbNs, ""),
                      false,
                      "DeregisterInstancesFromLoadBalancer"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "InvalidResponse");
    EXPECT_EQ(missing.error().operation, "elb:DeregisterInstancesFromLoadBalancer");
}

TEST_F(OpsTest, DeregisterTargets) {
    transport_->Reply(200,
                      "<DeregisterTargetsResponse xmlns=\"http://elasticloadbalancing.amazonaws."
                      "com/doc/2015-12-01/\"><DeregisterTargetsResult/><ResponseMetadata><"
                      "RequestId>" +
                              std::string(kQueryRequestId) +
                              "</RequestId></ResponseMetadata></DeregisterTargetsResponse>");
    const std::string arn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
    auto response = elbv2::DeregisterTargets(client_, {arn, {{"i-0abc", 80, ""}}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kElbWire,
               "Action=DeregisterTargets&Version=2015-12-01&TargetGroupArn=arn%3Aaws%"
               "3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Atargetgroup%2Fweb%"
               "2F0123456789abcdef&Targets.member.1.Id=i-0abc&Targets.member.1.Port=80");
    EXPECT_EQ(response->request_id, kQueryRequestId);

    elbv2::DeregisterTargetsRequest ip_target{arn, {{"10.1.2.3", std::nullopt, "all"}}};
    EXPECT_EQ(DecodeForm(elbv2::EncodeDeregisterTargets(ip_target).Encode()),
              DecodeForm("TargetGroupArn=" + arn +
                         "&Targets.member.1.Id=10.1.2.3&Targets.member.1.AvailabilityZone=all"));
}

TEST_F(OpsTest, DescribeTargetHealth) {
    transport_->Reply(
            200,
            QueryBody("DescribeTargetHealth",
                      kElbV2Ns,
                      "<TargetHealthDescriptions><member><Target><Id>i-0abc</Id><Port>80</Port></"
                      "Target><HealthCheckPort>80</HealthCheckPort><TargetHealth><State>draining</"
                      "State><Reason>Target.DeregistrationInProgress</Reason><Description>Target "
                      "deregistration is in progress</Description></TargetHealth></member><member>"
                      "<Target><Id>i-0def</Id><Port>80</Port></Target><HealthCheckPort>80</"
                      "HealthCheckPort><TargetHealth><State>healthy</State></TargetHealth></"
                      "member></TargetHealthDescriptions>"));
    const std::string arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1";
    auto response = elbv2::DescribeTargetHealth(client_, {arn, {{"i-0abc", 80, ""}}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kElbWire,
               "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=" + arn +
                       "&Targets.member.1.Id=i-0abc&Targets.member.1.Port=80");
    ASSERT_EQ(response->targets.size(), 2u);
    const elbv2::TargetHealth& draining = response->targets[0];
    EXPECT_EQ(draining.id, "i-0abc");
    EXPECT_EQ(draining.port, 80);
    EXPECT_EQ(draining.availability_zone, "");
    EXPECT_EQ(draining.health_check_port, "80");
    EXPECT_EQ(draining.state, "draining");
    EXPECT_EQ(draining.reason, "Target.DeregistrationInProgress");
    EXPECT_EQ(draining.description, "Target deregistration is in progress");
    EXPECT_EQ(response->targets[1].id, "i-0def");
    EXPECT_EQ(response->targets[1].state, "healthy");
    EXPECT_EQ(response->targets[1].reason, "");

    EXPECT_EQ(DecodeForm(elbv2::EncodeDescribeTargetHealth({arn, {}}).Encode()),
              DecodeForm("TargetGroupArn=" + arn));
    auto missing = elbv2::ParseDescribeTargetHealth(MakeReply(
            QueryBody("DescribeTargetHealth", kElbV2Ns, ""), false, "DescribeTargetHealth"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "InvalidResponse");
    EXPECT_EQ(missing.error().operation, "elbv2:DescribeTargetHealth");
    EXPECT_NE(missing.error().message.find("TargetHealthDescriptions"), std::string::npos);
}

TEST_F(OpsTest, DescribeTargetGroups) {
    const std::string tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1";
    const std::string lb =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/2";
    transport_->Reply(200,
                      QueryBody("DescribeTargetGroups",
                                kElbV2Ns,
                                "<TargetGroups><member><TargetGroupArn>" + tg +
                                        "</TargetGroupArn><TargetGroupName>web</TargetGroupName>"
                                        "<Protocol>HTTP</Protocol><Port>80</Port><VpcId>vpc-1</"
                                        "VpcId><TargetType>instance</TargetType><LoadBalancerArns>"
                                        "<member>" +
                                        lb +
                                        "</member></LoadBalancerArns></member></TargetGroups>"
                                        "<NextMarker>m2</NextMarker>"));
    elbv2::DescribeTargetGroupsRequest request;
    request.target_group_arns = {tg};
    request.names = {"web", "api"};
    request.load_balancer_arn = lb;
    request.marker = "m1";
    request.page_size = 50;
    auto response = elbv2::DescribeTargetGroups(client_, request);
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    ExpectWire(OnlySent(),
               kElbWire,
               "Action=DescribeTargetGroups&Version=2015-12-01&LoadBalancerArn=" + lb +
                       "&TargetGroupArns.member.1=" + tg +
                       "&Names.member.1=web&Names.member.2=api&Marker=m1&PageSize=50");
    ASSERT_EQ(response->target_groups.size(), 1u);
    const elbv2::TargetGroupDescription& group = response->target_groups[0];
    EXPECT_EQ(group.target_group_arn, tg);
    EXPECT_EQ(group.target_group_name, "web");
    EXPECT_EQ(group.protocol, "HTTP");
    EXPECT_EQ(group.port, 80);
    EXPECT_EQ(group.vpc_id, "vpc-1");
    EXPECT_EQ(group.target_type, "instance");
    EXPECT_EQ(group.load_balancer_arns, std::vector<std::string>{lb});
    EXPECT_EQ(response->next_marker, "m2");
    EXPECT_EQ(response->request_id, kQueryRequestId);

    EXPECT_EQ(DecodeForm(elbv2::EncodeDescribeTargetGroups({}).Encode()), DecodeForm(""));
    auto missing = elbv2::ParseDescribeTargetGroups(MakeReply(
            QueryBody("DescribeTargetGroups", kElbV2Ns, ""), false, "DescribeTargetGroups"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "InvalidResponse");
    EXPECT_EQ(missing.error().operation, "elbv2:DescribeTargetGroups");
}

TEST_F(OpsTest, ElbErrorReplies) {
    transport_->Reply(400,
                      "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2012-"
                      "06-01/\"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</"
                      "Code><Message>There is no ACTIVE Load Balancer named 'lb1'</Message></"
                      "Error><RequestId>elb-error-1</RequestId></ErrorResponse>");
    auto classic = elb::DeregisterInstancesFromLoadBalancer(client_, {"lb1", {"i-0abc"}});
    ASSERT_FALSE(classic.has_value());
    EXPECT_EQ(classic.error().code, "LoadBalancerNotFound");
    EXPECT_EQ(classic.error().message, "There is no ACTIVE Load Balancer named 'lb1'");
    EXPECT_EQ(classic.error().request_id, "elb-error-1");
    EXPECT_EQ(classic.error().operation, "elb:DeregisterInstancesFromLoadBalancer");

    transport_->Reply(400,
                      "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-"
                      "12-01/\"><Error><Type>Sender</Type><Code>TargetGroupNotFound</"
                      "Code><Message>One or more target groups not found</Message></Error><"
                      "RequestId>elb-error-2</RequestId></ErrorResponse>");
    auto v2 = elbv2::DeregisterTargets(client_, {"arn:aws:tg", {{"i-0abc", std::nullopt, ""}}});
    ASSERT_FALSE(v2.has_value());
    EXPECT_EQ(v2.error().code, "TargetGroupNotFound");
    EXPECT_EQ(v2.error().message, "One or more target groups not found");
    EXPECT_EQ(v2.error().request_id, "elb-error-2");
    EXPECT_EQ(v2.error().operation, "elbv2:DeregisterTargets");
    EXPECT_EQ(transport_->sent().size(), 2u);
}

TEST_F(OpsTest, ElbV2ThrottlingIsRetried) {
    transport_->Reply(400,
                      "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-"
                      "12-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate "
                      "exceeded</Message></Error><RequestId>throttled-3</RequestId></"
                      "ErrorResponse>");
    transport_->Reply(200,
                      QueryBody("DescribeTargetHealth", kElbV2Ns, "<TargetHealthDescriptions/>"));
    auto response = elbv2::DescribeTargetHealth(client_, {"arn:aws:tg", {}});
    ASSERT_TRUE(response.has_value()) << response.error().ToString();
    EXPECT_TRUE(response->targets.empty());
    EXPECT_EQ(transport_->sent().size(), 2u);
    EXPECT_EQ(AwsClient::LastCallStats().attempts, 2);
}

}  // namespace
}  // namespace firebreak::aws
