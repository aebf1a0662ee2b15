//! The gateway's config file (JSON5): reading what matters to auth, and the few edits authtray
//! makes (registering a profile), written back the way the gateway writes it.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::fsx;

/// How many rotating backups the gateway keeps (`.bak`, `.bak.1` … `.bak.4`).
const BACKUPS: usize = 5;

/// A loaded gateway config.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Where it is (or would be).
    pub path: PathBuf,
    /// Its content; an empty object when the file does not exist.
    pub value: Value,
    /// Whether the file exists.
    pub exists: bool,
}

/// One entry of the config's agent list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentEntry {
    /// The raw id.
    pub id: String,
    /// `agentDir`, when given.
    pub agent_dir: Option<String>,
    /// `default: true`.
    pub default: bool,
}

/// Where a newly registered profile goes in an existing `auth.order[provider]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderPlacement {
    /// Move it to the front (the gateway's `paste-token`).
    Front,
    /// Append it when missing (the mirror: it must be usable, not preferred).
    Append,
}

impl GatewayConfig {
    /// Reads and parses the config. A missing file is an empty config; a malformed one an error.
    pub fn load(path: &Path) -> Result<GatewayConfig> {
        let Some(bytes) = fsx::read_optional(path).map_err(|e| match e {
            Error::StoreParse { path, reason } => Error::ConfigParse { path, reason },
            other => other,
        })?
        else {
            return Ok(GatewayConfig { path: path.to_path_buf(), value: Value::Object(Map::new()), exists: false });
        };
        let text =
            String::from_utf8(bytes).map_err(|_| Error::ConfigParse { path: path.to_path_buf(), reason: "it is not UTF-8 text".into() })?;
        GatewayConfig::parse(path, &text)
    }

    /// Parses config text (JSON5) as if read from `path`. No input can exhaust the stack: a
    /// document nested deeper than 128 levels is an [`Error::ConfigParse`] naming `path`.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<GatewayConfig> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value = if text.trim().is_empty() { Value::Object(Map::new()) } else { parse_json5(path, text)? };
        if !value.is_object() {
            return Err(Error::ConfigParse { path: path.to_path_buf(), reason: "the top level is not an object".into() });
        }
        Ok(GatewayConfig { path: path.to_path_buf(), value, exists: true })
    }

    fn get(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }

    /// `meta.lastTouchedVersion`, stamped by every gateway config write.
    pub(crate) fn last_touched_version(&self) -> Option<&str> {
        self.get("/meta/lastTouchedVersion").and_then(Value::as_str)
    }

    /// The agents the config lists (`agents.list[]`, or the newer keyed `agents.entries`).
    pub(crate) fn agents(&self) -> Vec<AgentEntry> {
        let mut out = Vec::new();
        if let Some(list) = self.get("/agents/list").and_then(Value::as_array) {
            for a in list {
                if let Some(id) = a.get("id").and_then(Value::as_str) {
                    out.push(AgentEntry {
                        id: id.to_string(),
                        agent_dir: a.get("agentDir").and_then(Value::as_str).map(str::to_string),
                        default: a.get("default").and_then(Value::as_bool).unwrap_or(false),
                    });
                }
            }
        }
        if let Some(entries) = self.get("/agents/entries").and_then(Value::as_object) {
            for (id, a) in entries {
                out.push(AgentEntry {
                    id: a.get("id").and_then(Value::as_str).unwrap_or(id).to_string(),
                    agent_dir: a.get("agentDir").and_then(Value::as_str).map(str::to_string),
                    default: a.get("default").and_then(Value::as_bool).unwrap_or(false),
                });
            }
        }
        out
    }

    /// `auth.profiles`: the metadata filter (`{provider, mode}` per id).
    pub(crate) fn auth_profiles(&self) -> Option<&Map<String, Value>> {
        self.get("/auth/profiles").and_then(Value::as_object)
    }

    /// The ids `auth.profiles` lists for `provider`.
    pub(crate) fn listed_profiles(&self, provider: &str) -> Vec<String> {
        self.auth_profiles()
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.get("provider").and_then(Value::as_str).map(normalize_provider).as_deref() == Some(provider))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `mode` `auth.profiles` gives an id, if listed.
    pub(crate) fn listed_mode(&self, id: &str) -> Option<&str> {
        self.auth_profiles()?.get(id)?.get("mode").and_then(Value::as_str)
    }

    /// `auth.order[provider]`, the config-level order.
    pub(crate) fn auth_order(&self, provider: &str) -> Option<Vec<String>> {
        let order = self.get("/auth/order").and_then(Value::as_object)?;
        order
            .iter()
            .find(|(k, _)| normalize_provider(k) == provider)
            .and_then(|(_, v)| v.as_array())
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
    }

    /// The default model's and fallbacks' providers: the ones `--check` looks at.
    pub(crate) fn providers_in_use(&self, default_model: &str) -> Vec<String> {
        let model = self.get("/agents/defaults/model");
        let mut models: Vec<String> = Vec::new();
        match model {
            Some(Value::String(s)) => models.push(s.clone()),
            Some(Value::Object(o)) => {
                if let Some(p) = o.get("primary").and_then(Value::as_str) {
                    models.push(p.to_string());
                }
                if let Some(f) = o.get("fallbacks").and_then(Value::as_array) {
                    models.extend(f.iter().filter_map(Value::as_str).map(str::to_string));
                }
            }
            _ => {}
        }
        if models.is_empty() {
            models.push(default_model.to_string());
        }
        let mut providers: Vec<String> = models.iter().filter_map(|m| m.split_once('/').map(|(p, _)| normalize_provider(p))).collect();
        providers.sort();
        providers.dedup();
        providers
    }

    /// Whether the config uses `$include`, which authtray will not flatten by rewriting.
    pub(crate) fn uses_include(&self) -> bool {
        fn walk(v: &Value) -> bool {
            match v {
                Value::Object(m) => m.contains_key("$include") || m.values().any(walk),
                Value::Array(a) => a.iter().any(walk),
                _ => false,
            }
        }
        walk(&self.value)
    }

    /// Registers `id` in `auth.profiles` and moves it to the front of an existing
    /// `auth.order[provider]`, as the gateway's `paste-token` does. Returns whether anything
    /// changed. Does not write.
    pub(crate) fn register_profile(&mut self, id: &str, provider: &str, mode: &str) -> bool {
        let listed = self.ensure_listed(id, provider, mode);
        self.ensure_in_order(id, provider, OrderPlacement::Front) || listed
    }

    /// Makes `auth.profiles[id]` name `provider` and a mode compatible with `mode` (the
    /// gateway treats oauth and token as interchangeable for a listed id).
    pub(crate) fn ensure_listed(&mut self, id: &str, provider: &str, mode: &str) -> bool {
        let Some(profiles) = self.object_at(&["auth", "profiles"]) else { return false };
        let current = profiles.get(id).and_then(|p| p.get("mode")).and_then(Value::as_str).map(str::to_string);
        let want_mode = match current.as_deref() {
            Some(m @ ("oauth" | "token")) if mode == "oauth" || mode == "token" => m.to_string(),
            _ => mode.to_string(),
        };
        let entry = profiles.entry(id.to_string()).or_insert_with(|| Value::Object(Map::new()));
        let Some(e) = entry.as_object_mut() else { return false };
        let before = e.clone();
        e.insert("provider".into(), Value::String(provider.into()));
        e.insert("mode".into(), Value::String(want_mode));
        *e != before
    }

    /// Places `id` in `auth.order[provider]` when that list exists; never creates it.
    pub(crate) fn ensure_in_order(&mut self, id: &str, provider: &str, placement: OrderPlacement) -> bool {
        let Some(list) = self
            .value
            .pointer_mut("/auth/order")
            .and_then(Value::as_object_mut)
            .and_then(|o| o.get_mut(provider))
            .and_then(Value::as_array_mut)
        else {
            return false;
        };
        let present = list.iter().position(|v| v.as_str() == Some(id));
        match (placement, present) {
            (OrderPlacement::Front, Some(0)) | (OrderPlacement::Append, Some(_)) => return false,
            (OrderPlacement::Front, Some(i)) => {
                let v = list.remove(i);
                list.insert(0, v);
            }
            (OrderPlacement::Front, None) => list.insert(0, Value::String(id.into())),
            (OrderPlacement::Append, None) => list.push(Value::String(id.into())),
        }
        true
    }

    /// The value at a path of object keys, if there is one.
    pub(crate) fn value_at(&self, path: &[String]) -> Option<&Value> {
        path.iter().try_fold(&self.value, |v, k| v.as_object()?.get(k))
    }

    /// Sets (or, with `None`, removes) the value at a path of object keys, creating missing
    /// objects on the way; `false` when something that is not an object is in the way.
    pub(crate) fn set_value_at(&mut self, path: &[String], value: Option<Value>) -> bool {
        let Some((last, parents)) = path.split_last() else { return false };
        let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
        let Some(obj) = self.object_at(&parents) else { return false };
        match value {
            Some(v) => obj.insert(last.clone(), v),
            None => obj.remove(last),
        };
        true
    }

    /// The object at `path`, created (as empty objects) where missing; `None` when something
    /// that is not an object is in the way.
    fn object_at(&mut self, path: &[&str]) -> Option<&mut Map<String, Value>> {
        let mut cur = self.value.as_object_mut()?;
        for key in path {
            cur = cur.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new())).as_object_mut()?;
        }
        Some(cur)
    }

    /// Re-reads the config under its lock (`<config>.lock`, the pid-file protocol openclaw uses
    /// for it), lets `change` edit it, and writes it back when `change` says it changed.
    /// Concurrent writers therefore never undo each other's edits.
    pub(crate) fn update(path: &Path, timeout: std::time::Duration, change: impl FnOnce(&mut GatewayConfig) -> bool) -> Result<bool> {
        if let Some(dir) = path.parent() {
            fsx::ensure_dir(dir)?;
        }
        let _guard = super::lock::acquire(super::lock::LockKind::PidFile, path, timeout)?;
        // A crash between our temp write and the rename leaves a full copy of the config (and
        // its secrets) beside it; under the lock no live writer of ours owns one.
        fsx::remove_stale_temps(path);
        fsx::remove_stale_temps(&backup_path(&fsx::write_target(path)?, 0));
        let mut config = GatewayConfig::load(path)?;
        if !change(&mut config) {
            return Ok(false);
        }
        config.save()?;
        Ok(true)
    }

    /// Writes the config back as the gateway does: plain JSON, 2-space indent, via temp file
    /// and rename (0600), after rotating `<config>.bak` … `.bak.4`.
    pub(crate) fn save(&self) -> Result<()> {
        if self.uses_include() {
            return Err(Error::ConfigUnsupported {
                path: self.path.clone(),
                reason: "it uses $include, which a rewrite would flatten; add the profile with the gateway's own CLI instead".into(),
            });
        }
        let target = fsx::write_target(&self.path)?;
        if target.exists() {
            rotate_backups(&target)?;
        }
        let mut text = serde_json::to_string_pretty(&self.value).map_err(|e| Error::Internal(format!("cannot encode the config: {e}")))?;
        text.push('\n');
        fsx::write_atomic(&self.path, text.as_bytes())
    }
}

/// Deeper than any real config; JSON itself (serde_json) stops at 128.
const MAX_NESTING: usize = 128;

/// The most `{` and `[` a config may hold anywhere, strings and comments included. Their count
/// bounds the parser's recursion without any lexing, so the stack below holds whatever
/// [`nesting_depth`] might get wrong; no real config comes near it.
const MAX_BRACKETS: usize = 32 * 1024;

/// The stack the parser runs on: reserved, and only committed as it is used. json5 with
/// serde_json takes about 2.3 KiB a level unoptimised and 0.7 KiB optimised (measured); 8 KiB a
/// level leaves room for sanitizer and coverage builds.
const PARSER_STACK: usize = MAX_BRACKETS * 8 * 1024 + (1 << 20);

/// Parses JSON5 from `path` without any input being able to abort the process. The json5
/// crate recurses once per level and a stack overflow cannot be caught, so:
///
/// 1. [`nesting_depth`] refuses deep documents before parsing (the cheap, precise guard);
/// 2. in case it and the parser ever disagree about where strings end, the parser runs on a
///    thread whose stack holds [`MAX_BRACKETS`] levels, more brackets than that are refused
///    uncounted, and the parsed value's real depth is checked there too, so nothing deeper
///    than [`MAX_NESTING`] reaches code that walks it recursively (drop included).
///
/// Every refusal is an [`Error::ConfigParse`] naming `path`.
pub(crate) fn parse_json5(path: &Path, text: &str) -> Result<Value> {
    let err = |reason: String| Error::ConfigParse { path: path.to_path_buf(), reason };
    match nesting_depth(text) {
        Err(why) => return Err(err(why.to_string())),
        Ok(depth) if depth > MAX_NESTING => return Err(err(too_deep())),
        Ok(_) => {}
    }
    parse_bounded(text, MAX_NESTING).map_err(err)
}

fn too_deep() -> String {
    format!("it is nested more than {MAX_NESTING} levels deep")
}

/// The second line of defence alone: parses on the large stack and refuses values deeper than
/// `max_depth`. Errors are reasons, for [`Error::ConfigParse`].
fn parse_bounded(text: &str, max_depth: usize) -> std::result::Result<Value, String> {
    let brackets = count_brackets(text)?;
    // So few brackets nest no deeper than the limit, which any thread's stack holds.
    if brackets <= MAX_NESTING {
        return parse_here(text, max_depth);
    }
    match on_parser_stack(|| parse_here(text, max_depth)) {
        Ok(Ok(answer)) => answer,
        Ok(Err(_panic)) => Err("the JSON5 parser failed on it unexpectedly (see the log)".into()),
        Err(e) => Err(format!("authtray could not start a thread to parse it ({e})")),
    }
}

/// Every `{` and `[`, wherever it is; refused beyond what [`PARSER_STACK`] holds.
fn count_brackets(text: &str) -> std::result::Result<usize, String> {
    let brackets = text.bytes().filter(|b| matches!(b, b'{' | b'[')).count();
    if brackets > MAX_BRACKETS {
        return Err(format!("it holds {brackets} brackets, more than the {MAX_BRACKETS} authtray reads in a gateway config"));
    }
    Ok(brackets)
}

/// Parses on the current thread, which must hold as many levels as `text` has brackets.
fn parse_here(text: &str, max_depth: usize) -> std::result::Result<Value, String> {
    let value: Value = json5::from_str(text).map_err(|e| describe_json5_error(&e))?;
    // Dropped here when too deep: dropping a value recurses as deep as it is nested.
    if value_depth(&value) > max_depth {
        return Err(too_deep());
    }
    Ok(value)
}

/// Runs `f` on a thread with [`PARSER_STACK`], waiting for it: the outer error says the thread
/// could not start, the inner one that `f` panicked.
fn on_parser_stack<T: Send>(f: impl FnOnce() -> T + Send) -> std::io::Result<std::thread::Result<T>> {
    std::thread::scope(|s| {
        let thread = std::thread::Builder::new().name("json5-parse".into()).stack_size(PARSER_STACK).spawn_scoped(s, f)?;
        Ok(thread.join())
    })
}

/// How deeply arrays and objects nest in a value, counted as [`nesting_depth`] counts brackets.
fn value_depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(value_depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(value_depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Fuzzing invariant: wherever the parser accepts text, [`nesting_depth`] accepts it too and
/// counts at least the depth the parser built. A scanner that ends a string where the parser
/// does not (as with `\` before CR LF once) breaks it at any depth, so small inputs find it.
#[cfg(feature = "fuzzing")]
pub(crate) fn assert_scanner_bounds_parser(text: &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // All on the large stack: the value may be far deeper than the limit, and so is its drop.
    if count_brackets(text).is_err() {
        return;
    }
    let check = || {
        if let Ok(value) = parse_here(text, usize::MAX) {
            let depth = value_depth(&value);
            match nesting_depth(text) {
                Ok(s) if s >= depth => {}
                other => panic!("the nesting scanner says {other:?} where the parser built depth {depth}"),
            }
        }
    };
    match on_parser_stack(check) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => panic!("cannot start the parser thread: {e}"),
    }
}

/// The deepest bracket nesting outside strings and comments, following the json5 crate's
/// lexical rules exactly (`//` and `/* */` comments, `'` and `"` strings with escapes and line
/// continuations), so that no quote or bracket inside a comment or string can hide real nesting
/// from the count. Text that ends inside a string or a block comment is refused outright: the
/// parser would reject it anyway, and an unfinished construct is where a scanner and a parser
/// could disagree.
fn nesting_depth(text: &str) -> std::result::Result<usize, &'static str> {
    #[derive(Clone, Copy)]
    enum At {
        Code,
        Slash,
        LineComment,
        BlockComment,
        BlockStar,
        Str(char),
        Escape(char),
        // `\` CR: a following LF belongs to the same line continuation.
        EscapeCr(char),
    }
    let line_end = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    let in_string = |q: char, c: char| match c {
        '\\' => At::Escape(q),
        // A raw line break ends the string for the parser (an error); count what follows.
        c if c == q || line_end(c) => At::Code,
        _ => At::Str(q),
    };
    let (mut at, mut depth, mut max) = (At::Code, 0usize, 0usize);
    for c in text.chars() {
        at = match at {
            At::Slash if c == '/' => At::LineComment,
            At::Slash if c == '*' => At::BlockComment,
            // A lone `/` is a syntax error; the character after it is still code.
            At::Code | At::Slash => match c {
                '"' | '\'' => At::Str(c),
                '/' => At::Slash,
                '{' | '[' => {
                    depth += 1;
                    max = max.max(depth);
                    At::Code
                }
                '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    At::Code
                }
                _ => At::Code,
            },
            At::LineComment if line_end(c) => At::Code,
            At::LineComment => At::LineComment,
            At::BlockComment | At::BlockStar if c == '*' => At::BlockStar,
            At::BlockStar if c == '/' => At::Code,
            At::BlockComment | At::BlockStar => At::BlockComment,
            // Whatever follows a `\` is part of the string: an escaped character, the first of
            // a `\x`/`\u` escape's hex digits, or a line continuation (LF, CR, CR LF, U+2028,
            // U+2029). CR LF is the one continuation two characters long.
            At::Escape(q) if c == '\r' => At::EscapeCr(q),
            At::Escape(q) => At::Str(q),
            At::EscapeCr(q) if c == '\n' => At::Str(q),
            At::EscapeCr(q) | At::Str(q) => in_string(q, c),
        };
    }
    match at {
        At::Str(_) | At::Escape(_) | At::EscapeCr(_) => Err("a string is not closed"),
        At::BlockComment | At::BlockStar => Err("a /* comment is not closed"),
        _ => Ok(max),
    }
}

/// A JSON5 syntax error as position and expectation only: the parser's own message quotes the
/// offending line, and gateway configs hold secrets (channel tokens, API keys in `env`).
fn describe_json5_error(e: &json5::Error) -> String {
    let json5::Error::Message { msg, location } = e;
    let what = msg
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("= "))
        .filter(|w| w.starts_with("expected") || w.starts_with("unexpected"))
        .unwrap_or("invalid JSON5 syntax");
    match location {
        Some(l) => format!("{what} at line {}, column {}", l.line, l.column),
        None => what.to_string(),
    }
}

/// `<config>.bak` (`i` = 0) or `<config>.bak.<i>`.
fn backup_path(target: &Path, i: usize) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(if i == 0 { ".bak".to_string() } else { format!(".bak.{i}") });
    PathBuf::from(s)
}

fn rotate_backups(target: &Path) -> Result<()> {
    let bak = |i: usize| backup_path(target, i);
    for i in (1..BACKUPS).rev() {
        let from = bak(i - 1);
        if from.exists() {
            let _ = std::fs::rename(&from, bak(i));
        }
    }
    let bytes = std::fs::read(target).map_err(|e| Error::io("read", target, e))?;
    fsx::write_atomic(&bak(0), &bytes)
}

/// Normalises a provider id as the gateway does (trimmed, lower case).
pub fn normalize_provider(p: &str) -> String {
    p.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> (tempfile::TempDir, GatewayConfig) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("openclaw.json");
        std::fs::write(&p, text).unwrap();
        let c = GatewayConfig::load(&p).unwrap();
        (d, c)
    }

    #[test]
    fn reads_json5_with_comments_and_trailing_commas() {
        let (_d, c) = cfg("// hi\n{ meta: { lastTouchedVersion: '2026.5.28' }, agents: { list: [ { id: 'Work', default: true, }, ], }, }");
        assert_eq!(c.last_touched_version(), Some("2026.5.28"));
        assert_eq!(c.agents(), vec![AgentEntry { id: "Work".into(), agent_dir: None, default: true }]);
    }

    #[test]
    fn malformed_config_is_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("openclaw.json");
        std::fs::write(&p, "{ nope").unwrap();
        let e = GatewayConfig::load(&p).unwrap_err();
        assert!(e.to_string().contains("openclaw.json"), "{e}");
        std::fs::write(&p, "{\n  channels: { telegram: { token: \"SECRET-TG\" oops } },\n}").unwrap();
        let e = GatewayConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && !e.contains("SECRET"), "{e}");
        std::fs::write(&p, "[1,2]").unwrap();
        assert!(GatewayConfig::load(&p).is_err());
    }

    #[test]
    fn pathological_nesting_is_refused_not_a_crash() {
        let deep = format!("{{a:{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let e = GatewayConfig::parse(Path::new("c.json"), &deep).unwrap_err();
        assert!(e.to_string().contains("nested"), "{e}");
        assert!(GatewayConfig::parse(Path::new("c.json"), "{ a: '[[[[', b: \"{{{\" }").is_ok());
    }

    #[test]
    fn comments_cannot_hide_nesting() {
        // Each of these once made the scanner think the rest was a string; parsing 16,000
        // levels would then overflow the stack (abort, not an error) before the fix.
        let deep = format!("{}1{}", "[".repeat(16_000), "]".repeat(16_000));
        for head in ["{ // don't edit\n a: ", "{ /* it's \"mine\" */ a: ", "{ a: 'x\\'y', b: ", "{ a: \"\\\"\", b: "] {
            let e = GatewayConfig::parse(Path::new("c.json"), &format!("{head}{deep} }}")).unwrap_err();
            assert!(e.to_string().contains("nested more than 128"), "{head:?}: {e}");
        }
        // Unfinished strings and comments are refused before the parser sees them.
        for (text, why) in [("{ a: 'open [[[", "string is not closed"), ("{ /* open [[[", "comment is not closed")] {
            let e = GatewayConfig::parse(Path::new("c.json"), text).unwrap_err();
            assert!(e.to_string().contains(why), "{text:?}: {e}");
        }
        // What real configs hold still parses: brackets and quotes in comments and strings.
        let ok = "{ // it's [ fine\n /* \"{\" */ a: '[', b: \"it's ]\", c: [[1]], d: 'a\\\nb' }";
        assert_eq!(nesting_depth(ok), Ok(3));
        assert!(GatewayConfig::parse(Path::new("c.json"), ok).is_ok());
    }

    /// The input issue #22 reported: a `\` + CR LF line continuation inside a string, then
    /// `n` levels of real nesting, then a comment whose quote re-synchronised the old scanner.
    fn continuation_bomb(n: usize) -> String {
        format!("{{\"a\": \"x\\\r\n\", \"b\": {}{}}} // \"", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn line_continuations_cannot_hide_nesting() {
        // Before the fix the scanner ended the string at the LF and counted depth 1; 4,000
        // levels then overflowed the stack (an abort) in status, the tray, watch and serve.
        for n in [3000, 4000] {
            let text = continuation_bomb(n);
            assert_eq!(nesting_depth(&text), Ok(n + 1), "depth {n}");
            let e = GatewayConfig::parse(Path::new("/home/u/.openclaw/openclaw.json"), &text).unwrap_err();
            assert!(matches!(e, Error::ConfigParse { .. }), "{e}");
            let e = e.to_string();
            assert!(e.contains("/home/u/.openclaw/openclaw.json") && e.contains("nested more than 128"), "depth {n}: {e}");
        }
        // Every continuation JSON5 has, in both quotes; shallow, each is a valid string.
        for q in ['"', '\''] {
            for cont in ["\r\n", "\r", "\n", "\u{2028}", "\u{2029}"] {
                let shallow = format!("{{ a: {q}x\\{cont}y{q}, b: [[1]] }} // {q}");
                assert_eq!(nesting_depth(&shallow), Ok(3), "{shallow:?}");
                let c = GatewayConfig::parse(Path::new("c.json"), &shallow).unwrap_or_else(|e| panic!("{shallow:?}: {e}"));
                assert_eq!(c.value["b"], serde_json::json!([[1]]), "{shallow:?}");
                let deep = format!("{{ a: {q}x\\{cont}{q}, b: {}{} }} // {q}", "[".repeat(4000), "]".repeat(4000));
                let e = GatewayConfig::parse(Path::new("c.json"), &deep).unwrap_err().to_string();
                assert!(e.contains("nested more than 128"), "{cont:?}: {e}");
            }
        }
        // An escape of anything else is one character, even a quote or a bracket.
        assert_eq!(nesting_depth(r#"{ a: "\"[\\", b: '\'{', c: "\x5b\u005B" }"#), Ok(1));
    }

    #[test]
    fn the_parser_runs_where_no_depth_can_overflow_its_stack() {
        // The second line alone, as if the scanner had missed the nesting: deep documents are a
        // clean error, never an abort, and nothing deeper than the limit is returned.
        for n in [129, 4000, 30_000] {
            let deep = format!("{}1{}", "[".repeat(n), "]".repeat(n));
            assert_eq!(parse_bounded(&deep, MAX_NESTING), Err(too_deep()), "depth {n}");
        }
        let ok = format!("{{a:{}1{}}}", "[".repeat(127), "]".repeat(127));
        assert_eq!(value_depth(&parse_bounded(&ok, MAX_NESTING).unwrap()), 128);
        // Beyond what the stack is sized for, brackets are refused uncounted, strings included.
        let many = format!("{{ a: '{}' }}", "[".repeat(MAX_BRACKETS));
        let e = parse_bounded(&many, MAX_NESTING).unwrap_err();
        assert!(e.contains("brackets"), "{e}");
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("openclaw.json");
        std::fs::write(&p, &many).unwrap();
        let e = GatewayConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains(&p.display().to_string()) && e.contains("brackets"), "{e}");
    }

    #[test]
    fn registers_profiles_like_paste_token() {
        let (_d, mut c) = cfg(r#"{"auth":{"order":{"anthropic":["anthropic:a","anthropic:x"]}}}"#);
        assert!(c.register_profile("anthropic:x", "anthropic", "token"));
        assert_eq!(c.auth_order("anthropic").unwrap(), vec!["anthropic:x", "anthropic:a"]);
        assert_eq!(c.listed_mode("anthropic:x"), Some("token"));
        assert!(!c.register_profile("anthropic:x", "anthropic", "token"));
        assert!(c.ensure_in_order("anthropic:m", "anthropic", OrderPlacement::Append));
        assert_eq!(c.auth_order("anthropic").unwrap(), vec!["anthropic:x", "anthropic:a", "anthropic:m"]);
        assert!(!c.ensure_in_order("openai:m", "openai", OrderPlacement::Append));
    }

    #[test]
    fn save_keeps_backups_and_mode() {
        let (d, mut c) = cfg("{ a: 1 }");
        c.register_profile("openai:manual", "openai", "api_key");
        c.save().unwrap();
        c.save().unwrap();
        assert_eq!(std::fs::read_to_string(d.path().join("openclaw.json.bak.1")).unwrap(), "{ a: 1 }");
        assert_eq!(fsx::mode_of(&d.path().join("openclaw.json")), Some(0o600));
        let back = GatewayConfig::load(&d.path().join("openclaw.json")).unwrap();
        assert_eq!(back.listed_profiles("openai"), vec!["openai:manual"]);
    }

    #[test]
    fn temp_files_a_crash_left_are_removed_under_the_lock() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("openclaw.json");
        std::fs::write(&p, "{}").unwrap();
        let left = [d.path().join("openclaw.json.authtray-Xy12.tmp"), d.path().join("openclaw.json.bak.authtray-Zz99.tmp")];
        for l in &left {
            std::fs::write(l, r#"{"channels":{"telegram":{"token":"SECRET"}}}"#).unwrap();
        }
        let other = d.path().join("openclaw.json.1234.abcd.tmp");
        std::fs::write(&other, "the gateway's own").unwrap();
        GatewayConfig::update(&p, std::time::Duration::from_secs(2), |_| false).unwrap();
        for l in &left {
            assert!(!l.exists(), "{} is still there", l.display());
        }
        assert!(other.exists(), "a temp file that is not ours was removed");
    }

    #[test]
    fn providers_in_use_follow_the_default_model() {
        let (_d, c) = cfg(r#"{"agents":{"defaults":{"model":{"primary":"anthropic/claude-opus-4-5","fallbacks":["openai/gpt-5"]}}}}"#);
        assert_eq!(c.providers_in_use("openai/x"), vec!["anthropic", "openai"]);
        let (_d, c) = cfg("{}");
        assert_eq!(c.providers_in_use("openai/gpt-5.5"), vec!["openai"]);
    }
}
