//! `order get|set|clear`: the per-agent auth order override, with the gateway's semantics.

use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::gateway::store::StoreDoc;
use crate::gateway::{Edit, Writer};

/// The order for one agent and provider.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderReport {
    /// The agent whose order this is (`main` unless asked otherwise).
    pub agent_id: String,
    /// That agent's directory, holding its store.
    pub agent_dir: std::path::PathBuf,
    /// The provider the order is for, normalised as the gateway does (lower case).
    pub provider: String,
    /// Where the override is stored.
    pub store_path: std::path::PathBuf,
    /// The override, or `null` when none (the config order or defaults apply).
    pub order: Option<Vec<String>>,
    /// Whether the last command changed anything.
    pub changed: bool,
    /// Who wrote the change (absent for `order get`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<Writer>,
    /// Whether the running gateway took up the change (absent for `order get`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reload: Option<crate::gateway::running::Reload>,
}

/// What to do with the order.
#[derive(Debug, Clone)]
pub enum OrderChange {
    /// Read it.
    Get,
    /// Replace it with these ids.
    Set(Vec<String>),
    /// Remove it.
    Clear,
}

/// Runs an order command.
pub fn order(ctx: &Context, agent: Option<&str>, provider: &str, change: OrderChange) -> Result<OrderReport> {
    let provider = super::provider_word(provider)?;
    let agent = ctx.agent(agent)?;
    let store = ctx.store(agent)?;
    let current = |doc: &StoreDoc| doc.order().get(&provider).cloned();
    // The order wanted afterwards (`None`: none), and the edit that makes it.
    let (wanted, edit) = match change {
        OrderChange::Get => {
            let order = current(&store.read()?);
            return Ok(report(agent, provider, &store, order, false, None, None));
        }
        OrderChange::Set(ids) => {
            let clean = dedupe(&ids)?;
            (Some(clean.clone()), Edit::SetOrder { provider: provider.clone(), ids: clean })
        }
        OrderChange::Clear => (None, Edit::ClearOrder { provider: provider.clone() }),
    };
    let w = ctx.edit(
        agent,
        &store,
        |doc| {
            if let Some(ids) = &wanted {
                check_ids(doc, ids, &provider, &agent.dir)?;
            }
            Ok((current(doc) != wanted, vec![edit.clone()]))
        },
        super::no_registration,
    )?;
    Ok(report(agent, provider, &store, wanted, w.out, Some(w.writer), Some(w.reload)))
}

fn report(
    agent: &crate::gateway::Agent,
    provider: String,
    store: &crate::gateway::Store,
    order: Option<Vec<String>>,
    changed: bool,
    writer: Option<crate::gateway::Writer>,
    reload: Option<crate::gateway::running::Reload>,
) -> OrderReport {
    OrderReport {
        reload,
        agent_id: agent.id.clone(),
        agent_dir: agent.dir.clone(),
        provider,
        store_path: store.order_path().to_path_buf(),
        order,
        changed,
        writer,
    }
}

/// Trims and de-duplicates ids, as the gateway does; an empty list is an error.
fn dedupe(ids: &[String]) -> Result<Vec<String>> {
    let mut clean: Vec<String> = Vec::new();
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let id = super::typed_profile_id(id)?;
        if !clean.iter().any(|c| c == id) {
            clean.push(id.to_string());
        }
    }
    if clean.is_empty() {
        return Err(Error::InvalidInput("order set needs at least one profile id".into()));
    }
    Ok(clean)
}

/// Every id must exist in the agent's store with this provider (the gateway's rule).
fn check_ids(doc: &StoreDoc, ids: &[String], provider: &str, agent_dir: &std::path::Path) -> Result<()> {
    for id in ids {
        match doc.profile(id) {
            None => return Err(Error::UnknownProfile { id: id.clone(), agent_dir: agent_dir.to_path_buf() }),
            Some(p) if p.provider != provider => {
                return Err(Error::ProfileProviderMismatch { id: id.clone(), expected: provider.to_string(), actual: p.provider })
            }
            Some(_) => {}
        }
    }
    Ok(())
}
