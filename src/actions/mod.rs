//! Typed actions: for each ECS/VPC action, parse its parameters, call one operation, and
//! render the answer in the wire shape. `TABLE` is the list of every action served.

mod addresses;
mod admin;
pub mod cache;
mod enis;
mod groups;
mod instances;
mod paging;
mod regions;
pub mod render;
mod rules;
mod tags;
mod vpcs;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::app::App;
use crate::doc::{Doc, Fields};
use crate::errors::{self, ApiError, Code};
use crate::model::idempotency::fingerprint;
use crate::ops::idempotency::{self, ClientToken};
use crate::ops::{Ctx, OpError, OpResult};
use crate::store::{StoreFault, Tx};
use crate::wire::params::Params;

/// Which API (and so which `Version`) an action belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Ecs,
    Vpc,
    /// ecsnet's own administration (reset, snapshots): the root account only.
    Admin,
}

impl Api {
    pub fn version(self) -> &'static str {
        match self {
            Api::Ecs => "2014-05-26",
            Api::Vpc => "2016-04-28",
            Api::Admin => "ecsnet",
        }
    }
}

pub type Answer = Result<Fields, ApiError>;
pub type Handler = fn(Call) -> Pin<Box<dyn Future<Output = Answer> + Send>>;

pub struct ActionDef {
    pub name: &'static str,
    pub api: Api,
    pub handler: Handler,
}

macro_rules! actions {
    ($( $api:ident $name:literal => $handler:path, )*) => {
        pub const TABLE: &[ActionDef] = &[
            $( ActionDef { name: $name, api: Api::$api, handler: |call| Box::pin($handler(call)) }, )*
        ];
    };
}

actions! {
    Ecs "DescribeRegions" => regions::describe_regions,
    Ecs "DescribeZones" => regions::describe_zones,
    Ecs "DescribeInstanceTypes" => regions::describe_instance_types,
    Ecs "DescribeImages" => regions::describe_images,
    Vpc "CreateVpc" => vpcs::create_vpc,
    Vpc "DescribeVpcs" => vpcs::describe_vpcs,
    Vpc "CreateVSwitch" => vpcs::create_vswitch,
    Vpc "DescribeVSwitches" => vpcs::describe_vswitches,
    Ecs "CreateSecurityGroup" => groups::create,
    Ecs "DescribeSecurityGroups" => groups::describe,
    Ecs "ModifySecurityGroupAttribute" => groups::modify,
    Ecs "DeleteSecurityGroup" => groups::delete,
    Ecs "JoinSecurityGroup" => groups::join,
    Ecs "LeaveSecurityGroup" => groups::leave,
    Ecs "RunInstances" => instances::run,
    Ecs "CreateInstance" => instances::create,
    Ecs "DescribeInstances" => instances::describe,
    Ecs "StartInstance" => instances::start,
    Ecs "StopInstance" => instances::stop,
    Ecs "DeleteInstance" => instances::delete,
    Ecs "DeleteInstances" => instances::delete_many,
    Ecs "ModifyInstanceAttribute" => instances::modify_attribute,
    Ecs "AssignPrivateIpAddresses" => addresses::assign,
    Ecs "UnassignPrivateIpAddresses" => addresses::unassign,
    Ecs "CreateNetworkInterface" => enis::create,
    Ecs "DescribeNetworkInterfaces" => enis::describe,
    Ecs "DescribeNetworkInterfaceAttribute" => enis::describe_attribute,
    Ecs "AttachNetworkInterface" => enis::attach,
    Ecs "DetachNetworkInterface" => enis::detach,
    Ecs "DeleteNetworkInterface" => enis::delete,
    Ecs "ModifyNetworkInterfaceAttribute" => enis::modify,
    Ecs "TagResources" => tags::tag,
    Ecs "UntagResources" => tags::untag,
    Ecs "ListTagResources" => tags::list,
    Ecs "AuthorizeSecurityGroup" => rules::authorize,
    Ecs "AuthorizeSecurityGroupEgress" => rules::authorize_egress,
    Ecs "RevokeSecurityGroup" => rules::revoke,
    Ecs "RevokeSecurityGroupEgress" => rules::revoke_egress,
    Ecs "ModifySecurityGroupRule" => rules::modify_rule,
    Ecs "ModifySecurityGroupEgressRule" => rules::modify_egress_rule,
    Ecs "DescribeSecurityGroupAttribute" => rules::describe_attribute,
    Ecs "ModifySecurityGroupPolicy" => rules::modify_policy,
    Admin "ResetStore" => admin::reset,
    Admin "SaveSnapshot" => admin::save_snapshot,
    Admin "RestoreSnapshot" => admin::restore_snapshot,
    Admin "ListSnapshots" => admin::list_snapshots,
}

pub fn find(name: &str) -> Option<&'static ActionDef> {
    TABLE.iter().find(|a| a.name == name)
}

/// One authenticated call: who, which action, with what.
pub struct Call {
    pub app: Arc<App>,
    pub action: &'static str,
    pub account_id: String,
    /// The AccessKey the call was signed with (recorded in the audit trail).
    pub access_key_id: String,
    pub request_id: String,
    pub params: Params,
}

/// How an action reports a missing RegionId: most use the generic code, the security-group
/// calls (and Join/Leave's ENI form) their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingRegion {
    Generic,
    Specific,
}

impl Call {
    /// The RegionId, which must name a region of the catalog.
    pub fn region(&self, missing: MissingRegion) -> Result<String, ApiError> {
        let region = self.params.get("RegionId").ok_or_else(|| match missing {
            MissingRegion::Generic => ApiError::missing("RegionId"),
            MissingRegion::Specific => ApiError::of(Code::MissingRegionId),
        })?;
        self.known_region(region)
    }

    pub fn known_region(&self, region: &str) -> Result<String, ApiError> {
        if self.app.catalog.region(region).is_none() {
            return Err(ApiError::of(Code::InvalidRegionIdNotFound));
        }
        Ok(region.to_string())
    }

    pub fn ctx(&self, region: &str) -> Ctx {
        let now_ms = self.app.clock.now_millis();
        Ctx {
            account_id: self.account_id.clone(),
            access_key_id: Some(self.access_key_id.clone()),
            request_id: self.request_id.clone(),
            action: self.action,
            region_id: region.to_string(),
            now: now_ms.div_euclid(1000),
            settles_at: self.app.settles_at(now_ms),
            catalog: self.app.catalog.clone(),
            limits: self.app.limits.clone(),
        }
    }

    fn answer_error(&self, err: OpError) -> ApiError {
        match err {
            OpError::Domain(e) => errors::from_domain(self.action, e),
            OpError::DryRunPassed => ApiError::of(Code::DryRunOperation),
            OpError::Store(fault) => {
                tracing::error!(request_id = %self.request_id, error = %fault, "store fault");
                ApiError::internal()
            }
        }
    }

    /// Runs a state-changing operation in one transaction of the writer. With `DryRun=true`
    /// the operation runs all its checks and is then rolled back. `op` is `Clone` because the
    /// PostgreSQL store runs a conflicting transaction again from the start.
    pub async fn write<T: Send + 'static>(
        &self,
        region: &str,
        op: impl FnOnce(&dyn Tx, &Ctx) -> OpResult<T> + Clone + Send + 'static,
    ) -> Result<T, ApiError> {
        let ctx = self.ctx(region);
        let dry_run = self.params.bool("DryRun")?.unwrap_or(false);
        let run = move |tx: &dyn Tx| match op(tx, &ctx) {
            Ok(_) if dry_run => Err(OpError::DryRunPassed),
            outcome => outcome,
        };
        match self.app.store.write(run).await {
            Ok(result) => result.map_err(|e| self.answer_error(e)),
            Err(fault) => Err(self.answer_error(fault.into())),
        }
    }

    /// A creating call made idempotent by its `ClientToken` (ecs-api.md §2.3): `render` turns
    /// what `op` created into the answer inside the same transaction, and the answer is
    /// recorded there under the token. A retry with the same parameters gets that answer
    /// again and creates nothing; one with other parameters is refused. The protocol's
    /// parameters (signature, nonce, timestamp, format) and the token are not compared.
    pub async fn write_idempotent<T>(
        &self,
        region: &str,
        op: impl FnOnce(&dyn Tx, &Ctx) -> OpResult<T> + Clone + Send + 'static,
        render: impl FnOnce(T) -> Fields + Clone + Send + 'static,
    ) -> Answer {
        let token = self.params.get("ClientToken").map(|token| ClientToken {
            token: token.to_string(),
            fingerprint: fingerprint(
                self.params
                    .call_pairs()
                    .filter(|(name, _)| *name != "ClientToken"),
            ),
        });
        self.write(region, move |tx, ctx| {
            let text = idempotency::once(tx, ctx, token.as_ref(), |tx, ctx| {
                Ok(render(op(tx, ctx)?).to_json())
            })?;
            // Parsed before the commit, so a record that cannot be answered fails as a fault
            // with nothing written rather than after a create.
            match serde_json::from_str::<serde_json::Value>(&text).map(Doc::from) {
                Ok(Doc::Obj(fields)) => Ok(fields),
                Ok(_) => Err(StoreFault("a recorded answer is not an object".into()).into()),
                Err(e) => Err(StoreFault(format!("a recorded answer does not parse: {e}")).into()),
            }
        })
        .await
    }

    /// Runs a query in one read transaction.
    pub async fn read<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn Tx) -> OpResult<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let outcome = self.app.store.read(move |tx| Ok(op(tx))).await;
        match outcome {
            Ok(result) => result.map_err(|e| self.answer_error(e)),
            Err(fault) => Err(self.answer_error(fault.into())),
        }
    }
}

/// An answer with no fields beyond RequestId.
pub fn empty() -> Answer {
    Ok(Fields::new())
}
