//! The VPC API calls (Version 2016-04-28): CreateVpc, DescribeVpcs, CreateVSwitch,
//! DescribeVSwitches.

use crate::obj;

use super::paging::{self, Limits};
use super::{render, Answer, Call, MissingRegion};
use crate::errors::ApiError;
use crate::ops::vpcs::{self, NewVSwitch, NewVpc};
use crate::store::{VSwitchFilter, VpcFilter};

const VPC_PAGES: Limits = Limits {
    default_size: 10,
    max_size: 50,
    max_results: None,
};

pub async fn create_vpc(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let req = NewVpc {
        cidr_block: call.params.string("CidrBlock"),
        name: call.params.string("VpcName"),
        description: call.params.string("Description"),
    };
    call.write_idempotent(
        &region,
        move |tx, ctx| vpcs::create_vpc(tx, ctx, req),
        |vpc| {
            obj! {
                "VpcId" => vpc.id,
                "VRouterId" => vpc.vrouter_id,
                "RouteTableId" => vpc.route_table_id,
                "ResourceGroupId" => "",
            }
        },
    )
    .await
}

pub async fn describe_vpcs(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let paging = paging::parse(&call.params, &VPC_PAGES)?;
    let filter = VpcFilter {
        ids: comma_list(call.params.get("VpcId")),
        name: call.params.string("VpcName"),
    };
    let account = call.account_id.clone();
    let request = paging.request;
    let page = call
        .read(move |tx| vpcs::describe_vpcs(tx, &account, &region, &filter, request))
        .await?;
    let mut out = paging.fields(&page, false);
    let items = page.items.iter().map(|(v, vsw)| render::vpc(v, vsw));
    out.insert("Vpcs", render::wrap("Vpc", items));
    Ok(out)
}

pub async fn create_vswitch(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let req = NewVSwitch {
        vpc_id: call.params.required("VpcId")?.to_string(),
        zone_id: call.params.required("ZoneId")?.to_string(),
        cidr_block: call.params.required("CidrBlock")?.to_string(),
        name: call.params.string("VSwitchName"),
        description: call.params.string("Description"),
    };
    call.write_idempotent(
        &region,
        move |tx, ctx| vpcs::create_vswitch(tx, ctx, req),
        |vswitch| obj! { "VSwitchId" => vswitch.id },
    )
    .await
}

pub async fn describe_vswitches(call: Call) -> Answer {
    // At least one of RegionId and VpcId (ecs-api.md §4.23); a VpcId alone names its region.
    let region = match (call.params.get("RegionId"), call.params.string("VpcId")) {
        (None, Some(vpc_id)) => region_of_vpc(&call, vpc_id).await?,
        _ => call.region(MissingRegion::Generic)?,
    };
    let paging = paging::parse(&call.params, &VPC_PAGES)?;
    let filter = VSwitchFilter {
        ids: comma_list(call.params.get("VSwitchId")),
        vpc_id: call.params.string("VpcId"),
        zone_id: call.params.string("ZoneId"),
        name: call.params.string("VSwitchName"),
    };
    let account = call.account_id.clone();
    let request = paging.request;
    let page = call
        .read(move |tx| vpcs::describe_vswitches(tx, &account, &region, &filter, request))
        .await?;
    let mut out = paging.fields(&page, false);
    let items = page.items.iter().map(|(v, free)| render::vswitch(v, *free));
    out.insert("VSwitches", render::wrap("VSwitch", items));
    Ok(out)
}

/// The region of one of the caller's VPCs; an unknown VPC has none, so it lists nothing.
async fn region_of_vpc(call: &Call, vpc_id: String) -> Result<String, ApiError> {
    let account = call.account_id.clone();
    let regions: Vec<String> = call
        .app
        .catalog
        .regions
        .iter()
        .map(|r| r.region_id.clone())
        .collect();
    call.read(move |tx| {
        for region in regions {
            if tx.vpc(&account, &region, &vpc_id)?.is_some() {
                return Ok(region);
            }
        }
        Ok(String::new())
    })
    .await
}

/// The VPC API's id filters are comma-separated lists.
fn comma_list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
