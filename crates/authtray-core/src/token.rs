//! Tokens: recognising a provider from a token's shape, validating a pasted token, and
//! redacting secrets for display (`sk-ant-oat01-…Ab12`).
//!
//! Every message in this module describes a token without quoting it.

use crate::gateway::store::CredentialKind;
use std::fmt;

/// The Anthropic setup-token / OAuth access-token prefix.
pub(crate) const ANTHROPIC_OAT_PREFIX: &str = "sk-ant-oat01-";
/// The Anthropic OAuth refresh-token prefix: never a thing to paste into the gateway.
pub(crate) const ANTHROPIC_REFRESH_PREFIX: &str = "sk-ant-ort01-";
/// The Anthropic API key prefix.
pub(crate) const ANTHROPIC_API_PREFIX: &str = "sk-ant-api03-";
/// OpenRouter's API key prefix.
pub(crate) const OPENROUTER_PREFIX: &str = "sk-or-v1-";
/// The gateway's minimum length for an Anthropic setup-token.
pub(crate) const ANTHROPIC_OAT_MIN_LEN: usize = 80;

/// A string that must never be printed in full. `Debug` and `Display` show the redacted form.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for writing into a store. Never format this for people.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The redacted form, as shown to people.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: zero the bytes so the secret does not linger in freed memory.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&bytes);
    }
}

/// Below this many characters no string shows its tail: 4 characters would be a large part
/// of it, and any real secret without a known prefix is longer.
const TAIL_MIN_LEN: usize = 32;

/// Redacts a token for display: its well-known prefix, an ellipsis, and the last four
/// characters (`sk-ant-oat01-…Ab12`). The tail is shown only for what can be a whole token (at
/// least as long as its shape requires, and [`TAIL_MIN_LEN`]): the last characters of a token
/// cut off when copying are characters from the middle of the real one.
pub(crate) fn redact(token: &str) -> String {
    let t = token.trim();
    let n = t.chars().count();
    if n == 0 {
        return "(empty)".to_string();
    }
    let prefix = known_prefix(t).unwrap_or("");
    let whole = n >= min_len(TokenShape::of(t)).max(TAIL_MIN_LEN);
    let tail: String = if whole { t.chars().skip(n - 4).collect() } else { String::new() };
    format!("{prefix}…{tail}")
}

/// The fewest characters a whole token of this shape has (validation refuses fewer).
fn min_len(shape: TokenShape) -> usize {
    match shape {
        TokenShape::AnthropicSetupToken | TokenShape::AnthropicRefreshToken => ANTHROPIC_OAT_MIN_LEN,
        TokenShape::AnthropicApiKey => 90,
        TokenShape::OpenRouterKey => 40,
        TokenShape::OpenAiKey => 20,
        TokenShape::Unknown => 0,
    }
}

/// Redacts, in free text (another program's output), every run that looks like a token
/// (`sk-…`, 12+ characters) and every occurrence of the given secrets.
pub(crate) fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s, &redact(s));
    }
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("sk-") {
        result.push_str(&rest[..i]);
        let tail = &rest[i..];
        // Counted after the `sk-` just found, so every turn consumes at least those three bytes
        // and the loop ends whatever the character rule says.
        const START: usize = "sk-".len();
        let len = START + tail[START..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(tail.len() - START);
        // Only runs with a real body after their prefix: an already redacted `sk-ant-oat01-…`
        // or a short word like `sk-short` stays as it is.
        let body = len - known_prefix(&tail[..len]).map_or(0, str::len);
        if len >= 12 && body >= 8 {
            result.push_str(&redact(&tail[..len]));
        } else {
            result.push_str(&tail[..len]);
        }
        rest = &tail[len..];
    }
    result.push_str(rest);
    result
}

/// The conventional prefix of a token, kept visible when redacting.
fn known_prefix(t: &str) -> Option<&'static str> {
    const PREFIXES: [&str; 7] =
        [ANTHROPIC_OAT_PREFIX, ANTHROPIC_REFRESH_PREFIX, ANTHROPIC_API_PREFIX, OPENROUTER_PREFIX, "sk-proj-", "sk-svcacct-", "sk-"];
    PREFIXES.into_iter().find(|p| t.starts_with(p))
}

/// What a token's shape says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenShape {
    /// `sk-ant-oat01-…`: a `claude setup-token` token or a Claude Code access token.
    AnthropicSetupToken,
    /// `sk-ant-ort01-…`: a refresh token (never to be pasted).
    AnthropicRefreshToken,
    /// `sk-ant-api03-…`: an Anthropic Console API key.
    AnthropicApiKey,
    /// `sk-or-v1-…`: an OpenRouter key.
    OpenRouterKey,
    /// `sk-proj-…`, `sk-svcacct-…` or another `sk-…`: an OpenAI key.
    OpenAiKey,
    /// Nothing recognisable.
    Unknown,
}

impl TokenShape {
    /// Recognises a token by its prefix.
    pub(crate) fn of(token: &str) -> TokenShape {
        let t = token.trim();
        if t.starts_with(ANTHROPIC_OAT_PREFIX) {
            TokenShape::AnthropicSetupToken
        } else if t.starts_with(ANTHROPIC_REFRESH_PREFIX) {
            TokenShape::AnthropicRefreshToken
        } else if t.starts_with(ANTHROPIC_API_PREFIX) || t.starts_with("sk-ant-") {
            TokenShape::AnthropicApiKey
        } else if t.starts_with(OPENROUTER_PREFIX) {
            TokenShape::OpenRouterKey
        } else if t.starts_with("sk-") {
            TokenShape::OpenAiKey
        } else {
            TokenShape::Unknown
        }
    }

    /// The gateway provider this shape belongs to, if any.
    pub(crate) fn provider(self) -> Option<&'static str> {
        match self {
            TokenShape::AnthropicSetupToken | TokenShape::AnthropicApiKey => Some("anthropic"),
            TokenShape::OpenRouterKey => Some("openrouter"),
            TokenShape::OpenAiKey => Some("openai"),
            TokenShape::AnthropicRefreshToken | TokenShape::Unknown => None,
        }
    }

    /// A short name for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            TokenShape::AnthropicSetupToken => "an Anthropic setup-token",
            TokenShape::AnthropicRefreshToken => "an Anthropic refresh token",
            TokenShape::AnthropicApiKey => "an Anthropic API key",
            TokenShape::OpenRouterKey => "an OpenRouter API key",
            TokenShape::OpenAiKey => "an OpenAI API key",
            TokenShape::Unknown => "an unrecognised token",
        }
    }
}

/// A pasted token that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct ValidToken {
    /// The trimmed token.
    pub secret: Secret,
    /// What its shape says it is.
    pub shape: TokenShape,
    /// How the store should record it: an API key or a token, never an OAuth login.
    pub kind: CredentialKind,
}

/// Why a pasted token was refused. Messages never quote the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Nothing but white space.
    #[error("the token is empty: paste the whole token (for Anthropic, the line `claude setup-token` printed)")]
    Empty,

    /// Pasted text with words around it, none of which is a token.
    #[error("no token found in the pasted text: copy just the token (for Anthropic it starts with sk-ant-)")]
    NotFound,

    /// Pasted text holding more than one token: the first distinct ones, redacted. The search
    /// stops at the third, which the message then counts as "3 or more".
    #[error("the pasted text holds {} tokens ({}): paste only the one to save", if .0.len() > 2 { "3 or more" } else { "2" }, .0.join(", "))]
    Several(Vec<String>),
    /// Several lines, or spaces inside.
    #[error("the token contains {what} at character {position}: paste it as one line, without spaces")]
    Whitespace {
        /// "a line break" / "a space" / "a tab" / "an invisible character".
        what: &'static str,
        /// 1-based position in the trimmed token.
        position: usize,
    },
    /// Control or non-ASCII characters in a token that only uses [A-Za-z0-9_-].
    #[error("the token contains an unexpected character at position {position}: {shape_desc} only uses letters, digits, '-' and '_'")]
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// What the token looked like.
        shape_desc: &'static str,
    },
    /// A refresh token was pasted.
    #[error("this is an Anthropic refresh token (sk-ant-ort01-…), which the gateway must never hold: paste the setup-token printed by `claude setup-token` (it starts with sk-ant-oat01-)")]
    RefreshToken,
    /// The shape belongs to another provider.
    #[error(
        "this looks like {shape_desc}, not a credential for provider {provider:?}: choose provider {suggested} (--provider {suggested})"
    )]
    WrongProvider {
        /// The provider asked for.
        provider: String,
        /// What the token looks like.
        shape_desc: &'static str,
        /// The provider its shape belongs to.
        suggested: &'static str,
    },
    /// Not the expected prefix.
    #[error("a credential for provider {provider:?} starts with {expected}; this one does not (it looks like {shape_desc})")]
    WrongPrefix {
        /// The provider.
        provider: String,
        /// Accepted prefixes.
        expected: &'static str,
        /// What the token looks like.
        shape_desc: &'static str,
    },
    /// Too short, probably cut off when copying.
    #[error("the token is too short ({len} characters; {shape_desc} has at least {min}): was it cut off when copying?")]
    TooShort {
        /// Its length.
        len: usize,
        /// The minimum.
        min: usize,
        /// What the token looks like.
        shape_desc: &'static str,
    },
    /// Absurdly long.
    #[error("the token is {len} characters long, more than any credential ({max}): did you paste a whole file?")]
    TooLong {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// Pasted text too long to look through for a token.
    #[error(
        "the pasted text is {len} bytes long, more than the {max} bytes (1 MiB) authtray looks through for a token: copy just the token"
    )]
    TextTooLong {
        /// Its length in bytes.
        len: usize,
        /// The maximum, `MAX_PASTE_BYTES`.
        max: usize,
    },
}

const MAX_TOKEN_LEN: usize = 8192;

/// The most pasted text [`find_in_text`] looks through: far more than any terminal copy or
/// .env file, and little enough that the search is instant even on the UI's thread.
pub(crate) const MAX_PASTE_BYTES: usize = 1 << 20;

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Unicode format characters (category Cf): invisible, and what chat apps, web pages and
/// word processors slip into copied text (zero-width space U+200B, soft hyphen U+00AD, BOM).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{890}'..='\u{891}' | '\u{8e2}'
        | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{110bd}' | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}')
}

/// What trimming removes around a pasted token.
fn is_padding(c: char) -> bool {
    c.is_whitespace() || is_invisible(c)
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// How [`TokenError::Whitespace`] names a character that breaks a token.
fn describe_break(c: char) -> &'static str {
    match c {
        c if is_line_break(c) => "a line break",
        '\t' => "a tab",
        c if is_invisible(c) => "an invisible character",
        _ => "a space",
    }
}

/// Whether `after`, the text right after a token-like run, continues that run across one break
/// (a line wrap, a space, an invisible character): then the run is probably the first part of
/// a token that was cut, and taking it would store a truncated credential that validates.
/// Returns the break's first character. A break is white space and invisible characters with
/// at most one line break in them (a blank line separates, a wrap does not). What follows is
/// not a continuation when it is a token of its own (`sk-`, long enough to be one) or a name
/// being assigned or described (`NAME=`, `key:`), as in a .env file, YAML or JSON.
fn continuation_break(after: &str) -> Option<char> {
    let mut first = None;
    let mut lines = 0;
    let mut prev = ' ';
    for (i, c) in after.char_indices() {
        if is_token_char(c) {
            let brk = first?;
            let rest = &after[i..];
            let run = &rest[..rest.find(|c: char| !is_token_char(c)).unwrap_or(rest.len())];
            let own_token = run.starts_with("sk-") && run.len() >= MIN_CANDIDATE_LEN;
            let named = matches!(rest[run.len()..].chars().next(), Some('=' | ':'));
            return (!own_token && !named).then_some(brk);
        }
        if !is_padding(c) {
            return None;
        }
        first.get_or_insert(c);
        // CR LF is one line break.
        if is_line_break(c) && !(c == '\n' && prev == '\r') {
            lines += 1;
            if lines > 1 {
                return None;
            }
        }
        prev = c;
    }
    None
}

/// The shortest run [`find_in_text`] takes for a token: the shortest real credential is far
/// longer, and `sk-` alone in prose is not one.
const MIN_CANDIDATE_LEN: usize = 20;

/// Finds the one token in pasted text: a terminal copy with the lines around it, quotes,
/// `export ANTHROPIC_AUTH_TOKEN=…`, a JSON or .env line. Text that is a single word is returned
/// as it is, so that [`validate`] can say exactly what is wrong with it.
///
/// A token that a line wrap, a space or an invisible character cut in two is refused
/// ([`TokenError::Whitespace`]) rather than its first part taken, and text longer than
/// [`MAX_PASTE_BYTES`] is not searched. The search is linear in the text.
pub(crate) fn find_in_text(text: &str) -> Result<&str, TokenError> {
    if text.len() > MAX_PASTE_BYTES {
        return Err(TokenError::TextTooLong { len: text.len(), max: MAX_PASTE_BYTES });
    }
    let t = text.trim_matches(is_padding);
    if t.is_empty() || t.chars().all(is_token_char) {
        return Ok(t);
    }
    // Up to three distinct tokens: one is the answer, more are refused, and comparing with at
    // most two kept keeps the search linear however often a token repeats.
    let mut found: Vec<&str> = Vec::new();
    for word in t.split(|c: char| !is_token_char(c)) {
        if !(word.starts_with("sk-") && word.len() >= MIN_CANDIDATE_LEN) {
            continue;
        }
        // `word` is a slice of `t`, so its end is an offset into `t`.
        let end = word.as_ptr() as usize - t.as_ptr() as usize + word.len();
        if let Some(brk) = continuation_break(&t[end..]) {
            return Err(TokenError::Whitespace { what: describe_break(brk), position: word.chars().count() + 1 });
        }
        if !found.contains(&word) {
            found.push(word);
            if found.len() > 2 {
                break;
            }
        }
    }
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            // One line that holds a broken `sk-` token (a space inside, cut off): validation
            // names the problem; one quoted word likewise. Anything else holds no token.
            let unquoted = t.trim_matches(|c: char| matches!(c, '"' | '\'' | '`'));
            if !unquoted.contains('\n') && (unquoted.contains("sk-") || unquoted.chars().all(is_token_char)) {
                Ok(unquoted)
            } else {
                Err(TokenError::NotFound)
            }
        }
        many => Err(TokenError::Several(many.iter().map(|w| redact(w)).collect())),
    }
}

/// Validates a pasted token for `provider`, the way the gateway's `paste-token` would and a
/// little stricter, so that mistakes are caught with a useful message before anything is written.
///
/// The input is trimmed at both ends (white space and invisible characters); inside, either is
/// refused as [`TokenError::Whitespace`]. Known providers (`anthropic`, `openai`, `openrouter`)
/// check prefix, length and alphabet; other providers accept any non-empty single-line token.
pub(crate) fn validate(provider: &str, input: &str) -> Result<ValidToken, TokenError> {
    let t = input.trim_matches(is_padding);
    if t.is_empty() {
        return Err(TokenError::Empty);
    }
    if t.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong { len: t.len(), max: MAX_TOKEN_LEN });
    }
    // Invisible characters too: a provider without a known alphabet would otherwise store one
    // inside the token, and the gateway would then send a credential that is not the real one.
    if let Some((i, c)) = t.chars().enumerate().find(|&(_, c)| is_padding(c)) {
        return Err(TokenError::Whitespace { what: describe_break(c), position: i + 1 });
    }
    let shape = TokenShape::of(t);
    let provider_norm = provider.trim().to_ascii_lowercase();
    if shape == TokenShape::AnthropicRefreshToken {
        return Err(TokenError::RefreshToken);
    }
    let known = matches!(provider_norm.as_str(), "anthropic" | "openai" | "openrouter");
    if !known {
        if let Some((i, _)) = t.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(TokenError::BadCharacter { position: i + 1, shape_desc: "a token" });
        }
        return Ok(ValidToken { secret: Secret::new(t), shape, kind: CredentialKind::Token });
    }
    if let Some(sp) = shape.provider() {
        if sp != provider_norm {
            return Err(TokenError::WrongProvider { provider: provider_norm, shape_desc: shape.describe(), suggested: sp });
        }
    }
    let (expected, min, kind) = match provider_norm.as_str() {
        "anthropic" => match shape {
            TokenShape::AnthropicSetupToken => ("sk-ant-oat01-", min_len(shape), CredentialKind::Token),
            TokenShape::AnthropicApiKey => ("sk-ant-api03-", min_len(shape), CredentialKind::ApiKey),
            _ => ("sk-ant-oat01- (a setup-token) or sk-ant-api03- (an API key)", 0, CredentialKind::Token),
        },
        "openrouter" => ("sk-or-v1-", min_len(TokenShape::OpenRouterKey), CredentialKind::ApiKey),
        _ => ("sk-", min_len(TokenShape::OpenAiKey), CredentialKind::ApiKey),
    };
    if shape.provider() != Some(provider_norm.as_str()) {
        return Err(TokenError::WrongPrefix { provider: provider_norm, expected, shape_desc: shape.describe() });
    }
    if let Some((i, _)) = t.chars().enumerate().find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Err(TokenError::BadCharacter { position: i + 1, shape_desc: shape.describe() });
    }
    if t.len() < min {
        return Err(TokenError::TooShort { len: t.len(), min, shape_desc: shape.describe() });
    }
    Ok(ValidToken { secret: Secret::new(t), shape, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_one_token_in_what_surrounds_it() {
        let tok = format!("sk-ant-oat01-{}", "Ab12".repeat(20));
        for text in [
            tok.clone(),
            format!("  {tok}\n"),
            format!("\"{tok}\""),
            format!("'{tok}'"),
            format!("export ANTHROPIC_AUTH_TOKEN={tok}"),
            format!("ANTHROPIC_OAUTH_TOKEN=\"{tok}\"\n"),
            format!("$ claude setup-token\n✓ Long-lived authentication token created:\n\n{tok}\n\nStore this token securely.\n"),
            format!("{{\"token\": \"{tok}\"}}"),
            format!("{tok} {tok}"),
        ] {
            assert_eq!(find_in_text(&text), Ok(tok.as_str()), "{text:?}");
        }
        assert_eq!(find_in_text("hello there, no token here"), Err(TokenError::NotFound));
        let other = format!("sk-ant-oat01-{}", "Zz99".repeat(20));
        match find_in_text(&format!("A={tok}\nB={other}")) {
            Err(TokenError::Several(list)) => assert_eq!(list, [redact(&tok), redact(&other)]),
            r => panic!("{r:?}"),
        }
        // A single word goes to validation as it is, which says what is wrong with it.
        assert_eq!(find_in_text("sk-ant-oat01-short"), Ok("sk-ant-oat01-short"));
        assert_eq!(find_in_text("\"sk-ant-oat01-sh ort\""), Ok("sk-ant-oat01-sh ort"));
        assert_eq!(find_in_text("'hello-there'"), Ok("hello-there"));
        assert_eq!(find_in_text("line one\nsk-ant-oat01-short"), Err(TokenError::NotFound));
        assert_eq!(find_in_text("  "), Ok(""));
    }

    /// Whole tokens as they are issued: 108 characters, the full alphabet.
    fn whole_tokens() -> [String; 2] {
        let body: String = "aB3-xY_9Qz".chars().cycle().take(95).collect();
        [format!("{ANTHROPIC_OAT_PREFIX}{body}"), format!("{ANTHROPIC_API_PREFIX}{body}")]
    }

    #[test]
    fn a_token_cut_by_a_wrap_or_an_invisible_character_is_never_taken_in_part() {
        // (break, what the message calls it). Before the fix, a break at character 80 or later
        // left a first part that passed validation: stored, it replaced the working credential
        // and the gateway got 401s.
        let breaks = [
            ("\n", "a line break"),
            ("\r\n", "a line break"),
            (" ", "a space"),
            ("\u{200b}", "an invisible character"),
            ("\u{ad}", "an invisible character"),
            ("\u{a0}", "a space"),
        ];
        for tok in whole_tokens() {
            for (brk, what) in breaks {
                for at in [15, 40, 80, 100, 107] {
                    let cut = format!("{}{brk}{}", &tok[..at], &tok[at..]);
                    for text in [
                        cut.clone(),
                        format!("  {cut}\n"),
                        format!("export ANTHROPIC_AUTH_TOKEN=\"{cut}\""),
                        format!("{{\"token\": \"{cut}\"}}"),
                        format!("ANTHROPIC_AUTH_TOKEN={cut}\nOTHER=1\n"),
                    ] {
                        let found = find_in_text(&text);
                        // Never part of the token: whatever is taken must validate as the whole.
                        if let Ok(v) = found.clone().and_then(|t| validate("anthropic", t)) {
                            panic!("{what} at {at}: {:?} accepted from {text:?}", v.secret);
                        }
                        // Where the first part is long enough to pass for a token, the message
                        // names the break and its place.
                        if at >= MIN_CANDIDATE_LEN {
                            assert_eq!(found, Err(TokenError::Whitespace { what, position: at + 1 }), "{text:?}");
                        }
                    }
                }
            }
            // Invisible characters at the ends are not part of it; inside, never kept.
            assert_eq!(find_in_text(&format!("\u{200b}{tok}\u{ad}")), Ok(tok.as_str()));
            let inside = format!("{}\u{200b}{}", &tok[..50], &tok[50..]);
            assert_eq!(validate("mistral", &inside).unwrap_err(), TokenError::Whitespace { what: "an invisible character", position: 51 });
        }
    }

    #[test]
    fn what_follows_a_whole_token_on_the_next_line_is_no_continuation() {
        let [tok, key] = whole_tokens();
        for text in [
            format!("ANTHROPIC_AUTH_TOKEN={tok}\nANTHROPIC_BASE_URL=https://example.invalid\n"),
            format!("token: {tok}\nexpires: 2027-01-01\n"),
            format!("{tok}\n\nStore this token securely.\n"),
            format!("{tok}\n{tok}\n"),
            format!("{tok} # the tray's\n"),
        ] {
            assert_eq!(find_in_text(&text), Ok(tok.as_str()), "{text:?}");
        }
        // Another token on the next line is a second token, not a continuation.
        assert_eq!(find_in_text(&format!("{tok}\n{key}")), Err(TokenError::Several(vec![redact(&tok), redact(&key)])));
    }

    #[test]
    fn pasted_text_is_searched_up_to_a_mebibyte() {
        let tok = &whole_tokens()[0];
        // Issue #22: 1 MB took 3.2 s and 2 MB 12.2 s on the tray's main thread.
        let two_mb = format!("{tok}\n").repeat(2_000_000 / (tok.len() + 1));
        assert_eq!(find_in_text(&two_mb), Err(TokenError::TextTooLong { len: two_mb.len(), max: MAX_PASTE_BYTES }));
        let e = find_in_text(&two_mb).unwrap_err().to_string();
        assert!(e.contains("1 MiB") && !e.contains(tok.as_str()), "{e}");
        // Up to the cap, the one token repeated is found...
        let mut most = format!("{tok}\n").repeat(MAX_PASTE_BYTES / (tok.len() + 1));
        most.push_str(&" ".repeat(MAX_PASTE_BYTES - most.len()));
        assert_eq!(find_in_text(&most), Ok(tok.as_str()));
        // ...and among thousands of distinct ones the search stops at the third: the answer
        // needs no more, and keeping them all made it quadratic.
        let distinct: String = (0..9000).map(|i| format!("sk-ant-oat01-{i:0>95}\n")).collect();
        assert!(distinct.len() <= MAX_PASTE_BYTES);
        match find_in_text(&distinct) {
            Err(e @ TokenError::Several(_)) => {
                let TokenError::Several(list) = &e else { unreachable!() };
                assert_eq!(list.len(), 3);
                assert!(e.to_string().starts_with("the pasted text holds 3 or more tokens (sk-ant-oat01-…"), "{e}");
            }
            r => panic!("{r:?}"),
        }
    }

    fn oat(n: usize) -> String {
        format!("{ANTHROPIC_OAT_PREFIX}{}", "A".repeat(n))
    }

    #[test]
    fn redacts_with_prefix_and_tail() {
        let t = format!("{}Ab12", oat(76));
        assert_eq!(redact(&t), "sk-ant-oat01-…Ab12");
        assert_eq!(redact("sk-ant-api03-short"), "sk-ant-api03-…");
        assert_eq!(redact("abc"), "…");
        assert_eq!(redact(""), "(empty)");
        assert_eq!(redact("plain-secret-without-prefix-1234"), "…1234");
        let s = Secret::new(t.clone());
        assert!(!format!("{s:?} {s}").contains(&t));
    }

    #[test]
    fn cut_off_tokens_show_no_tail() {
        // Each is one character short of what a whole token of its shape has: its last four
        // characters would be four from the middle of the real token.
        let cases = [
            (oat(ANTHROPIC_OAT_MIN_LEN - 14), "sk-ant-oat01-…"),
            (format!("sk-ant-api03-{}", "B".repeat(90 - 14)), "sk-ant-api03-…"),
            (format!("sk-or-v1-{}", "d".repeat(40 - 10)), "sk-or-v1-…"),
            (format!("sk-proj-{}", "c".repeat(TAIL_MIN_LEN - 9)), "sk-proj-…"),
            ("x".repeat(TAIL_MIN_LEN - 1), "…"),
        ];
        for (cut, want) in &cases {
            assert_eq!(&redact(cut), want, "{} characters", cut.len());
            // One more character makes it whole: the tail shows.
            assert_eq!(redact(&format!("{cut}Z")), format!("{want}{}Z", &cut[cut.len() - 3..]), "{} characters", cut.len() + 1);
        }
        assert_eq!(redact_text(&format!("bad: {}!", oat(50)), &[]), "bad: sk-ant-oat01-…!");
    }

    #[test]
    fn redacts_tokens_inside_text() {
        let t = format!("{}WXYZ", oat(80));
        let text = format!("Error: bad token {t} (see sk-short) and secret hunter2x");
        let r = redact_text(&text, &["hunter2x"]);
        assert!(!r.contains(&t) && !r.contains("hunter2x"), "{r}");
        assert!(r.contains("sk-ant-oat01-…WXYZ") && r.contains("sk-short"), "{r}");
        assert_eq!(redact_text(&t, &[&t]), "sk-ant-oat01-…WXYZ");
    }

    #[test]
    fn a_secret_shows_itself_redacted_everywhere() {
        let t = format!("{}Ab12", oat(76));
        let s = Secret::new(t.clone());
        assert_eq!(s.expose(), t);
        assert_eq!(s.redacted(), "sk-ant-oat01-…Ab12");
        assert_eq!(format!("{s}"), "sk-ant-oat01-…Ab12");
        assert_eq!(format!("{s:?}"), "Secret(sk-ant-oat01-…Ab12)");
        assert_eq!(Secret::new("  ").redacted(), "(empty)");
    }

    #[test]
    fn shapes_providers_and_words() {
        // (token, shape, provider, description)
        let cases = [
            ("sk-ant-oat01-x", TokenShape::AnthropicSetupToken, Some("anthropic"), "an Anthropic setup-token"),
            ("sk-ant-ort01-x", TokenShape::AnthropicRefreshToken, None, "an Anthropic refresh token"),
            ("sk-ant-api03-x", TokenShape::AnthropicApiKey, Some("anthropic"), "an Anthropic API key"),
            ("sk-ant-admin01-x", TokenShape::AnthropicApiKey, Some("anthropic"), "an Anthropic API key"),
            ("sk-or-v1-x", TokenShape::OpenRouterKey, Some("openrouter"), "an OpenRouter API key"),
            ("sk-proj-x", TokenShape::OpenAiKey, Some("openai"), "an OpenAI API key"),
            ("sk-x", TokenShape::OpenAiKey, Some("openai"), "an OpenAI API key"),
            ("  sk-ant-oat01-x", TokenShape::AnthropicSetupToken, Some("anthropic"), "an Anthropic setup-token"),
            ("ghp_x", TokenShape::Unknown, None, "an unrecognised token"),
        ];
        for (t, shape, provider, words) in cases {
            assert_eq!((TokenShape::of(t), TokenShape::of(t).provider(), TokenShape::of(t).describe()), (shape, provider, words), "{t}");
        }
        assert_eq!((CredentialKind::ApiKey.as_str(), CredentialKind::Token.as_str()), ("api_key", "token"));
    }

    #[test]
    fn validation_at_every_length_limit() {
        // Exactly the minimum passes; one less is too short, with the numbers in the message.
        let cases = [
            ("anthropic", ANTHROPIC_OAT_PREFIX, ANTHROPIC_OAT_MIN_LEN),
            ("anthropic", ANTHROPIC_API_PREFIX, 90),
            ("openrouter", OPENROUTER_PREFIX, 40),
            ("openai", "sk-proj-", 20),
        ];
        for (provider, prefix, min) in cases {
            let at = format!("{prefix}{}", "a".repeat(min - prefix.len()));
            assert!(validate(provider, &at).is_ok(), "{provider} {min}");
            let short = &at[..min - 1];
            let e = validate(provider, short).unwrap_err();
            assert_eq!(e, TokenError::TooShort { len: min - 1, min, shape_desc: TokenShape::of(short).describe() });
            assert!(
                e.to_string().contains(&format!("({} characters;", min - 1)) && e.to_string().contains(&format!("at least {min}")),
                "{e}"
            );
        }
        let longest = format!("{ANTHROPIC_OAT_PREFIX}{}", "a".repeat(MAX_TOKEN_LEN - ANTHROPIC_OAT_PREFIX.len()));
        assert!(validate("anthropic", &longest).is_ok());
        assert_eq!(
            validate("anthropic", &format!("{longest}a")).unwrap_err(),
            TokenError::TooLong { len: MAX_TOKEN_LEN + 1, max: MAX_TOKEN_LEN }
        );
    }

    #[test]
    fn validation_messages_name_the_problem_and_the_place() {
        let o = oat(80);
        let cases: Vec<(String, &str, TokenError)> = vec![
            (format!("{}\t{}", &o[..20], &o[20..]), "anthropic", TokenError::Whitespace { what: "a tab", position: 21 }),
            (format!("{}\r{}", &o[..5], &o[5..]), "anthropic", TokenError::Whitespace { what: "a line break", position: 6 }),
            (format!("{} {}", &o[..1], &o[1..]), "anthropic", TokenError::Whitespace { what: "a space", position: 2 }),
            (format!("{}.", o), "anthropic", TokenError::BadCharacter { position: 94, shape_desc: "an Anthropic setup-token" }),
            ("a\u{7}b".into(), "mistral", TokenError::BadCharacter { position: 2, shape_desc: "a token" }),
            (
                format!("sk-or-v1-{}", "d".repeat(64)),
                "anthropic",
                TokenError::WrongProvider { provider: "anthropic".into(), shape_desc: "an OpenRouter API key", suggested: "openrouter" },
            ),
            (
                "plain-token-of-some-length-000000".into(),
                "openai",
                TokenError::WrongPrefix { provider: "openai".into(), expected: "sk-", shape_desc: "an unrecognised token" },
            ),
            (
                "plain-token-of-some-length-000000".into(),
                "openrouter",
                TokenError::WrongPrefix { provider: "openrouter".into(), expected: "sk-or-v1-", shape_desc: "an unrecognised token" },
            ),
            ("\u{feff}\n ".into(), "anthropic", TokenError::Empty),
        ];
        for (input, provider, want) in cases {
            assert_eq!(validate(provider, &input).unwrap_err(), want, "{provider} {input:?}");
        }
        // Providers are compared as the gateway normalises them; the trimmed token is kept.
        let v = validate(" Anthropic ", &format!("\u{feff} {o}\n")).unwrap();
        assert_eq!((v.secret.expose(), v.shape, v.kind), (o.as_str(), TokenShape::AnthropicSetupToken, CredentialKind::Token));
        let e = validate("openai", &o).unwrap_err().to_string();
        assert!(e.contains("choose provider anthropic (--provider anthropic)"), "{e}");
    }

    #[test]
    fn redaction_in_text_needs_a_real_body() {
        // (run, redacted?) — 12 characters and 8 after the prefix are the least that is redacted.
        let cases = [
            ("sk-abcdefgh", false),          // 11 characters
            ("sk-abcdefghi", true),          // 12, body 9
            ("sk-ant-oat01-abcdefg", false), // body 7
            ("sk-ant-oat01-abcdefgh", true), // body 8
            ("sk-ant-oat01-…", false),       // already redacted
        ];
        for (run, redacted) in cases {
            let out = redact_text(&format!("[{run}]"), &[]);
            assert_eq!(out != format!("[{run}]"), redacted, "{run}: {out}");
            if redacted {
                assert_eq!(out, format!("[{}]", redact(run)));
            }
        }
        // Several runs, and secrets given by value even without a prefix; short ones are left.
        let out = redact_text("a sk-abcdefghijkl b sk-zzzzzzzzzzzzz c hunter2 d abc", &["hunter2", "abc"]);
        assert_eq!(out, "a sk-… b sk-… c … d abc");
        // A run that ends the text.
        assert_eq!(redact_text("key: sk-abcdefghijklmnop", &[]), "key: sk-…");
        assert_eq!(redact_text("sk-", &[]), "sk-");
    }

    #[test]
    fn recognises_shapes() {
        assert_eq!(TokenShape::of(&oat(80)), TokenShape::AnthropicSetupToken);
        assert_eq!(TokenShape::of("sk-ant-ort01-x"), TokenShape::AnthropicRefreshToken);
        assert_eq!(TokenShape::of("sk-ant-api03-x"), TokenShape::AnthropicApiKey);
        assert_eq!(TokenShape::of("sk-or-v1-abc"), TokenShape::OpenRouterKey);
        assert_eq!(TokenShape::of("sk-proj-abc"), TokenShape::OpenAiKey);
        assert_eq!(TokenShape::of("ghp_abc"), TokenShape::Unknown);
    }

    #[test]
    fn validates_anthropic_setup_tokens() {
        let v = validate("anthropic", &format!("  {}\r\n", oat(80))).expect("valid");
        assert_eq!(v.kind, CredentialKind::Token);
        assert_eq!(v.secret.expose(), oat(80));
        assert!(matches!(validate("anthropic", &oat(20)), Err(TokenError::TooShort { min: 80, .. })));
        assert_eq!(validate("anthropic", &format!("sk-ant-ort01-{}", "R".repeat(80))).unwrap_err(), TokenError::RefreshToken);
        assert!(matches!(validate("anthropic", "hello-world-token-000000000000000000000"), Err(TokenError::WrongPrefix { .. })));
        assert!(matches!(
            validate("anthropic", &format!("{}\n{}", oat(40), "A".repeat(40))),
            Err(TokenError::Whitespace { what: "a line break", .. })
        ));
        assert!(matches!(validate("anthropic", &format!("{}é", oat(80))), Err(TokenError::BadCharacter { .. })));
        assert!(matches!(validate("openai", &oat(80)), Err(TokenError::WrongProvider { suggested: "anthropic", .. })));
    }

    #[test]
    fn api_keys_become_api_key_credentials() {
        let k = format!("sk-ant-api03-{}", "B".repeat(90));
        assert_eq!(validate("anthropic", &k).map(|v| v.kind), Ok(CredentialKind::ApiKey));
        assert_eq!(validate("openai", &format!("sk-proj-{}", "c".repeat(40))).map(|v| v.kind), Ok(CredentialKind::ApiKey));
        assert_eq!(validate("openrouter", &format!("sk-or-v1-{}", "d".repeat(64))).map(|v| v.kind), Ok(CredentialKind::ApiKey));
        assert!(matches!(validate("openrouter", "sk-or-v1-abc"), Err(TokenError::TooShort { .. })));
    }

    #[test]
    fn unknown_providers_take_any_single_line_token() {
        assert!(validate("mistral", "anything-goes").is_ok());
        assert_eq!(validate("mistral", "   ").unwrap_err(), TokenError::Empty);
        assert!(matches!(validate("mistral", "a b"), Err(TokenError::Whitespace { position: 2, .. })));
        assert!(matches!(validate("mistral", "a\u{0}b"), Err(TokenError::BadCharacter { .. })));
        assert!(matches!(validate("mistral", &"x".repeat(9000)), Err(TokenError::TooLong { .. })));
    }
}
