//! One write path for every kind of store.
//!
//! Every operation that writes (sync, paste, order, undo, cooldown clear) decides *what* to
//! change from the store as it is, as a list of [`Edit`]s, and hands it to [`Store::edit`].
//! How the edits reach the gateway depends on the store, not on the operation:
//!
//! - a JSON store (clawdbot, openclaw up to 2026.5) applies them to the document under the
//!   gateway's lock, deciding from the document read under that same lock;
//! - a SQLite store whose layout the tests prove (openclaw 2026.9.6) applies them to its
//!   database cells directly, in the gateway's own locks and transactions, deciding from the
//!   cells read inside those transactions ([`super::sqlite_write`]);
//! - any other SQLite store (and any gateway on another host) maps them to the gateway's own
//!   commands (`models auth paste-token`, `order set|clear`), deciding from what it read just
//!   before. An edit its CLI cannot express is refused before any command runs.

use serde_json::{Map, Value};

use super::cli::GatewayCli;
use super::json_store::Written;
use super::sqlite_write::Direct;
use super::store::{CredentialKind, StoreDoc};
use super::Store;
use crate::error::{Error, Result};
use crate::token::Secret;

/// One change to an agent's store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Edit {
    /// Stores `record` (the gateway's credential object) under `id`, replacing the whole entry
    /// as the gateway does. `hard_expiry`: the credential stops working at its `expires` (a
    /// mirrored login), so a store that can only take a duration stores one that ends early
    /// rather than late.
    PutProfile {
        /// The profile id.
        id: String,
        /// The credential object.
        record: Map<String, Value>,
        /// Whether `expires` is a hard deadline.
        hard_expiry: bool,
    },
    /// Removes the profile (an Undo of a paste that created it).
    RemoveProfile {
        /// The profile id.
        id: String,
    },
    /// Replaces the provider's order override.
    SetOrder {
        /// The provider.
        provider: String,
        /// The ids, first tried first.
        ids: Vec<String>,
    },
    /// Removes the provider's order override.
    ClearOrder {
        /// The provider.
        provider: String,
    },
    /// Forgets the failures the profile's previous credential caused (with a new credential).
    /// A CLI-backed store leaves this to the gateway's own `paste-token`.
    ClearFailures {
        /// The profile id.
        id: String,
    },
    /// Puts a profile the gateway set aside (cooldown, disabled) back in service.
    ClearRest {
        /// The profile id.
        id: String,
    },
}

/// How a CLI-backed store is written: the gateway's CLI, and the agent flag it takes.
pub(crate) struct CliWriter<'a> {
    /// The gateway CLI (local, or through a transport to another host).
    pub cli: &'a GatewayCli,
    /// `--agent` for the CLI (`None` for the default agent).
    pub agent: Option<&'a str>,
}

/// Which writer put an edit into the gateway's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Writer {
    /// A JSON store's files, under the gateway's lock (clawdbot, openclaw up to 2026.5).
    File,
    /// The SQLite databases, directly, the way the gateway's own writer does (openclaw 2026.9.6).
    Direct,
    /// The gateway's own CLI (any other SQLite layout, and a database only the gateway may create).
    Cli,
}

impl Writer {
    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Writer::File => "file",
            Writer::Direct => "direct",
            Writer::Cli => "cli",
        }
    }
}

/// What [`Store::edit`] did.
#[derive(Debug)]
pub(crate) struct Edited<T> {
    /// What the plan returned.
    pub out: T,
    /// Whether the store changed (a CLI write counts as a change: the CLI rewrites even an
    /// unchanged cell, and refreshes the gateway itself).
    pub changed: bool,
    /// Who wrote it.
    pub writer: Writer,
}

impl Store {
    /// The writer an edit will most likely go through: [`Writer::Cli`] only for a SQLite layout
    /// the direct writer does not know (an order for an agent whose database does not exist
    /// yet falls back to the CLI too, which this cannot foresee).
    pub(crate) fn writer(&self) -> Writer {
        match self {
            Store::Json(_) => Writer::File,
            Store::Sqlite(s) => match s.direct_writable() {
                Ok(()) => Writer::Direct,
                Err(_) => Writer::Cli,
            },
        }
    }

    /// Decides edits from the store as it is (`plan`) and applies them.
    ///
    /// `cli` is asked for only when the gateway's CLI has to write.
    pub(crate) fn edit<T>(
        &self,
        cli: impl FnOnce() -> Result<GatewayCli>,
        agent: Option<&str>,
        plan: impl FnOnce(&StoreDoc) -> Result<(T, Vec<Edit>)>,
    ) -> Result<Edited<T>> {
        match self {
            Store::Json(s) => {
                let (out, written) = s.update(|doc| {
                    let (out, edits) = plan(doc)?;
                    for e in edits {
                        apply(doc, e, s.order_in_state_file);
                    }
                    Ok(out)
                })?;
                Ok(Edited { out, changed: written == Written::Changed, writer: Writer::File })
            }
            Store::Sqlite(s) => {
                let (out, edits) = match s.direct_writable() {
                    Ok(()) => match super::sqlite_write::edit(s, plan)? {
                        Direct::Done { out, changed } => return Ok(Edited { out, changed, writer: Writer::Direct }),
                        Direct::Planned { out, edits, why } => {
                            tracing::info!(store = %s.state_db.display(), "writing through the gateway's CLI: {why}");
                            (out, edits)
                        }
                    },
                    Err(why) => {
                        tracing::info!(store = %s.state_db.display(), "writing through the gateway's CLI: {why}");
                        plan(&s.read()?)?
                    }
                };
                if edits.is_empty() {
                    return Ok(Edited { out, changed: false, writer: Writer::Cli });
                }
                let cli = cli()?;
                run(&CliWriter { cli: &cli, agent }, &edits)?;
                Ok(Edited { out, changed: true, writer: Writer::Cli })
            }
        }
    }
}

/// Applies one edit to a JSON store's document.
fn apply(doc: &mut StoreDoc, edit: Edit, order_in_state_file: bool) {
    match edit {
        Edit::PutProfile { id, record, .. } => doc.set_raw_profile(&id, record),
        Edit::RemoveProfile { id } => doc.remove_raw_profile(&id),
        Edit::SetOrder { provider, ids } => doc.set_order(&provider, Some(ids), order_in_state_file),
        Edit::ClearOrder { provider } => doc.set_order(&provider, None, order_in_state_file),
        Edit::ClearFailures { id } => {
            doc.clear_failures(&id);
        }
        Edit::ClearRest { id } => {
            doc.clear_rest(&id);
        }
    }
}

/// Runs the edits as the gateway's own commands, after checking the CLI can express them all.
pub(crate) fn run(w: &CliWriter<'_>, edits: &[Edit]) -> Result<()> {
    for e in edits {
        expressible(e)?;
    }
    for e in edits {
        match e {
            Edit::PutProfile { id, record, hard_expiry } => {
                let provider = record.get("provider").and_then(Value::as_str).unwrap_or_default();
                let token = Secret::new(record.get("token").and_then(Value::as_str).unwrap_or_default());
                match (record.get("expires").and_then(Value::as_i64), hard_expiry) {
                    (Some(at), true) => w.cli.paste_token_expiring_at(provider, id, w.agent, &token, at)?,
                    (Some(at), false) => w.cli.paste_token(provider, id, w.agent, &token, Some(at - crate::clock::now_ms()))?,
                    (None, _) => w.cli.paste_token(provider, id, w.agent, &token, None)?,
                };
            }
            Edit::SetOrder { provider, ids } => {
                w.cli.order_set(provider, w.agent, ids)?;
            }
            Edit::ClearOrder { provider } => {
                w.cli.order_clear(provider, w.agent)?;
            }
            // The gateway's paste-token starts the new credential afresh.
            Edit::ClearFailures { .. } => {}
            Edit::RemoveProfile { .. } | Edit::ClearRest { .. } => expressible(e)?,
        }
    }
    Ok(())
}

/// The gateway's `paste-token` takes tokens only: the refusal for `key` (an API key's
/// description) wherever a write has to go through it.
pub(crate) fn refuse_api_key(generation: &'static str, key: &str) -> Error {
    Error::NotWritable { generation, reason: format!("the gateway's paste-token stores tokens only; add {key} with `openclaw configure`") }
}

/// The gateway's CLI cannot clear a cooldown on 2026.6 and later; `ends` says when it ends by
/// itself (empty when unknown).
pub(crate) fn refuse_cooldown_clear(ends: &str) -> Error {
    Error::NotWritable {
        generation: "openclaw-sqlite",
        reason: format!(
            "openclaw 2026.6 and later keep cooldowns in their own database, and their CLI has no command to clear one.{ends} Pasting a new token to the profile, or waiting, puts it back in service"
        ),
    }
}

/// Whether the gateway's CLI has a command for the edit; the reason when not.
fn expressible(e: &Edit) -> Result<()> {
    let refuse = |reason: &str| Err(Error::NotWritable { generation: "openclaw-sqlite", reason: reason.to_string() });
    match e {
        Edit::PutProfile { record, .. } => {
            let is_token = record.get("type").and_then(Value::as_str) == Some(CredentialKind::Token.as_str());
            let has_token = record.get("token").and_then(Value::as_str).is_some_and(|t| !t.is_empty());
            let has_provider = record.get("provider").and_then(Value::as_str).is_some_and(|p| !p.is_empty());
            if is_token && has_token && has_provider {
                Ok(())
            } else {
                Err(refuse_api_key("openclaw-sqlite", "an API key or an OAuth login"))
            }
        }
        Edit::RemoveProfile { .. } => refuse("the gateway's CLI cannot remove a profile; remove it with `openclaw models auth`"),
        Edit::ClearRest { .. } => Err(refuse_cooldown_clear("")),
        Edit::SetOrder { .. } | Edit::ClearOrder { .. } | Edit::ClearFailures { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_record(token: &str) -> Map<String, Value> {
        let mut r = Map::new();
        r.insert("type".into(), "token".into());
        r.insert("provider".into(), "anthropic".into());
        r.insert("token".into(), token.into());
        r
    }

    #[test]
    fn the_cli_takes_tokens_and_orders_and_refuses_the_rest_before_running_anything() {
        assert!(
            expressible(&Edit::PutProfile { id: "anthropic:x".into(), record: token_record("sk-ant-oat01-x"), hard_expiry: false }).is_ok()
        );
        let mut key = token_record("");
        key.insert("type".into(), "api_key".into());
        key.insert("key".into(), "sk-ant-api03-x".into());
        let refused = expressible(&Edit::PutProfile { id: "anthropic:k".into(), record: key, hard_expiry: false });
        assert!(refused.unwrap_err().to_string().contains("tokens only"));
        assert!(expressible(&Edit::RemoveProfile { id: "a:b".into() }).is_err());
        assert!(expressible(&Edit::ClearRest { id: "a:b".into() }).is_err());
        assert!(expressible(&Edit::SetOrder { provider: "anthropic".into(), ids: vec!["a:b".into()] }).is_ok());
        assert!(expressible(&Edit::ClearOrder { provider: "anthropic".into() }).is_ok());
    }

    #[test]
    fn edits_apply_to_a_json_document_as_the_gateway_would_write_them() {
        let mut doc = StoreDoc::parse(
            std::path::Path::new("auth-profiles.json"),
            Some(br#"{"version":1,"profiles":{"anthropic:a":{"type":"token","provider":"anthropic","token":"old"}},"usageStats":{"anthropic:a":{"cooldownUntil":9,"lastUsed":1}}}"#),
            std::path::Path::new("auth-state.json"),
            None,
        )
        .unwrap();
        apply(&mut doc, Edit::PutProfile { id: "anthropic:b".into(), record: token_record("new"), hard_expiry: false }, false);
        apply(&mut doc, Edit::SetOrder { provider: "anthropic".into(), ids: vec!["anthropic:b".into(), "anthropic:a".into()] }, false);
        apply(&mut doc, Edit::ClearFailures { id: "anthropic:a".into() }, false);
        assert_eq!(doc.profile("anthropic:b").and_then(|p| p.credential.secret().map(str::to_string)).as_deref(), Some("new"));
        assert_eq!(doc.order().get("anthropic").cloned(), Some(vec!["anthropic:b".to_string(), "anthropic:a".to_string()]));
        assert!(doc.usage_stats("anthropic:a").is_some_and(|s| !s.contains_key("cooldownUntil") && s.contains_key("lastUsed")));
        apply(&mut doc, Edit::RemoveProfile { id: "anthropic:b".into() }, false);
        apply(&mut doc, Edit::ClearOrder { provider: "anthropic".into() }, false);
        assert!(doc.profile("anthropic:b").is_none());
        assert!(doc.order().is_empty());
    }
}
