//! Undo of the latest paste: put back the credential it replaced, or remove the profile it
//! created, but only while the profile still holds what was pasted.

use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::gateway::{Edit, GatewayConfig, Writer};
use crate::vault::{fingerprint, SavedCredential};

/// What Undo did to the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UndoAction {
    /// The credential the paste replaced is back.
    Restored,
    /// The paste had created the profile; it is gone again.
    Removed,
}

/// What Undo did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoReport {
    /// The agent whose store was changed back.
    pub agent: String,
    /// The profile the undone paste had written.
    pub profile_id: String,
    /// What happened to the profile.
    pub action: UndoAction,
    /// The restored credential, redacted.
    pub token: Option<String>,
    /// Whether the paste's changes to the gateway config were put back too.
    pub config_restored: bool,
    /// Who wrote it.
    pub writer: Writer,
    /// Whether the running gateway took up the restored state.
    pub reload: crate::gateway::running::Reload,
}

/// Restores what `saved` recorded. Refuses when the window has passed or the profile changed.
pub(crate) fn undo(ctx: &Context, saved: &SavedCredential) -> Result<UndoReport> {
    if !saved.open_at(ctx.now) {
        return Err(Error::UndoUnavailable("the undo window (5 minutes) has passed".into()));
    }
    let agent = ctx.agent(Some(&saved.agent))?;
    let store = ctx.store(agent)?;
    let still_pasted = |doc: &crate::gateway::StoreDoc| {
        doc.profile(&saved.profile_id).and_then(|p| p.credential.secret().map(fingerprint)).is_some_and(|f| f == saved.pasted_sha256)
    };
    let changed_since = || Error::UndoUnavailable(format!("{} changed after the paste; authtray left it as it is", saved.profile_id));
    let token =
        saved.previous.as_ref().and_then(|r| r.get("token").or_else(|| r.get("key")).or_else(|| r.get("access"))).and_then(|v| v.as_str());
    let action = if saved.previous.is_some() { UndoAction::Restored } else { UndoAction::Removed };
    let through_cli = store.writer() == Writer::Cli;
    // The registration the paste made goes too, where nobody changed it since (the gateway's
    // CLI made its own in the SQLite era, and authtray recorded none).
    let restore_config = |_: &mut (), _| {
        Ok(!saved.config_edits.is_empty()
            && GatewayConfig::update(&ctx.install.config.path, ctx.lock_timeout, |c| {
                let mut changed = false;
                for edit in &saved.config_edits {
                    if c.value_at(&edit.path) == edit.after.as_ref() {
                        changed |= c.set_value_at(&edit.path, edit.before.clone());
                    }
                }
                changed
            })?)
    };
    let written = ctx.edit(
        agent,
        &store,
        |doc| {
            if !still_pasted(doc) {
                return Err(changed_since());
            }
            let expires = saved.previous.as_ref().and_then(|r| r.get("expires")).and_then(|v| v.as_i64());
            // A JSON store takes the old record back as it was; the gateway's CLI cannot store a
            // token that has already run out.
            if through_cli && expires.is_some_and(|e| e <= ctx.now) {
                return Err(Error::UndoUnavailable("the previous token has expired since".into()));
            }
            let id = saved.profile_id.clone();
            let put = match &saved.previous {
                Some(rec) => Edit::PutProfile { id: id.clone(), record: rec.clone(), hard_expiry: true },
                None => Edit::RemoveProfile { id: id.clone() },
            };
            Ok(((), vec![put, Edit::ClearFailures { id }]))
        },
        restore_config,
    )?;
    Ok(UndoReport {
        agent: agent.id.clone(),
        profile_id: saved.profile_id.clone(),
        action,
        token: token.map(crate::token::redact),
        config_restored: written.registered,
        writer: written.writer,
        reload: written.reload,
    })
}
