//! `set-expiry`: records when a stored token runs out, for a token stored without one (the
//! gateway's own `paste-token` keeps none unless told), so that its warnings come in time.
//!
//! The credential is rewritten whole with the one field changed, as a paste of the same token
//! would store it: every other field is kept, and the gateway's failure counts are left alone
//! (the token did not change).

use serde::Serialize;

use super::Context;
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::gateway::store::CredentialKind;
use crate::gateway::{Edit, Writer};

/// Further ahead than any provider's token lasts: a date past this is a typing slip.
const LATEST_MS: Millis = 5 * 366 * 24 * 60 * 60 * 1000;

/// What was recorded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryReport {
    /// The agent whose store holds the token.
    pub agent: String,
    /// The profile.
    pub profile_id: String,
    /// The expiry now recorded (ms).
    pub expires_at: Millis,
    /// The expiry recorded before, if any.
    pub previous: Option<Millis>,
    /// Whether anything changed.
    pub changed: bool,
    /// Who wrote it (absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<Writer>,
    /// Whether the running gateway took it up (absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reload: Option<crate::gateway::running::Reload>,
}

/// Records `expires_at` as the expiry of the token stored as `profile_id`.
pub fn set(ctx: &Context, agent: Option<&str>, profile_id: &str, expires_at: Millis) -> Result<ExpiryReport> {
    if expires_at <= ctx.now {
        return Err(Error::InvalidInput(format!(
            "{} is not in the future; a token that has run out needs replacing, not a new date",
            crate::duration::local_time(expires_at, ctx.now)
        )));
    }
    if expires_at - ctx.now > LATEST_MS {
        return Err(Error::InvalidInput(format!(
            "{} is more than five years away, longer than any token lasts; check the date",
            crate::duration::local_time(expires_at, ctx.now)
        )));
    }
    let agent = ctx.agent(agent)?;
    let store = ctx.store(agent)?;
    let written = ctx.edit(
        agent,
        &store,
        |doc| {
            let Some(profile) = doc.profile(profile_id) else {
                return Err(Error::UnknownProfile { id: profile_id.to_string(), agent_dir: agent.dir.clone() });
            };
            match profile.credential.kind() {
                CredentialKind::Token => {}
                CredentialKind::ApiKey => {
                    return Err(Error::InvalidInput(format!("{profile_id} holds an API key, which does not expire")));
                }
                CredentialKind::OAuth => {
                    return Err(Error::InvalidInput(format!(
                        "{profile_id} holds an OAuth login, whose expiry comes with the login and changes at each refresh"
                    )));
                }
            }
            let previous = profile.credential.expires().ms();
            let mut record = doc.raw_profile(profile_id).cloned().unwrap_or_default();
            record.insert("expires".into(), expires_at.into());
            let edits = match previous == Some(expires_at) {
                true => Vec::new(),
                false => vec![Edit::PutProfile { id: profile_id.to_string(), record, hard_expiry: false }],
            };
            Ok(((previous, !edits.is_empty()), edits))
        },
        super::no_registration,
    )?;
    let (previous, changed) = written.out;
    let (writer, reload) = match changed {
        true => (Some(written.writer), Some(written.reload)),
        false => (None, None),
    };
    Ok(ExpiryReport { agent: agent.id.clone(), profile_id: profile_id.to_string(), expires_at, previous, changed, writer, reload })
}
