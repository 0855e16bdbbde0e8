//! ClientToken idempotence for creating calls (ecs-api.md §2.3). The token's record is looked
//! up and written in the same transaction as the create, and all writes are serialised, so
//! two concurrent requests with one token create one resource.

use super::{Ctx, OpResult};
use crate::model::idempotency;
use crate::store::{ClientTokenRecord, Tx};

/// A request's ClientToken and the fingerprint of its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientToken {
    pub token: String,
    pub fingerprint: String,
}

/// Runs `create` once per token: its answer (opaque text rendered by the caller) is recorded
/// under the token, and a later call with the token gets the recorded answer instead of a
/// second create, provided its parameters are the same. Without a token, just `create`.
pub fn once(
    tx: &dyn Tx,
    ctx: &Ctx,
    token: Option<&ClientToken>,
    create: impl FnOnce(&dyn Tx, &Ctx) -> OpResult<String>,
) -> OpResult<String> {
    let Some(token) = token else {
        return create(tx, ctx);
    };
    idempotency::check_token(&token.token)?;
    if let Some(record) = tx.client_token(&ctx.account_id, ctx.action, &token.token)? {
        idempotency::check_replay(&record.fingerprint, &token.fingerprint)?;
        return Ok(record.answer);
    }
    let answer = create(tx, ctx)?;
    tx.insert_client_token(
        &ctx.account_id,
        ctx.action,
        &ClientTokenRecord {
            token: token.token.clone(),
            fingerprint: token.fingerprint.clone(),
            answer: answer.clone(),
            created_at: ctx.now,
        },
    )?;
    Ok(answer)
}
