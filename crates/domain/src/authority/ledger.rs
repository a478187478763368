//! The gesture ledger: whose authority each gesture uses, on which location-local day, and the sums a decision needs.

use super::Given;
use crate::gesture::GestureStatus;
use crate::money::Cents;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// Whose authority one gesture uses, and from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// the staff member whose room it uses
    pub to: String,
    /// the instant it counts from (its location-local day is the day it uses)
    pub at: Timestamp,
    /// whether it also uses the person's per-case room on its case
    pub on_case: bool,
}

/// The rule, stated once:
/// - given within the giver's own authority: the giver's, from the moment given, on the case and the day;
/// - approved by a manager or an admin: the approver's per-day room, from the moment approved
///   (not the requester's: her room stays for her own gestures);
/// - pending or declined: nobody's.
pub fn charge(
    status: GestureStatus,
    given_by: &str,
    given_at: Timestamp,
    approved: Option<(&str, Timestamp)>,
) -> Option<Charge> {
    match status {
        GestureStatus::PendingApproval | GestureStatus::Declined => None,
        GestureStatus::Approved | GestureStatus::Sent | GestureStatus::Delivered => {
            Some(match approved {
                Some((by, at)) => Charge {
                    to: by.to_string(),
                    at,
                    on_case: false,
                },
                None => Charge {
                    to: given_by.to_string(),
                    at: given_at,
                    on_case: true,
                },
            })
        }
    }
}

/// One charged gesture as the sums read it.
#[derive(Debug, Clone, Copy)]
pub struct Charged<'a> {
    pub to: &'a str,
    pub case_id: &'a str,
    pub at: Timestamp,
    pub on_case: bool,
    pub value: Cents,
    pub currency: &'a str,
}

/// The location-local calendar day an instant falls on.
pub fn local_day(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned(tz.clone()).date()
}

/// The instants `[start, end)` of the location-local day that `at` falls on: 23 or 25 hours long on
/// the days the clocks change. Storage reads the ledger for this window; [`used`] decides.
pub fn day_window(at: Timestamp, tz: &TimeZone) -> (Timestamp, Timestamp) {
    let day = local_day(at, tz);
    let start = day
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(at);
    let end = day
        .checked_add(1.day())
        .ok()
        .and_then(|d| d.to_zoned(tz.clone()).ok())
        .map_or(at, |z| z.timestamp());
    (start, end)
}

/// What `person` has used on `case_id` and on the location-local `day`, in `currency` only:
/// amounts in other currencies are never added to these.
pub fn used<'a>(
    entries: impl IntoIterator<Item = Charged<'a>>,
    person: &str,
    case_id: &str,
    currency: &str,
    day: Date,
    tz: &TimeZone,
) -> Given {
    let mut g = Given::default();
    for e in entries {
        if e.to != person || !e.currency.eq_ignore_ascii_case(currency) {
            continue;
        }
        if e.on_case && e.case_id == case_id {
            g.on_case = g.on_case.saturating_add(e.value);
        }
        if local_day(e.at, tz) == day {
            g.today = g.today.saturating_add(e.value);
        }
    }
    g
}
