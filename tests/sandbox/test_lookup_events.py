"""CloudTrail LookupEvents over the sandbox's event history: every management event is kept, also
while the trail is stopped (as AWS's 90-day event history), newest first, one lookup attribute,
pages of at most 50, and the history survives a restart."""
import json
import unittest

from sandbox_fixture import SandboxTestCase


class LookupEvents(SandboxTestCase):
    def test_events_are_found_by_name_user_and_key_even_when_logging_is_off(self):
        _, trails = self.sandbox.aws("cloudtrail", "describe-trails")
        trail = trails["trailList"][0]["Name"]
        self.sandbox.aws("cloudtrail", "stop-logging", "--name", trail)
        self.sandbox.aws("iam", "create-user", "--user-name", "lookup-me")
        _, out = self.sandbox.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                                  "AttributeKey=EventName,AttributeValue=StopLogging")
        events = out["Events"]
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["Username"], "alice")
        self.assertEqual(events[0]["ReadOnly"], "false")
        record = json.loads(events[0]["CloudTrailEvent"])
        self.assertEqual(record["requestParameters"]["name"], trail)
        # IAM is global: its events are in us-east-1's history, logged or not.
        _, out = self.sandbox.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                                  "AttributeKey=EventName,AttributeValue=CreateUser")
        self.assertEqual([json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"] for e in out["Events"]],
                         ["lookup-me"])
        boto = self.sandbox.boto3("cloudtrail")
        page = boto.lookup_events(LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "alice"}],
                                  MaxResults=1)
        self.assertEqual(len(page["Events"]), 1)
        self.assertIn("NextToken", page)
        newest = page["Events"][0]["EventTime"]
        second = boto.lookup_events(LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "alice"}],
                                    MaxResults=1, NextToken=page["NextToken"])["Events"][0]
        self.assertLessEqual(second["EventTime"], newest)
        self.sandbox.aws("cloudtrail", "start-logging", "--name", trail)

    def test_errors(self):
        code, err = self.sandbox.aws("cloudtrail", "lookup-events", "--max-results", "51", check=False)
        self.assertIn("InvalidMaxResultsException", err)
        code, err = self.sandbox.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                                     "AttributeKey=Colour,AttributeValue=red", check=False)
        self.assertNotEqual(code, 0)


if __name__ == "__main__":
    unittest.main()
