//! `set-expiry`: records when a stored token runs out, for a token stored without one (the
//! gateway's own `paste-token` keeps none unless told), so that its warnings come in time.
//!
//! The credential is rewritten whole with the one field added, as a paste of the same token
//! would store it. The JSON generations and the direct SQLite writer keep every other field and
//! leave the gateway's failure counts alone (the token did not change). Through the gateway's
//! own CLI (a SQLite layout authtray does not know) it is the gateway's `paste-token` of the same
//! token: that keeps only the gateway's own fields, and stamps the expiry from its own clock, a
//! little early rather than late.
//!
//! A token that already records an expiry is refused: that date is the gateway's or the
//! provider's, and a later one typed here would hide a real warning (on a mirror of Claude
//! Code's login it would even stop the mirror from renewing it).

use serde::Serialize;

use super::Context;
use crate::clock::{Millis, MAX_JS_DATE_MS};
use crate::error::{Error, Result};
use crate::gateway::store::CredentialKind;
use crate::gateway::{Edit, Writer};

/// Further ahead than any provider's token lasts: a date past this is a typing slip.
const LATEST_MS: Millis = 5 * 366 * 24 * 60 * 60 * 1000;

/// How far a stored expiry may be from the one asked for and still count as that one: the
/// gateway's CLI stamps it from its own clock, after its start-up and a safety margin.
const SAME_MS: Millis = 3 * 60_000;

/// What was recorded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryReport {
    /// The agent whose store holds the token.
    pub agent: String,
    /// The profile.
    pub profile_id: String,
    /// The expiry now recorded (ms), as the store holds it.
    pub expires_at: Millis,
    /// Whether anything changed (false: that expiry was recorded already).
    pub changed: bool,
    /// Who wrote it (absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<Writer>,
    /// Whether the running gateway took it up (absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reload: Option<crate::gateway::running::Reload>,
}

/// Whether `expires_at` can be a token's expiry, judged at `now`: in the future, within five
/// years, and a moment a JavaScript date (the gateway's) can hold.
pub(crate) fn check_when(expires_at: Millis, now: Millis) -> Result<()> {
    if expires_at <= 0 || expires_at > MAX_JS_DATE_MS {
        return Err(Error::InvalidInput("that is not a date a token can expire on".into()));
    }
    let when = crate::duration::local_time(expires_at, now);
    if expires_at <= now {
        return Err(Error::InvalidInput(format!("{when} is not in the future; a token that has run out needs replacing, not a new date")));
    }
    if expires_at.saturating_sub(now) > LATEST_MS {
        return Err(Error::InvalidInput(format!("{when} is more than five years away, longer than any token lasts; check the date")));
    }
    Ok(())
}

/// Records `expires_at` as the expiry of the token stored as `profile_id`, which has none yet.
pub fn set(ctx: &Context, agent: Option<&str>, profile_id: &str, expires_at: Millis) -> Result<ExpiryReport> {
    let profile_id = super::typed_profile_id(profile_id)?;
    if !profile_id.contains(':') {
        return Err(Error::InvalidInput(format!("{} is not a profile id (like anthropic:manual)", crate::duration::shown(profile_id))));
    }
    check_when(expires_at, ctx.now)?;
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
            match profile.credential.expires().ms() {
                // Asked again (a second click, a rerun): nothing to do.
                Some(stored) if (stored - expires_at).abs() <= SAME_MS => return Ok((Some(stored), Vec::new())),
                Some(stored) => {
                    return Err(Error::InvalidInput(format!(
                        "{profile_id} already records when it runs out ({}); paste the token again to change that",
                        crate::duration::local_time(stored, ctx.now)
                    )))
                }
                None => {}
            }
            let mut record = doc.raw_profile(profile_id).cloned().unwrap_or_default();
            record.insert("expires".into(), expires_at.into());
            // A store that can only take a duration (the gateway's CLI) stores one that ends a
            // little early, so the warning is never late.
            Ok((None, vec![Edit::PutProfile { id: profile_id.to_string(), record, hard_expiry: true }]))
        },
        |stored, writer| {
            // The gateway's CLI stamped the expiry from its own clock: report what it stored.
            if writer == Writer::Cli && stored.is_none() {
                *stored = store.stored_expiry(profile_id)?;
            }
            Ok(false)
        },
    )?;
    let (writer, reload) = match written.changed {
        true => (Some(written.writer), Some(written.reload)),
        false => (None, None),
    };
    Ok(ExpiryReport {
        agent: agent.id.clone(),
        profile_id: profile_id.to_string(),
        expires_at: written.out.unwrap_or(expires_at),
        changed: written.changed,
        writer,
        reload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_800_000_000_000;
    const DAY: Millis = 86_400_000;

    #[test]
    fn an_expiry_is_a_real_date_ahead_and_never_breaks_on_extremes() {
        assert!(check_when(NOW + 300 * DAY, NOW).is_ok());
        for bad in [i64::MIN, -1, 0, NOW - 1, NOW, NOW + 6 * 366 * DAY, MAX_JS_DATE_MS + 1, i64::MAX] {
            assert!(matches!(check_when(bad, NOW), Err(Error::InvalidInput(_))), "{bad}");
        }
    }
}
