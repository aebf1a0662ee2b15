//! Gateway calendar versions (`2026.1.24-3`, `OpenClaw 2026.5.28 (e932160)`) and the
//! thresholds at which the store format changed.

use super::lock::LockKind;
use super::Generation;

/// A calendar version `YYYY.M.D` with an optional suffix (`-3`, `-beta.5`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Version {
    /// `(year, month, day)`.
    #[serde(skip)]
    pub triple: (u32, u32, u32),
    /// As found.
    pub raw: String,
}

impl Version {
    /// Finds the first `YYYY.M.D[-suffix]` in a text such as a `--version` answer.
    pub(crate) fn find(text: &str) -> Option<Version> {
        text.split(|c: char| c.is_whitespace() || c == '(' || c == ')').find_map(|word| {
            let w = word.trim_start_matches('v');
            let (core, _suffix) = w.split_once('-').unwrap_or((w, ""));
            let parts: Vec<&str> = core.split('.').collect();
            if parts.len() != 3 || parts[0].len() != 4 {
                return None;
            }
            let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
            (n.len() == 3).then(|| Version { triple: (n[0], n[1], n[2]), raw: w.to_string() })
        })
    }

    /// The generation whose store this release writes. clawdbot's `-N` suffix is a rebuild
    /// number, so only the numeric triple is compared.
    pub(crate) fn generation(&self) -> Generation {
        if self.triple < (2026, 1, 29) {
            Generation::Clawdbot
        } else if self.triple < (2026, 6, 0) {
            Generation::OpenclawJson
        } else {
            Generation::OpenclawSqlite
        }
    }

    /// The lock protocol of this release's JSON store.
    pub(crate) fn lock_kind(&self) -> LockKind {
        if self.triple < (2026, 2, 13) {
            LockKind::Directory
        } else {
            LockKind::PidFile
        }
    }

    /// Whether `order`/`lastGood`/`usageStats` live in `auth-state.json` (2026.4.6+).
    pub(crate) fn order_in_state_file(&self) -> bool {
        self.triple >= (2026, 4, 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_answers() {
        let v = Version::find("2026.1.24-3\n").unwrap();
        assert_eq!(v.triple, (2026, 1, 24));
        assert_eq!(v.generation(), Generation::Clawdbot);
        assert_eq!(v.lock_kind(), LockKind::Directory);
        let v = Version::find("OpenClaw 2026.5.28 (e932160)").unwrap();
        assert_eq!(v.generation(), Generation::OpenclawJson);
        assert_eq!(v.lock_kind(), LockKind::PidFile);
        assert!(v.order_in_state_file());
        assert_eq!(Version::find("OpenClaw 2026.9.6 (eb377ac)").unwrap().generation(), Generation::OpenclawSqlite);
        assert!(!Version::find("2026.2.1").unwrap().order_in_state_file());
        assert_eq!(Version::find("2026.2.1").unwrap().lock_kind(), LockKind::Directory);
        assert!(Version::find("no version here 1.2").is_none());
    }
}
