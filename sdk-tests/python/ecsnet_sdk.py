"""Start a real ecsnet server, and drive it through the two official Python SDKs.

`Server` runs the binary cargo built on a free port with a fresh data dir. `CoreSdk`
(aliyun-python-sdk-core + aliyun-python-sdk-ecs, V1 signatures) and `TeaSdk`
(alibabacloud-ecs20140526 + alibabacloud-vpc20160428, ACS3 signatures) offer the same few
calls the tests need, each made the way a user of that SDK would write it; only the endpoint
points at ecsnet.
"""

import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526 import (
    AttachNetworkInterfaceRequest,
    CreateNetworkInterfaceRequest,
    CreateSecurityGroupRequest,
    DescribeInstancesRequest,
    DescribeNetworkInterfaceAttributeRequest,
    DescribeNetworkInterfacesRequest,
    JoinSecurityGroupRequest,
    LeaveSecurityGroupRequest,
    ModifyNetworkInterfaceAttributeRequest,
    RunInstancesRequest,
)

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as TeaEcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config as TeaConfig
from alibabacloud_tea_util.models import RuntimeOptions
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as TeaVpcClient

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-h"
INSTANCE_TYPE = "ecs.g6.large"
IMAGE_ID = "aliyun_3_x64_20G_alibase_20240819.vhd"
ACCESS_KEY_ID = "LTAI5tSdkTestsRootKey01"
ACCESS_KEY_SECRET = "sdk-tests/secret+with=odd/chars"


class Server:
    """An ecsnet server of its own: free port on 127.0.0.1, fresh temporary data dir.

    `serve_flags` are passed on to `ecsnet serve`, e.g. `"--fault-rate", "0.3"`."""

    def __init__(self, *serve_flags):
        binary = os.environ.get("ECSNET_BIN", "target/debug/ecsnet")
        self.binary = (REPO_ROOT / binary).resolve()
        if not self.binary.is_file():
            raise RuntimeError(f"ecsnet binary not found at {self.binary} (run cargo build or set ECSNET_BIN)")
        self.port = _free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self._data_dir = tempfile.TemporaryDirectory(prefix="ecsnet-sdk-py-")
        self._log = open(Path(self._data_dir.name) / "server.log", "wb")
        env = dict(
            os.environ,
            ECSNET_ROOT_ACCESS_KEY_ID=ACCESS_KEY_ID,
            ECSNET_ROOT_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
        )
        data = Path(self._data_dir.name) / "data"
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--listen", self.endpoint, "--data-dir", str(data), *serve_flags],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_answering()

    def _wait_until_answering(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ecsnet exited with {self.process.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(f"http://{self.endpoint}/", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # an error envelope is an answer
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"ecsnet did not answer on {self.endpoint} within {timeout}s:\n{self.log()}")

    def log(self):
        self._log.flush()
        return (Path(self._data_dir.name) / "server.log").read_text(errors="replace")

    def answered(self):
        """(action, HTTP status) of every call the server answered, in order, from its request
        log (the readiness probe, which names no action, left out)."""
        plain = re.sub(r"\x1b\[[0-9;]*m", "", self.log())
        calls = re.findall(r' request request_id=\S+ action="([^"]*)" status=(\d+) ', plain)
        return [(action, int(status)) for action, status in calls if action != "-"]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self._data_dir.cleanup()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CoreSdk:
    """aliyun-python-sdk-core 2.16.1 + aliyun-python-sdk-ecs 4.24.83: V1 (HMAC-SHA1) signatures.

    Errors surface as `ServerException` (code, message, HTTP status, request id)."""

    name = "aliyun-python-sdk-core"
    error_type = ServerException

    def __init__(self, endpoint, secret=ACCESS_KEY_SECRET, key_id=ACCESS_KEY_ID):
        self.endpoint = endpoint
        self.client = AcsClient(key_id, secret, REGION)
        self.client.add_endpoint(REGION, "Ecs", endpoint)  # the only change a user makes

    def _do(self, request, **params):
        for name, value in params.items():
            if value is not None:
                getattr(request, f"set_{name}")(value)
        return json.loads(self.client.do_action_with_exception(request))

    def _vpc(self, action, **params):
        request = CommonRequest(domain=self.endpoint, version="2016-04-28", action_name=action)
        request.set_method("POST")
        request.add_query_param("RegionId", REGION)
        for name, value in params.items():
            request.add_query_param(name, value)
        return json.loads(self.client.do_action_with_exception(request))

    def create_vpc(self, cidr):
        return self._vpc("CreateVpc", CidrBlock=cidr)["VpcId"]

    def create_vswitch(self, vpc, cidr):
        return self._vpc("CreateVSwitch", VpcId=vpc, ZoneId=ZONE, CidrBlock=cidr)["VSwitchId"]

    def create_group(self, vpc, kind):
        r = CreateSecurityGroupRequest.CreateSecurityGroupRequest()
        return self._do(r, VpcId=vpc, SecurityGroupType=kind)["SecurityGroupId"]

    def run_instance(self, vswitch, groups):
        r = RunInstancesRequest.RunInstancesRequest()
        reply = self._do(
            r, VSwitchId=vswitch, InstanceType=INSTANCE_TYPE, ImageId=IMAGE_ID, SecurityGroupIdss=groups
        )
        return reply["InstanceIdSets"]["InstanceIdSet"][0]

    def create_eni(self, vswitch, groups):
        r = CreateNetworkInterfaceRequest.CreateNetworkInterfaceRequest()
        return self._do(r, VSwitchId=vswitch, SecurityGroupIdss=groups)["NetworkInterfaceId"]

    def attach(self, eni, instance):
        r = AttachNetworkInterfaceRequest.AttachNetworkInterfaceRequest()
        self._do(r, NetworkInterfaceId=eni, InstanceId=instance)

    def join(self, instance, group):
        r = JoinSecurityGroupRequest.JoinSecurityGroupRequest()
        self._do(r, InstanceId=instance, SecurityGroupId=group)

    def leave(self, instance, group):
        r = LeaveSecurityGroupRequest.LeaveSecurityGroupRequest()
        self._do(r, InstanceId=instance, SecurityGroupId=group)

    def modify_eni(self, eni, name=None, description=None, groups=None):
        r = ModifyNetworkInterfaceAttributeRequest.ModifyNetworkInterfaceAttributeRequest()
        self._do(
            r, NetworkInterfaceId=eni, NetworkInterfaceName=name, Description=description, SecurityGroupIds=groups
        )

    def eni(self, eni):
        """(name, description, groups) of an ENI, from DescribeNetworkInterfaceAttribute."""
        r = DescribeNetworkInterfaceAttributeRequest.DescribeNetworkInterfaceAttributeRequest()
        reply = self._do(r, NetworkInterfaceId=eni)
        return reply["NetworkInterfaceName"], reply["Description"], reply["SecurityGroupIds"]["SecurityGroupId"]

    def instance_groups(self, instance):
        r = DescribeInstancesRequest.DescribeInstancesRequest()
        reply = self._do(r, InstanceIds=json.dumps([instance]))
        return reply["Instances"]["Instance"][0]["SecurityGroupIds"]["SecurityGroupId"]

    def primary_eni(self, instance):
        r = DescribeNetworkInterfacesRequest.DescribeNetworkInterfacesRequest()
        reply = self._do(r, InstanceId=instance, Type="Primary")
        return reply["NetworkInterfaceSets"]["NetworkInterfaceSet"][0]["NetworkInterfaceId"]

    @staticmethod
    def surfaced(error):
        """What a user of this SDK reads from an error: (code, message, HTTP status)."""
        return error.get_error_code(), error.get_error_msg(), error.get_http_status()


class TeaSdk:
    """alibabacloud-ecs20140526 7.11.8 + alibabacloud-vpc20160428 7.2.2: ACS3-HMAC-SHA256.

    Errors surface as `ClientException` for 4xx: `.code`, `.status_code`, `.data` (the body) and
    `.message` = "code: <status>, <Message> request id: <RequestId>"."""

    name = "alibabacloud-ecs20140526"
    error_type = ClientException

    def __init__(self, endpoint, secret=ACCESS_KEY_SECRET, key_id=ACCESS_KEY_ID):
        config = TeaConfig(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=endpoint,  # host:port, no scheme
            protocol="http",
            region_id=REGION,
        )
        self.ecs = TeaEcsClient(config)
        self.vpc = TeaVpcClient(config)
        self.runtime = RuntimeOptions()

    def create_vpc(self, cidr):
        request = vpc_models.CreateVpcRequest(region_id=REGION, cidr_block=cidr)
        return self.vpc.create_vpc_with_options(request, self.runtime).body.vpc_id

    def create_vswitch(self, vpc, cidr):
        request = vpc_models.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc, zone_id=ZONE, cidr_block=cidr)
        return self.vpc.create_vswitch_with_options(request, self.runtime).body.v_switch_id

    def create_group(self, vpc, kind):
        request = ecs_models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc, security_group_type=kind)
        return self.ecs.create_security_group_with_options(request, self.runtime).body.security_group_id

    def run_instance(self, vswitch, groups):
        request = ecs_models.RunInstancesRequest(
            region_id=REGION,
            v_switch_id=vswitch,
            instance_type=INSTANCE_TYPE,
            image_id=IMAGE_ID,
            security_group_ids=groups,
        )
        body = self.ecs.run_instances_with_options(request, self.runtime).body
        return body.instance_id_sets.instance_id_set[0]

    def create_eni(self, vswitch, groups):
        request = ecs_models.CreateNetworkInterfaceRequest(
            region_id=REGION, v_switch_id=vswitch, security_group_ids=groups
        )
        return self.ecs.create_network_interface_with_options(request, self.runtime).body.network_interface_id

    def attach(self, eni, instance):
        request = ecs_models.AttachNetworkInterfaceRequest(
            region_id=REGION, network_interface_id=eni, instance_id=instance
        )
        self.ecs.attach_network_interface_with_options(request, self.runtime)

    def join(self, instance, group):
        request = ecs_models.JoinSecurityGroupRequest(region_id=REGION, instance_id=instance, security_group_id=group)
        self.ecs.join_security_group_with_options(request, self.runtime)

    def leave(self, instance, group):
        request = ecs_models.LeaveSecurityGroupRequest(region_id=REGION, instance_id=instance, security_group_id=group)
        self.ecs.leave_security_group_with_options(request, self.runtime)

    def modify_eni(self, eni, name=None, description=None, groups=None):
        request = ecs_models.ModifyNetworkInterfaceAttributeRequest(
            region_id=REGION,
            network_interface_id=eni,
            network_interface_name=name,
            description=description,
            security_group_id=groups,
        )
        self.ecs.modify_network_interface_attribute_with_options(request, self.runtime)

    def eni(self, eni):
        request = ecs_models.DescribeNetworkInterfaceAttributeRequest(region_id=REGION, network_interface_id=eni)
        body = self.ecs.describe_network_interface_attribute_with_options(request, self.runtime).body
        return body.network_interface_name, body.description, body.security_group_ids.security_group_id

    def instance_groups(self, instance):
        request = ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance]))
        body = self.ecs.describe_instances_with_options(request, self.runtime).body
        return body.instances.instance[0].security_group_ids.security_group_id

    def primary_eni(self, instance):
        request = ecs_models.DescribeNetworkInterfacesRequest(region_id=REGION, instance_id=instance, type="Primary")
        body = self.ecs.describe_network_interfaces_with_options(request, self.runtime).body
        return body.network_interface_sets.network_interface_set[0].network_interface_id

    @staticmethod
    def surfaced(error):
        """(code, message, HTTP status); the message is the server's, checked inside the SDK's text."""
        message = error.data["Message"]
        assert error.message == f"code: {error.status_code}, {message} request id: {error.request_id}"
        return error.code, message, error.status_code


SDKS = [CoreSdk, TeaSdk]
