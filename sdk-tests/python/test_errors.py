"""Error cases through each Python SDK: the code, message and HTTP status the SDK surfaces."""

from types import SimpleNamespace

import pytest

from ecsnet_sdk import CoreSdk, TeaSdk

MULTI_GROUP_TYPE = "The specified instance can't join different types of security group."

# (case, call on a ready world, code, HTTP status, message)
CASES = [
    ("instance joins a group of the other kind", lambda w: w.sdk.join(w.instance, w.advanced),
     "InvalidOperation.MultiGroupType", 400, MULTI_GROUP_TYPE),
    ("secondary ENI mixes kinds", lambda w: w.sdk.modify_eni(w.secondary, groups=[w.basic, w.advanced]),
     "InvalidOperation.MultiGroupType", 403, MULTI_GROUP_TYPE),
    ("instance leaves its last group", lambda w: w.sdk.leave(w.instance, w.basic),
     "InstanceLastSecurityGroup", 403,
     "The specified security group is the last security group for the instance."),
    ("primary ENI changes groups", lambda w: w.sdk.modify_eni(w.primary, groups=[w.basic]),
     "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc", 404,
     "Primary NetworkInterface is only allowed to modify name and description."),
    ("unknown security group", lambda w: w.sdk.join(w.instance, "sg-bp1doesnotexist0000"),
     "InvalidSecurityGroupId.NotFound", 404, "The specified SecurityGroupId does not exist."),
    ("ENI name starts with a digit", lambda w: w.sdk.modify_eni(w.secondary, name="1eni"),
     "InvalidParams.NetworkInterfaceName", 403,
     "The parameter NetworkInterfaceName is not valid: it must start with a letter."),
    ("ENI description is a URL", lambda w: w.sdk.modify_eni(w.secondary, description="http://example.com"),
     "InvalidDescription.Malformed", 400, 'The specified parameter "Description" is not valid.'),
    ("unknown access key", lambda w: w.stranger.join(w.instance, w.basic),
     "InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
]


@pytest.fixture(scope="module")
def world(sdk, sdk_class, server):
    """An instance in one basic group with a secondary ENI attached; an advanced group beside."""
    vpc = sdk.create_vpc("10.0.0.0/16")
    vswitch = sdk.create_vswitch(vpc, "10.0.1.0/24")
    basic, advanced = sdk.create_group(vpc, "normal"), sdk.create_group(vpc, "enterprise")
    instance = sdk.run_instance(vswitch, [basic])
    secondary = sdk.create_eni(vswitch, [basic])
    sdk.attach(secondary, instance)
    return SimpleNamespace(
        sdk=sdk,
        stranger=sdk_class(server.endpoint, key_id="LTAI5tNobodyKnowsThisKey"),
        basic=basic,
        advanced=advanced,
        instance=instance,
        secondary=secondary,
        primary=sdk.primary_eni(instance),
    )


@pytest.mark.parametrize("call, code, status, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_surfaces(world, call, code, status, message):
    with pytest.raises(world.sdk.error_type) as refused:
        call(world)
    assert world.sdk.surfaced(refused.value) == (code, message, status)


def test_wrong_secret(server, sdk_class):
    """A wrong secret: the server answers SignatureDoesNotMatch with its string to sign after a
    colon; aliyun-python-sdk-core compares that with its own and reports InvalidAccessKeySecret."""
    sdk = sdk_class(server.endpoint, secret="not-the-secret")
    with pytest.raises(sdk.error_type) as refused:
        # An ECS request class: core keeps its string to sign there (not on a CommonRequest).
        sdk.join("i-bp1anyinstance", "sg-bp1anygroup")
    code, message, status = sdk.surfaced(refused.value)
    assert status == 400
    if sdk_class is CoreSdk:
        assert (code, message) == (
            "InvalidAccessKeySecret",
            "The AccessKeySecret is incorrect. Please check your AccessKeyId and AccessKeySecret.",
        )
    else:
        assert sdk_class is TeaSdk
        assert code == "SignatureDoesNotMatch"
        prefix = "Specified signature is not matched with our calculation. server string to sign is:"
        assert message.startswith(prefix)
        assert message[len(prefix):].startswith("ACS3-HMAC-SHA256\n")
