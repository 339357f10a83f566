#!/usr/bin/env python3
"""Write N synthetic firebreak rules (docs/rules/format.md) that look like real detections.

usage: gen-rules.py OUTDIR N [SEED]

Deterministic and stdlib only. Rule i depends only on (SEED, i), so the first 10 rules of a
1,000-rule set are the 10-rule set: the scaling benchmark adds rules, it never swaps them.

Each rule matches one eventSource and one to three eventNames drawn from a large set of plausible
AWS API names (verb x resource noun per service, several thousand distinct pairs; the real names
that the synthetic archive uses are in the set too, so some rules do fire), plus one or two extra
conditions of the kinds real detections use: userIdentity.type, a prefix on userAgent, a cidr on
sourceIPAddress, anything-but on awsRegion, a numeric test, an exists test, readOnly, an ARN
suffix; one rule in six has an `unless` exception. Each rule carries one `match` and one `no-match`
test (the benchmark does not run them in `hunt`, but they are parsed, as in a real pack).

Rules are written 100 per file, as a real pack spreads rules over files.
"""
import ipaddress
import json
import os
import random
import sys

VERBS = ["Create", "Delete", "Put", "Update", "Attach", "Detach", "Describe", "List", "Get",
         "Modify", "Start", "Stop", "Enable", "Disable", "Tag", "Untag", "Associate",
         "Disassociate", "Register", "Deregister", "Reset", "Restore", "Import", "Export",
         "Authorize", "Revoke", "Copy", "Replace", "Set", "Batch Get"]

# service prefix -> resource nouns (singular/plural forms as the real APIs use them).
SERVICES = {
    "ec2": ["Instances", "Snapshot", "Snapshots", "Volume", "Volumes", "SecurityGroup",
            "SecurityGroupIngress", "SecurityGroupEgress", "Vpc", "Subnet", "RouteTable", "Route",
            "InternetGateway", "NatGateway", "KeyPair", "Image", "Images", "LaunchTemplate",
            "NetworkInterface", "NetworkAcl", "NetworkAclEntry", "FlowLogs", "VpcEndpoint",
            "TransitGateway", "InstanceAttribute", "SnapshotAttribute", "ImageAttribute",
            "SerialConsoleAccess", "EbsEncryptionByDefault", "Tags", "Address", "Addresses",
            "CustomerGateway", "VpnConnection", "DhcpOptions", "PlacementGroup", "Fleet",
            "SpotFleetRequest", "CapacityReservation", "TrafficMirrorSession"],
    "iam": ["User", "Users", "Role", "Roles", "Group", "Groups", "Policy", "Policies",
            "PolicyVersion", "UserPolicy", "RolePolicy", "GroupPolicy", "AccessKey", "AccessKeys",
            "LoginProfile", "SAMLProvider", "OpenIDConnectProvider", "InstanceProfile",
            "ServerCertificate", "SSHPublicKey", "MFADevice", "VirtualMFADevice",
            "AccountPasswordPolicy", "AccountAlias", "ServiceLinkedRole", "RolePermissionsBoundary",
            "UserPermissionsBoundary", "AssumeRolePolicy", "CredentialReport", "AccountAuthorizationDetails"],
    "s3": ["Bucket", "Buckets", "Object", "Objects", "BucketPolicy", "BucketAcl", "ObjectAcl",
           "BucketEncryption", "BucketLogging", "BucketVersioning", "BucketLifecycle",
           "BucketReplication", "PublicAccessBlock", "BucketCors", "BucketWebsite",
           "BucketNotification", "BucketOwnershipControls", "ObjectLockConfiguration",
           "BucketTagging", "ObjectTagging", "MultipartUpload", "BucketInventoryConfiguration",
           "AccessPoint", "BucketAccelerateConfiguration", "ObjectRetention", "ObjectLegalHold"],
    "cloudtrail": ["Trail", "Trails", "EventSelectors", "InsightSelectors", "EventDataStore",
                   "Channel", "Logging", "TrailStatus", "Query", "ResourcePolicy", "Events",
                   "Dashboard", "ImportJob"],
    "kms": ["Key", "Keys", "Alias", "Aliases", "Grant", "Grants", "KeyPolicy", "KeyRotation",
            "KeyDeletion", "CustomKeyStore", "ReplicaKey", "KeyMaterial", "DataKey",
            "KeyDescription", "PublicKey"],
    "sts": ["Role", "RoleWithSAML", "RoleWithWebIdentity", "SessionToken", "FederationToken",
            "CallerIdentity", "AccessKeyInfo", "AuthorizationMessage"],
    "lambda": ["Function", "Functions", "FunctionCode", "FunctionConfiguration", "Permission",
               "Alias", "Layer", "LayerVersion", "LayerVersionPermission", "EventSourceMapping",
               "FunctionUrlConfig", "FunctionConcurrency", "CodeSigningConfig", "Policy",
               "ProvisionedConcurrencyConfig", "FunctionEventInvokeConfig"],
    "guardduty": ["Detector", "Detectors", "Filter", "IPSet", "ThreatIntelSet",
                  "PublishingDestination", "Members", "Findings", "FindingsFeedback",
                  "OrganizationConfiguration", "MalwareProtectionPlan", "InvitationAdmin"],
    "securityhub": ["Hub", "Standards", "StandardsControl", "Insight", "Insights",
                    "ActionTarget", "AutomationRule", "Members", "Findings",
                    "OrganizationConfiguration", "ConfigurationPolicy", "SecurityControl"],
    "config": ["ConfigurationRecorder", "ConfigurationRecorders", "DeliveryChannel",
               "ConfigRule", "ConfigRules", "ConformancePack", "AggregationAuthorization",
               "ConfigurationAggregator", "RemediationConfigurations", "RetentionConfiguration",
               "OrganizationConfigRule", "StoredQuery"],
    "rds": ["DBInstance", "DBInstances", "DBCluster", "DBClusters", "DBSnapshot",
            "DBSnapshotAttribute", "DBClusterSnapshot", "DBClusterSnapshotAttribute",
            "DBParameterGroup", "DBSubnetGroup", "DBSecurityGroup", "OptionGroup",
            "EventSubscription", "DBProxy", "GlobalCluster", "DBInstanceAutomatedBackup"],
    "secretsmanager": ["Secret", "Secrets", "SecretValue", "ResourcePolicy", "SecretVersionStage",
                       "RotationSchedule", "Replication", "RandomPassword"],
    "ssm": ["Parameter", "Parameters", "ParametersByPath", "Document", "Documents",
            "Association", "MaintenanceWindow", "Session", "Sessions", "CommandInvocation",
            "Command", "InstanceInformation", "PatchBaseline", "ServiceSetting", "OpsItem",
            "ResourceDataSync", "Activation", "InventoryEntries"],
    "logs": ["LogGroup", "LogGroups", "LogStream", "LogStreams", "RetentionPolicy",
             "SubscriptionFilter", "MetricFilter", "ResourcePolicy", "Destination",
             "DestinationPolicy", "ExportTask", "QueryDefinition", "DataProtectionPolicy",
             "AccountPolicy", "Delivery", "DeliverySource", "DeliveryDestination"],
    "monitoring": ["Alarm", "Alarms", "MetricAlarm", "CompositeAlarm", "Dashboard",
                   "Dashboards", "AlarmActions", "InsightRule", "InsightRules", "MetricStream",
                   "AnomalyDetector", "MetricData"],
    "events": ["Rule", "Rules", "Targets", "EventBus", "EventBuses", "Archive", "Connection",
               "ApiDestination", "Permission", "Endpoint", "Replay", "PartnerEventSource"],
    "organizations": ["Account", "Accounts", "OrganizationalUnit", "OrganizationalUnits",
                      "Policy", "Policies", "Handshake", "Handshakes", "DelegatedAdministrator",
                      "AWSServiceAccess", "ResourcePolicy", "Organization", "Root", "Roots",
                      "PolicyType", "EffectivePolicy"],
    "sso": ["PermissionSet", "PermissionSets", "AccountAssignment", "AccountAssignments",
            "ManagedPolicyToPermissionSet", "InlinePolicyToPermissionSet", "Instance",
            "ApplicationAssignment", "TrustedTokenIssuer", "PermissionsBoundaryToPermissionSet"],
    "eks": ["Cluster", "Clusters", "Nodegroup", "Nodegroups", "Addon", "Addons",
            "AccessEntry", "AccessPolicy", "FargateProfile", "IdentityProviderConfig",
            "PodIdentityAssociation", "ClusterConfig", "ClusterVersion"],
    "ecr": ["Repository", "Repositories", "RepositoryPolicy", "LifecyclePolicy", "Image",
            "Images", "ImageScanningConfiguration", "ImageTagMutability", "RegistryPolicy",
            "ReplicationConfiguration", "PullThroughCacheRule", "AuthorizationToken"],
    "ecs": ["Cluster", "Clusters", "Service", "Services", "TaskDefinition", "TaskDefinitions",
            "Task", "Tasks", "ContainerInstance", "ContainerInstances", "CapacityProvider",
            "AccountSetting", "TaskSet", "Attributes"],
    "sns": ["Topic", "Topics", "Subscription", "Subscriptions", "TopicAttributes",
            "SubscriptionAttributes", "PlatformApplication", "Endpoint", "DataProtectionPolicy",
            "SMSAttributes", "Permission"],
    "sqs": ["Queue", "Queues", "QueueAttributes", "Permission", "Message", "MessageBatch",
            "QueueUrl", "DeadLetterSourceQueues", "MessageMoveTask"],
    "dynamodb": ["Table", "Tables", "Backup", "Backups", "GlobalTable", "TimeToLive",
                 "ContinuousBackups", "ResourcePolicy", "ExportToPointInTime", "TableReplicaAutoScaling",
                 "KinesisStreamingDestination", "ContributorInsights", "Item", "Items"],
    "route53": ["HostedZone", "HostedZones", "ResourceRecordSets", "HealthCheck",
                "HealthChecks", "QueryLoggingConfig", "TrafficPolicy", "KeySigningKey",
                "HostedZoneDNSSEC", "VPCAssociationAuthorization", "DelegationSet"],
    "cloudformation": ["Stack", "Stacks", "StackSet", "StackSets", "StackInstances",
                       "ChangeSet", "ChangeSets", "StackPolicy", "TerminationProtection",
                       "Type", "TypeConfiguration", "StackResources", "Template"],
    "elasticloadbalancing": ["LoadBalancer", "LoadBalancers", "Listener", "Listeners",
                             "TargetGroup", "TargetGroups", "Rule", "Rules",
                             "LoadBalancerAttributes", "TargetGroupAttributes", "Targets",
                             "ListenerCertificates", "TrustStore", "SSLPolicies"],
    "acm": ["Certificate", "Certificates", "CertificateAuthority", "AccountConfiguration",
            "CertificateOptions", "Permission"],
    "cognito-idp": ["UserPool", "UserPools", "UserPoolClient", "UserPoolClients",
                    "UserPoolDomain", "IdentityProvider", "Group", "Groups", "User", "Users",
                    "UserAttributes", "UserPoolMfaConfig", "RiskConfiguration", "ResourceServer"],
    "backup": ["BackupVault", "BackupVaults", "BackupPlan", "BackupPlans", "BackupSelection",
               "RecoveryPoint", "RecoveryPoints", "BackupVaultAccessPolicy",
               "BackupVaultLockConfiguration", "BackupVaultNotifications", "Framework",
               "ReportPlan", "RestoreTestingPlan"],
    "glue": ["Database", "Databases", "Table", "Tables", "Crawler", "Crawlers", "Job", "Jobs",
             "Connection", "Connections", "DevEndpoint", "DevEndpoints", "Trigger", "Workflow",
             "SecurityConfiguration", "DataCatalogEncryptionSettings", "ResourcePolicy"],
    "redshift": ["Cluster", "Clusters", "ClusterSnapshot", "ClusterParameterGroup",
                 "ClusterSubnetGroup", "ClusterSecurityGroup", "LoggingStatus",
                 "SnapshotCopyGrant", "EndpointAccess", "UsageLimit", "ClusterIamRoles"],
    "elasticfilesystem": ["FileSystem", "FileSystems", "MountTarget", "MountTargets",
                          "AccessPoint", "AccessPoints", "FileSystemPolicy", "LifecycleConfiguration",
                          "BackupPolicy", "ReplicationConfiguration"],
    "apigateway": ["RestApi", "RestApis", "Stage", "Stages", "Deployment", "Deployments",
                   "ApiKey", "ApiKeys", "UsagePlan", "Authorizer", "Authorizers", "DomainName",
                   "ClientCertificate", "VpcLink", "Resource", "Method", "Integration"],
    "cloudfront": ["Distribution", "Distributions", "CachePolicy", "OriginRequestPolicy",
                   "CloudFrontOriginAccessIdentity", "OriginAccessControl", "Function",
                   "Invalidation", "FieldLevelEncryptionConfig", "ResponseHeadersPolicy",
                   "RealtimeLogConfig", "KeyGroup", "PublicKey"],
    "wafv2": ["WebACL", "WebACLs", "RuleGroup", "RuleGroups", "IPSet", "IPSets",
              "RegexPatternSet", "LoggingConfiguration", "ManagedRuleSet", "APIKey",
              "PermissionPolicy", "MobileSdkRelease"],
    "athena": ["WorkGroup", "WorkGroups", "NamedQuery", "NamedQueries", "QueryExecution",
               "QueryExecutions", "DataCatalog", "PreparedStatement", "CapacityReservation",
               "Notebook", "Session"],
    "inspector2": ["Filter", "Filters", "Findings", "FindingsReport", "Member", "Members",
                   "DelegatedAdminAccount", "OrganizationConfiguration", "Configuration",
                   "CisScanConfiguration", "SbomExport"],
    "macie2": ["ClassificationJob", "ClassificationJobs", "CustomDataIdentifier", "FindingsFilter",
               "Member", "Members", "Macie", "MacieSession", "AllowList", "FindingsPublicationConfiguration",
               "ClassificationExportConfiguration", "RevealConfiguration"],
    "access-analyzer": ["Analyzer", "Analyzers", "ArchiveRule", "ArchiveRules", "Finding",
                        "Findings", "AccessPreview", "PolicyGeneration", "FindingRecommendation"],
    "ram": ["ResourceShare", "ResourceShares", "ResourceShareInvitation", "Permission",
            "Permissions", "ResourceSharePermission", "SharingWithAwsOrganization", "Principals"],
    "ds": ["Directory", "Directories", "Trust", "Trusts", "Snapshot", "Snapshots",
           "ConditionalForwarder", "LogSubscription", "Radius", "SsoAuthentication"],
    "kinesis": ["Stream", "Streams", "StreamConsumer", "StreamEncryption", "ShardCount",
                "StreamMode", "ResourcePolicy", "Records", "ShardIterator"],
    "firehose": ["DeliveryStream", "DeliveryStreams", "Destination", "DeliveryStreamEncryption"],
    "codebuild": ["Project", "Projects", "Webhook", "SourceCredentials", "ReportGroup",
                  "Build", "Builds", "BuildBatch", "Fleet", "ResourcePolicy"],
    "codecommit": ["Repository", "Repositories", "Branch", "Branches", "PullRequest",
                   "ApprovalRuleTemplate", "RepositoryTriggers", "File", "Folder", "Commit"],
    "ses": ["EmailIdentity", "EmailIdentities", "ConfigurationSet", "ReceiptRule",
            "ReceiptRuleSet", "IdentityPolicy", "SendingAuthorizationPolicy", "ContactList",
            "DedicatedIpPool", "AccountSendingAttributes", "Template"],
    "bedrock": ["ModelCustomizationJob", "ProvisionedModelThroughput", "Guardrail", "Guardrails",
                "ModelInvocationLoggingConfiguration", "FoundationModels", "CustomModel",
                "EvaluationJob", "InferenceProfile", "Agent", "KnowledgeBase"],
    "sagemaker": ["NotebookInstance", "NotebookInstances", "PresignedNotebookInstanceUrl",
                  "Domain", "UserProfile", "App", "Endpoint", "EndpointConfig", "Model",
                  "TrainingJob", "ProcessingJob", "Pipeline", "ModelPackage", "CodeRepository"],
    "signin": ["ConsoleLogin", "SwitchRole", "CredentialChallenge", "PasswordRecovery"],
}
# The real calls in the synthetic archive (/work/shared/tools/gen-cloudtrail) are in the set, so a
# few generated rules fire, as real detections do now and then.
ARCHIVE_CALLS = [("ec2", "DescribeInstances"), ("ec2", "RunInstances"), ("ec2", "StopInstances"),
                 ("ec2", "ModifyInstanceAttribute"), ("ec2", "AuthorizeSecurityGroupIngress"),
                 ("ec2", "CreateSnapshot"), ("ec2", "DescribeVolumes"), ("ec2", "CreateTags"),
                 ("iam", "CreateUser"), ("iam", "CreateAccessKey"), ("iam", "ListUsers"),
                 ("iam", "AttachUserPolicy"), ("iam", "GetUser"), ("s3", "GetObject"),
                 ("s3", "PutObject"), ("s3", "PutBucketPolicy"), ("s3", "ListBuckets"),
                 ("s3", "PutBucketAcl"), ("cloudtrail", "StopLogging"),
                 ("cloudtrail", "DescribeTrails"), ("cloudtrail", "LookupEvents"),
                 ("sts", "AssumeRole"), ("sts", "GetCallerIdentity"), ("kms", "Decrypt"),
                 ("kms", "GenerateDataKey"), ("signin", "ConsoleLogin")]
EXTRA_VERBS = {"ec2": ["Run", "Terminate", "Reboot", "Allocate", "Release", "Accept", "Reject"],
               "sts": ["Assume", "Decode"], "kms": ["Decrypt", "Encrypt", "Generate", "ReEncrypt",
                                                    "Schedule", "Cancel", "Retire", "Sign"],
               "s3": ["Head", "Restore"], "lambda": ["Invoke", "Publish"],
               "ssm": ["Send", "Resume", "Terminate", "Label"], "cloudtrail": ["Lookup"],
               "sqs": ["Send", "Receive", "Purge", "ChangeMessageVisibility"],
               "iam": ["Generate", "Upload", "Simulate", "Change", "Pass"],
               "organizations": ["Invite", "Leave", "Move", "Accept", "Decline"]}

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
           "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
           "ap-south-1", "sa-east-1", "ca-central-1", "me-south-1", "af-south-1"]
IDENTITY_TYPES = ["Root", "IAMUser", "AssumedRole", "FederatedUser", "AWSService",
                  "IdentityCenterUser", "WebIdentityUser", "SAMLUser"]
USER_AGENTS = {
    "aws-cli/": "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off",
    "Boto3/": "Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.8",
    "aws-sdk-go": "aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64",
    "aws-sdk-java/": "aws-sdk-java/2.25.6 Linux/5.10.213 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS",
    "python-requests/": "python-requests/2.31.0",
    "curl/": "curl/8.5.0",
    "Terraform/": "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.41.0",
    "console.": "console.amazonaws.com",
    "Mozilla/": "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Pacu": "Pacu/1.5.2 aws-cli/1.32.0 Python/3.11.8",
}
CIDRS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "10.0.0.0/8", "172.16.0.0/12",
         "45.95.147.0/24", "185.220.100.0/22", "100.64.0.0/10", "2001:db8::/32"]
NUMERIC_FIELDS = [  # (path, low, high) realistic numeric request parameters
    ("requestParameters.durationSeconds", 900, 43200),
    ("requestParameters.maxCount", 1, 100),
    ("requestParameters.minCount", 1, 100),
    ("requestParameters.pendingWindowInDays", 7, 30),
    ("requestParameters.retentionInDays", 1, 3653),
    ("requestParameters.maxSessionDuration", 3600, 43200),
]
ERROR_CODES = ["AccessDenied", "UnauthorizedOperation", "Client.UnauthorizedOperation",
               "AccessDeniedException", "InvalidClientTokenId", "ThrottlingException"]
ACCOUNTS = ["111122223333", "123456789012", "210987654321", "444455556666"]
MITRE = ["T1078.004", "T1098", "T1098.001", "T1098.003", "T1136.003", "T1562.001", "T1562.008",
         "T1530", "T1537", "T1580", "T1526", "T1538", "T1485", "T1486", "T1490", "T1496", "T1531",
         "T1535", "T1552.005", "T1555.006", "T1578.002", "T1619", "T1651", "T1087.004", "T1069.003"]
RESOURCE_TYPES = ["AwsIamUser", "AwsIamRole", "AwsS3Bucket", "AwsEc2Instance", "AwsKmsKey", "Other"]


def build_calls():
    calls = set()
    for svc, nouns in SERVICES.items():
        verbs = VERBS + EXTRA_VERBS.get(svc, [])
        for v in verbs:
            for n in nouns:
                calls.add((svc, v.replace(" ", "") + n))
    calls.update(ARCHIVE_CALLS)
    return sorted(calls)


CALLS = build_calls()
BY_SERVICE = {}
for _svc, _name in CALLS:
    BY_SERVICE.setdefault(_svc, []).append(_name)


def source_of(svc):
    return f"{svc}.amazonaws.com"


def ip_in(rnd, cidr):
    net = ipaddress.ip_network(cidr)
    return str(net[rnd.randrange(1, min(net.num_addresses - 1, 1 << 20))])


def ip_outside(rnd, cidr):
    net = ipaddress.ip_network(cidr)
    while True:
        ip = ipaddress.ip_address("2001:db9::5") if net.version == 6 else ipaddress.ip_address(
            f"{rnd.randrange(11, 99)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}")
        if ip not in net:
            return str(ip)


def set_path(event, path, value):
    parts = path.split(".")
    cur = event
    for p in parts[:-1]:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[parts[-1]] = value


def identity(rnd, itype, account):
    if itype == "Root":
        return {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root",
                "accountId": account, "accessKeyId": ""}
    if itype == "AWSService":
        return {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}
    if itype == "AssumedRole":
        role, sess = f"role-{rnd.randrange(40)}", f"session{rnd.randrange(1000)}"
        return {"type": "AssumedRole", "principalId": f"AROA{rnd.getrandbits(64):016X}:{sess}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{sess}", "accountId": account,
                "accessKeyId": f"ASIA{rnd.getrandbits(64):016X}",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{account}:role/{role}",
                                                     "accountId": account, "userName": role},
                                   "attributes": {"creationDate": "2026-11-01T10:00:00Z",
                                                  "mfaAuthenticated": "false"}}}
    user = f"user{rnd.randrange(100)}"
    return {"type": itype, "principalId": f"AIDA{rnd.getrandbits(64):016X}",
            "arn": f"arn:aws:iam::{account}:user/{user}", "accountId": account,
            "accessKeyId": f"AKIA{rnd.getrandbits(64):016X}", "userName": user}


def base_event(rnd, svc, name):
    account = rnd.choice(ACCOUNTS)
    read_only = name.startswith(("Describe", "List", "Get", "Lookup", "Head", "BatchGet"))
    return {
        "eventVersion": "1.10",
        "userIdentity": identity(rnd, "IAMUser", account),
        "eventTime": f"2026-11-{rnd.randrange(1, 29):02d}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}Z",
        "eventSource": source_of(svc),
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": f"198.18.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
        "userAgent": USER_AGENTS["aws-cli/"],
        "requestParameters": {},
        "responseElements": None,
        "requestID": f"{rnd.getrandbits(128):032x}",
        "eventID": f"{rnd.getrandbits(128):032x}",
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


# Each condition kind: (pattern fragment as (path, leaf list), apply_to_match(event), break(event)).
def make_condition(rnd, kind):
    if kind == "identity":
        types = rnd.sample(IDENTITY_TYPES, rnd.choice([1, 1, 2]))
        other = next(t for t in IDENTITY_TYPES if t not in types)

        def ok(e):
            e["userIdentity"] = identity(rnd, types[0], e["recipientAccountId"])

        def bad(e):
            e["userIdentity"] = identity(rnd, other, e["recipientAccountId"])
        return "userIdentity.type", types, ok, bad
    if kind == "agent":
        prefix = rnd.choice(list(USER_AGENTS))
        other = next(p for p in USER_AGENTS if not USER_AGENTS[p].startswith(prefix))

        def ok(e):
            e["userAgent"] = USER_AGENTS[prefix]

        def bad(e):
            e["userAgent"] = USER_AGENTS[other]
        return "userAgent", [{"prefix": prefix}], ok, bad
    if kind == "cidr":
        cidrs = rnd.sample(CIDRS, rnd.choice([1, 2]))

        def ok(e):
            e["sourceIPAddress"] = ip_in(rnd, cidrs[0])

        def bad(e):
            while True:
                ip = ip_outside(rnd, cidrs[0])
                if all(ipaddress.ip_address(ip) not in ipaddress.ip_network(c) for c in cidrs):
                    e["sourceIPAddress"] = ip
                    return
        return "sourceIPAddress", [{"cidr": c} for c in cidrs], ok, bad
    if kind == "region":
        allowed = rnd.sample(REGIONS[:6], rnd.choice([1, 2, 3]))
        outside = rnd.choice([r for r in REGIONS if r not in allowed])

        def ok(e):
            e["awsRegion"] = outside

        def bad(e):
            e["awsRegion"] = allowed[0]
        return "awsRegion", [{"anything-but": allowed if len(allowed) > 1 else allowed[0]}], ok, bad
    if kind == "numeric":
        path, lo, hi = rnd.choice(NUMERIC_FIELDS)
        threshold = rnd.randrange(lo, hi)

        def ok(e):
            set_path(e, path, threshold + rnd.randrange(1, 100))

        def bad(e):
            set_path(e, path, max(0, threshold - rnd.randrange(0, 100)))
        return path, [{"numeric": [">", threshold]}], ok, bad
    if kind == "error":
        if rnd.random() < 0.5:
            codes = rnd.sample(ERROR_CODES, 2)

            def ok(e):
                e["errorCode"] = codes[0]
                e["errorMessage"] = "User is not authorized to perform this operation"

            def bad(e):
                e.pop("errorCode", None)
            return "errorCode", codes, ok, bad
        want = rnd.random() < 0.5

        def ok(e):
            if want:
                e["errorCode"] = "AccessDenied"
            else:
                e.pop("errorCode", None)

        def bad(e):
            if want:
                e.pop("errorCode", None)
            else:
                e["errorCode"] = "AccessDenied"
        return "errorCode", [{"exists": want}], ok, bad
    if kind == "readonly":
        def ok(e):
            e["readOnly"] = False

        def bad(e):
            e["readOnly"] = True
        return "readOnly", [False], ok, bad
    if kind == "arn":
        suffix = rnd.choice([":root", "/admin", "/break-glass", "/ci-deployer", "/OrganizationAccountAccessRole"])

        def ok(e):
            e["userIdentity"]["arn"] = f"arn:aws:iam::{e['recipientAccountId']}:user{suffix}" if suffix != ":root" \
                else f"arn:aws:iam::{e['recipientAccountId']}:root"

        def bad(e):
            e["userIdentity"]["arn"] = f"arn:aws:iam::{e['recipientAccountId']}:user/someone-else"
        return "userIdentity.arn", [{"suffix": suffix}], ok, bad
    raise ValueError(kind)


KINDS = ["identity", "agent", "cidr", "region", "numeric", "error", "readonly", "arn"]
# identity before arn: "arn" edits the identity that "identity" writes.
ORDER = {k: i for i, k in enumerate(KINDS)}


def nest(pattern, path, leaf):
    parts = path.split(".")
    cur = pattern
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = leaf


def make_rule(seed, i):
    rnd = random.Random(f"firebreak-bench-rules/{seed}/{i}")
    svc = rnd.choice(sorted(BY_SERVICE))
    names = sorted(rnd.sample(BY_SERVICE[svc], min(len(BY_SERVICE[svc]), rnd.choice([1, 1, 1, 2, 3]))))
    kinds = sorted(rnd.sample(KINDS, rnd.choice([1, 2])), key=ORDER.get)
    conds = [make_condition(rnd, k) for k in kinds]

    pattern = {"eventSource": [source_of(svc)], "eventName": names}
    for path, leaf, _, _ in conds:
        nest(pattern, path, leaf)

    unless = None
    exempt_role = f"SecurityAutomation{i % 7}"
    if rnd.random() < 1 / 6:
        unless = [{"userIdentity": {"arn": [{"prefix": f"arn:aws:sts::111122223333:assumed-role/{exempt_role}/"}]}}]

    match_ev = base_event(rnd, svc, names[0])
    for _, _, ok, _ in conds:
        ok(match_ev)
    miss_ev = json.loads(json.dumps(match_ev))
    miss_kind = rnd.randrange(len(conds) + 1)
    if miss_kind == len(conds):  # near miss on the API name: a sibling call of the same service
        sibling = next((n for n in BY_SERVICE[svc] if n not in names), None)
        if sibling is None:
            miss_ev["eventSource"] = "ec2.amazonaws.com" if svc != "ec2" else "iam.amazonaws.com"
        else:
            miss_ev["eventName"] = sibling
        miss_name = f"{miss_ev['eventName']} is not watched"
    else:
        conds[miss_kind][3](miss_ev)
        miss_name = f"{conds[miss_kind][0]} outside the pattern"

    sev = rnd.choice(["informational", "low", "medium", "medium", "high", "critical"])
    rule = {
        "id": f"bench-{svc}-{names[0].lower()}-{i:05d}",
        "title": f"{names[0]} on {svc} ({', '.join(k for k in kinds)})",
        "description": f"Synthetic benchmark rule {i}: {svc} {', '.join(names)} when "
                       f"{' and '.join(c[0] for c in conds)} match.",
        "severity": sev,
        "mitre": sorted(rnd.sample(MITRE, rnd.choice([1, 2]))),
        "match": pattern,
    }
    if unless:
        rule["unless"] = unless
    if rnd.random() < 0.5:
        rule["resources"] = [{"type": rnd.choice(RESOURCE_TYPES), "id": "{userIdentity.arn}"}]
    rule["references"] = [f"https://docs.aws.amazon.com/{svc}/latest/APIReference/API_{names[0]}.html"]
    rule["tests"] = [
        {"name": "fires", "expect": "match", "event": match_ev},
        {"name": miss_name, "expect": "no-match", "event": miss_ev},
    ]
    return rule


def to_yaml(rule):
    """YAML block style for the rule, JSON flow style (valid YAML) for patterns and events."""
    q = json.dumps  # a JSON string is a valid double-quoted YAML scalar
    out = [f"id: {rule['id']}", f"title: {q(rule['title'])}", f"description: {q(rule['description'])}",
           f"severity: {rule['severity']}", f"mitre: {q(rule['mitre'])}", "match:"]
    for k, v in rule["match"].items():
        out.append(f"  {q(k)}: {q(v)}")
    if "unless" in rule:
        out.append("unless:")
        for u in rule["unless"]:
            out.append(f"  - {q(u)}")
    if "resources" in rule:
        out.append("resources:")
        for r in rule["resources"]:
            out.append(f"  - type: {r['type']}")
            out.append(f"    id: {q(r['id'])}")
    out.append("references:")
    for r in rule["references"]:
        out.append(f"  - {r}")
    out.append("tests:")
    for t in rule["tests"]:
        out.append(f"  - name: {q(t['name'])}")
        out.append(f"    expect: {t['expect']}")
        out.append(f"    event: {q(t['event'])}")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    outdir, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    os.makedirs(outdir, exist_ok=True)
    per_file = 100
    for f in range((n + per_file - 1) // per_file):
        docs = [to_yaml(make_rule(seed, i)) for i in range(f * per_file, min(n, (f + 1) * per_file))]
        with open(os.path.join(outdir, f"bench-rules-{f:04d}.yaml"), "w") as fh:
            fh.write(f"# generated by bench/gen-rules.py {n} {seed}: do not edit\n")
            for d in docs:
                fh.write("---\n" + d)
    print(f"{n} rules over {len(CALLS)} distinct API calls in {len(SERVICES)} services -> {outdir}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
