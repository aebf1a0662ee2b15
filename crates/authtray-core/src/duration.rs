//! Human durations (`12h`, `365d`, `1h30m`) as the gateway's `--expires-in` reads them,
//! and the short renderings shown to people (`7 h 59 min`).

use crate::clock::Millis;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing was given.
    #[error("the duration is empty; write it like 12h, 30m, 365d or 1y")]
    Empty,
    /// A unit the parser does not know, or garbage.
    #[error("cannot read duration {input:?}: {why}; write it like 12h, 30m, 365d or 1y (a bare number means days)")]
    Invalid {
        /// What the user wrote.
        input: String,
        /// What is wrong with it.
        why: String,
    },
    /// Zero, or so large it overflows.
    #[error("duration {input:?} is out of range: it must be more than zero and less than 100 years")]
    OutOfRange {
        /// What the user wrote.
        input: String,
    },
}

/// Parses a duration into milliseconds.
///
/// Accepts one or more `<number><unit>` parts (`ms`, `s`, `m`, `h`, `d`, `w`, `y` = 365 d, also
/// spelled out: `min`, `hours`, `days` …); a bare number means days, as in the gateway's
/// `--expires-in`.
pub fn parse(input: &str) -> Result<Millis, DurationError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    let invalid = |why: &str| DurationError::Invalid { input: s.to_string(), why: why.to_string() };
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let days: i64 = s.parse().map_err(|_| invalid("the number is too large"))?;
        return check_range(s, days.checked_mul(DAY));
    }
    let mut total: Millis = 0;
    let mut rest = s;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err(invalid("expected a number before each unit"));
        }
        let value: i64 = rest[..digits].parse().map_err(|_| invalid("the number is too large"))?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if unit_len == 0 {
            return Err(invalid("a number needs a unit when there are several parts"));
        }
        let unit = rest[..unit_len].to_ascii_lowercase();
        rest = &rest[unit_len..];
        let scale = match unit.as_str() {
            "ms" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" => 1000,
            "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
            "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
            "d" | "day" | "days" => DAY,
            "w" | "week" | "weeks" => 7 * DAY,
            "y" | "yr" | "year" | "years" => 365 * DAY,
            other => return Err(invalid(&format!("unknown unit {other:?}"))),
        };
        let part = value.checked_mul(scale);
        total = match part.and_then(|p| total.checked_add(p)) {
            Some(t) => t,
            None => return Err(DurationError::OutOfRange { input: s.to_string() }),
        };
    }
    check_range(s, Some(total))
}

fn check_range(input: &str, ms: Option<Millis>) -> Result<Millis, DurationError> {
    match ms {
        Some(ms) if ms > 0 && ms < 100 * 365 * DAY => Ok(ms),
        _ => Err(DurationError::OutOfRange { input: input.to_string() }),
    }
}

/// A short human rendering of a span: `42 min`, `7 h 59 min`, `6 d 3 h`, `less than a minute`.
pub fn humanize(ms: Millis) -> String {
    let ms = ms.abs();
    if ms < MINUTE {
        return "less than a minute".to_string();
    }
    let days = ms / DAY;
    let hours = (ms % DAY) / HOUR;
    let minutes = (ms % HOUR) / MINUTE;
    match (days, hours, minutes) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// "expires in 7 h 59 min" / "expired 3 min ago", relative to `now`.
pub fn describe_expiry(expires_at: Millis, now: Millis) -> String {
    if expires_at > now {
        format!("expires in {}", humanize(expires_at - now))
    } else {
        format!("expired {} ago", humanize(now - expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_bare_days() {
        assert_eq!(parse("12h"), Ok(12 * HOUR));
        assert_eq!(parse("365d"), Ok(365 * DAY));
        assert_eq!(parse("1y"), Ok(365 * DAY));
        assert_eq!(parse("30"), Ok(30 * DAY));
        assert_eq!(parse("1h30m"), Ok(HOUR + 30 * MINUTE));
        assert_eq!(parse(" 2 weeks "), Ok(14 * DAY));
        assert_eq!(parse("90s"), Ok(90_000));
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert!(matches!(parse("abc"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse("12x"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse("1h30"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse("0h"), Err(DurationError::OutOfRange { .. })));
        assert!(matches!(parse("-5h"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse("99999999999999999999d"), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse("200y"), Err(DurationError::OutOfRange { .. })));
    }

    #[test]
    fn humanizes() {
        assert_eq!(humanize(42 * MINUTE), "42 min");
        assert_eq!(humanize(7 * HOUR + 59 * MINUTE), "7 h 59 min");
        assert_eq!(humanize(3 * HOUR), "3 h");
        assert_eq!(humanize(6 * DAY + 3 * HOUR), "6 d 3 h");
        assert_eq!(humanize(10), "less than a minute");
        assert_eq!(describe_expiry(1000 + HOUR, 1000), "expires in 1 h");
        assert_eq!(describe_expiry(0, 2 * MINUTE), "expired 2 min ago");
    }
}
