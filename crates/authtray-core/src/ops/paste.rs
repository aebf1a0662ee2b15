//! `paste-token`: validate a token and store it as the gateway's own `paste-token` would.

use serde::Serialize;
use serde_json::{Map, Value};

use super::validate_profile_id;
use super::Context;
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::gateway::running::Reload;
use crate::gateway::store::with_extras;
use crate::gateway::store::CredentialKind;
use crate::gateway::{Edit, GatewayConfig, Generation, Writer};
use crate::token::{self, TokenShape};
use crate::vault::ConfigEdit;

fn path(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// Anthropic setup-tokens live a year; without `--expires-in` we record that so reminders work.
pub(crate) const SETUP_TOKEN_LIFETIME_MS: Millis = 365 * 24 * 60 * 60 * 1000;

/// What to paste where.
#[derive(Debug, Clone)]
pub struct PasteRequest {
    /// Provider (`anthropic`, `openai` …).
    pub provider: String,
    /// Profile id (default `<provider>:manual`).
    pub profile_id: Option<String>,
    /// `--expires-in` in ms.
    pub expires_in: Option<Millis>,
    /// Agent (default agent when `None`).
    pub agent: Option<String>,
    /// The raw pasted text.
    pub token: crate::token::Secret,
}

/// The credential that was replaced, for display and undo.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Previous {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The replaced secret, redacted (`None` for a credential without one).
    pub token: Option<String>,
    /// When the replaced credential would have expired (ms), if it had an expiry.
    pub expires_at: Option<Millis>,
}

/// What was stored.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasteReport {
    /// The agent whose store received the token.
    pub agent: String,
    /// The file (or database) that now holds it.
    pub store: std::path::PathBuf,
    /// The profile written (`<provider>:manual` unless asked otherwise).
    pub profile_id: String,
    /// The provider, normalised as the gateway does.
    pub provider: String,
    /// `token` or `api_key`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The stored token, redacted (`sk-ant-oat01-…Ab12`).
    pub token: String,
    /// Expiry, if any.
    pub expires_at: Option<Millis>,
    /// Whether the expiry was assumed (setup-token, one year).
    pub expiry_assumed: bool,
    /// Whether anything changed.
    pub changed: bool,
    /// Who wrote the store.
    pub writer: Writer,
    /// Whether the config was updated.
    pub config_updated: bool,
    /// The replaced credential.
    pub previous: Option<Previous>,
    /// Whether the running gateway took up the new credential.
    pub reload: Reload,
    /// What Undo needs (the replaced record, secret): for a [`crate::vault::Vault`], never printed.
    #[serde(skip)]
    pub saved: crate::vault::SavedCredential,
}

/// When a pasted credential expires: `expires_in` from `now`, else a setup-token's year
/// (assumed: `true`), else never.
pub(crate) fn expiry(now: Millis, expires_in: Option<Millis>, shape: TokenShape) -> (Option<Millis>, bool) {
    match (expires_in, shape) {
        (Some(ms), _) => (Some(now + ms), false),
        (None, TokenShape::AnthropicSetupToken) => (Some(now + SETUP_TOKEN_LIFETIME_MS), true),
        (None, _) => (None, false),
    }
}

/// The credential object the gateway's own `paste-token` stores for a validated token.
pub(crate) fn record(valid: &token::ValidToken, provider: &str, expires_at: Option<Millis>) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("type".into(), valid.kind.as_str().into());
    record.insert("provider".into(), provider.into());
    match valid.kind {
        CredentialKind::ApiKey => record.insert("key".into(), valid.secret.expose().into()),
        // validate() makes nothing else of a pasted secret than an API key or a token.
        CredentialKind::Token | CredentialKind::OAuth => record.insert("token".into(), valid.secret.expose().into()),
    };
    if let Some(e) = expires_at {
        record.insert("expires".into(), Value::from(e));
    }
    record
}

/// What a paste found and did, gathered across its store write and its registration.
struct Pasted {
    /// The credential it replaced, as shown.
    previous: Option<Previous>,
    /// The credential it replaced, as stored (for Undo).
    previous_raw: Option<Map<String, Value>>,
    /// The config changes it made (for Undo).
    config_edits: Vec<ConfigEdit>,
    /// When the stored credential expires.
    expires_at: Option<Millis>,
}

/// Validates and stores a token.
pub fn paste(ctx: &Context, req: &PasteRequest) -> Result<PasteReport> {
    let provider = super::provider_word(&req.provider)?;
    let valid = token::validate(&provider, req.token.expose())?;
    let profile_id = validate_profile_id(req.profile_id.as_deref().unwrap_or(&format!("{provider}:manual")), &provider)?;
    if valid.kind == CredentialKind::ApiKey && req.expires_in.is_some() {
        return Err(Error::InvalidInput(format!("{} does not expire; --expires-in applies to tokens only", valid.shape.describe())));
    }
    let (expires_at, expiry_assumed) = expiry(ctx.now, req.expires_in, valid.shape);
    let agent = ctx.agent(req.agent.as_deref())?;
    let store = ctx.store(agent)?;
    let record = record(&valid, &provider, expires_at);
    let previous_of = |doc: &crate::gateway::StoreDoc| {
        let shown = doc.profile(&profile_id).map(|p| Previous {
            kind: p.credential.type_name().into(),
            token: p.credential.secret().map(token::redact),
            expires_at: p.credential.expires().ms(),
        });
        (shown, doc.raw_profile(&profile_id).cloned())
    };
    if store.writer() == Writer::Cli && valid.kind == CredentialKind::ApiKey {
        return Err(crate::gateway::edit::refuse_api_key(Generation::OpenclawSqlite.name(), valid.shape.describe()));
    }
    let register = |out: &mut Pasted, writer: Writer| -> Result<bool> {
        if writer == Writer::Cli {
            // The gateway's own paste-token registered the profile and computed the expiry from
            // its own clock: report what it did.
            out.expires_at = store.stored_expiry(&profile_id)?.or(expires_at);
            return Ok(super::newly_registered(ctx, &profile_id));
        }
        let watched = [path(&["auth", "profiles", &profile_id]), path(&["auth", "order", &provider])];
        GatewayConfig::update(&ctx.install.config.path, ctx.lock_timeout, |c| {
            let before: Vec<Option<Value>> = watched.iter().map(|p| c.value_at(p).cloned()).collect();
            // The direct SQLite writer stands in for the gateway's paste-token, which only lists
            // the profile; the JSON generations' registration also puts it first in a config order.
            let changed = match writer {
                Writer::Direct => c.ensure_listed(&profile_id, &provider, valid.kind.as_str()),
                _ => c.register_profile(&profile_id, &provider, valid.kind.as_str()),
            };
            for (p, before) in watched.iter().zip(before) {
                let after = c.value_at(p).cloned();
                if after != before {
                    out.config_edits.push(ConfigEdit { path: p.clone(), before, after });
                }
            }
            changed
        })
    };
    let written = ctx.edit(
        agent,
        &store,
        |doc| {
            let (previous, previous_raw) = previous_of(doc);
            // Like the gateway: the whole credential is replaced; fields it does not know are kept.
            let rec = with_extras(record.clone(), doc.raw_profile(&profile_id));
            let replaced = doc.profile(&profile_id).and_then(|p| p.credential.secret().map(str::to_string));
            let mut edits = vec![Edit::PutProfile { id: profile_id.clone(), record: rec, hard_expiry: false }];
            // A new secret starts clean: the old one's cooldown (after a 401, say) would
            // otherwise make the gateway refuse it too until the cooldown ends.
            if replaced.as_deref() != Some(valid.secret.expose()) {
                edits.push(Edit::ClearFailures { id: profile_id.clone() });
            }
            Ok((Pasted { previous, previous_raw, config_edits: Vec::new(), expires_at }, edits))
        },
        register,
    )?;
    let Pasted { previous, previous_raw, config_edits, expires_at } = written.out;
    let saved = crate::vault::SavedCredential {
        id: crate::vault::random_id()?,
        agent: agent.id.clone(),
        profile_id: profile_id.clone(),
        provider: provider.clone(),
        previous: previous_raw,
        pasted_sha256: crate::vault::fingerprint(valid.secret.expose()),
        saved_at: ctx.now,
        config_edits,
    };
    Ok(PasteReport {
        saved,
        agent: agent.id.clone(),
        store: store.path().to_path_buf(),
        profile_id,
        provider,
        kind: valid.kind.as_str(),
        token: valid.secret.redacted(),
        expires_at,
        expiry_assumed,
        changed: written.changed,
        writer: written.writer,
        config_updated: written.registered,
        previous,
        reload: written.reload,
    })
}
