//! The credential store documents shared by every generation (`{version, profiles, order,
//! lastGood, usageStats}`), parsed as the gateway parses them while keeping every field.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::clock::{Millis, MAX_JS_DATE_MS};
use crate::error::{Error, Result};
use crate::gateway::config::normalize_provider;
use crate::token::Secret;

/// An `expires` field as found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expires {
    /// Not present.
    Absent,
    /// A valid millisecond timestamp.
    Ms(Millis),
    /// Present but unusable (a string, zero, negative, too large); the text says what it is.
    Invalid(String),
}

impl Expires {
    fn from_value(v: Option<&Value>) -> Expires {
        match v {
            None | Some(Value::Null) => Expires::Absent,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() && f > 0.0 && f <= MAX_JS_DATE_MS as f64 => Expires::Ms(f as Millis),
                _ => Expires::Invalid(format!("the number {n}")),
            },
            Some(Value::String(_)) => Expires::Invalid("a string".into()),
            Some(other) => Expires::Invalid(format!("a {}", json_type(other))),
        }
    }

    /// The timestamp, when valid.
    pub(crate) fn ms(&self) -> Option<Millis> {
        match self {
            Expires::Ms(ms) => Some(*ms),
            _ => None,
        }
    }
}

/// The kinds of credential the gateway stores: one name for the store's `type`, the config's
/// `mode` and what a pasted token becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    /// `{"type":"api_key","key":…}`.
    ApiKey,
    /// `{"type":"token","token":…,"expires"?:…}`.
    Token,
    /// `{"type":"oauth","access":…,"refresh":…,"expires":…}`, refreshed by the gateway.
    OAuth,
}

impl CredentialKind {
    /// The store's `type` / config's `mode` word.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "api_key",
            CredentialKind::Token => "token",
            CredentialKind::OAuth => "oauth",
        }
    }

    /// The kind a `type` word names.
    pub(crate) fn from_type(word: &str) -> Option<CredentialKind> {
        [CredentialKind::ApiKey, CredentialKind::Token, CredentialKind::OAuth].into_iter().find(|k| k.as_str() == word)
    }
}

/// A credential as the gateway understands it. Secrets are kept as found (they are written
/// back unchanged) and never displayed except through [`crate::token::redact`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Credential {
    /// `api_key`.
    ApiKey {
        /// `key`, when a non-empty string.
        key: Option<Secret>,
    },
    /// `token`: a static bearer token, never refreshed.
    Token {
        /// `token`, when a non-empty string.
        token: Option<Secret>,
        /// `expires`.
        expires: Expires,
    },
    /// `oauth`: refreshed by the gateway itself.
    OAuth {
        /// `access`.
        access: Option<Secret>,
        /// `refresh`.
        refresh: Option<Secret>,
        /// `expires`.
        expires: Expires,
    },
}

impl Credential {
    /// Its kind.
    pub(crate) fn kind(&self) -> CredentialKind {
        match self {
            Credential::ApiKey { .. } => CredentialKind::ApiKey,
            Credential::Token { .. } => CredentialKind::Token,
            Credential::OAuth { .. } => CredentialKind::OAuth,
        }
    }

    /// The store's `type` word.
    pub(crate) fn type_name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The secret shown (redacted) to identify it.
    pub(crate) fn secret(&self) -> Option<&str> {
        match self {
            Credential::ApiKey { key } => key.as_ref(),
            Credential::Token { token, .. } => token.as_ref(),
            Credential::OAuth { access, .. } => access.as_ref(),
        }
        .map(Secret::expose)
    }

    /// `expires`, for expiring kinds.
    pub(crate) fn expires(&self) -> &Expires {
        match self {
            Credential::ApiKey { .. } => &Expires::Absent,
            Credential::Token { expires, .. } | Credential::OAuth { expires, .. } => expires,
        }
    }
}

/// A profile the gateway would load.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    /// `<provider>:<name>`.
    pub id: String,
    /// Normalised provider.
    pub provider: String,
    /// The credential.
    pub credential: Credential,
}

/// A profile entry the gateway silently ignores, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IgnoredProfile {
    /// Its id.
    pub id: String,
    /// Why the gateway skips it.
    pub reason: String,
}

/// An agent's store: `auth-profiles.json` and, in openclaw 2026.4.6+, `auth-state.json`.
/// Both documents are kept whole so that unknown fields survive a rewrite. `Debug` shows
/// profile ids only: the documents hold secrets.
#[derive(Clone, PartialEq, Default)]
pub(crate) struct StoreDoc {
    /// `auth-profiles.json`.
    pub profiles_doc: Map<String, Value>,
    /// `auth-state.json`, when present.
    pub state_doc: Option<Map<String, Value>>,
    /// Whether the gateway accepts the `mode`/`apiKey` aliases (openclaw ≈2026.4+).
    pub accepts_aliases: bool,
}

impl std::fmt::Debug for StoreDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&String> = self.raw_profiles().map(|m| m.keys().collect()).unwrap_or_default();
        f.debug_struct("StoreDoc").field("profiles", &ids).field("order", &self.order()).finish_non_exhaustive()
    }
}

impl StoreDoc {
    /// Parses the store files as found on disk (`None` = absent).
    pub(crate) fn parse(profiles_path: &Path, profiles: Option<&[u8]>, state_path: &Path, state: Option<&[u8]>) -> Result<StoreDoc> {
        let profiles_doc = match profiles {
            Some(b) => parse_object(profiles_path, b)?,
            None => new_doc(),
        };
        let state_doc = state.map(|b| parse_object(state_path, b)).transpose()?;
        Ok(StoreDoc { profiles_doc, state_doc, accepts_aliases: false })
    }

    fn raw_profiles(&self) -> Option<&Map<String, Value>> {
        self.profiles_doc.get("profiles").and_then(Value::as_object)
    }

    /// The raw JSON object of a profile.
    pub(crate) fn raw_profile(&self, id: &str) -> Option<&Map<String, Value>> {
        self.raw_profiles()?.get(id)?.as_object()
    }

    /// Every profile the gateway would load, in file order.
    pub(crate) fn profiles(&self) -> Vec<Profile> {
        self.raw_profiles().map(|m| m.iter().filter_map(|(id, v)| self.interpret(id, v).ok()).collect()).unwrap_or_default()
    }

    /// One loaded profile by id.
    pub(crate) fn profile(&self, id: &str) -> Option<Profile> {
        self.raw_profiles()?.get(id).and_then(|v| self.interpret(id, v).ok())
    }

    /// Entries the gateway silently drops, with the reason.
    pub(crate) fn ignored_profiles(&self) -> Vec<IgnoredProfile> {
        self.raw_profiles()
            .map(|m| {
                m.iter().filter_map(|(id, v)| self.interpret(id, v).err().map(|reason| IgnoredProfile { id: id.clone(), reason })).collect()
            })
            .unwrap_or_default()
    }

    fn interpret(&self, id: &str, v: &Value) -> std::result::Result<Profile, String> {
        let o = v.as_object().ok_or_else(|| format!("it is {} instead of an object", json_type(v)))?;
        let ty = o
            .get("type")
            .or_else(|| if self.accepts_aliases { o.get("mode") } else { None })
            .and_then(Value::as_str)
            .ok_or("it has no \"type\"")?;
        let provider = o.get("provider").and_then(Value::as_str).filter(|p| !p.trim().is_empty()).ok_or("it has no \"provider\"")?;
        let s = |k: &str| o.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(Secret::new);
        let credential = match CredentialKind::from_type(ty) {
            Some(CredentialKind::ApiKey) => {
                Credential::ApiKey { key: s("key").or_else(|| if self.accepts_aliases { s("apiKey") } else { None }) }
            }
            Some(CredentialKind::Token) => Credential::Token { token: s("token"), expires: Expires::from_value(o.get("expires")) },
            Some(CredentialKind::OAuth) => {
                Credential::OAuth { access: s("access"), refresh: s("refresh"), expires: Expires::from_value(o.get("expires")) }
            }
            None => return Err(format!("its type {ty:?} is not api_key, token or oauth")),
        };
        Ok(Profile { id: id.to_string(), provider: normalize_provider(provider), credential })
    }

    /// Inserts or replaces a profile's raw object.
    pub(crate) fn set_raw_profile(&mut self, id: &str, value: Map<String, Value>) {
        let profiles = self.profiles_doc.entry("profiles").or_insert_with(|| Value::Object(Map::new()));
        if !profiles.is_object() {
            *profiles = Value::Object(Map::new());
        }
        if let Some(p) = profiles.as_object_mut() {
            p.insert(id.to_string(), Value::Object(value));
        }
    }

    /// Removes a profile and its id from every order list (undoing a paste that added it).
    pub(crate) fn remove_raw_profile(&mut self, id: &str) {
        if let Some(p) = self.profiles_doc.get_mut("profiles").and_then(Value::as_object_mut) {
            p.shift_remove(id);
        }
        for doc in [Some(&mut self.profiles_doc), self.state_doc.as_mut()].into_iter().flatten() {
            if let Some(order) = doc.get_mut("order").and_then(Value::as_object_mut) {
                for ids in order.values_mut().filter_map(Value::as_array_mut) {
                    ids.retain(|v| v.as_str() != Some(id));
                }
            }
        }
    }

    /// The per-agent order overrides: `auth-state.json` wins over inline, key by key.
    pub(crate) fn order(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for doc in [Some(&self.profiles_doc), self.state_doc.as_ref()].into_iter().flatten() {
            if let Some(order) = doc.get("order").and_then(Value::as_object) {
                for (provider, ids) in order {
                    if let Some(ids) = ids.as_array() {
                        out.insert(normalize_provider(provider), ids.iter().filter_map(Value::as_str).map(str::to_string).collect());
                    }
                }
            }
        }
        out
    }

    /// Sets (`Some`) or clears (`None`) the order override for `provider`, inline or in
    /// `auth-state.json`. An inline entry is removed when the state file takes over, as the
    /// gateway does on its next save.
    pub(crate) fn set_order(&mut self, provider: &str, ids: Option<Vec<String>>, in_state_file: bool) {
        if in_state_file {
            remove_order_entry(&mut self.profiles_doc, provider);
            let state = self.state_doc.get_or_insert_with(new_state_doc);
            match ids {
                Some(ids) => set_order_entry(state, provider, ids),
                None => remove_order_entry(state, provider),
            }
        } else {
            match ids {
                Some(ids) => set_order_entry(&mut self.profiles_doc, provider, ids),
                None => remove_order_entry(&mut self.profiles_doc, provider),
            }
        }
    }

    /// `usageStats[id]`, as stored.
    pub(crate) fn usage_stats(&self, id: &str) -> Option<&Map<String, Value>> {
        for doc in [self.state_doc.as_ref(), Some(&self.profiles_doc)].into_iter().flatten() {
            if let Some(s) = doc.get("usageStats").and_then(|u| u.get(id)).and_then(Value::as_object) {
                return Some(s);
            }
        }
        None
    }

    /// Forgets the failures a profile's previous credential caused (`cooldownUntil` and its
    /// reason, an auth-caused `disabledUntil`, `errorCount`, `failureCounts`, `lastFailureAt`),
    /// wherever the usage stats live; `lastUsed` stays. Called when the credential is replaced:
    /// the gateway would otherwise keep refusing the new one until the old one's cooldown ends.
    /// Returns whether anything was cleared.
    pub(crate) fn clear_failures(&mut self, id: &str) -> bool {
        const FAILURE_KEYS: [&str; 6] =
            ["cooldownUntil", "cooldownReason", "cooldownModel", "errorCount", "failureCounts", "lastFailureAt"];
        let mut cleared = false;
        for doc in [Some(&mut self.profiles_doc), self.state_doc.as_mut()].into_iter().flatten() {
            let Some(stats) = doc.get_mut("usageStats").and_then(|u| u.get_mut(id)).and_then(Value::as_object_mut) else { continue };
            for key in FAILURE_KEYS {
                cleared |= stats.shift_remove(key).is_some();
            }
            let auth_disabled = stats.get("disabledReason").and_then(Value::as_str).is_some_and(|r| r.starts_with("auth"));
            if auth_disabled {
                stats.shift_remove("disabledUntil");
                stats.shift_remove("disabledReason");
                cleared = true;
            }
        }
        cleared
    }

    /// Puts a profile back in service: clears its cooldown and its disabled state (any reason)
    /// with the failure counts behind them, wherever the usage stats live; `lastUsed` stays.
    /// Returns whether anything was cleared.
    pub(crate) fn clear_rest(&mut self, id: &str) -> bool {
        const REST_KEYS: [&str; 8] = [
            "cooldownUntil",
            "cooldownReason",
            "cooldownModel",
            "disabledUntil",
            "disabledReason",
            "errorCount",
            "failureCounts",
            "lastFailureAt",
        ];
        let mut cleared = false;
        for doc in [Some(&mut self.profiles_doc), self.state_doc.as_mut()].into_iter().flatten() {
            let Some(stats) = doc.get_mut("usageStats").and_then(|u| u.get_mut(id)).and_then(Value::as_object_mut) else { continue };
            for key in REST_KEYS {
                cleared |= stats.shift_remove(key).is_some();
            }
        }
        cleared
    }

    /// Whether `auth-state.json` holds nothing but its version (the gateway deletes it then).
    pub(crate) fn state_is_empty(&self) -> bool {
        self.state_doc.as_ref().is_none_or(|s| s.keys().all(|k| k == "version"))
    }
}

fn set_order_entry(doc: &mut Map<String, Value>, provider: &str, ids: Vec<String>) {
    let order = doc.entry("order").or_insert_with(|| Value::Object(Map::new()));
    if !order.is_object() {
        *order = Value::Object(Map::new());
    }
    if let Some(o) = order.as_object_mut() {
        o.insert(provider.to_string(), Value::Array(ids.into_iter().map(Value::String).collect()));
    }
}

fn remove_order_entry(doc: &mut Map<String, Value>, provider: &str) {
    if let Some(o) = doc.get_mut("order").and_then(Value::as_object_mut) {
        o.retain(|k, _| normalize_provider(k) != provider);
        if o.is_empty() {
            doc.remove("order");
        }
    }
}

fn new_doc() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("version".into(), Value::from(1));
    m.insert("profiles".into(), Value::Object(Map::new()));
    m
}

fn new_state_doc() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("version".into(), Value::from(1));
    m
}

/// Strict JSON, as `JSON.parse` reads it; anything else is a [`Error::StoreParse`].
fn parse_object(path: &Path, bytes: &[u8]) -> Result<Map<String, Value>> {
    let err = |reason: String| Error::StoreParse { path: path.to_path_buf(), reason };
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(err("it starts with a byte-order mark, which the gateway's JSON.parse rejects".into()));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(err("the file is empty".into()));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| err(format!("{e}")))?;
    let Value::Object(m) = v else {
        return Err(err(format!("the top level is {}, not an object", json_type(&v))));
    };
    for key in ["profiles", "order", "lastGood", "usageStats"] {
        if let Some(other) = m.get(key).filter(|v| !v.is_object()) {
            return Err(err(format!("\"{key}\" is {}, not an object", json_type(other))));
        }
    }
    Ok(m)
}

/// "a string", "an array" … for messages.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Fields that make up a credential; everything else on a profile is the user's and is kept.
const CREDENTIAL_FIELDS: [&str; 9] = ["type", "mode", "provider", "token", "access", "refresh", "key", "apiKey", "expires"];

/// A new credential `record` carrying over the non-credential fields of the `stored` profile,
/// so that replacing a credential never drops what others keep beside it.
pub(crate) fn with_extras(mut record: Map<String, Value>, stored: Option<&Map<String, Value>>) -> Map<String, Value> {
    for (k, v) in stored.into_iter().flatten() {
        if !CREDENTIAL_FIELDS.contains(&k.as_str()) && !record.contains_key(k) {
            record.insert(k.clone(), v.clone());
        }
    }
    record
}

/// Whether a stored profile holds exactly this credential (extra fields aside).
pub(crate) fn same_credential(record: &Map<String, Value>, stored: &Map<String, Value>) -> bool {
    CREDENTIAL_FIELDS.iter().all(|k| *k == "mode" || record.get(*k) == stored.get(*k))
}

/// Serialises a document as the gateway does: `JSON.stringify(doc, null, 2) + "\n"`.
pub(crate) fn to_gateway_json(doc: &Map<String, Value>) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Result<StoreDoc> {
        StoreDoc::parse(Path::new("p.json"), Some(text.as_bytes()), Path::new("s.json"), None)
    }

    #[test]
    fn loads_profiles_like_the_gateway() {
        let d = doc(r#"{"version":1,"profiles":{
            "a:t":{"type":"token","provider":"Anthropic","token":"x","expires":1795349939489,"extra":1},
            "a:k":{"type":"api_key","provider":"anthropic","key":"k"},
            "a:o":{"type":"oauth","provider":"anthropic","access":"a","refresh":"r","expires":"soon"},
            "bad1":{"type":"token"},
            "bad2":{"type":"password","provider":"x"},
            "bad3":"str"}}"#)
        .unwrap();
        let p = d.profiles();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].provider, "anthropic");
        assert_eq!(p[0].credential.expires(), &Expires::Ms(1795349939489));
        assert!(matches!(p[2].credential.expires(), Expires::Invalid(_)));
        let ignored: Vec<_> = d.ignored_profiles().into_iter().map(|i| i.id).collect();
        assert_eq!(ignored, vec!["bad1", "bad2", "bad3"]);
    }

    #[test]
    fn refuses_what_json_parse_would_not_take() {
        for bad in ["", "{\"profiles\":{},}", "\u{feff}{}", "[]", "{\"profiles\":[]}", "{\"order\":5}", "{\"a\":1} x"] {
            let e = doc(bad).unwrap_err();
            assert!(matches!(e, Error::StoreParse { .. }), "{bad:?}: {e}");
        }
    }

    #[test]
    fn order_state_file_overrides_inline_and_clears() {
        let mut d = StoreDoc::parse(
            Path::new("p"),
            Some(br#"{"version":1,"profiles":{},"order":{"anthropic":["x"],"openai":["o"]}}"#),
            Path::new("s"),
            Some(br#"{"version":1,"order":{"anthropic":["y"]}}"#),
        )
        .unwrap();
        assert_eq!(d.order()["anthropic"], vec!["y"]);
        assert_eq!(d.order()["openai"], vec!["o"]);
        d.set_order("anthropic", None, true);
        assert!(d.state_is_empty());
        assert!(!d.order().contains_key("anthropic"));
    }

    #[test]
    fn replacing_a_credential_forgets_its_failures_only() {
        let profiles = br#"{"version":1,"profiles":{"a:x":{"type":"token","provider":"a","token":"t"}},
            "usageStats":{"a:x":{"lastUsed":5,"errorCount":2,"cooldownUntil":9,"failureCounts":{"auth":2}}}}"#;
        let state = br#"{"version":1,"usageStats":{"a:x":{"lastUsed":6,"cooldownUntil":9,"cooldownReason":"auth","lastFailureAt":8,
            "disabledUntil":99,"disabledReason":"auth_permanent"},"a:y":{"cooldownUntil":9}}}"#;
        let mut d = StoreDoc::parse(Path::new("p"), Some(profiles), Path::new("s"), Some(state)).unwrap();
        assert!(d.clear_failures("a:x"));
        assert_eq!(d.profiles_doc["usageStats"]["a:x"], serde_json::json!({"lastUsed": 5}));
        let st = d.state_doc.as_ref().unwrap();
        assert_eq!(st["usageStats"]["a:x"], serde_json::json!({"lastUsed": 6}));
        assert_eq!(st["usageStats"]["a:y"], serde_json::json!({"cooldownUntil": 9}), "another profile's state is its own");
        assert!(!d.clear_failures("a:x"), "nothing left to clear");
        // A billing disable is not the credential's fault: it stays.
        let state = br#"{"version":1,"usageStats":{"a:x":{"disabledUntil":99,"disabledReason":"billing"}}}"#;
        let mut d = StoreDoc::parse(Path::new("p"), Some(profiles), Path::new("s"), Some(state)).unwrap();
        d.clear_failures("a:x");
        assert_eq!(
            d.state_doc.as_ref().unwrap()["usageStats"]["a:x"],
            serde_json::json!({"disabledUntil": 99, "disabledReason": "billing"})
        );
    }

    #[test]
    fn serialises_like_json_stringify() {
        let d = doc(r#"{"version":1,"profiles":{"a:b":{"type":"token","provider":"a","token":"t"}},"zz":[1,{}]}"#).unwrap();
        let out = String::from_utf8(to_gateway_json(&d.profiles_doc)).unwrap();
        assert_eq!(
            out,
            "{\n  \"version\": 1,\n  \"profiles\": {\n    \"a:b\": {\n      \"type\": \"token\",\n      \"provider\": \"a\",\n      \"token\": \"t\"\n    }\n  },\n  \"zz\": [\n    1,\n    {}\n  ]\n}\n"
        );
    }
}
