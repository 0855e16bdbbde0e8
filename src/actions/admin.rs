//! ecsnet's own administration, for test suites: ResetStore, SaveSnapshot, RestoreSnapshot,
//! ListSnapshots (API version `ecsnet`). Only the store's first (root) account may call them.

use std::path::PathBuf;

use crate::doc::Fields;
use crate::obj;

use super::render::{time_seconds, wrap};
use super::{empty, Answer, Call};
use crate::errors::{ApiError, Code};

fn snapshots_dir(call: &Call) -> PathBuf {
    call.app.data_dir.join("snapshots")
}

/// Refuses every account but the root one (dev mode, where any key is welcome, included).
async fn root_only(call: &Call) -> Result<(), ApiError> {
    if call.app.accept_any_access_key {
        return Ok(());
    }
    let root = call.read(|tx| Ok(tx.root_account()?)).await?;
    if root.as_deref() != Some(call.account_id.as_str()) {
        return Err(ApiError::of(Code::ForbiddenSubUser));
    }
    Ok(())
}

/// The file of a snapshot `Name`: letters, digits, `.`, `_` and `-`, 1 to 64 of them.
fn snapshot_path(call: &Call) -> Result<PathBuf, ApiError> {
    let name = call.params.required("Name")?;
    let valid = name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(ApiError::invalid("Name"));
    }
    Ok(snapshots_dir(call).join(format!("{name}.db")))
}

/// Snapshots are files of the SQLite store; a PostgreSQL store is backed up with pg_dump.
fn snapshots_available(call: &Call) -> Result<(), ApiError> {
    if call.app.store.has_snapshots() {
        Ok(())
    } else {
        Err(ApiError::of(Code::OperationDeniedSnapshotsUnavailable))
    }
}

fn store_fault(call: &Call, fault: crate::store::StoreFault) -> ApiError {
    tracing::error!(request_id = %call.request_id, error = %fault, "administration failed");
    ApiError::internal()
}

pub async fn reset(call: Call) -> Answer {
    root_only(&call).await?;
    call.app
        .store
        .reset()
        .await
        .map_err(|f| store_fault(&call, f))?;
    call.app.eni_answers.advance();
    tracing::warn!(request_id = %call.request_id, "the store was reset");
    empty()
}

pub async fn save_snapshot(call: Call) -> Answer {
    root_only(&call).await?;
    snapshots_available(&call)?;
    let path = snapshot_path(&call)?;
    crate::store::create_private_dir(&snapshots_dir(&call))
        .map_err(|e| store_fault(&call, crate::store::StoreFault(e.to_string())))?;
    call.app
        .store
        .save_snapshot(path)
        .await
        .map_err(|f| store_fault(&call, f))?;
    empty()
}

pub async fn restore_snapshot(call: Call) -> Answer {
    root_only(&call).await?;
    snapshots_available(&call)?;
    let path = snapshot_path(&call)?;
    if !path.is_file() {
        return Err(ApiError::of(Code::InvalidSnapshotNameNotFound));
    }
    call.app
        .store
        .restore_snapshot(path)
        .await
        .map_err(|f| store_fault(&call, f))?;
    // The restored ENIs may stand at revisions the cache holds other answers for.
    call.app.eni_answers.advance();
    tracing::warn!(request_id = %call.request_id, "the store was restored from a snapshot");
    empty()
}

pub async fn list_snapshots(call: Call) -> Answer {
    root_only(&call).await?;
    snapshots_available(&call)?;
    let mut snapshots: Vec<(String, Fields)> = std::fs::read_dir(snapshots_dir(&call))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| {
                    let name = entry
                        .file_name()
                        .to_string_lossy()
                        .strip_suffix(".db")?
                        .to_string();
                    let meta = entry.metadata().ok()?;
                    let modified = meta
                        .modified()
                        .ok()?
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()?;
                    let snapshot = obj! {
                        "Name" => &name,
                        "Size" => meta.len(),
                        "CreationTime" => time_seconds(modified.as_secs() as i64),
                    };
                    Some((name, snapshot))
                })
                .collect()
        })
        .unwrap_or_default();
    snapshots.sort_by(|a, b| a.0.cmp(&b.0));
    let snapshots = snapshots.into_iter().map(|(_, snapshot)| snapshot);
    Ok(obj! { "Snapshots" => wrap("Snapshot", snapshots) })
}
