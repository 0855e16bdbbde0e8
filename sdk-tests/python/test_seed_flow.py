"""The seed's story ("Modify an ENI") through each Python SDK, as one readable flow."""

import pytest


def test_modify_an_eni(sdk):
    # A VPC and vSwitch (VPC API 2016-04-28), two basic groups and one advanced group.
    vpc = sdk.create_vpc("192.168.0.0/16")
    vswitch = sdk.create_vswitch(vpc, "192.168.1.0/24")
    basic_a, basic_b = sdk.create_group(vpc, "normal"), sdk.create_group(vpc, "normal")
    advanced = sdk.create_group(vpc, "enterprise")

    # An instance in A, and a secondary ENI in A attached to it.
    instance = sdk.run_instance(vswitch, [basic_a])
    secondary = sdk.create_eni(vswitch, [basic_a])
    sdk.attach(secondary, instance)
    primary = sdk.primary_eni(instance)
    assert primary != secondary

    # The instance joins B: its primary ENI follows, the secondary ENI does not.
    sdk.join(instance, basic_b)
    assert sdk.instance_groups(instance) == [basic_a, basic_b]
    assert sdk.eni(primary)[2] == [basic_a, basic_b]
    assert sdk.eni(secondary)[2] == [basic_a]

    # The instance leaves A: the primary ENI follows again.
    sdk.leave(instance, basic_a)
    assert sdk.instance_groups(instance) == [basic_b]
    assert sdk.eni(primary)[2] == [basic_b]
    assert sdk.eni(secondary)[2] == [basic_a]

    # The secondary ENI is modified on its own: name, description, its whole set of groups.
    sdk.modify_eni(secondary, name="web-eni:1", description="serves the web tier", groups=[basic_b, basic_a])
    assert sdk.eni(secondary) == ("web-eni:1", "serves the web tier", [basic_b, basic_a])
    assert sdk.eni(primary)[2] == [basic_b]

    # Joining a group of the other kind is refused, and changes nothing.
    with pytest.raises(sdk.error_type) as refused:
        sdk.join(instance, advanced)
    assert sdk.surfaced(refused.value)[0] == "InvalidOperation.MultiGroupType"
    assert sdk.instance_groups(instance) == [basic_b]

    # Leaving the last group is refused.
    with pytest.raises(sdk.error_type) as refused:
        sdk.leave(instance, basic_b)
    assert sdk.surfaced(refused.value)[0] == "InstanceLastSecurityGroup"
    assert sdk.instance_groups(instance) == [basic_b]
