//! `cooldown clear`: puts profiles the gateway set aside (cooldown after failed requests,
//! disabled for billing) back in service, under the gateway's lock, then tells the running
//! gateway. openclaw 2026.6+ keeps this state in SQLite that only the gateway writes, and its
//! CLI has no command for it: authtray says so instead of writing there.

use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::gateway::{Edit, Writer};
use crate::health::{availability, AvailabilityState};

/// What was cleared.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CooldownReport {
    /// The agent.
    pub agent: String,
    /// The provider.
    pub provider: String,
    /// Profiles that were set aside and are ready again.
    pub cleared: Vec<String>,
    /// Who wrote it (absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<Writer>,
    /// Whether the running gateway took it up (absent when nothing was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reload: Option<crate::gateway::running::Reload>,
}

/// Clears the cooldown and disabled state of `provider`'s profiles (or only `profile_id`).
pub fn clear(ctx: &Context, agent: Option<&str>, provider: &str, profile_id: Option<&str>) -> Result<CooldownReport> {
    let provider = super::provider_word(provider)?;
    let profile_id = profile_id.map(super::typed_profile_id).transpose()?;
    let agent = ctx.agent(agent)?;
    let store = ctx.store(agent)?;
    let now = ctx.now;
    if store.writer() == Writer::Cli {
        let doc = store.read()?;
        let resting: Vec<String> = doc
            .profiles()
            .into_iter()
            .filter(|p| p.provider == provider && availability(&doc, &p.id, now).state != AvailabilityState::Ready)
            .map(|p| p.id)
            .collect();
        let until = resting.iter().filter_map(|id| availability(&doc, id, now).until).max();
        let when = until.map(|u| format!(" It ends by itself {}.", crate::duration::local_time(u, now))).unwrap_or_default();
        return Err(crate::gateway::edit::refuse_cooldown_clear(&when));
    }
    let written = ctx.edit(
        agent,
        &store,
        |doc| {
            let ids: Vec<String> = doc
                .profiles()
                .into_iter()
                .filter(|p| p.provider == provider && profile_id.is_none_or(|id| id == p.id))
                .map(|p| p.id)
                .collect();
            if let Some(id) = profile_id {
                if ids.is_empty() {
                    return Err(Error::UnknownProfile { id: id.to_string(), agent_dir: agent.dir.clone() });
                }
            }
            // Only those with something to clear: a try on a copy tells.
            let mut probe = doc.clone();
            let cleared: Vec<String> = ids.into_iter().filter(|id| probe.clear_rest(id)).collect();
            let edits = cleared.iter().map(|id| Edit::ClearRest { id: id.clone() }).collect();
            Ok((cleared, edits))
        },
        super::no_registration,
    )?;
    let (reload, writer) = match written.changed {
        true => (Some(written.reload), Some(written.writer)),
        false => (None, None),
    };
    Ok(CooldownReport { agent: agent.id.clone(), provider, cleared: written.out, writer, reload })
}
