"""Issue 3, "Verified by" 6: the client call patterns 1–5 complete through each Python SDK's own
retry logic against a server that faults, throttles and delays (sdk-tests/README.md has the
retry facts these tests rely on, with the SDK source they come from).

- `test_pattern_*` run the issue's five patterns, once through the Tea SDK
  (alibabacloud-ecs20140526, retries configured with `Config(retry_options=...)`) and once through
  aliyun-python-sdk-core (its own `RetryPolicy` machinery, configured to cover every call), each
  against its own server started with `PATTERN_SERVER` (faults, throttling, a 1 s transition
  delay). Every response is asserted; every HTTP exchange is recorded below the SDK's retry loop
  (`Wire`) and compared with the server's request log in `test_the_run_was_faulted_throttled_and_retried`.
- The other tests pin the SDKs' default behaviour on a server that faults every call, and on one
  that throttles: what each SDK retries by itself, what it surfaces, and what it ignores.
"""

import importlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.http.http_response import HttpResponse
from aliyunsdkcore.request import CommonRequest
from aliyunsdkcore.retry.backoff_strategy import DefaultMixedBackoffStrategy
from aliyunsdkcore.retry.retry_condition import MixedRetryCondition
from aliyunsdkcore.retry.retry_policy import RetryPolicy
from aliyunsdkecs.request.v20140526 import (
    CreateNetworkInterfaceRequest,
    DescribeSecurityGroupsRequest,
    JoinSecurityGroupRequest,
)

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as TeaEcsClient
from alibabacloud_tea_openapi.exceptions import (
    AlibabaCloudException,
    ClientException as TeaClientException,
    ServerException as TeaServerException,
    ThrottlingException as TeaThrottlingException,
)
from alibabacloud_tea_openapi.models import Config as TeaConfig
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as TeaVpcClient
from darabonba.core import DaraCore
from darabonba.policy.retry import RetryCondition, RetryOptions
from darabonba.runtime import RuntimeOptions

from ecsnet_sdk import ACCESS_KEY_ID, ACCESS_KEY_SECRET, IMAGE_ID, INSTANCE_TYPE, REGION, ZONE, Server

# A tenth of a second between polls (as fast as a client may reasonably poll): faster than the
# throttle rate below, so every poll loop is throttled at some point.
POLL_INTERVAL = 0.1
# Faults: with seed 1 at 0.3, the server's draws hold no more than 5 faults in a row in their
# first 3000 (found by probing a server with these flags), and a pattern run makes a few
# hundred calls; throttling adds at most a wait or two per call. MAX_ATTEMPTS covers that
# with room to spare, so every run completes, whatever the timing.
PATTERN_SERVER = (
    "--fault-rate", "0.3", "--fault-seed", "1",
    "--throttle-rate", "5", "--throttle-burst", "2",
    "--transition-delay", "1s",
)
MAX_ATTEMPTS = 12
TRANSITION_DELAY = 1.0
RETRIED_CODES = {"ServiceUnavailable", "Throttling.User"}


def new_token():
    return str(uuid.uuid4())


# ---------------------------------------------------------------------------------------------
# The wire, as each SDK's transport sees it (below its retry loop)


@dataclass
class Attempt:
    """One HTTP exchange an SDK made."""

    action: str
    status: int
    code: Optional[str]  # the error's Code; None for a 2xx answer
    token: Optional[str]  # the ClientToken sent, if any
    retry_header: Optional[str]  # Tea's x-acs-retry-attempts (core sends none)
    retry_after: Optional[int]  # the server's x-acs-retry-after, in milliseconds
    body: dict


class Wire:
    """Records every HTTP exchange either SDK makes with one server while installed. It only
    observes: each SDK's own request and retry code runs unchanged around it."""

    def __init__(self, monkeypatch, endpoint):
        self.attempts = []
        wire = self

        core_send = HttpResponse.get_response_object

        def core_observed(http_response):
            status, headers, body = core_send(http_response)
            if http_response.get_host() == endpoint:
                query = parse_qs(urlsplit(http_response.get_url()).query)
                token = query.get("ClientToken", [None])[0]
                wire._record(query["Action"][0], status, headers, body, token, None)
            return status, headers, body

        monkeypatch.setattr(HttpResponse, "get_response_object", core_observed)

        tea_send = DaraCore.do_action

        def tea_observed(request, runtime_option=None):
            response = tea_send(request, runtime_option)
            if request.headers["host"] == endpoint:
                wire._record(
                    request.headers["x-acs-action"],
                    response.status_code,
                    response.headers,
                    response.body,
                    request.query.get("ClientToken"),
                    request.headers.get("x-acs-retry-attempts"),
                )
            return response

        monkeypatch.setattr(DaraCore, "do_action", staticmethod(tea_observed))

    def _record(self, action, status, headers, body, token, retry_header):
        parsed = json.loads(body)
        code = parsed.get("Code") if status >= 300 else None
        retry_after = headers.get("x-acs-retry-after")
        retry_after = int(retry_after) if retry_after else None
        self.attempts.append(Attempt(action, status, code, token, retry_header, retry_after, parsed))

    def since(self, start):
        return self.attempts[start:]


# ---------------------------------------------------------------------------------------------
# The two SDKs, each with its own retry logic turned on; one call = one SDK call, however many
# attempts its retry loop makes. Parameters are given in the API's own form (PascalCase, lists as
# lists); each SDK builds the request from them its own way.


class Refused(Exception):
    """An error the SDK surfaced to its caller: (code, HTTP status) and the SDK's exception."""

    def __init__(self, code, status, raised):
        super().__init__(f"{code} ({status}), raised as {type(raised).__name__}")
        self.code, self.status, self.raised = code, status, raised


@dataclass
class Call:
    action: str
    attempts: list
    refused: Optional[str] = None  # the code surfaced, if the call failed


@dataclass
class RetryingSdk:
    wire: Wire
    calls: list = field(default_factory=list)

    def call(self, action, **params):
        return self._observed(action, lambda: self._ecs(action, params))

    def vpc(self, action, **params):
        return self._observed(action, lambda: self._vpc(action, params))

    def _observed(self, action, do):
        start = len(self.wire.attempts)
        try:
            answer = do()
        except self.error_type as error:
            refused = Refused(*self.surfaced(error), error)
            self.calls.append(Call(action, self.wire.since(start), refused.code))
            raise refused from error
        self.calls.append(Call(action, self.wire.since(start)))
        return answer


def _snake(action):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower().replace("v_switch", "vswitch")


class TeaRetrying(RetryingSdk):
    """alibabacloud-ecs20140526 / alibabacloud-vpc20160428 on tea-openapi 0.4.6: retries only
    what `Config.retry_options` lists (RuntimeOptions' autoretry and max_attempts are ignored).
    ThrottlingException (a 4xx/5xx with `x-acs-retry-after`) waits that many milliseconds;
    ServiceUnavailable backs off exponentially with equal jitter."""

    name = "alibabacloud-ecs20140526"
    error_type = AlibabaCloudException
    RETRY = RetryOptions(
        retry_condition=[
            RetryCondition(exception=["ThrottlingException"], max_attempts=MAX_ATTEMPTS, max_delay=2000),
            RetryCondition(
                error_code=["ServiceUnavailable"],
                max_attempts=MAX_ATTEMPTS,
                backoff={"policy": "ExponentialWithEqualJitter", "period": 10, "cap": 500},
            ),
        ]
    )

    def __init__(self, endpoint, wire):
        super().__init__(wire)
        config = TeaConfig(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            endpoint=endpoint,
            protocol="http",
            region_id=REGION,
            retry_options=self.RETRY,
        )
        self.ecs = TeaEcsClient(config)
        self.vpc_client = TeaVpcClient(config)

    def _ecs(self, action, params):
        return self._tea(self.ecs, ecs_models, action, params)

    def _vpc(self, action, params):
        return self._tea(self.vpc_client, vpc_models, action, params)

    @staticmethod
    def _tea(client, models, action, params):
        request = getattr(models, f"{action}Request")().from_map({"RegionId": REGION, **params})
        send = getattr(client, f"{_snake(action)}_with_options")
        return send(request, RuntimeOptions()).body.to_map()

    @staticmethod
    def surfaced(error):
        return error.code, error.status_code


class QuickBackoff(DefaultMixedBackoffStrategy):
    """aliyun-python-sdk-core's default mixed backoff (exponential; jittered exponential for
    throttling) with shorter bases, to keep the suite fast."""

    SDK_DEFAULT_BASE_DELAY = 10
    SDK_DEFAULT_TROTTLED_BASE_DELAY = 200
    SDK_DEFAULT_MAX_BACKOFF = 1000


ECS_ACTIONS = [
    "AttachNetworkInterface", "AuthorizeSecurityGroup", "CreateNetworkInterface",
    "CreateSecurityGroup", "DeleteNetworkInterface", "DeleteSecurityGroup",
    "DescribeInstances", "DescribeNetworkInterfaceAttribute", "DescribeNetworkInterfaces",
    "DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "DetachNetworkInterface",
    "JoinSecurityGroup", "LeaveSecurityGroup", "ModifyInstanceAttribute",
    "ModifyNetworkInterfaceAttribute", "ModifySecurityGroupPolicy", "RevokeSecurityGroup",
    "RunInstances",
]


def core_retry_config(ecs_actions, vpc_actions):
    """A retry config in the shape of aliyunsdkcore/data/retry_config.json."""
    errors = {"RetryableNormalErrors": ["ServiceUnavailable"], "RetryableThrottlingErrors": ["Throttling.User"]}
    return {
        "ecs": {"2014-05-26": {"RetryableAPIs": ecs_actions, **errors}},
        "vpc": {"2016-04-28": {"RetryableAPIs": vpc_actions, **errors}},
    }


class CoreRetrying(RetryingSdk):
    """aliyun-python-sdk-core 2.16.1 with aliyunsdkecs request classes. Its default policy
    retries only Describe* and a few creates, on 5xx and the exact code `Throttling`; the SDK's
    own `MixedRetryCondition` (the class behind that default) is given a config that lists every
    call of the patterns and the codes ecsnet answers. AcsClient takes no policy argument: the
    policy goes in its `_retry_policy` attribute, which its retry loop reads."""

    name = "aliyun-python-sdk-core"
    error_type = CoreServerException

    def __init__(self, endpoint, wire):
        super().__init__(wire)
        self.endpoint = endpoint
        self.client = AcsClient(ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION)
        self.client.add_endpoint(REGION, "Ecs", endpoint)
        condition = MixedRetryCondition(
            MAX_ATTEMPTS - 1, core_retry_config(ECS_ACTIONS, ["CreateVpc", "CreateVSwitch", "DescribeVpcs"])
        )
        self.client._retry_policy = RetryPolicy(condition, QuickBackoff())

    def _ecs(self, action, params):
        module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{action}Request")
        request = getattr(module, f"{action}Request")()
        for name, value in params.items():
            # A list's setter is named for the list (set_SecurityGroupIdss, set_Tags), except
            # for the Array kind (set_Permissions).
            setter = getattr(request, f"set_{name}s", None) if isinstance(value, list) else None
            (setter or getattr(request, f"set_{name}"))(value)
        return json.loads(self.client.do_action_with_exception(request))

    def _vpc(self, action, params):
        request = CommonRequest(domain=self.endpoint, version="2016-04-28", action_name=action, product="Vpc")
        request.set_method("POST")
        request.add_query_param("RegionId", REGION)
        for name, value in params.items():
            request.add_query_param(name, value)
        return json.loads(self.client.do_action_with_exception(request))

    @staticmethod
    def surfaced(error):
        return error.get_error_code(), error.get_http_status()


# ---------------------------------------------------------------------------------------------
# Reading state back, as the provider's waiters do


def poll(read, done, timeout=15.0):
    """Calls `read` every POLL_INTERVAL until `done(value)`; returns every value seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        seen.append(value)
        if done(value):
            return seen
        assert time.monotonic() < deadline, f"never reached the awaited state: {seen}"
        time.sleep(POLL_INTERVAL)


def took_the_delay(began):
    """Whether a transition started by a call sent at `began` (time.monotonic()) lasted the
    server's --transition-delay before the poll saw it end. (A poll slowed by retries may see
    only the end state, so this, not the first status seen, is what proves the delay.)"""
    return time.monotonic() - began >= TRANSITION_DELAY - 0.05


def only_request_id(answer):
    return set(answer) == {"RequestId"} and bool(answer["RequestId"])


def tags(item):
    return {t["TagKey"]: t["TagValue"] for t in item["Tags"]["Tag"]}


def eni_item(sdk, eni):
    """The ENI as DescribeNetworkInterfaces lists it; None once it is gone."""
    answer = sdk.call("DescribeNetworkInterfaces", NetworkInterfaceId=[eni])
    items = answer["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    assert len(items) <= 1 and answer["TotalCount"] == len(items)
    return items[0] if items else None


def eni_ids(sdk, **filters):
    answer = sdk.call("DescribeNetworkInterfaces", MaxResults=100, **filters)
    return [item["NetworkInterfaceId"] for item in answer["NetworkInterfaceSets"]["NetworkInterfaceSet"]]


def instance_items(sdk, instances):
    answer = sdk.call("DescribeInstances", InstanceIds=json.dumps(instances))
    items = answer["Instances"]["Instance"]
    assert sorted(i["InstanceId"] for i in items) == sorted(instances)
    return items


def instance_groups(sdk, instance):
    return instance_items(sdk, [instance])[0]["SecurityGroupIds"]["SecurityGroupId"]


def primary_eni_groups(sdk, instance):
    answer = sdk.call("DescribeNetworkInterfaces", InstanceId=instance, Type="Primary")
    (item,) = answer["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    return item["SecurityGroupIds"]["SecurityGroupId"]


def group_ids(sdk, **filters):
    answer = sdk.call("DescribeSecurityGroups", MaxResults=100, **filters)
    return [g["SecurityGroupId"] for g in answer["SecurityGroups"]["SecurityGroup"]]


def ingress_rules(sdk, group):
    answer = sdk.call("DescribeSecurityGroupAttribute", SecurityGroupId=group, Direction="ingress", NicType="intranet")
    assert answer["SecurityGroupId"] == group
    return answer["Permissions"]["Permission"]


def provider_finds(rules, wanted):
    """The rule the provider's read finds: protocol, port range, peer, policy and priority,
    compared as terraform-provider-alicloud does (case-insensitive protocol and policy, the
    priority as text)."""
    peer = wanted.get("SourceCidrIp") or wanted["SourceGroupId"]
    for rule in rules:
        if (
            rule["IpProtocol"].lower() == wanted["IpProtocol"]
            and rule["PortRange"] == wanted["PortRange"]
            and (rule.get("SourceCidrIp") or rule.get("SourceGroupId")) == peer
            and rule["Policy"].lower() == wanted["Policy"]
            and str(rule["Priority"]) == wanted["Priority"]
        ):
            return rule
    return None


def refused(call):
    """The (code, HTTP status) the SDK surfaces for a call that fails."""
    with pytest.raises(Refused) as failure:
        call()
    return failure.value.code, failure.value.status


# ---------------------------------------------------------------------------------------------
# One faulted, throttled, delayed server per SDK, and the world the patterns share


@pytest.fixture(scope="module", params=[TeaRetrying, CoreRetrying], ids=lambda sdk: sdk.name)
def run(request):
    server = Server(*PATTERN_SERVER)
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            wire = Wire(monkeypatch, server.endpoint)
            sdk = request.param(server.endpoint, wire)
            world = build_world(sdk)
            yield SimpleNamespace(server=server, sdk=sdk, wire=wire, world=world)
    finally:
        server.stop()


def build_world(sdk):
    """A VPC and vSwitch, basic groups a, b, c and an advanced group, and two Running
    instances in a; every create carries a ClientToken. `groups` and `enis` track what the
    patterns leave behind, for the final count."""
    vpc = sdk.vpc("CreateVpc", CidrBlock="10.0.0.0/16", ClientToken=new_token())["VpcId"]
    vswitch = sdk.vpc("CreateVSwitch", VpcId=vpc, ZoneId=ZONE, CidrBlock="10.0.1.0/24", ClientToken=new_token())[
        "VSwitchId"
    ]
    assert vpc.startswith("vpc-") and vswitch.startswith("vsw-")

    def group(kind):
        answer = sdk.call("CreateSecurityGroup", VpcId=vpc, SecurityGroupType=kind, ClientToken=new_token())
        assert answer["SecurityGroupId"].startswith("sg-")
        return answer["SecurityGroupId"]

    a, b, c, advanced = group("normal"), group("normal"), group("normal"), group("enterprise")

    def launch():
        answer = sdk.call(
            "RunInstances",
            VSwitchId=vswitch,
            InstanceType=INSTANCE_TYPE,
            ImageId=IMAGE_ID,
            SecurityGroupIds=[a],
            ClientToken=new_token(),
        )
        (instance,) = answer["InstanceIdSets"]["InstanceIdSet"]
        return instance

    began = time.monotonic()
    first, second = launch(), launch()
    seen = poll(
        lambda: [i["Status"] for i in instance_items(sdk, [first, second])],
        lambda statuses: statuses == ["Running", "Running"],
    )
    assert {status for statuses in seen for status in statuses} <= {"Pending", "Running"}, seen
    assert took_the_delay(began), "RunInstances answers while the instances are still Pending"
    assert sorted(group_ids(sdk, VpcId=vpc)) == sorted([a, b, c, advanced])
    return SimpleNamespace(
        vpc=vpc, vswitch=vswitch, a=a, b=b, c=c, advanced=advanced, first=first, second=second,
        groups={a, b, c, advanced}, enis=set(),
    )


# ---------------------------------------------------------------------------------------------
# The client patterns


def test_pattern_1_eni_resource(run):
    """CreateNetworkInterface(SecurityGroupIds.N, tags, ClientToken) → poll Describe until
    Available → ModifyNetworkInterfaceAttribute(SecurityGroupId.N, the full set) → Describe →
    DeleteNetworkInterface → poll until absent, the not-found code meaning gone."""
    sdk, w = run.sdk, run.world
    create = dict(
        VSwitchId=w.vswitch,
        SecurityGroupIds=[w.a, w.b],
        NetworkInterfaceName="tf-eni",
        Description="managed by terraform",
        Tag=[{"Key": "Name", "Value": "tf-eni-1"}, {"Key": "Created", "Value": "terraform"}],
        ClientToken=new_token(),
    )
    created = sdk.call("CreateNetworkInterface", **create)
    eni = created["NetworkInterfaceId"]
    assert eni.startswith("eni-")
    assert created["Status"] == "Available"
    assert created["Type"] == "Secondary"
    assert created["VSwitchId"] == w.vswitch
    assert created["SecurityGroupIds"]["SecurityGroupId"] == [w.a, w.b]
    assert tags(created) == {"Name": "tf-eni-1", "Created": "terraform"}
    # The provider sends the create again when it lost the answer: the token answers the same ENI.
    assert sdk.call("CreateNetworkInterface", **create)["NetworkInterfaceId"] == eni
    assert eni_ids(sdk, Tag=[{"Key": "Name", "Value": "tf-eni-1"}]) == [eni], "one ENI for the token"

    seen = poll(lambda: eni_item(sdk, eni), lambda item: item["Status"] == "Available")
    item = seen[-1]
    assert (item["NetworkInterfaceName"], item["Description"]) == ("tf-eni", "managed by terraform")
    assert item["SecurityGroupIds"]["SecurityGroupId"] == [w.a, w.b]
    assert tags(item) == {"Name": "tf-eni-1", "Created": "terraform"}

    modify = sdk.call("ModifyNetworkInterfaceAttribute", NetworkInterfaceId=eni, SecurityGroupId=[w.b, w.c])
    assert only_request_id(modify)
    attribute = sdk.call("DescribeNetworkInterfaceAttribute", NetworkInterfaceId=eni)
    assert attribute["NetworkInterfaceId"] == eni
    assert attribute["Status"] == "Available"
    assert attribute["SecurityGroupIds"]["SecurityGroupId"] == [w.b, w.c]
    assert (attribute["NetworkInterfaceName"], attribute["Description"]) == ("tf-eni", "managed by terraform")
    assert tags(attribute) == {"Name": "tf-eni-1", "Created": "terraform"}

    # The Describe calls above may have emptied that action's throttle bucket; throttled polls
    # back off for up to a second each, and could then miss the whole Deleting second. Once the
    # bucket has refilled (burst 2 at 5/s), the first poll is answered within the fault retries'
    # backoff (at most 5 faults in a row: 10 + 20 + 40 + 80 + 160 ms) and sees Deleting, which
    # test_the_run_was_faulted_throttled_and_retried requires of the run.
    time.sleep(0.5)
    began = time.monotonic()
    assert only_request_id(sdk.call("DeleteNetworkInterface", NetworkInterfaceId=eni))
    seen = poll(lambda: eni_item(sdk, eni), lambda item: item is None)
    statuses = [item["Status"] if item else "gone" for item in seen]
    assert set(statuses[:-1]) <= {"Deleting"} and statuses[-1] == "gone", statuses
    assert took_the_delay(began)
    assert refused(lambda: sdk.call("DescribeNetworkInterfaceAttribute", NetworkInterfaceId=eni)) == (
        "InvalidEniId.NotFound",
        404,
    )
    assert eni_ids(sdk, Tag=[{"Key": "Name", "Value": "tf-eni-1"}]) == []


def test_pattern_2_eni_attachment(run):
    """AttachNetworkInterface → poll until InUse (Attachment.InstanceId) → Detach → poll until
    Available, each transition lasting 1 s."""
    sdk, w = run.sdk, run.world
    eni = sdk.call("CreateNetworkInterface", VSwitchId=w.vswitch, SecurityGroupIds=[w.a], ClientToken=new_token())[
        "NetworkInterfaceId"
    ]
    w.enis.add(eni)

    began = time.monotonic()
    assert only_request_id(sdk.call("AttachNetworkInterface", NetworkInterfaceId=eni, InstanceId=w.second))
    seen = poll(lambda: eni_item(sdk, eni), lambda item: item["Status"] == "InUse")
    statuses = [item["Status"] for item in seen]
    assert set(statuses[:-1]) <= {"Attaching"}, statuses
    assert took_the_delay(began)
    for item in seen:
        assert item["Attachment"]["InstanceId"] == w.second
        assert item["InstanceId"] == w.second

    began = time.monotonic()
    assert only_request_id(sdk.call("DetachNetworkInterface", NetworkInterfaceId=eni, InstanceId=w.second))
    seen = poll(lambda: eni_item(sdk, eni), lambda item: item["Status"] == "Available")
    statuses = [item["Status"] for item in seen]
    assert set(statuses[:-1]) <= {"Detaching"}, statuses
    assert took_the_delay(began)
    for item in seen[:-1]:
        assert item["InstanceId"] == w.second
    assert seen[-1]["InstanceId"] == ""
    assert not seen[-1].get("Attachment"), "no attachment once Available"
    assert seen[-1]["SecurityGroupIds"]["SecurityGroupId"] == [w.a]


def test_pattern_3_security_group(run):
    """CreateSecurityGroup(ClientToken) → DescribeSecurityGroups → DescribeSecurityGroupAttribute
    (InnerAccessPolicy) → ModifySecurityGroupPolicy → delete while in use (DependencyViolation,
    retried as the provider does) → deleted once its members have left."""
    sdk, w = run.sdk, run.world
    create = dict(
        VpcId=w.vpc,
        SecurityGroupName="tf-sg-3",
        Description="managed by terraform",
        SecurityGroupType="normal",
        ClientToken=new_token(),
    )
    group = sdk.call("CreateSecurityGroup", **create)["SecurityGroupId"]
    assert group.startswith("sg-")
    assert sdk.call("CreateSecurityGroup", **create)["SecurityGroupId"] == group
    w.groups.add(group)

    listed = sdk.call("DescribeSecurityGroups", VpcId=w.vpc, SecurityGroupName="tf-sg-3")
    (item,) = listed["SecurityGroups"]["SecurityGroup"]
    assert listed["TotalCount"] == 1, "one group for the token"
    assert item["SecurityGroupId"] == group
    assert (item["SecurityGroupName"], item["Description"]) == ("tf-sg-3", "managed by terraform")
    assert (item["SecurityGroupType"], item["VpcId"]) == ("normal", w.vpc)

    attribute = sdk.call("DescribeSecurityGroupAttribute", SecurityGroupId=group)
    assert attribute["SecurityGroupId"] == group
    assert attribute["InnerAccessPolicy"] == "Accept"
    assert attribute["Permissions"]["Permission"] == []
    assert only_request_id(sdk.call("ModifySecurityGroupPolicy", SecurityGroupId=group, InnerAccessPolicy="Drop"))
    assert sdk.call("DescribeSecurityGroupAttribute", SecurityGroupId=group)["InnerAccessPolicy"] == "Drop"

    # Members: an instance joins it, and an ENI is created in it.
    assert only_request_id(sdk.call("JoinSecurityGroup", InstanceId=w.second, SecurityGroupId=group))
    member = sdk.call("CreateNetworkInterface", VSwitchId=w.vswitch, SecurityGroupIds=[group], ClientToken=new_token())[
        "NetworkInterfaceId"
    ]
    delete = lambda: sdk.call("DeleteSecurityGroup", SecurityGroupId=group)  # noqa: E731
    assert refused(delete) == ("DependencyViolation", 403)

    # The members leave: the instance at once, the ENI through Deleting (1 s). The provider
    # retries the delete on DependencyViolation until the group goes.
    assert only_request_id(sdk.call("LeaveSecurityGroup", InstanceId=w.second, SecurityGroupId=group))
    assert instance_groups(sdk, w.second) == [w.a]
    assert only_request_id(sdk.call("DeleteNetworkInterface", NetworkInterfaceId=member))
    refusals = []
    deadline = time.monotonic() + 15
    while True:
        try:
            assert only_request_id(delete())
            break
        except Refused as refusal:
            assert (refusal.code, refusal.status) == ("DependencyViolation", 403)
            refusals.append(refusal.code)
            assert time.monotonic() < deadline, "the group was never deleted"
            time.sleep(POLL_INTERVAL)
    assert refusals, "the deleting ENI kept the group in use for a while"
    w.groups.discard(group)
    assert eni_item(sdk, member) is None

    assert group_ids(sdk, VpcId=w.vpc, SecurityGroupName="tf-sg-3") == []
    assert refused(lambda: sdk.call("DescribeSecurityGroupAttribute", SecurityGroupId=group)) == (
        "InvalidSecurityGroupId.NotFound",
        404,
    )


RULES = [
    {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "192.168.0.0/24", "Policy": "accept", "Priority": "1"},
    {"IpProtocol": "tcp", "PortRange": "443/443", "SourceCidrIp": "0.0.0.0/0", "Policy": "accept", "Priority": "2"},
    {"IpProtocol": "udp", "PortRange": "53/53", "SourceCidrIp": "10.0.0.0/8", "Policy": "drop", "Priority": "100"},
    {"IpProtocol": "all", "PortRange": "-1/-1", "SourceGroupId": None, "Policy": "accept", "Priority": "1"},
]


def test_pattern_4_rules(run):
    """AuthorizeSecurityGroup with Permissions.N (ClientToken) → DescribeSecurityGroupAttribute
    finds the rule as the provider compares it → RevokeSecurityGroup."""
    sdk, w = run.sdk, run.world
    group = w.c
    rules = [{**rule, "SourceGroupId": w.b} if "SourceGroupId" in rule else rule for rule in RULES]
    assert ingress_rules(sdk, group) == []

    tokens = []
    for rule in rules:
        permission = {**rule, "NicType": "intranet", "Description": "managed by terraform"}
        token = new_token()
        tokens.append((token, permission))
        assert only_request_id(
            sdk.call("AuthorizeSecurityGroup", SecurityGroupId=group, Permissions=[permission], ClientToken=token)
        )
        found = provider_finds(ingress_rules(sdk, group), rule)
        assert found is not None, f"the provider does not find {rule}"
        assert found["SecurityGroupRuleId"].startswith("sgr-")
        assert (found["Direction"], found["NicType"]) == ("ingress", "intranet")
        assert found["Description"] == "managed by terraform"
    assert len(ingress_rules(sdk, group)) == len(rules)

    # An Authorize sent again with its token (the provider lost the answer) adds nothing.
    token, permission = tokens[0]
    assert only_request_id(
        sdk.call("AuthorizeSecurityGroup", SecurityGroupId=group, Permissions=[permission], ClientToken=token)
    )
    assert len(ingress_rules(sdk, group)) == len(rules)

    for rule in rules:
        revoke = {**rule, "NicType": "intranet"}
        assert only_request_id(sdk.call("RevokeSecurityGroup", SecurityGroupId=group, Permissions=[revoke]))
        assert provider_finds(ingress_rules(sdk, group), rule) is None
    assert ingress_rules(sdk, group) == []


def test_pattern_5_instance_groups(run):
    """The provider's instance update: JoinSecurityGroup for each added group and
    LeaveSecurityGroup for each removed one; then the one-call ModifyInstanceAttribute
    (SecurityGroupIds.N) from basic to advanced groups."""
    sdk, w = run.sdk, run.world
    instance = w.first
    assert instance_groups(sdk, instance) == [w.a]

    # [a] → [b, c]
    for group in (w.b, w.c):
        assert only_request_id(sdk.call("JoinSecurityGroup", InstanceId=instance, SecurityGroupId=group))
    assert only_request_id(sdk.call("LeaveSecurityGroup", InstanceId=instance, SecurityGroupId=w.a))
    assert instance_groups(sdk, instance) == [w.b, w.c]
    assert primary_eni_groups(sdk, instance) == [w.b, w.c]

    # Joining the advanced group is refused (kinds never mix); ModifyInstanceAttribute moves the
    # whole set in one call.
    assert refused(lambda: sdk.call("JoinSecurityGroup", InstanceId=instance, SecurityGroupId=w.advanced)) == (
        "InvalidOperation.MultiGroupType",
        400,
    )
    assert only_request_id(sdk.call("ModifyInstanceAttribute", InstanceId=instance, SecurityGroupIds=[w.advanced]))
    assert instance_groups(sdk, instance) == [w.advanced]
    assert primary_eni_groups(sdk, instance) == [w.advanced]


def test_the_run_was_faulted_throttled_and_retried(run):
    """What happened on the wire during the run: faults and throttling did happen, the SDK's
    retry loop (not the test) absorbed every one of them, retried creates made one resource per
    ClientToken, and the server's request log matches the transport's record exactly."""
    sdk, wire, w = run.sdk, run.wire, run.world

    # The final counts, read through the same SDK.
    assert sorted(group_ids(sdk, VpcId=w.vpc)) == sorted(w.groups)
    assert sorted(eni_ids(sdk, Type="Secondary")) == sorted(w.enis)
    assert len(sdk.call("DescribeInstances", MaxResults=100)["Instances"]["Instance"]) == 2
    assert [v["VpcId"] for v in sdk.vpc("DescribeVpcs")["Vpcs"]["Vpc"]] == [w.vpc]

    attempts = wire.attempts
    assert run.server.answered() == [(a.action, a.status) for a in attempts], "the server log agrees"
    faults = [a for a in attempts if a.code == "ServiceUnavailable"]
    throttled = [a for a in attempts if a.code == "Throttling.User"]
    assert faults and all(a.status == 503 for a in faults)
    assert throttled and all(a.status == 400 and a.retry_after > 0 for a in throttled)

    assert sum(len(c.attempts) for c in sdk.calls) == len(attempts), "every attempt belongs to one call"
    for call in sdk.calls:
        *retried, last = call.attempts
        assert all(a.code in RETRIED_CODES for a in retried), call
        assert last.code not in RETRIED_CODES, f"the SDK gave up: {call}"
        assert last.code == call.refused
        assert len(call.attempts) <= MAX_ATTEMPTS
        if isinstance(sdk, TeaRetrying):
            # Tea numbers its retries in a signed header.
            assert [a.retry_header for a in call.attempts] == [None] + [str(n) for n in range(1, len(retried) + 1)]
    retried_calls = [c for c in sdk.calls if len(c.attempts) > 1]
    assert len(retried_calls) >= 10

    # The polls saw the transitional states (each lasts 1 s; polls come every 0.1 s).
    seen = {
        item["Status"]
        for a in attempts
        if a.status == 200 and a.action in ("DescribeNetworkInterfaces", "DescribeInstances")
        for items in (a.body.get("NetworkInterfaceSets") or a.body["Instances"]).values()
        for item in items
    }
    assert {"Pending", "Attaching", "Detaching", "Deleting"} <= seen, seen

    # Creates: every attempt of one call carries the same ClientToken, and every answer to a
    # token (retries and the provider's re-sends) names the same resource.
    ids = {"CreateNetworkInterface": "NetworkInterfaceId", "CreateSecurityGroup": "SecurityGroupId",
           "RunInstances": "InstanceIdSets", "CreateVpc": "VpcId", "CreateVSwitch": "VSwitchId",
           "AuthorizeSecurityGroup": None}
    answers = {}
    retried_creates = 0
    for call in sdk.calls:
        if call.action not in ids:
            continue
        (token,) = {a.token for a in call.attempts}
        assert token, f"{call.action} without a ClientToken"
        retried_creates += len(call.attempts) > 1
        key = ids[call.action]
        if key:
            answers.setdefault(token, set()).add(json.dumps(call.attempts[-1].body[key]))
    assert all(len(named) == 1 for named in answers.values())
    assert retried_creates >= 1, "some create was retried"

    print(
        f"\n{sdk.name}: {len(sdk.calls)} calls, {len(attempts)} attempts, {len(faults)} ServiceUnavailable, "
        f"{len(throttled)} Throttling.User, {len(retried_calls)} calls retried ({retried_creates} creates), "
        f"longest {max(len(c.attempts) for c in sdk.calls)} attempts"
    )


# ---------------------------------------------------------------------------------------------
# What each SDK does by default (and what it ignores), pinned on servers that fault every call
# or throttle


@pytest.fixture(scope="module")
def down():
    """A server that answers every call ServiceUnavailable (503)."""
    server = Server("--fault-rate", "1")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def throttling():
    """A server that admits one call at once per account and action, then two a second."""
    server = Server("--throttle-rate", "2", "--throttle-burst", "1")
    yield server
    server.stop()


@pytest.fixture
def wire(request, monkeypatch):
    """The wire to the server the test uses (`down` or `throttling`)."""
    server = request.getfixturevalue("down" if "down" in request.fixturenames else "throttling")
    return Wire(monkeypatch, server.endpoint)


def core_client(server, **options):
    client = AcsClient(ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, **options)
    client.add_endpoint(REGION, "Ecs", server.endpoint)
    return client


def core_refusal(client, request):
    with pytest.raises(CoreServerException) as failure:
        client.do_action_with_exception(request)
    return failure.value.get_error_code(), failure.value.get_http_status()


def tea_client(server, **options):
    return TeaEcsClient(
        TeaConfig(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            endpoint=server.endpoint,
            protocol="http",
            region_id=REGION,
            **options,
        )
    )


def test_core_default_policy_on_503(down, wire):
    """AcsClient's default policy (auto_retry=True, 3 retries) retries the Describe* calls and the
    creates of its RetryableAPIsWithClientToken list on 503; other writes get one attempt. It
    never adds the ClientToken its list is named for."""
    client = core_client(down)
    unavailable = ("ServiceUnavailable", 503)

    assert core_refusal(client, DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()) == unavailable
    assert [(a.action, a.status) for a in wire.since(0)] == [("DescribeSecurityGroups", 503)] * 4

    start = len(wire.attempts)
    join = JoinSecurityGroupRequest.JoinSecurityGroupRequest()
    join.set_InstanceId("i-bp1anyinstance")
    join.set_SecurityGroupId("sg-bp1anygroup")
    assert core_refusal(client, join) == unavailable
    assert [a.action for a in wire.since(start)] == ["JoinSecurityGroup"]

    start = len(wire.attempts)
    vpc = CommonRequest(domain=down.endpoint, version="2016-04-28", action_name="CreateVpc")
    vpc.set_method("POST")
    assert core_refusal(client, vpc) == unavailable
    assert [a.action for a in wire.since(start)] == ["CreateVpc"], "VPC calls are never retried"

    # max_retry_time sets the number of retries (here of a create: throttling backoff,
    # 250-500 ms before the one retry), and no attempt carries a ClientToken.
    start = len(wire.attempts)
    create = CreateNetworkInterfaceRequest.CreateNetworkInterfaceRequest()
    create.set_VSwitchId("vsw-bp1anyswitch")
    assert core_refusal(core_client(down, max_retry_time=1), create) == unavailable
    assert [(a.action, a.token) for a in wire.since(start)] == [("CreateNetworkInterface", None)] * 2

    start = len(wire.attempts)
    no_retry = core_client(down, auto_retry=False)
    assert core_refusal(no_retry, DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()) == unavailable
    assert len(wire.since(start)) == 1

    # The policy is built by the constructor: the setters change nothing afterwards.
    start = len(wire.attempts)
    client.set_auto_retry(False)
    client.set_max_retry_num(1)
    assert core_refusal(client, DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()) == unavailable
    assert len(wire.since(start)) == 4


def test_core_default_policy_does_not_retry_throttling_user(throttling, wire):
    """The default policy's throttling code is exactly `Throttling`, and its statuses are 5xx:
    `Throttling.User` (400) surfaces at once, even on a Describe call."""
    client = core_client(throttling)
    request = DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest
    assert json.loads(client.do_action_with_exception(request()))["TotalCount"] == 0
    assert core_refusal(client, request()) == ("Throttling.User", 400)
    assert [(a.action, a.code) for a in wire.attempts] == [
        ("DescribeSecurityGroups", None),
        ("DescribeSecurityGroups", "Throttling.User"),
    ]


def test_tea_retries_nothing_without_config_retry_options(down, wire):
    """tea-openapi 0.4.6 reads only `Config.retry_options`: RuntimeOptions' autoretry,
    max_attempts and retry_options change nothing, so every call gets one attempt."""
    client = tea_client(down)
    request = ecs_models.DescribeSecurityGroupsRequest(region_id=REGION)
    retry = RetryOptions(retry_condition=[RetryCondition(error_code=["ServiceUnavailable"], max_attempts=5)])
    for runtime in (
        RuntimeOptions(),
        RuntimeOptions(autoretry=True, max_attempts=5, backoff_policy="no", backoff_period=1),
        RuntimeOptions(retry_options=retry),
    ):
        start = len(wire.attempts)
        with pytest.raises(TeaServerException) as failure:
            client.describe_security_groups_with_options(request, runtime)
        assert (failure.value.code, failure.value.status_code) == ("ServiceUnavailable", 503)
        assert len(wire.since(start)) == 1


def test_tea_config_retry_options(down, wire):
    """With Config.retry_options, a matching error is retried until max_attempts attempts in all
    (not retries), each retry numbered in an x-acs-retry-attempts header; then the last error
    surfaces as itself."""
    retry = RetryOptions(
        retry_condition=[
            RetryCondition(
                error_code=["ServiceUnavailable"], max_attempts=3, backoff={"policy": "Fixed", "period": 10}
            )
        ]
    )
    client = tea_client(down, retry_options=retry)
    request = ecs_models.DescribeSecurityGroupsRequest(region_id=REGION)
    with pytest.raises(TeaServerException) as failure:
        client.describe_security_groups_with_options(request, RuntimeOptions())
    assert (failure.value.code, failure.value.status_code) == ("ServiceUnavailable", 503)
    assert [(a.status, a.retry_header) for a in wire.attempts] == [(503, None), (503, "1"), (503, "2")]

    # A condition matches by the exception's name or by its code; others are not retried.
    start = len(wire.attempts)
    only_throttling = RetryOptions(retry_condition=[RetryCondition(exception=["ThrottlingException"], max_attempts=3)])
    with pytest.raises(TeaServerException):
        tea_client(down, retry_options=only_throttling).describe_security_groups_with_options(request, RuntimeOptions())
    assert len(wire.since(start)) == 1


def test_tea_throttling(throttling, wire):
    """`Throttling.User` with `x-acs-retry-after` surfaces from Tea as a ThrottlingException
    carrying that delay; a ThrottlingException condition retries after exactly that long."""
    request = ecs_models.DescribeNetworkInterfacesRequest(region_id=REGION)
    plain = tea_client(throttling)
    assert plain.describe_network_interfaces_with_options(request, RuntimeOptions()).body.total_count == 0
    with pytest.raises(TeaThrottlingException) as failure:
        plain.describe_network_interfaces_with_options(request, RuntimeOptions())
    throttled = failure.value
    assert (throttled.code, throttled.status_code) == ("Throttling.User", 400)
    assert 0 < throttled.retry_after <= 500
    assert not isinstance(throttled, (TeaClientException, TeaServerException))

    retry = RetryOptions(retry_condition=[RetryCondition(exception=["ThrottlingException"], max_attempts=3)])
    patient = tea_client(throttling, retry_options=retry)
    describe = ecs_models.DescribeInstancesRequest(region_id=REGION)
    assert patient.describe_instances_with_options(describe, RuntimeOptions()).body.total_count == 0
    start = len(wire.attempts)
    began = time.monotonic()
    assert patient.describe_instances_with_options(describe, RuntimeOptions()).body.total_count == 0
    waited = time.monotonic() - began
    first, second = wire.since(start)
    assert (first.code, second.code) == ("Throttling.User", None)
    assert second.retry_header == "1"
    assert 0 < first.retry_after <= 500
    assert waited >= first.retry_after / 1000, "it waited as long as the server's x-acs-retry-after said"
