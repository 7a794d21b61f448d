//! How a date range in a time zone reads a per-UTC-day roll-up: the commits'
//! (`commit_days` and `repository_commit_days`, migration 14) and the Work log's
//! (`work_log_days` and `repository_work_log_days`, migration 17), which keep per UTC
//! day the first and the last quarter-hour holding what they count.
//!
//! Where the zone's offset is a whole number of quarter-hours and changes on a
//! quarter-hour (every zone in use since 1980), a local midnight falls between two
//! quarter-hours of a UTC day: the quarters before it are on one local day (`shift` days
//! from the UTC day) and those from it on the next. A [`DaySplit`] says where. A row
//! then counts on the first local day when its first quarter comes before the split,
//! and on the next when its last one comes at or after it. The range's partial UTC
//! days at either end (a local midnight is rarely UTC midnight), and any day a zone
//! splits otherwise, are read from the rows themselves instead ([`RawSpan`]).

use chrono::{DateTime, Utc};
use entity::sql::Sql;

use crate::days::Offsets;

const DAY: i64 = 86_400;
const QUARTER: i64 = 900;
const QUARTERS: i64 = DAY / QUARTER;

/// Where a local midnight splits one UTC day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaySplit {
    /// The local day of the day's first quarter-hour, in days from the UTC day.
    pub shift: i64,
    /// The first quarter-hour (0–96) on the next local day; 96 when none is.
    pub split: i64,
}

/// Consecutive whole UTC days with the same split, read from a roll-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub first_day: i64,
    pub last_day: i64,
    pub split: DaySplit,
}

/// Part of the range read from `commits`: `[from, to)` in seconds since 1970.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawSpan {
    pub from: i64,
    pub to: i64,
}

/// A range's UTC days, each read from a roll-up or from `commits`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub runs: Vec<Run>,
    pub raw: Vec<RawSpan>,
}

fn local_day(offsets: &Offsets, second: i64) -> i64 {
    (second + offsets.at(second)).div_euclid(DAY)
}

/// The split of UTC day `day`, or `None` when a quarter-hour straddles a local midnight
/// or an offset change, or the day's quarters do not fall on one local day and then
/// the next.
fn split_of(offsets: &Offsets, day: i64) -> Option<DaySplit> {
    let start = day * DAY;
    let mut locals = Vec::with_capacity(QUARTERS as usize);
    for quarter in 0..QUARTERS {
        let from = start + quarter * QUARTER;
        let last = from + QUARTER - 1;
        if offsets.changes_within(from + 1, last + 1) {
            return None;
        }
        let local = local_day(offsets, from);
        if local_day(offsets, last) != local {
            return None;
        }
        locals.push(local);
    }
    let first = locals[0];
    let split = locals
        .iter()
        .position(|local| *local != first)
        .unwrap_or(locals.len());
    let next_only = locals[split..].iter().all(|local| *local == first + 1);
    next_only.then_some(DaySplit {
        shift: first - day,
        split: split as i64,
    })
}

impl Plan {
    /// The plan for `[start, end)` (seconds since 1970) under `offsets`.
    pub fn over(offsets: &Offsets, start: i64, end: i64) -> Plan {
        let mut plan = Plan::default();
        let mut day = start.div_euclid(DAY);
        while day * DAY < end {
            let (from, to) = ((day * DAY).max(start), ((day + 1) * DAY).min(end));
            let whole = from == day * DAY && to == (day + 1) * DAY;
            match whole.then(|| split_of(offsets, day)).flatten() {
                Some(split) => match plan.runs.last_mut() {
                    Some(run) if run.last_day == day - 1 && run.split == split => {
                        run.last_day = day;
                    }
                    _ => plan.runs.push(Run {
                        first_day: day,
                        last_day: day,
                        split,
                    }),
                },
                None => match plan.raw.last_mut() {
                    Some(span) if span.to == from => span.to = to,
                    _ => plan.raw.push(RawSpan { from, to }),
                },
            }
            day += 1;
        }
        plan
    }

    /// The first and last UTC day the runs cover, when there are runs.
    pub fn run_days(&self) -> Option<(i64, i64)> {
        Some((self.runs.first()?.first_day, self.runs.last()?.last_day))
    }

    /// The UTC days (first, last) between the runs that are read from the commits
    /// instead: whole days a zone splits otherwise.
    pub fn raw_days_between_runs(&self) -> Vec<(i64, i64)> {
        let Some((first, last)) = self.run_days() else {
            return Vec::new();
        };
        self.raw
            .iter()
            .filter(|span| span.from >= first * DAY && span.to <= (last + 1) * DAY)
            .map(|span| (span.from.div_euclid(DAY), (span.to - 1).div_euclid(DAY)))
            .collect()
    }

    /// `CASE` over the runs of days: `value` of the run a row's `{alias}.utc_day` is in.
    pub fn by_run(&self, alias: &str, value: impl Fn(&DaySplit) -> i64) -> String {
        match self.runs.as_slice() {
            [only] => value(&only.split).to_string(),
            runs => {
                let mut case = String::from("CASE");
                for run in runs {
                    case.push_str(&format!(
                        " WHEN {alias}.utc_day <= {} THEN {}",
                        run.last_day,
                        value(&run.split)
                    ));
                }
                case.push_str(" END");
                case
            }
        }
    }

    /// ` AND {alias}.utc_day BETWEEN first AND last`, leaving out the days between the
    /// runs that are read raw: a roll-up's rows the runs read.
    pub fn restrict_to_runs(&self, sql: &mut Sql, alias: &str) {
        let Some((first, last)) = self.run_days() else {
            sql.push(" AND 1 = 0");
            return;
        };
        sql.push(&format!(" AND {alias}.utc_day BETWEEN "))
            .bind(first)
            .push(" AND ")
            .bind(last);
        for (from, to) in self.raw_days_between_runs() {
            sql.push(&format!(" AND {alias}.utc_day NOT BETWEEN "))
                .bind(from)
                .push(" AND ")
                .bind(to);
        }
    }
}

/// `({column} >= from AND {column} < to OR …)`: the rows of any of the spans.
pub fn push_spans(sql: &mut Sql, column: &str, spans: &[RawSpan]) {
    if spans.is_empty() {
        sql.push("1 = 0");
        return;
    }
    sql.push("(");
    for (i, span) in spans.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(&format!("({column} >= "))
            .bind(instant(span.from))
            .push(&format!(" AND {column} < "))
            .bind(instant(span.to))
            .push(")");
    }
    sql.push(")");
}

fn instant(second: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(second, 0).expect("a second within chrono's range")
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    use super::*;

    fn utc(text: &str) -> i64 {
        text.parse::<DateTime<Utc>>().unwrap().timestamp()
    }

    fn plan(zone: &str, start: &str, end: &str) -> Plan {
        let zone: Tz = zone.parse().unwrap();
        let (start, end) = (utc(start), utc(end));
        let offsets = Offsets::over(
            &zone,
            DateTime::from_timestamp(start, 0).unwrap(),
            DateTime::from_timestamp(end, 0).unwrap(),
        );
        Plan::over(&offsets, start, end)
    }

    fn day(text: &str) -> i64 {
        utc(text) / DAY
    }

    #[test]
    fn a_berlin_year_reads_whole_days_from_the_roll_up_and_its_two_ends_from_commits() {
        // 2025-11-01 to 2026-10-31 in Berlin: 23:00 UTC the day before to 23:00 UTC.
        let plan = plan(
            "Europe/Berlin",
            "2025-10-31T23:00:00Z",
            "2026-10-31T23:00:00Z",
        );
        assert_eq!(
            plan.raw,
            vec![
                RawSpan {
                    from: utc("2025-10-31T23:00:00Z"),
                    to: utc("2025-11-01T00:00:00Z")
                },
                RawSpan {
                    from: utc("2026-10-31T00:00:00Z"),
                    to: utc("2026-10-31T23:00:00Z")
                }
            ]
        );
        // Winter (+1): from 23:00 UTC (quarter 92) it is the next local day; summer
        // (+2) from 22:00 (88). The change on 2026-03-29 at 01:00 UTC: that UTC day
        // splits as summer does, and 2026-10-25's as winter does.
        let winter = DaySplit {
            shift: 0,
            split: 92,
        };
        let summer = DaySplit {
            shift: 0,
            split: 88,
        };
        assert_eq!(
            plan.runs,
            vec![
                Run {
                    first_day: day("2025-11-01T00:00:00Z"),
                    last_day: day("2026-03-28T00:00:00Z"),
                    split: winter
                },
                Run {
                    first_day: day("2026-03-29T00:00:00Z"),
                    last_day: day("2026-10-24T00:00:00Z"),
                    split: summer
                },
                Run {
                    first_day: day("2026-10-25T00:00:00Z"),
                    last_day: day("2026-10-30T00:00:00Z"),
                    split: winter
                },
            ]
        );
    }

    #[test]
    fn zones_west_of_utc_quarter_hour_offsets_and_short_ranges() {
        // New York in summer (−4): a UTC day's first 16 quarters are the local day before.
        let new_york = plan(
            "America/New_York",
            "2026-07-01T04:00:00Z",
            "2026-07-04T04:00:00Z",
        );
        assert_eq!(
            new_york.runs[0].split,
            DaySplit {
                shift: -1,
                split: 16
            }
        );
        // A single local day: the two partial UTC days, read from commits as one span.
        let one_day = plan(
            "America/New_York",
            "2026-07-01T04:00:00Z",
            "2026-07-02T04:00:00Z",
        );
        assert!(one_day.runs.is_empty());
        assert_eq!(
            one_day.raw,
            vec![RawSpan {
                from: utc("2026-07-01T04:00:00Z"),
                to: utc("2026-07-02T04:00:00Z")
            }]
        );
        // Kathmandu (+5:45): quarters from 18:15 UTC (73) start the next local day.
        let kathmandu = plan(
            "Asia/Kathmandu",
            "2025-12-31T18:15:00Z",
            "2026-01-31T18:15:00Z",
        );
        assert_eq!(kathmandu.runs.len(), 1);
        assert_eq!(
            kathmandu.runs[0].split,
            DaySplit {
                shift: 0,
                split: 73
            }
        );
        // UTC: every quarter on the UTC day itself.
        let utc_plan = plan("UTC", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
        assert_eq!(
            (utc_plan.runs[0].split, utc_plan.raw.len()),
            (
                DaySplit {
                    shift: 0,
                    split: 96
                },
                0
            )
        );
    }

    #[test]
    fn a_day_a_zone_splits_three_ways_is_read_from_the_commits() {
        // Samoa skipped 2011-12-30, moving from UTC−10 to UTC+14 at 10:00 UTC: that UTC
        // day touches 12-29 and 12-31 in Apia.
        let apia = plan(
            "Pacific/Apia",
            "2011-12-25T10:00:00Z",
            "2012-01-05T10:00:00Z",
        );
        let skipped = RawSpan {
            from: utc("2011-12-30T00:00:00Z"),
            to: utc("2011-12-31T00:00:00Z"),
        };
        assert!(apia.raw.contains(&skipped), "{apia:?}");
    }
}
