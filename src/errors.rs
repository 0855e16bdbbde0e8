//! The one error table: every Alibaba error code ecsnet answers with, its HTTP status and its
//! message, and the mapping from domain errors to them. Which code a broken rule becomes
//! depends on the action (the real API uses different codes for the same rule in different
//! calls); that choice is made here and nowhere else. docs/errors.md is generated from this
//! table and a test keeps the two in step.

use crate::model::permissions::{AddressField, Direction, Protocol};
use crate::model::{DomainError, Owner, ResourceKind};

macro_rules! error_codes {
    ($( $variant:ident = ($code:literal, $status:literal, $message:literal, $when:literal), )*) => {
        /// One row of the error table. Several rows may share a code string when the real
        /// service answers it with different statuses or messages in different calls.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status,)* }
            }

            /// The documented message; `%s` marks the part generated per call.
            pub fn message(self) -> &'static str {
                match self { $(Code::$variant => $message,)* }
            }

            /// When ecsnet answers with this row.
            pub fn when(self) -> &'static str {
                match self { $(Code::$variant => $when,)* }
            }
        }
    };
}

error_codes! {
    // Protocol and authentication.
    MissingParameter = ("MissingParameter", 400, "The input parameter \"%s\" that is mandatory for processing this request is not supplied.", "a required parameter is absent"),
    MissingRegionId = ("MissingParameter.RegionId", 400, "The specified RegionId should not be null.", "RegionId is absent on a security-group call or the ENI form of Join/LeaveSecurityGroup"),
    InvalidParameter = ("InvalidParameter", 400, "The specified parameter \"%s\" is not valid.", "a parameter has a value of the wrong type or out of range"),
    InvalidParameterConflict = ("InvalidParameter.Conflict", 400, "%s", "mutually exclusive parameters are given together"),
    UnsupportedHttpMethod = ("UnsupportedHTTPMethod", 403, "This http method is not supported.", "the HTTP method is not GET or POST"),
    IncompleteSignature = ("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards. %s", "the signature parameters or the Authorization header are malformed or incomplete"),
    SignatureDoesNotMatch = ("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation. server string to sign is:%s", "the signature does not match; the message carries the server's string to sign after a colon"),
    InvalidTimeStampFormat = ("InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted.", "Timestamp or x-acs-date is not an ISO 8601 UTC time"),
    InvalidTimeStampExpired = ("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired.", "the request time is more than the replay window (15 minutes) away from the server's clock"),
    SignatureNonceUsed = ("SignatureNonceUsed", 400, "Specified signature nonce was used already.", "a SignatureNonce is reused within the replay window"),
    InvalidAccessKeyIdNotFound = ("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.", "the AccessKeyId is unknown"),
    InvalidAccessKeyIdInactive = ("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled.", "the AccessKeyId exists but is disabled (`ecsnet account disable-key`); answered before its signature is checked"),
    InvalidActionNotFound = ("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method.", "the action is not one ecsnet serves"),
    InvalidVersion = ("InvalidVersion", 400, "Specified parameter Version is not valid.", "the Version is not the action's API version (2014-05-26 for ECS, 2016-04-28 for VPC)"),
    InvalidRegionIdNotFound = ("InvalidRegionId.NotFound", 404, "The specified region does not exist.", "the RegionId is not in the catalog"),
    DryRunOperation = ("DryRunOperation", 400, "Request validation has been passed with DryRun flag set.", "a DryRun=true request passed every check; nothing was changed"),

    // Time, throttling and faults.
    ForbiddenInstanceIsBeingCreated = ("Forbidden.InstanceIsBeingCreated", 403, "The specified instance is being created.", "Join/LeaveSecurityGroup names an instance that is still Pending (being created)"),
    ThrottlingUser = ("Throttling.User", 400, "Request was denied due to user flow control.", "the account called the action more often than the configured rate allows (`--throttle-rate`, `--throttle-burst`); the answer carries `x-acs-retry-after` (milliseconds)"),
    ServiceUnavailable = ("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server.", "fault injection (`--fault-rate`) picked the call; it is answered before anything is read or written"),
    ServiceUnavailableBusy = ("ServiceUnavailable", 503, "The server holds as many connections as it accepts; retry later.", "a connection beyond the connection cap (`--max-connections`) gets this answer and is closed; its request is not read further"),
    RequestEntityTooLarge = ("RequestEntityTooLarge", 413, "The request body is larger than the limit of %s bytes.", "the body (its Content-Length, or what arrives) exceeds the body limit (`--max-body-bytes`, default 1 MiB); the connection is then closed"),
    IncompleteBody = ("IncompleteBody", 400, "The request body could not be read: %s.", "the body breaks off, or does not arrive within the body timeout (`--body-timeout`, default 30 s)"),
    TooManyParameters = ("TooManyParameters", 400, "The request carries more parameters than the limit of %s.", "query and form body together carry more parameters than the limit (`--max-parameters`, default 1000)"),
    ForbiddenSubUser = ("Forbidden.SubUser", 403, "The specified action is not available for you.", "an administration call (ResetStore, snapshots) by an account other than the store's first one"),
    InvalidSnapshotNameNotFound = ("InvalidSnapshotName.NotFound", 404, "The specified snapshot does not exist.", "RestoreSnapshot names a snapshot that was never saved"),
    OperationDeniedSnapshotsUnavailable = ("OperationDenied.SnapshotsUnavailable", 400, "Snapshots are not available on a PostgreSQL store; back the database up with pg_dump instead.", "SaveSnapshot, RestoreSnapshot or ListSnapshots on a server whose store is PostgreSQL (snapshots are files of the SQLite store)"),
    InternalError = ("InternalError", 500, "The request processing has failed due to some unknown error.", "a genuine server fault (the store failed); nothing was committed"),

    // Security groups.
    InvalidSecurityGroupIdNotFound = ("InvalidSecurityGroupId.NotFound", 404, "The specified SecurityGroupId does not exist.", "a security group id is unknown in the account and region"),
    InvalidSecurityGroupNotFound = ("InvalidSecurityGroup.NotFound", 404, "The specified security group is not found.", "DeleteSecurityGroup names an unknown group"),
    InvalidSecurityGroupNameMalformed = ("InvalidSecurityGroupName.Malformed", 400, "The specified parameter SecurityGroupName is not valid.", "a security group name breaks the name format"),
    InvalidSecurityGroupDiscriptionMalformed = ("InvalidSecurityGroupDiscription.Malformed", 400, "Specified security group description is not valid.", "ModifySecurityGroupAttribute gets a description that breaks the format"),
    InvalidDescriptionMalformed = ("InvalidDescription.Malformed", 400, "The specified parameter \"Description\" is not valid.", "a description breaks the format (CreateSecurityGroup, ENI and instance calls)"),
    InvalidParamsGroupType = ("InvalidParams.GroupType", 400, "The specified security group type is not valid.", "SecurityGroupType is neither normal nor enterprise"),
    InvalidParamsVpcIdGroupType = ("InvalidParams.VpcIdGroupType", 400, "Only VPC instance supports enterprise level security group.", "CreateSecurityGroup of type enterprise without a VpcId"),
    InvalidParameterSecurityGroupType = ("InvalidParameter.SecurityGroupType", 400, "The specified SecurityGroupType is not valid.", "DescribeSecurityGroups filters by an unknown SecurityGroupType"),
    InvalidVpcIdRequired = ("InvalidVpcId.NotFound", 403, "The VpcId must not empty when only support vpc vm.", "CreateSecurityGroup without a VpcId (only VPC groups exist)"),
    InvalidVpcIdNotFound = ("InvalidVpcId.NotFound", 404, "Specified VPC does not exist.", "a VPC id is unknown"),
    QuotaExceedSecurityGroup = ("QuotaExceed.SecurityGroup", 403, "The maximum number of security groups is reached.", "the account has as many groups in the region as its quota allows"),
    DependencyViolation = ("DependencyViolation", 403, "There is still instance(s) in the specified security group.", "DeleteSecurityGroup while an instance or ENI is still a member"),
    InvalidNextToken = ("InValidParameter.NextToken", 400, "The parameter NextToken is invalid.", "a NextToken that ecsnet did not hand out"),

    // JoinSecurityGroup / LeaveSecurityGroup.
    InstanceSecurityGroupLimitExceeded = ("InstanceSecurityGroupLimitExceeded", 400, "Exceeding the allowed amount of security groups that an instance can be in.", "JoinSecurityGroup would put an instance in more groups than allowed (default 5)"),
    InvalidInstanceIdMismatch = ("InvalidInstanceId.Mismatch", 400, "Specified instance and security group are not in the same VPC.", "JoinSecurityGroup with an instance and a group in different VPCs"),
    NotSupportEnterpriseGroup = ("InvalidOperation.NotSupportEnterpriseGroup", 400, "The specified instance type doesn't support enterprise level security group.", "JoinSecurityGroup puts an instance whose type cannot use advanced groups into one"),
    MultiGroupTypeOnJoin = ("InvalidOperation.MultiGroupType", 400, "The specified instance can't join different types of security group.", "JoinSecurityGroup would mix basic and advanced groups (rules a, b)"),
    SecurityGroupInstanceLimitExceeded = ("SecurityGroupInstanceLimitExceeded", 403, "The maximum number of instances in a security group is exceeded.", "JoinSecurityGroup into a full basic group (rule g)"),
    NetworkInterfaceCountExceeded = ("InvalidOperation.NetworkInterfaceCountExceeded", 403, "The maximum number of NetworkInterface in a enterprise level security group is exceeded.", "JoinSecurityGroup into a full advanced group (rule g)"),
    InvalidInstanceIdAlreadyExists = ("InvalidInstanceId.AlreadyExists", 403, "The specified instance already exists in the specified security group.", "JoinSecurityGroup for a resource already in the group"),
    IncorrectInstanceStatus = ("IncorrectInstanceStatus", 403, "The current status of the resource does not support this operation.", "the instance's status does not allow the call (rule i)"),
    EniIdAndInstanceIdConflict = ("InvalidParam.EniIdAndInstanceId.Conflict", 403, "%s", "both InstanceId and NetworkInterfaceId are given to Join/LeaveSecurityGroup"),
    InvalidSecurityGroupAssociationNotFound = ("InvalidSecurityGroupAssociation.NotFound", 400, "%s.", "LeaveSecurityGroup for a resource that is not in the group"),
    InstanceLastSecurityGroup = ("InstanceLastSecurityGroup", 403, "The specified security group is the last security group for the instance.", "LeaveSecurityGroup would leave an instance in no group (rule d)"),
    AtLeastInOneGroup = ("InvalidOperation.AtLeastInOneGroup", 403, "%s", "LeaveSecurityGroup would leave an ENI in no group (rule d)"),
    InvalidInstanceIdNotFound = ("InvalidInstanceId.NotFound", 404, "The specified InstanceId does not exist.", "an instance id is unknown (instance and security-group calls)"),

    // ENIs.
    InvalidEniIdNotFound = ("InvalidEniId.NotFound", 404, "%s", "an ENI id is unknown"),
    InvalidEcsIdNotFound = ("InvalidEcsId.NotFound", 404, "%s", "an instance id is unknown (ENI calls)"),
    InvalidVSwitchIdNotFound = ("InvalidVSwitchId.NotFound", 404, "Specified virtual switch does not exist.", "a vSwitch id is unknown"),
    MultiGroupType = ("InvalidOperation.MultiGroupType", 403, "The specified instance can't join different types of security group.", "an ENI's groups would mix basic and advanced (rule b), or an ENI and an instance in groups of different types would be attached (rule c)"),
    JoinedGroupLimitExceed = ("JoinedGroupLimitExceed", 400, "%s", "an ENI or a new instance would be in more groups than allowed (rule f)"),
    SecurityGroupIdRepeated = ("InvalidParameter.SecurityGroupIdRepeated", 404, "The specified security group ids has repeated.", "ModifyNetworkInterfaceAttribute lists a group twice"),
    SecurityGroupIdRepeatedOnCreate = ("InvalidParameter.SecurityGroupIdRepeated", 400, "%s", "CreateNetworkInterface or RunInstances lists a group twice"),
    EniCountExceeded = ("InvalidOperation.EniCountExceeded", 403, "The maximum number of eni in a enterprise level security group is exceeded.", "an ENI call would overfill an advanced group (rule g)"),
    SecurityGroupInstanceLimitExceed = ("SecurityGroupInstanceLimitExceed", 403, "Exceeding the allowed amount of instances of a security group.", "an ENI or instance-creating call would overfill a basic group (rule g)"),
    VpcMismatch = ("InvalidOperation.VpcMismatch", 403, "%s", "an ENI and a security group, vSwitch or instance are in different VPCs (rule e)"),
    InvalidEniType = ("InvalidOperation.InvalidEniType", 403, "%s", "a call for secondary ENIs names a primary ENI (rule h)"),
    ModifyPrimaryEniQueueNumber = ("InvalidOperation.ModifyPrimaryEniQueueNumber", 403, "Primary NetworkInterface is not allowed to modify queue number.", "ModifyNetworkInterfaceAttribute sets QueueNumber on a primary ENI (rule h)"),
    EniQueueNumberState = ("InvalidOperation.InvalidEniState", 403, "Available status or ECS instance attached is Stopped is allowed to modify network interface queue number.", "ModifyNetworkInterfaceAttribute sets QueueNumber while the ENI is attached to an instance that is not Stopped (rule i)"),
    PrimaryEniOnlySupportModifyNameAndDesc = ("InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc", 404, "Primary NetworkInterface is only allowed to modify name and description.", "ModifyNetworkInterfaceAttribute changes a primary ENI's groups or options (rule h)"),
    DetachPrimaryEniNotAllowed = ("InvalidOperation.DetachPrimaryEniNotAllowed", 400, "%s", "DetachNetworkInterface names a primary ENI (rule h)"),
    InvalidEniState = ("InvalidOperation.InvalidEniState", 400, "%s", "the ENI's status does not allow the call (rule i)"),
    InvalidEcsState = ("InvalidOperation.InvalidEcsState", 400, "%s", "Attach/DetachNetworkInterface while the instance is not Running or Stopped (rule i)"),
    EniNotBelongEcs = ("InvalidParameter.EniNotBelongEcs", 400, "%s", "DetachNetworkInterface from an instance the ENI is not attached to"),
    EniPerInstanceLimitExceeded = ("EniPerInstanceLimitExceeded", 403, "%s", "AttachNetworkInterface beyond the instance type's ENI quantity"),
    Ipv4CountExceeded = ("InvalidOperation.Ipv4CountExceeded", 403, "%s", "AttachNetworkInterface with an ENI carrying more private addresses than the instance type allows per ENI"),
    AvailabilityZoneMismatch = ("InvalidOperation.AvailabilityZoneMismatch", 403, "%s", "AttachNetworkInterface with an ENI and an instance in different zones"),
    InvalidNetworkInterfaceName = ("InvalidParams.NetworkInterfaceName", 403, "%s", "an ENI name breaks the name format (rule j)"),
    MaxEniCountExceeded = ("MaxEniCountExceeded", 403, "%s", "CreateNetworkInterface beyond the account's ENI quota in the region"),
    IpNotEnough = ("InvalidVSwitchId.IpNotEnough", 403, "%s", "the vSwitch has no free private address"),
    IpInvalid = ("InvalidVSwitchId.IpInvalid", 403, "%s", "a requested ENI address is outside the vSwitch's assignable range"),
    InvalidIpAddress = ("InvalidIp.Address", 403, "%s", "a requested ENI address is not an IPv4 address"),
    NotSecondaryAddress = ("InvalidParameter", 400, "%s", "UnassignPrivateIpAddresses names an address that is not a secondary address of the ENI"),
    PrivateIpAddressDuplicated = ("InvalidPrivateIpAddress.Duplicated", 400, "Specified private IP address is duplicated.", "a requested private address is already taken"),

    // Security group rules.
    RuleProtocolValueNotSupported = ("InvalidIpProtocol.ValueNotSupported", 400, "The parameter %s must be specified with case insensitive TCP, UDP, ICMP, GRE or All.", "a rule's IpProtocol is absent or not TCP, UDP, ICMP, ICMPv6, GRE or ALL (in any case)"),
    RulePortRangeMissing = ("InvalidPortRange.Malformed", 400, "The specified parameter PortRange must set.", "a rule gives neither PortRange nor PortRangeListId"),
    RulePortRangeFormat = ("InvalidParam.PortRange", 400, "The specified parameter %s is not valid. It should be two integers less than 65535 in ?/? format.", "a rule's PortRange is not two integers separated by a slash"),
    RulePortRangeValue = ("InvalidIpProtocol.Malformed", 400, "The specified parameter PortRange is not valid.", "a TCP or UDP PortRange is outside 1-65535 or starts after it ends"),
    RuleProtocolPortMismatch = ("OperationDenied", 400, "The specified IpProtocol does not exist or IpProtocol and PortRange do not match.", "a TCP or UDP rule has PortRange -1/-1, or an ICMP, ICMPv6, GRE or ALL rule any other range"),
    RuleSourcePortRange = ("InvalidSourcePortRange.Malformed", 400, "The specified parameter SourcePortRange is not valid.", "a rule's SourcePortRange breaks the PortRange rules"),
    RuleSourceCidrIp = ("InvalidSourceCidrIp.Malformed", 400, "The specified parameter SourceCidrIp is not valid.", "a rule's SourceCidrIp is not an IPv4 address or CIDR block"),
    RuleDestCidrIp = ("InvalidDestCidrIp.Malformed", 400, "The specified parameter DestCidrIp is not valid.", "a rule's DestCidrIp is not an IPv4 address or CIDR block"),
    RuleIpv6SourceCidrIp = ("InvalidParam.Ipv6SourceCidrIp", 400, "The specified parameter %s is not valid.", "a rule's Ipv6SourceCidrIp is not an IPv6 address or CIDR block"),
    RuleIpv6DestCidrIp = ("InvalidParam.Ipv6DestCidrIp", 400, "The specified parameter %s is not valid.", "a rule's Ipv6DestCidrIp is not an IPv6 address or CIDR block"),
    RuleSourceBothFamilies = ("InvalidParam.SourceIp", 400, "The Parameters SourceCidrIp and Ipv6SourceCidrIp in %s cannot be set at the same time.", "a rule gives both SourceCidrIp and Ipv6SourceCidrIp"),
    RuleDestBothFamilies = ("InvalidParam.DestIp", 400, "The Parameters DestCidrIp and Ipv6DestCidrIp in %s cannot be set at the same time.", "a rule gives both DestCidrIp and Ipv6DestCidrIp"),
    RuleIcmpWithIpv6 = ("InvalidParam.Ipv4ProtocolConflictWithIpv6Address", 400, "IPv6 address cannot be specified for IPv4-specific protocol.", "an ICMP rule names an IPv6 address"),
    RuleIcmpv6WithIpv4 = ("InvalidParam.Ipv6ProtocolConflictWithIpv4Address", 400, "IPv4 address cannot be specified for IPv6-specific protocol.", "an ICMPv6 rule names an IPv4 address"),
    RuleSourceMissing = ("MissingParameter.Source", 400, "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId in %s must be specified.", "an inbound rule names no source"),
    RuleDestMissing = ("MissingParameter.Dest", 400, "One of the parameters DestCidrIp, Ipv6DestCidrIp, DestGroupId or DestPrefixListId in %s must be specified.", "an outbound rule names no destination"),
    RulePolicyMalformed = ("InvalidPolicy.Malformed", 400, "The specified parameter %s is not valid.", "a rule's Policy is neither accept nor drop (in any case)"),
    RulePriorityMalformed = ("InvalidPriority.Malformed", 400, "The parameter Priority is invalid.", "a rule's Priority is not an integer"),
    RulePriorityValueNotSupported = ("InvalidPriority.ValueNotSupported", 400, "The specified parameter %s is invalid.", "a rule's Priority is outside 1-100"),
    InvalidNicTypeValueNotSupported = ("InvalidNicType.ValueNotSupported", 400, "The specified NicType does not exist.", "NicType is neither internet nor intranet (rule calls and DescribeSecurityGroupAttribute)"),
    RuleDescriptionMalformed = ("InvalidSecurityGroupDiscription.Malformed", 400, "The specified security group rule description is not valid.", "a rule's Description is longer than 512 characters"),
    SourceGroupNeedsIntranet = ("InvalidSourceGroupId.Mismatch", 403, "NicType is required or NicType expects intranet.", "an inbound rule whose source is a group asks for NicType internet"),
    DestGroupNeedsIntranet = ("InvalidDestGroupId.Mismatch", 403, "NicType is required or NicType expects intranet.", "an outbound rule whose destination is a group asks for NicType internet"),
    InvalidSourceGroupIdMismatch = ("InvalidSourceGroupId.Mismatch", 400, "Specified security group and source group are not in the same VPC.", "an inbound rule's source group is in another VPC"),
    InvalidDestGroupIdMismatch = ("InvalidDestGroupId.Mismatch", 400, "Specified security group and destination group are not in the same VPC.", "an outbound rule's destination group is in another VPC"),
    InvalidSourceGroupIdNotFound = ("InvalidSourceGroupId.NotFound", 404, "The SourceGroupId provided does not exist in our records.", "an inbound rule's source group is unknown in the account and region"),
    InvalidDestGroupIdNotFound = ("InvalidDestGroupId.NotFound", 404, "The DestGroupId provided does not exist in our records.", "an outbound rule's destination group is unknown in the account and region"),
    SourceGroupIsSelf = ("InvalidParamter.Conflict", 403, "The specified SecurityGroupId should be different from the SourceGroupId.", "an inbound rule names its own group as the source"),
    DestGroupIsSelf = ("InvalidSecurityGroup.IsSame", 403, "The authorized SecurityGroupId should be different from the DestGroupId.", "an outbound rule names its own group as the destination"),
    PeerGroupAdvanced = ("InvalidGroupAuthParameter.OperationDenied", 400, "The security group can not authorize to enterprise level security group.", "a rule names an advanced (enterprise) group as its source or destination"),
    AdvancedGroupReference = ("InvalidGroupParameter.OperationDenied", 400, "The attributes Policy, SourceGroupId, DestGroupId of enterprise level security groups are not allowed to be set or modified.", "a rule of an advanced (enterprise) group names a group"),
    GroupRuleLimitExceed = ("AuthorizedGroupRule.LimitExceed", 400, "You have reached the limit on the number of group authorization rules that you can add to a security group.When authorization object of rule is security group, the limit is %s.", "a basic group would hold more rules naming groups than the limit (20 by default)"),
    AuthorizationLimitExceed = ("AuthorizationLimitExceed", 403, "The limit of authorization records in the security group reaches.", "a group would hold more rules, inbound and outbound together, than the limit (200 by default)"),
    InvalidParamPermissions = ("InvalidParam.Permissions", 400, "The specified parameter Permissions cannot coexist with other parameters.", "Permissions.N is combined with the flat rule parameters, or SecurityGroupRuleId.N with either"),
    DuplicatePermissions = ("InvalidParam.DuplicatePermissions", 400, "There are duplicate permissions in the specified parameter Permissions.", "one request names the same rule twice"),
    InvalidParamSecurityGroupRuleId = ("InvalidParam.SecurityGroupRuleId", 400, "The specified parameter SecurityGroupRuleId is not valid.", "Revoke names a rule id that is not a rule of the group in that direction (the behaviour since 2024-07-08)"),
    SecurityGroupRuleIdRepeated = ("InvalidParam.SecurityGroupRuleIdRepeated", 400, "The specified parameter SecurityGroupRuleId is repeated.", "Revoke names a rule id twice"),
    InvalidSecurityGroupRuleIdNotFound = ("InvalidSecurityGroupRuleId.NotFound", 404, "The specified SecurityGroupRuleId is not exists.", "Modify names a rule id that is not a rule of the group in that direction"),
    SecurityGroupRuleNotFound = ("SecurityGroupRule.NotFound", 404, "The target security group rule not exist.", "Modify without a SecurityGroupRuleId matches no rule of the group"),
    ModifySgRuleEntityType = ("InvalidOperation.ModifySgRuleEntityType", 400, "The source or destination type of the rules cannot be modified.", "Modify would change the kind of a rule's source or destination (address family, group, prefix list)"),
    RuleDuplicate = ("InvalidOperation.RuleDuplicate", 400, "%s.", "Modify would make a rule the same as another rule of the group"),
    ModifyNicType = ("InvalidOperation.ModifyNicType", 400, "NicType is not allowed to modify.", "Modify by rule id gives a NicType other than the rule's"),
    InvalidPrefixListIdNotFound = ("InvalidPrefixListId.NotFound", 404, "The specified prefix list was not found.", "a rule's only source or destination is a prefix list (ecsnet has none)"),
    InvalidPortRangeListIdNotFound = ("InvalidPortRangeListId.NotFound", 400, "The specified port range list was not found.", "a rule names a PortRangeListId instead of a PortRange (ecsnet has none)"),
    InvalidInnerAccessPolicy = ("InvalidPolicy.Malformed", 400, "The Policy is invalid. Only 'Accept' and 'Drop' are supported. Ignore case.", "ModifySecurityGroupPolicy without an InnerAccessPolicy of Accept or Drop"),
    InnerAccessPolicyFixed = ("InvalidParameter.InnerAccessPolicy", 404, "The InnerAccessPolicy attribute of enterprise level security group can't be modified.", "ModifySecurityGroupPolicy on an advanced (enterprise) group"),
    InvalidDirection = ("InvalidParamter", 400, "Invalid Parameter.", "DescribeSecurityGroupAttribute gets a Direction other than ingress, egress or all"),
    DependencyViolationReferenced = ("DependencyViolation", 403, "The specified security group has been authorized in another one.", "DeleteSecurityGroup while a rule of another group names it"),

    // Instances.
    EnterpriseGroupMultiGroupType = ("EnterpriseGroupLimited.MutliGroupType", 403, "The specified instance can't join multi SecurityGroup types.", "RunInstances/CreateInstance with groups of both types (rule a)"),
    EnterpriseGroupInstanceType = ("EnterpriseGroupLimited.InstanceType", 403, "The specified instance type doesn't support Enterprise SecurityGroup.", "RunInstances/CreateInstance puts a type that cannot use advanced groups into one"),
    InvalidParameterMismatch = ("InvalidParameter.Mismatch", 400, "%s", "RunInstances/CreateInstance: the group and vSwitch are in different VPCs, or the vSwitch is not in ZoneId"),
    InvalidParamNetworkInterface = ("InvalidParam.NetworkInterface", 400, "%s", "RunInstances NetworkInterface.N parameters are inconsistent (two primaries, a primary beside top-level VSwitchId/SecurityGroupId, or an existing ENI id)"),
    SingleIdAndMultiIdConflict = ("InvalidSecurityGroupId.SingleIdAndMultiIdConflict", 400, "%s", "RunInstances with both SecurityGroupId and SecurityGroupIds.N"),
    InvalidInstanceNameMalformed = ("InvalidInstanceName.Malformed", 400, "The specified parameter \"InstanceName\" is not valid.", "an instance name breaks the name format"),
    InvalidPrivateIpAddress = ("InvalidPrivateIpAddress", 400, "Specified private IP address is not in the CIDR block of virtual switch.", "RunInstances/CreateInstance PrivateIpAddress outside the vSwitch"),
    InvalidPrivateIpAddressMalformed = ("InvalidPrivateIpAddress.Malformed", 400, "Specified private IP address is malformed.", "RunInstances/CreateInstance PrivateIpAddress is not an IPv4 address"),
    QuotaExceededPrivateIpAddress = ("QuotaExceeded.PrivateIpAddress", 400, "Don't have enough private IPs in this switch.", "RunInstances/CreateInstance in a vSwitch with too few free addresses"),
    InvalidInstanceTypeValueNotSupported = ("InvalidInstanceType.ValueNotSupported", 400, "The specified InstanceType beyond the permitted range.", "the InstanceType is not in the catalog"),
    InvalidImageIdNotFound = ("InvalidImageId.NotFound", 404, "The specified ImageId does not exist.", "the ImageId is not in the catalog"),
    InvalidZoneIdNotFound = ("InvalidZoneId.NotFound", 404, "The ZoneId provided does not exist in our records.", "the ZoneId is not a zone of the region"),
    InvalidStatusNotFound = ("InvalidStatus.NotFound", 404, "The specified Status is not found", "DescribeInstances filters by an unknown Status"),

    // Tags and idempotency.
    InvalidTagKeyMalformed = ("InvalidTagKey.Malformed", 400, "The specified Tag.n.Key is not valid.", "a tag key to set is empty, longer than 128 characters, starts with aliyun or acs:, or contains http:// or https://; or a tag filter has a value without a key"),
    InvalidTagValueMalformed = ("InvalidTagValue.Malformed", 400, "The specified Tag.n.Value is not valid.", "a tag value is longer than 128 characters"),
    DuplicateTagKey = ("Duplicate.TagKey", 400, "The Tag.N.Key contain duplicate key.", "one request names the same tag key twice"),
    QuotaExceedTags = ("QuotaExceed.Tags", 403, "%s", "a resource would carry more than 20 tags"),
    NumberExceedTags = ("NumberExceed.Tags", 400, "The Tags parameter's number is exceed , Valid : 20", "a tag call gives more than 20 Tag.N or TagKey.N"),
    NumberExceedResourceIds = ("NumberExceed.ResourceIds", 400, "The ResourceIds parameter's number is exceed , Valid : 50", "a tag call gives more than 50 ResourceId.N"),
    InvalidResourceTypeNotFound = ("InvalidResourceType.NotFound", 404, "The ResourceType provided does not exist in our records.", "a tag call's ResourceType is not instance, eni or securitygroup"),
    InvalidResourceIdNotFound = ("InvalidResourceId.NotFound", 404, "The specified ResourceIds are not found in our records.", "TagResources/UntagResources name a resource of that type that is not in the account and region"),
    IdempotentParameterMismatch = ("IdempotentParameterMismatch", 400, "The specified ClientToken was used by an earlier request with different parameters.", "a creating call reuses an earlier call's ClientToken with different parameters"),

    // VPC API.
    InvalidCidrBlock = ("InvalidParameter", 400, "Specified CIDR block is not valid.", "CreateVpc gets a malformed or reserved CIDR block"),
    InvalidCidrBlockInVpc = ("InvalidParameter", 400, "Specified CIDR block is not valid in VPC.", "CreateVSwitch gets a CIDR block outside its VPC's block"),
    IllegalCidrBlockMask = ("IllegalParam.CidrBlockMask", 400, "The mask of the specified CIDR block is not valid.", "CreateVpc gets a mask outside 8 to 28"),
    InvalidCidrBlockMalformed = ("InvalidCidrBlock.Malformed", 400, "Specified CIDR block is not valid.", "CreateVSwitch gets a malformed or reserved CIDR block"),
    InvalidCirdrBlockMaskLength = ("InvalidCirdrBlock.MaskLength", 400, "Specified CIDR block mask length is not valid.", "CreateVSwitch gets a mask outside 16 to 29"),
    InvalidCidrBlockOverlapped = ("InvalidCidrBlock.Overlapped", 400, "Specified CIDR block overlapped with other subnets.", "CreateVSwitch overlaps another vSwitch of the VPC"),
    InvalidVpcNameMalformed = ("InvalidVpcName.Malformed", 400, "Specified VPC name is not valid.", "a VPC name breaks the format"),
    InvalidVpcDiscriptionMalformed = ("InvalidVpcDiscription.Malformed", 400, "Specified VPC description is not valid.", "a VPC description breaks the format"),
    InvalidVSwitchNameMalformed = ("InvalidVSwitchName.Malformed", 400, "Specified VSwitch name is not valid.", "a vSwitch name breaks the format"),
    InvalidVSwitchDiscriptionMalformed = ("InvalidVSwitchDiscription.Malformed", 400, "Specified VSwitch description is not valid.", "a vSwitch description breaks the format"),
    QuotaExceededVpc = ("QuotaExceeded.Vpc", 400, "VPC quota exceeded.", "the account has as many VPCs in the region as its quota allows"),
    QuotaExceededVSwitch = ("QuotaExceeded.VSwitch", 400, "VSwitch quota exceeded.", "the VPC has as many vSwitches as its quota allows"),
}

/// An error answer: a row of the table and the message for this call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

impl ApiError {
    /// The row's documented message, with `%s` filled by `detail`.
    pub fn with(code: Code, detail: impl AsRef<str>) -> Self {
        ApiError {
            code,
            message: code.message().replace("%s", detail.as_ref()),
        }
    }

    /// The row's documented message (for rows without a `%s`).
    pub fn of(code: Code) -> Self {
        Self::with(code, "")
    }

    pub fn missing(parameter: &str) -> Self {
        Self::with(Code::MissingParameter, parameter)
    }

    pub fn invalid(parameter: &str) -> Self {
        Self::with(Code::InvalidParameter, parameter)
    }

    pub fn internal() -> Self {
        Self::of(Code::InternalError)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.code(), self.message)
    }
}

/// The domain error's own words as an API message: capitalised, ending with a period.
fn sentence(err: &DomainError) -> String {
    let text = err.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => text,
    }
}

/// Actions whose not-found instance is `InvalidEcsId.NotFound` (the ENI family).
const ENI_ACTIONS: &[&str] = &[
    "CreateNetworkInterface",
    "AttachNetworkInterface",
    "DetachNetworkInterface",
    "DeleteNetworkInterface",
    "ModifyNetworkInterfaceAttribute",
    "DescribeNetworkInterfaces",
    "DescribeNetworkInterfaceAttribute",
];

const INSTANCE_CREATING_ACTIONS: &[&str] = &["RunInstances", "CreateInstance"];

/// Actions that act on resources of any taggable type, naming a missing one by its ResourceId.
const TAG_ACTIONS: &[&str] = &["TagResources", "UntagResources"];

/// The rule calls: their description row is the rule one.
const RULE_ACTIONS: &[&str] = &[
    "AuthorizeSecurityGroup",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroup",
    "RevokeSecurityGroupEgress",
    "ModifySecurityGroupRule",
    "ModifySecurityGroupEgressRule",
];

const REVOKE_ACTIONS: &[&str] = &["RevokeSecurityGroup", "RevokeSecurityGroupEgress"];

/// The single mapping from a broken domain rule to the answer `action` gives for it.
pub fn from_domain(action: &str, err: DomainError) -> ApiError {
    use DomainError as D;
    let eni_action = ENI_ACTIONS.contains(&action);
    let creates_instance = INSTANCE_CREATING_ACTIONS.contains(&action);
    let join = action == "JoinSecurityGroup";
    let modifies_instance = action == "ModifyInstanceAttribute";
    let text = sentence(&err);
    let code = match &err {
        D::NotFound(..) if TAG_ACTIONS.contains(&action) => Code::InvalidResourceIdNotFound,
        D::NotFound(kind, _) => match kind {
            ResourceKind::Region => Code::InvalidRegionIdNotFound,
            ResourceKind::Zone => Code::InvalidZoneIdNotFound,
            ResourceKind::Vpc => Code::InvalidVpcIdNotFound,
            ResourceKind::VSwitch => Code::InvalidVSwitchIdNotFound,
            ResourceKind::SecurityGroup if action == "DeleteSecurityGroup" => {
                Code::InvalidSecurityGroupNotFound
            }
            ResourceKind::SecurityGroup => Code::InvalidSecurityGroupIdNotFound,
            ResourceKind::Instance if eni_action => Code::InvalidEcsIdNotFound,
            ResourceKind::Instance => Code::InvalidInstanceIdNotFound,
            ResourceKind::Eni => Code::InvalidEniIdNotFound,
            ResourceKind::InstanceType => Code::InvalidInstanceTypeValueNotSupported,
            ResourceKind::Image => Code::InvalidImageIdNotFound,
        },
        D::MixedGroupKinds { .. } if join => Code::MultiGroupTypeOnJoin,
        D::MixedGroupKinds { .. } if creates_instance || modifies_instance => {
            Code::EnterpriseGroupMultiGroupType
        }
        D::MixedGroupKinds { .. } | D::AttachKindMismatch => Code::MultiGroupType,
        D::LastGroup {
            owner: Owner::Instance,
        } => Code::InstanceLastSecurityGroup,
        D::LastGroup { owner: Owner::Eni } => Code::AtLeastInOneGroup,
        D::NotMember { .. } => Code::InvalidSecurityGroupAssociationNotFound,
        D::AlreadyMember { .. } => Code::InvalidInstanceIdAlreadyExists,
        D::VpcMismatch {
            owner: Owner::Instance,
            ..
        } if join || modifies_instance => Code::InvalidInstanceIdMismatch,
        D::VpcMismatch { .. } if creates_instance => {
            return ApiError::with(
                Code::InvalidParameterMismatch,
                "Specified security group and virtual switch are not in the same VPC.",
            );
        }
        D::VpcMismatch { .. } | D::PlacementVpcMismatch => Code::VpcMismatch,
        D::TooManyGroups {
            owner: Owner::Instance,
            ..
        } if join => Code::InstanceSecurityGroupLimitExceeded,
        D::TooManyGroups { .. } => Code::JoinedGroupLimitExceed,
        D::RepeatedGroupIds if action == "ModifyNetworkInterfaceAttribute" => {
            Code::SecurityGroupIdRepeated
        }
        D::RepeatedGroupIds => Code::SecurityGroupIdRepeatedOnCreate,
        D::GroupFull { advanced: true, .. } if join => Code::NetworkInterfaceCountExceeded,
        D::GroupFull { advanced: true, .. } => Code::EniCountExceeded,
        D::GroupFull {
            advanced: false, ..
        } if join => Code::SecurityGroupInstanceLimitExceeded,
        D::GroupFull {
            advanced: false, ..
        } => Code::SecurityGroupInstanceLimitExceed,
        D::AdvancedGroupUnsupported { .. } if join => Code::NotSupportEnterpriseGroup,
        D::AdvancedGroupUnsupported { .. } => Code::EnterpriseGroupInstanceType,
        D::DetachPrimary => Code::DetachPrimaryEniNotAllowed,
        D::PrimaryOnlyNameAndDescription => Code::PrimaryEniOnlySupportModifyNameAndDesc,
        D::PrimaryQueueNumber => Code::ModifyPrimaryEniQueueNumber,
        D::QueueNumberState => Code::EniQueueNumberState,
        D::PrimaryEniNotAllowed(_) => Code::InvalidEniType,
        D::InstanceBeingCreated if eni_action => Code::InvalidEcsState,
        D::InstanceBeingCreated if matches!(action, "JoinSecurityGroup" | "LeaveSecurityGroup") => {
            Code::ForbiddenInstanceIsBeingCreated
        }
        D::InstanceBeingCreated => Code::IncorrectInstanceStatus,
        D::InstanceState { .. } if eni_action => Code::InvalidEcsState,
        D::InstanceState { .. } => Code::IncorrectInstanceStatus,
        D::EniState { .. } => Code::InvalidEniState,
        D::EniNotAttachedTo { .. } => Code::EniNotBelongEcs,
        D::EniPerInstanceLimit { .. } => Code::EniPerInstanceLimitExceeded,
        D::IpCountExceeded { .. } => Code::Ipv4CountExceeded,
        D::ZoneMismatch => Code::AvailabilityZoneMismatch,
        D::VSwitchZoneMismatch { .. } => {
            return ApiError::with(
                Code::InvalidParameterMismatch,
                "Specified virtual switch is not in the specified zone.",
            );
        }
        D::InvalidName { field, .. } => match *field {
            "NetworkInterfaceName" => Code::InvalidNetworkInterfaceName,
            "SecurityGroupName" => Code::InvalidSecurityGroupNameMalformed,
            "InstanceName" => Code::InvalidInstanceNameMalformed,
            "VpcName" => Code::InvalidVpcNameMalformed,
            "VSwitchName" => Code::InvalidVSwitchNameMalformed,
            other => return ApiError::invalid(other),
        },
        D::InvalidDescription { .. } if RULE_ACTIONS.contains(&action) => {
            Code::RuleDescriptionMalformed
        }
        D::InvalidDescription { .. } => match action {
            "ModifySecurityGroupAttribute" => Code::InvalidSecurityGroupDiscriptionMalformed,
            "CreateVpc" => Code::InvalidVpcDiscriptionMalformed,
            "CreateVSwitch" => Code::InvalidVSwitchDiscriptionMalformed,
            _ => Code::InvalidDescriptionMalformed,
        },
        D::GroupInUse(_) => Code::DependencyViolation,
        D::QuotaExceeded { what, .. } => match *what {
            "security groups" => Code::QuotaExceedSecurityGroup,
            "VPCs" => Code::QuotaExceededVpc,
            "vSwitches" => Code::QuotaExceededVSwitch,
            _ => Code::MaxEniCountExceeded,
        },
        D::InvalidCidr(_) if action == "CreateVSwitch" => Code::InvalidCidrBlockMalformed,
        D::InvalidCidr(_) => Code::InvalidCidrBlock,
        D::CidrOutsideVpc(_) => Code::InvalidCidrBlockInVpc,
        D::CidrOverlap(_) => Code::InvalidCidrBlockOverlapped,
        D::CidrMaskLength(_) if action == "CreateVSwitch" => Code::InvalidCirdrBlockMaskLength,
        D::CidrMaskLength(_) => Code::IllegalCidrBlockMask,
        D::IpMalformed(_) if creates_instance => Code::InvalidPrivateIpAddressMalformed,
        D::IpMalformed(_) => Code::InvalidIpAddress,
        D::IpOutsideVSwitch(_) if creates_instance => Code::InvalidPrivateIpAddress,
        D::IpOutsideVSwitch(_) => Code::IpInvalid,
        D::IpInUse(_) => Code::PrivateIpAddressDuplicated,
        D::IpExhausted if creates_instance => Code::QuotaExceededPrivateIpAddress,
        D::IpExhausted => Code::IpNotEnough,
        D::NotSecondaryAddress(_) => Code::NotSecondaryAddress,
        // Security group rules.
        D::RuleProtocol { field } => {
            return ApiError::with(Code::RuleProtocolValueNotSupported, field)
        }
        D::RulePortRangeMissing => Code::RulePortRangeMissing,
        D::RulePortRangeFormat { field } => {
            return ApiError::with(Code::RulePortRangeFormat, field)
        }
        D::RulePortRangeValue => Code::RulePortRangeValue,
        D::RuleProtocolPortMismatch { .. } => Code::RuleProtocolPortMismatch,
        D::RuleSourcePortRange { .. } => Code::RuleSourcePortRange,
        D::RuleAddress { field, address } => {
            let code = match address {
                AddressField::SourceCidrIp => Code::RuleSourceCidrIp,
                AddressField::DestCidrIp => Code::RuleDestCidrIp,
                AddressField::Ipv6SourceCidrIp => Code::RuleIpv6SourceCidrIp,
                AddressField::Ipv6DestCidrIp => Code::RuleIpv6DestCidrIp,
            };
            return ApiError::with(code, field);
        }
        D::RuleBothFamilies {
            at,
            source_side: true,
        } => return ApiError::with(Code::RuleSourceBothFamilies, at),
        D::RuleBothFamilies { at, .. } => return ApiError::with(Code::RuleDestBothFamilies, at),
        D::RuleMixedFamilies => {
            return ApiError::with(
                Code::InvalidParameterConflict,
                "IPv6 and IPv4 addresses cannot exist at the same time.",
            )
        }
        D::RuleProtocolFamily {
            protocol: Protocol::IcmpV6,
        } => Code::RuleIcmpv6WithIpv4,
        D::RuleProtocolFamily { .. } => Code::RuleIcmpWithIpv6,
        D::RulePeerMissing {
            direction: Direction::Ingress,
            at,
        } => return ApiError::with(Code::RuleSourceMissing, at),
        D::RulePeerMissing { at, .. } => return ApiError::with(Code::RuleDestMissing, at),
        D::RulePolicy { field } => return ApiError::with(Code::RulePolicyMalformed, field),
        D::RulePriorityMalformed => Code::RulePriorityMalformed,
        D::RulePriorityRange { field } => {
            return ApiError::with(Code::RulePriorityValueNotSupported, field)
        }
        D::RuleNicType(_) => Code::InvalidNicTypeValueNotSupported,
        D::RulePeerNeedsIntranet {
            direction: Direction::Ingress,
        } => Code::SourceGroupNeedsIntranet,
        D::RulePeerNeedsIntranet { .. } => Code::DestGroupNeedsIntranet,
        D::PeerGroupNotFound {
            direction: Direction::Ingress,
            ..
        } => Code::InvalidSourceGroupIdNotFound,
        D::PeerGroupNotFound { .. } => Code::InvalidDestGroupIdNotFound,
        D::PeerGroupVpcMismatch {
            direction: Direction::Ingress,
            ..
        } => Code::InvalidSourceGroupIdMismatch,
        D::PeerGroupVpcMismatch { .. } => Code::InvalidDestGroupIdMismatch,
        D::PeerGroupIsSelf {
            direction: Direction::Ingress,
        } => Code::SourceGroupIsSelf,
        D::PeerGroupIsSelf { .. } => Code::DestGroupIsSelf,
        D::PeerGroupAdvanced { .. } => Code::PeerGroupAdvanced,
        D::AdvancedGroupReference { .. } => Code::AdvancedGroupReference,
        D::GroupRuleLimit { limit } => {
            return ApiError::with(Code::GroupRuleLimitExceed, limit.to_string())
        }
        D::RuleLimit { .. } => Code::AuthorizationLimitExceed,
        D::DuplicatePermissions => Code::DuplicatePermissions,
        D::RuleIdRepeated(_) => Code::SecurityGroupRuleIdRepeated,
        // Revoke answers an unknown rule id as an invalid parameter (ecs-api.md §6.14).
        D::RuleNotFound(_) if REVOKE_ACTIONS.contains(&action) => {
            Code::InvalidParamSecurityGroupRuleId
        }
        D::RuleNotFound(_) => Code::InvalidSecurityGroupRuleIdNotFound,
        D::NoMatchingRule => Code::SecurityGroupRuleNotFound,
        D::RulePeerKindChange => Code::ModifySgRuleEntityType,
        D::RuleDuplicate { .. } => Code::RuleDuplicate,
        D::RuleNicTypeChange => Code::ModifyNicType,
        D::PrefixListNotFound(_) => Code::InvalidPrefixListIdNotFound,
        D::PortRangeListNotFound(_) => Code::InvalidPortRangeListIdNotFound,
        D::InnerAccessPolicyInvalid => Code::InvalidInnerAccessPolicy,
        D::InnerAccessPolicyFixed => Code::InnerAccessPolicyFixed,
        D::GroupReferenced(_) => Code::DependencyViolationReferenced,
        // Tags and idempotency.
        D::InvalidTagKey { .. } => Code::InvalidTagKeyMalformed,
        D::InvalidTagValue { .. } => Code::InvalidTagValueMalformed,
        D::DuplicateTagKey(_) => Code::DuplicateTagKey,
        D::TooManyTags { .. } => Code::QuotaExceedTags,
        D::InvalidClientToken => return ApiError::invalid("ClientToken"),
        D::IdempotentParameterMismatch => Code::IdempotentParameterMismatch,
    };
    // The sentence brings its own period unless the row's template adds one.
    let detail = if code.message().ends_with("%s.") {
        text.trim_end_matches('.')
    } else {
        &text
    };
    ApiError::with(code, detail)
}

/// docs/errors.md as generated from the table.
pub fn error_table_markdown() -> String {
    let mut out = String::from(
        "# Error table\n\n\
         Generated from `src/errors.rs` (a test fails when this file and the code disagree; \
         regenerate with `UPDATE_DOCS=1 cargo test --lib errors`). `%s` marks the part of a \
         message written per call. Several rows share a code where the real service answers \
         it with different statuses or messages in different calls.\n\n\
         | Code | HTTP | Message | When |\n|---|---|---|---|\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            code.code(),
            code.status(),
            code.message().replace('|', "\\|"),
            code.when()
        ));
    }
    out
}

#[cfg(test)]
mod tests;
