//! Dates as the people using the portal read them: China Standard Time (UTC+8).

use time::{Date, OffsetDateTime, UtcOffset};

const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH).to_offset(CST)
}

/// The calendar date in China at `unix`.
pub fn date(unix: i64) -> Date {
    at(unix).date()
}

/// `2026-11-29`.
pub fn date_string(unix: i64) -> String {
    let d = date(unix);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `2026-11-29 14:03`.
pub fn minute_string(unix: i64) -> String {
    let t = at(unix);
    format!("{} {:02}:{:02}", date_string(unix), t.hour(), t.minute())
}

pub const DAY: i64 = 24 * 60 * 60;

/// When the calendar day in China that holds `unix` began (midnight, UTC+8).
pub fn day_start(unix: i64) -> i64 {
    const OFFSET: i64 = 8 * 3600;
    (unix + OFFSET).div_euclid(DAY) * DAY - OFFSET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_begin_at_midnight_in_china() {
        // 2026-11-28 16:30 UTC is 00:30 on the 29th in Chongqing: that day began 30 minutes before.
        let unix = 1_795_883_400;
        assert_eq!(day_start(unix), unix - 30 * 60);
        assert_eq!(date_string(day_start(unix)), "2026-11-29");
        assert_eq!(date_string(day_start(unix) - 1), "2026-11-28");
        assert_eq!(day_start(day_start(unix)), day_start(unix));
    }

    #[test]
    fn dates_are_in_china_time() {
        // 2026-11-28 16:30 UTC is 2026-11-29 00:30 in Chongqing.
        let unix = 1_795_883_400;
        assert_eq!(date_string(unix), "2026-11-29");
        assert_eq!(minute_string(unix), "2026-11-29 00:30");
        assert_eq!(date_string(unix - 3600), "2026-11-28");
    }
}
