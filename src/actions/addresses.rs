//! AssignPrivateIpAddresses and UnassignPrivateIpAddresses.

use super::render::wrap;
use super::{empty, Answer, Call, MissingRegion};
use crate::doc::Doc;
use crate::errors::ApiError;
use crate::obj;
use crate::ops::addresses;

pub async fn assign(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let eni = call.params.required("NetworkInterfaceId")?.to_string();
    call.params.exclusive(
        "PrivateIpAddress",
        "SecondaryPrivateIpAddressCount",
        "PrivateIpAddress and SecondaryPrivateIpAddressCount cannot be specified together.",
    )?;
    let requested = call.params.list("PrivateIpAddress", 10)?;
    let count = call
        .params
        .int_in("SecondaryPrivateIpAddressCount", 1, 10)?
        .unwrap_or(0) as u32;
    if requested.is_empty() && count == 0 {
        return Err(ApiError::missing("SecondaryPrivateIpAddressCount"));
    }
    let eni_id = eni.clone();
    let assigned = call
        .write(&region, move |tx, ctx| {
            addresses::assign(tx, ctx, &eni_id, requested, count)
        })
        .await?;
    Ok(obj! {
        "AssignedPrivateIpAddressesSet" => obj! {
            "NetworkInterfaceId" => eni,
            "PrivateIpSet" => wrap("PrivateIpAddress", assigned),
            "Ipv4PrefixSet" => wrap("Ipv4Prefixes", Vec::<Doc>::new()),
        },
    })
}

pub async fn unassign(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let eni = call.params.required("NetworkInterfaceId")?.to_string();
    let addresses = call.params.list("PrivateIpAddress", 32)?;
    if addresses.is_empty() {
        return Err(ApiError::missing("PrivateIpAddress.1"));
    }
    call.write(&region, move |tx, ctx| {
        addresses::unassign(tx, ctx, &eni, &addresses)
    })
    .await?;
    empty()
}
