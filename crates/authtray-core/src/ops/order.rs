//! `order get|set|clear`: the per-agent auth order override, with the gateway's semantics.

use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::gateway::config::normalize_provider;

/// The order for one agent and provider.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderReport {
    /// Agent id.
    pub agent_id: String,
    /// Agent dir.
    pub agent_dir: std::path::PathBuf,
    /// Provider.
    pub provider: String,
    /// Where the override is stored.
    pub store_path: std::path::PathBuf,
    /// The override, or `null` when none (the config order or defaults apply).
    pub order: Option<Vec<String>>,
    /// Whether the last command changed anything.
    pub changed: bool,
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
    let provider = normalize_provider(provider);
    if provider.is_empty() {
        return Err(Error::InvalidInput("--provider must name a provider (like anthropic)".into()));
    }
    let agent = ctx.agent(agent)?;
    let store = ctx.store(agent)?;
    let state_path = if store.order_in_state_file { store.state_path.clone() } else { store.profiles_path.clone() };
    let (order, changed) = match change {
        OrderChange::Get => (store.read()?.order().get(&provider).cloned(), false),
        OrderChange::Set(ids) => {
            let mut clean: Vec<String> = Vec::new();
            for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                if !clean.iter().any(|c| c == id) {
                    clean.push(id.to_string());
                }
            }
            if clean.is_empty() {
                return Err(Error::InvalidInput("order set needs at least one profile id".into()));
            }
            let (order, w) = store.update(|doc| {
                for id in &clean {
                    match doc.profile(id) {
                        None => return Err(Error::UnknownProfile { id: id.clone(), agent_dir: agent.dir.clone() }),
                        Some(p) if p.provider != provider => {
                            return Err(Error::ProfileProviderMismatch { id: id.clone(), expected: provider.clone(), actual: p.provider })
                        }
                        Some(_) => {}
                    }
                }
                doc.set_order(&provider, Some(clean.clone()), store.order_in_state_file);
                Ok(Some(clean.clone()))
            })?;
            (order, w == crate::gateway::json_store::Written::Changed)
        }
        OrderChange::Clear => {
            let (_, w) = store.update(|doc| {
                doc.set_order(&provider, None, store.order_in_state_file);
                Ok(())
            })?;
            (None, w == crate::gateway::json_store::Written::Changed)
        }
    };
    Ok(OrderReport { agent_id: agent.id.clone(), agent_dir: agent.dir.clone(), provider, store_path: state_path, order, changed })
}
