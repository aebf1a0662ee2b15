//! Human durations (`12h`, `365d`, `1h30m`) as the gateway's `--expires-in` reads them, dates
//! people type (`2027-12-04`), and the short renderings shown to people (`7 h 59 min`).

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
    #[error("cannot read duration {shown}: {why}; write it like 12h, 30m, 365d or 1y (a bare number means days)")]
    Invalid {
        /// What the user wrote, quoted, when it is safe to repeat (`shown`).
        shown: String,
        /// What is wrong with it.
        why: String,
    },
    /// Zero, or so large it overflows.
    #[error("duration {shown} is out of range: it must be more than zero and less than 100 years")]
    OutOfRange {
        /// What the user wrote, quoted, when it is safe to repeat (`shown`).
        shown: String,
    },
}

/// Longest input repeated in an error: any real duration is shorter, every token longer.
const SHOWN_MAX: usize = 16;

/// How an error refers to an input: quoted when it is short and not token-like, else only its
/// length. Whatever lands in a duration field may be a token pasted into the wrong place.
pub(crate) fn shown(input: &str) -> String {
    let n = input.chars().count();
    if n <= SHOWN_MAX && !input.contains("sk-") {
        format!("{input:?}")
    } else {
        format!("(a {n}-character value, not repeated here)")
    }
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
    let invalid = |why: &str| DurationError::Invalid { shown: shown(s), why: why.to_string() };
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
            other if other.len() <= 8 => return Err(invalid(&format!("unknown unit {other:?}"))),
            _ => return Err(invalid("unknown unit")),
        };
        let part = value.checked_mul(scale);
        total = match part.and_then(|p| total.checked_add(p)) {
            Some(t) => t,
            None => return Err(DurationError::OutOfRange { shown: shown(s) }),
        };
    }
    check_range(s, Some(total))
}

fn check_range(input: &str, ms: Option<Millis>) -> Result<Millis, DurationError> {
    match ms {
        Some(ms) if ms > 0 && ms < 100 * 365 * DAY => Ok(ms),
        _ => Err(DurationError::OutOfRange { shown: shown(input) }),
    }
}

/// Reads a moment given as a date (`2027-12-04`: the start of that day, local time, so the
/// warning comes early rather than late) or as a duration from `now` (`300d`, `1y`).
pub fn parse_when(input: &str, now: Millis) -> Result<Millis, DurationError> {
    use chrono::{Local, NaiveDate, TimeZone};
    let s = input.trim();
    if s.len() == 10 && s.as_bytes().get(4) == Some(&b'-') {
        let invalid = |why: &str| DurationError::Invalid { shown: shown(s), why: why.to_string() };
        let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| invalid("not a date like 2027-12-04"))?;
        let start = day.and_hms_opt(0, 0, 0).ok_or_else(|| invalid("not a date like 2027-12-04"))?;
        // The earliest reading of a local midnight that a clock change makes ambiguous or skips.
        return Local
            .from_local_datetime(&start)
            .earliest()
            .or_else(|| Local.from_local_datetime(&(start + chrono::Duration::hours(1))).earliest())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| invalid("that day has no midnight here"));
    }
    let ms = parse(s)?;
    now.checked_add(ms).ok_or(DurationError::OutOfRange { shown: shown(s) })
}

/// Spans from this many days on leave out the hours: "20 d", not "20 d 7 h".
const DAYS_ONLY_FROM: i64 = 14;
/// How close to a whole number of years a span reads as years: "1 year", not "364 d 23 h"
/// (a setup-token pasted now, or a year set on it).
const YEAR_SLACK_DAYS: i64 = 7;

/// A short human rendering of a span: `42 min`, `7 h 59 min`, `6 d 3 h`, `20 d`, `1 year`,
/// `less than a minute`. The window's `humanize` (ui/js/format.js) says the same.
pub fn humanize(ms: Millis) -> String {
    // Saturating: a span between two moments from files may be as wide as the type.
    let ms = ms.saturating_abs();
    if ms < MINUTE {
        return "less than a minute".to_string();
    }
    let days = ms / DAY;
    let hours = (ms % DAY) / HOUR;
    let minutes = (ms % HOUR) / MINUTE;
    let years = (days + YEAR_SLACK_DAYS) / 365;
    if years >= 1 && (days - years * 365).abs() <= YEAR_SLACK_DAYS {
        return if years == 1 { "1 year".to_string() } else { format!("{years} years") };
    }
    match (days, hours, minutes) {
        (d, _, _) if d >= DAYS_ONLY_FROM => format!("{d} d"),
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
        format!("expires in {}", humanize(expires_at.saturating_sub(now)))
    } else {
        format!("expired {} ago", humanize(now.saturating_sub(expires_at)))
    }
}

/// A moment as people read it, in the local time zone: "today 22:17", "tomorrow 09:00",
/// "yesterday 18:02", "Mon 14:00" (within the week ahead), "7 Dec 14:00", "7 Dec 2027".
pub(crate) fn local_time(at: Millis, now: Millis) -> String {
    use chrono::{Datelike, Local, TimeZone};
    let (Some(at_t), Some(now_t)) = (Local.timestamp_millis_opt(at).single(), Local.timestamp_millis_opt(now).single()) else {
        return describe_expiry(at, now);
    };
    let days = (at_t.date_naive() - now_t.date_naive()).num_days();
    let clock = at_t.format("%H:%M");
    match days {
        0 => format!("today {clock}"),
        1 => format!("tomorrow {clock}"),
        -1 => format!("yesterday {clock}"),
        2..=6 => format!("{} {clock}", at_t.format("%a")),
        _ if at_t.year() == now_t.year() => format!("{} {clock}", at_t.format("%-d %b")),
        _ => at_t.format("%-d %b %Y").to_string(),
    }
}

/// "expires in 7 h 59 min (today 22:17)" / "expired 2 h ago (today 08:05)".
pub fn describe_expiry_at(expires_at: Millis, now: Millis) -> String {
    format!("{} ({})", describe_expiry(expires_at, now), local_time(expires_at, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_moments_are_described_without_overflow() {
        for at in [i64::MIN, i64::MAX, 0] {
            assert!(!describe_expiry(at, 1_800_000_000_000).is_empty());
            assert!(!local_time(at, 1_800_000_000_000).is_empty());
        }
    }

    #[test]
    fn a_moment_is_a_local_date_or_a_span_from_now() {
        use chrono::{Local, TimeZone};
        let now = 1_800_000_000_000;
        assert_eq!(parse_when("30d", now), Ok(now + 30 * DAY));
        let midnight = Local.with_ymd_and_hms(2027, 12, 4, 0, 0, 0).earliest().map(|t| t.timestamp_millis());
        assert_eq!(parse_when(" 2027-12-04 ", now).ok(), midnight);
        assert!(matches!(parse_when("2027-13-04", now), Err(DurationError::Invalid { .. })));
        assert!(matches!(parse_when("tomorrow", now), Err(DurationError::Invalid { .. })));
    }

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
    fn errors_repeat_short_inputs_only() {
        assert_eq!(
            parse("12x").unwrap_err().to_string(),
            "cannot read duration \"12x\": unknown unit \"x\"; write it like 12h, 30m, 365d or 1y (a bare number means days)"
        );
        assert_eq!(
            parse("0h").unwrap_err().to_string(),
            "duration \"0h\" is out of range: it must be more than zero and less than 100 years"
        );
        // Exactly at the limit it is shown; one more, or anything token-like, is not.
        assert!(parse("1h 2m 3s 4x 5min").unwrap_err().to_string().contains("\"1h 2m 3s 4x 5min\""));
        let token = format!("sk-ant-oat01-{}", "Ab12".repeat(20));
        for input in ["1h 2m 3s 4x 5mins", "sk-ant-oat01-AB", token.as_str()] {
            let e = parse(input).unwrap_err().to_string();
            let hidden = input.trim_start_matches(char::is_numeric);
            assert!(!e.contains(hidden) || hidden.len() <= 8, "{input:?} was repeated: {e}");
        }
        assert!(parse(&token).unwrap_err().to_string().contains("a 93-character value"));
        // An unknown unit is named only when short: a long one may be part of a secret.
        assert!(parse("1h 2xyzzy").unwrap_err().to_string().contains("unknown unit \"xyzzy\""));
        let e = parse("1h 2abcdefghijklm").unwrap_err().to_string();
        assert!(e.contains("unknown unit;") && !e.contains("abcdefghijklm"), "{e}");
    }

    #[test]
    fn every_unit_and_the_range_edges() {
        let units: [(&[&str], Millis); 7] = [
            (&["ms"], 1),
            (&["s", "sec", "secs", "second", "seconds"], 1000),
            (&["m", "min", "mins", "minute", "minutes"], MINUTE),
            (&["h", "hr", "hrs", "hour", "hours"], HOUR),
            (&["d", "day", "days"], DAY),
            (&["w", "week", "weeks"], 7 * DAY),
            (&["y", "yr", "year", "years"], 365 * DAY),
        ];
        for (names, scale) in units {
            for n in names {
                assert_eq!(parse(&format!("3{n}")), Ok(3 * scale), "{n}");
                assert_eq!(parse(&format!("3{}", n.to_uppercase())), Ok(3 * scale), "{n} in capitals");
            }
        }
        // More than zero and less than 100 years: 1 ms and 36,499 days are the ends.
        assert_eq!(parse("1ms"), Ok(1));
        assert_eq!(parse("36499"), Ok(36_499 * DAY));
        assert_eq!(parse("36500"), Err(DurationError::OutOfRange { shown: "\"36500\"".into() }));
        assert_eq!(parse("100y"), Err(DurationError::OutOfRange { shown: "\"100y\"".into() }));
        assert_eq!(parse("0"), Err(DurationError::OutOfRange { shown: "\"0\"".into() }));
        assert_eq!(parse("99y 364d 23h"), Ok(99 * 365 * DAY + 364 * DAY + 23 * HOUR));
        // Parts add up, with or without spaces; overflow is out of range, not a wrap.
        assert_eq!(parse("1d 1h 1m 1s 1ms"), Ok(DAY + HOUR + MINUTE + 1001));
        assert!(matches!(parse("9223372036854775807ms 1ms"), Err(DurationError::OutOfRange { .. })));
        assert!(matches!(parse("9999999999999y"), Err(DurationError::OutOfRange { .. })));
        assert_eq!(parse("   ").unwrap_err().to_string(), "the duration is empty; write it like 12h, 30m, 365d or 1y");
        assert_eq!(
            parse("h").unwrap_err(),
            DurationError::Invalid { shown: "\"h\"".into(), why: "expected a number before each unit".into() }
        );
        assert_eq!(
            parse("1h 30").unwrap_err(),
            DurationError::Invalid { shown: "\"1h 30\"".into(), why: "a number needs a unit when there are several parts".into() }
        );
    }

    #[test]
    fn renderings_at_their_edges() {
        let cases = [
            (MINUTE - 1, "less than a minute"),
            (MINUTE, "1 min"),
            (HOUR - MINUTE, "59 min"),
            (HOUR, "1 h"),
            (HOUR + MINUTE, "1 h 1 min"),
            (DAY - 1, "23 h 59 min"),
            (DAY, "1 d"),
            (DAY + HOUR - 1, "1 d"),
            (DAY + HOUR, "1 d 1 h"),
            (-(2 * HOUR), "2 h"),
        ];
        for (ms, want) in cases {
            assert_eq!(humanize(ms), want, "{ms}");
        }
        assert_eq!(describe_expiry(1000, 1000), "expired less than a minute ago");
        assert_eq!(describe_expiry(1001, 1000), "expires in less than a minute");
    }

    #[test]
    fn humanizes() {
        assert_eq!(humanize(42 * MINUTE), "42 min");
        assert_eq!(humanize(7 * HOUR + 59 * MINUTE), "7 h 59 min");
        assert_eq!(humanize(3 * HOUR), "3 h");
        assert_eq!(humanize(6 * DAY + 3 * HOUR), "6 d 3 h");
        assert_eq!(humanize(13 * DAY + 23 * HOUR), "13 d 23 h");
        assert_eq!(humanize(29 * DAY + 23 * HOUR), "29 d");
        assert_eq!(humanize(357 * DAY + 23 * HOUR), "357 d");
        assert_eq!(humanize(358 * DAY), "1 year");
        assert_eq!(humanize(364 * DAY + 23 * HOUR), "1 year");
        assert_eq!(humanize(372 * DAY + 23 * HOUR), "1 year");
        assert_eq!(humanize(373 * DAY), "373 d");
        assert_eq!(humanize(730 * DAY), "2 years");
        assert_eq!(humanize(i64::MAX), humanize(i64::MIN + 1));
        assert_eq!(humanize(10), "less than a minute");
        assert_eq!(describe_expiry(1000 + HOUR, 1000), "expires in 1 h");
        assert_eq!(describe_expiry(0, 2 * MINUTE), "expired 2 min ago");
    }

    #[test]
    fn local_times_read_as_days_and_clock_times() {
        // Whatever the machine's zone, midday of a day stays within that day for ±6 h.
        use chrono::{Local, TimeZone};
        let noon = Local.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).single().map(|t| t.timestamp_millis()).unwrap_or(0);
        assert_eq!(local_time(noon + 2 * HOUR + 17 * MINUTE, noon), "today 14:17");
        assert_eq!(local_time(noon + DAY - 3 * HOUR, noon), "tomorrow 09:00");
        assert_eq!(local_time(noon - DAY, noon), "yesterday 12:00");
        assert_eq!(local_time(noon + 3 * DAY, noon), "Fri 12:00");
        assert_eq!(local_time(noon + 10 * DAY, noon), "11 Dec 12:00");
        assert_eq!(local_time(noon + 365 * DAY, noon), "1 Dec 2027");
        assert_eq!(describe_expiry_at(noon + HOUR, noon), "expires in 1 h (today 13:00)");
    }
}
