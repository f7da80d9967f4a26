//! Calendar dates as day numbers, and the date formats event data uses.

use std::fmt;

/// A calendar date, stored as days since 1970-01-01 so that shifting by days and
/// comparing are plain integer operations.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Date(i32);

impl Date {
    /// Builds a date from year, month and day; `None` when the day does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// Year, month and day of this date.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The date `days` days later (earlier when negative).
    pub fn add_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// Days since 1970-01-01.
    pub fn day_number(self) -> i32 {
        self.0
    }

    /// Day of the week, 0 = Monday .. 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    /// The date as a `YYYYMMDD` integer.
    pub fn yyyymmdd(self) -> u32 {
        let (y, m, d) = self.ymd();
        (y as u32) * 10000 + m * 100 + d
    }

    /// The date in TABARI's six-digit `YYMMDD` form.
    pub fn tabari(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{:02}{:02}{:02}", y.rem_euclid(100), m, d)
    }

    /// Parses a TABARI six-digit date `YYMMDD`; years 00-30 are read as 20xx.
    pub fn parse_yymmdd(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let yy: i32 = s[0..2].parse().ok()?;
        let year = if yy <= 30 { 2000 + yy } else { 1900 + yy };
        Date::from_ymd(year, s[2..4].parse().ok()?, s[4..6].parse().ok()?)
    }

    /// Parses an eight-digit `YYYYMMDD` date.
    pub fn parse_yyyymmdd(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Date::from_ymd(
            s[0..4].parse().ok()?,
            s[4..6].parse().ok()?,
            s[6..8].parse().ok()?,
        )
    }

    /// Parses a dictionary date: `YYMMDD` or `YYYYMMDD`.
    pub fn parse_compact(s: &str) -> Option<Date> {
        match s.len() {
            6 => Date::parse_yymmdd(s),
            8 => Date::parse_yyyymmdd(s),
            _ => None,
        }
    }

    /// Parses the date forms found in corpora: ISO 8601 dates and datetimes
    /// (`2021-07-05`, `2021-07-05T10:00:00Z`), `YYYYMMDD` and TABARI's `YYMMDD`.
    pub fn parse_any(s: &str) -> Option<Date> {
        let s = s.trim();
        // Byte 10 may fall inside a multi-byte character ("2021-07-0é"): not a date.
        if s.len() >= 10
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[7] == b'-'
            && s.is_char_boundary(10)
        {
            let rest = &s[10..];
            if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
                return None;
            }
            let y = s[0..4].parse().ok()?;
            let m = s[5..7].parse().ok()?;
            let d = s[8..10].parse().ok()?;
            if !s[0..4].bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            return Date::from_ymd(y, m, d);
        }
        Date::parse_compact(s)
    }
}

impl Date {
    /// The date as `YYYY-MM-DD` (what `Display` writes) made digit by digit, for a year
    /// of four digits: event files and panels write dates on every row.
    pub fn iso_digits(&self) -> Option<[u8; 10]> {
        let (y, m, d) = self.ymd();
        let y = u32::try_from(y).ok().filter(|&y| y <= 9999)?;
        let digit = |v: u32| b'0' + (v % 10) as u8;
        Some([
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ])
    }

    /// Appends the date as `YYYY-MM-DD` (what `Display` writes).
    pub fn push_iso(&self, out: &mut String) {
        match self.iso_digits() {
            Some(digits) => out.extend(digits.iter().map(|&b| char::from(b))),
            None => {
                use std::fmt::Write as _;
                // Writing to a `String` cannot fail.
                let _ = write!(out, "{self}");
            }
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days-from-civil algorithm: exact for the proleptic Gregorian calendar.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn push_iso_writes_what_display_writes(days in -800_000i32..3_000_000) {
            let d = Date(days);
            let mut out = String::from("x");
            d.push_iso(&mut out);
            proptest::prop_assert_eq!(out, format!("x{d}"));
        }
    }

    #[test]
    fn round_trips_and_pivot() {
        let d = Date::parse_yymmdd("950101").unwrap();
        assert_eq!(d.to_string(), "1995-01-01");
        assert_eq!(Date::parse_yymmdd("300101").unwrap().ymd().0, 2030);
        assert_eq!(Date::parse_yymmdd("310101").unwrap().ymd().0, 1931);
        assert_eq!(
            Date::parse_any("2021-07-05T12:00:00Z").unwrap().to_string(),
            "2021-07-05"
        );
        assert_eq!(
            Date::parse_any("20240229").unwrap().to_string(),
            "2024-02-29"
        );
        assert!(Date::parse_any("20230229").is_none());
        assert!(Date::parse_any("2021-13-01").is_none());
        assert!(Date::parse_any("2021-07-0\u{e9}").is_none());
        assert!(Date::parse_any("\u{e9}021-07-05").is_none());
        let d = Date::from_ymd(2000, 2, 28).unwrap().add_days(1);
        assert_eq!(d.to_string(), "2000-02-29");
        assert_eq!(Date::from_ymd(2021, 7, 5).unwrap().weekday(), 0);
        assert_eq!(Date::from_ymd(1995, 1, 1).unwrap().tabari(), "950101");
    }
}
