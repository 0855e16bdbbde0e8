//! Console sessions: who signed in, until when, and the CSRF token their writes must carry.
//! Kept in memory: a restart signs everyone out, which is the safe direction.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::rngs::OsRng;
use rand::RngCore;

/// A session ends this long after its last use…
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// …and at the latest this long after sign-in (also the cookie's Max-Age).
pub const LIFETIME_MS: i64 = 8 * 60 * 60 * 1000;
pub const COOKIE: &str = "ecsnet_console";

#[derive(Debug, Clone)]
pub struct Session {
    pub account_id: String,
    pub access_key_id: String,
    pub csrf_token: String,
    pub expires_at_ms: i64,
    started_ms: i64,
}

#[derive(Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<String, Session>>,
}

/// 32 bytes from the operating system's generator, hex: unguessable session and CSRF tokens.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn expiry(started_ms: i64, now_ms: i64) -> i64 {
    (now_ms + IDLE_MS).min(started_ms + LIFETIME_MS)
}

impl Sessions {
    /// Starts a session; returns its cookie token and the session.
    pub fn start(
        &self,
        account_id: String,
        access_key_id: String,
        now_ms: i64,
    ) -> (String, Session) {
        let token = random_token();
        let session = Session {
            account_id,
            access_key_id,
            csrf_token: random_token(),
            expires_at_ms: expiry(now_ms, now_ms),
            started_ms: now_ms,
        };
        let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        // Signing in is when memory is reclaimed from sessions nobody ended.
        map.retain(|_, s| s.expires_at_ms > now_ms);
        map.insert(token.clone(), session.clone());
        (token, session)
    }

    /// The live session of a cookie token, its idle expiry pushed back by this use.
    pub fn touch(&self, token: &str, now_ms: i64) -> Option<Session> {
        let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        let session = map.get_mut(token)?;
        if session.expires_at_ms <= now_ms {
            map.remove(token);
            return None;
        }
        session.expires_at_ms = expiry(session.started_ms, now_ms);
        Some(session.clone())
    }

    pub fn end(&self, token: &str) {
        let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_expires_when_idle_and_at_its_lifetime() {
        let sessions = Sessions::default();
        let (token, session) = sessions.start("1".into(), "k".into(), 0);
        assert_eq!(session.expires_at_ms, IDLE_MS);
        assert_ne!(token, session.csrf_token);
        // Used just before going idle: extended.
        let used = sessions.touch(&token, IDLE_MS - 1).unwrap();
        assert_eq!(used.expires_at_ms, 2 * IDLE_MS - 1);
        assert!(sessions.touch(&token, 2 * IDLE_MS - 1).is_none());
        // Kept busy, it still ends at its lifetime.
        let (token, _) = sessions.start("1".into(), "k".into(), 0);
        let mut now = 0;
        while now + IDLE_MS / 2 < LIFETIME_MS {
            now += IDLE_MS / 2;
            assert!(sessions.touch(&token, now).is_some());
        }
        assert!(sessions.touch(&token, LIFETIME_MS).is_none());
    }

    #[test]
    fn ended_and_unknown_tokens_have_no_session() {
        let sessions = Sessions::default();
        let (token, _) = sessions.start("1".into(), "k".into(), 0);
        sessions.end(&token);
        assert!(sessions.touch(&token, 1).is_none());
        assert!(sessions.touch("nope", 1).is_none());
    }
}
