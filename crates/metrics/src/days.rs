//! Local days of an IANA time zone, computed in SQL. Within a query's range a zone has
//! a handful of UTC offsets (one per daylight-saving period), so the offset of any
//! instant is a `CASE` over the transitions found here, and the local day is
//! `(epoch + offset) / 86400`: rows are grouped by local day in the database, exact
//! for every zone and every offset (including the 15- and 45-minute ones).

use chrono::{DateTime, Days, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::DbBackend;

const DAY: i64 = 86_400;

/// The zone's offsets over a range: `initial` from the start, then each change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offsets {
    pub initial: i64,
    /// (first UTC second of the new offset, offset in seconds east of UTC)
    pub changes: Vec<(i64, i64)>,
}

fn offset_at(zone: &Tz, second: i64) -> i64 {
    let instant = DateTime::from_timestamp(second, 0).expect("a second within chrono's range");
    zone.offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc() as i64
}

impl Offsets {
    /// Offsets change at most once a day in practice, so the range is walked a day at a
    /// time and each change found is pinned to its second by bisection.
    pub fn over(zone: &Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Offsets {
        let (start, end) = (start.timestamp(), end.timestamp());
        let initial = offset_at(zone, start);
        let mut changes = Vec::new();
        let (mut at, mut current) = (start, initial);
        while at < end {
            let next = (at + DAY).min(end);
            let offset = offset_at(zone, next);
            if offset != current {
                // The change lies in (at, next]: the first second with the new offset.
                let (mut low, mut high) = (at, next);
                while high - low > 1 {
                    let middle = low + (high - low) / 2;
                    if offset_at(zone, middle) == current {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                changes.push((high, offset_at(zone, high)));
                current = offset_at(zone, high);
            }
            at = next;
        }
        Offsets { initial, changes }
    }

    /// The offset at `second` (within the range the offsets were found over).
    pub fn at(&self, second: i64) -> i64 {
        self.changes
            .iter()
            .take_while(|(from, _)| *from <= second)
            .last()
            .map_or(self.initial, |(_, offset)| *offset)
    }

    /// Whether the offset changes at a second in `[from, to)`.
    pub fn changes_within(&self, from: i64, to: i64) -> bool {
        self.changes.iter().any(|(at, _)| from <= *at && *at < to)
    }

    /// SQL for the local day number (days since 1970-01-01) of a timestamp column.
    pub fn local_day_sql(&self, backend: DbBackend, column: &str) -> String {
        match backend {
            // Timestamp arithmetic: PostgreSQL's EXTRACT(EPOCH …) is NUMERIC, whose
            // arithmetic per row took most of a year of commits' grouping time.
            DbBackend::Postgres => {
                let offset = self.offset_sql(
                    |change| format!("{column} < TIMESTAMPTZ '{}'", change.to_rfc3339()),
                    |offset| format!("INTERVAL '{offset} seconds'"),
                );
                format!(
                    "CAST(CAST(({column} AT TIME ZONE 'UTC') + {offset} AS DATE) - DATE '1970-01-01' AS BIGINT)"
                )
            }
            _ => {
                // unixepoch() (SQLite 3.38+; the bundled one is newer) parses a third
                // faster than strftime('%s').
                let epoch = format!("unixepoch({column})");
                // The changes are compared as text, as the stored column is: sqlx writes
                // a DateTime<Utc> as RFC 3339 with `SecondsFormat::AutoSi`, which sorts
                // in time order; one `unixepoch()` per row instead of one per branch.
                let offset = self.offset_sql(
                    |change| {
                        format!(
                            "{column} < '{}'",
                            change.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
                        )
                    },
                    |offset| offset.to_string(),
                );
                // Integer division truncates toward zero: exact for instants after 1970.
                format!("(({epoch} + {offset}) / {DAY})")
            }
        }
    }

    /// The offset as SQL: `offset(o)` when it never changes, else a `CASE` whose
    /// conditions `before(change)` test an instant against each change.
    fn offset_sql(
        &self,
        before: impl Fn(DateTime<Utc>) -> String,
        offset: impl Fn(i64) -> String,
    ) -> String {
        if self.changes.is_empty() {
            return offset(self.initial);
        }
        let mut case = String::from("CASE");
        let mut current = self.initial;
        for (from, next) in &self.changes {
            let change =
                DateTime::from_timestamp(*from, 0).expect("a second within chrono's range");
            case.push_str(&format!(
                " WHEN {} THEN {}",
                before(change),
                offset(current)
            ));
            current = *next;
        }
        case.push_str(&format!(" ELSE {} END", offset(current)));
        case
    }
}

/// SQL for the seconds since 1970 of a timestamp column (whole seconds).
pub fn epoch_sql(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"),
        _ => format!("unixepoch({column})"),
    }
}

/// The date of a day number from [`Offsets::local_day_sql`].
pub fn date_of_day_number(day: i64) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    epoch
        .checked_add_days(Days::new(day.max(0) as u64))
        .expect("a day within chrono's range")
}

/// The first instant of `date` in `zone`. Where the zone skips midnight (a
/// daylight-saving change at 00:00), the day starts at the first local time that exists.
pub fn start_of_day(zone: &Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    (0..=24 * 4)
        .find_map(|quarter| {
            zone.from_local_datetime(&(midnight + chrono::Duration::minutes(15 * quarter)))
                .earliest()
        })
        .expect("a day has a local time that exists")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn finds_each_daylight_saving_change_to_the_second() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let offsets = Offsets::over(
            &zone,
            utc("2024-01-01T00:00:00Z"),
            utc("2025-01-01T00:00:00Z"),
        );
        assert_eq!(offsets.initial, 3600);
        assert_eq!(
            offsets.changes,
            vec![
                (utc("2024-03-31T01:00:00Z").timestamp(), 7200),
                (utc("2024-10-27T01:00:00Z").timestamp(), 3600)
            ]
        );
        let kathmandu: Tz = "Asia/Kathmandu".parse().unwrap();
        let fixed = Offsets::over(
            &kathmandu,
            utc("2024-01-01T00:00:00Z"),
            utc("2024-02-01T00:00:00Z"),
        );
        assert_eq!(
            (fixed.initial, fixed.changes.len()),
            (5 * 3600 + 45 * 60, 0)
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight_or_the_first_time_after_it() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        assert_eq!(start_of_day(&zone, date), utc("2024-06-30T22:00:00Z"));
        // Havana moved its clocks from 00:00 to 01:00 on 2024-03-10.
        let havana: Tz = "America/Havana".parse().unwrap();
        let skipped = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        assert_eq!(start_of_day(&havana, skipped), utc("2024-03-10T05:00:00Z"));
        assert_eq!(
            date_of_day_number(utc("2024-07-01T12:00:00Z").timestamp() / DAY),
            date
        );
    }
}
