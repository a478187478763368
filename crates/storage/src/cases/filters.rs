//! The case list's date filters (each location's own days) and the count behind a figure.

use super::search::Lookup;
use super::*;
use crate::reports::conds::{DayBounds, day_bounds};
use olive_domain::insights::parse_date;

/// The local-day ranges a list asks for (noticed, closed), as each location's instants.
#[derive(Default)]
pub(crate) struct ListDays {
    pub noticed: Option<Vec<DayBounds>>,
    pub closed: Option<Vec<DayBounds>>,
}

impl Store {
    /// `from`/`to` and `closed_from`/`closed_to` as instants at each location the list may show.
    pub(super) async fn list_days(
        &self,
        actor: &Actor,
        f: &CaseFilter,
    ) -> Result<ListDays, StoreError> {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        if [&f.from, &f.to, &f.closed_from, &f.closed_to]
            .iter()
            .all(|v| blank(v))
        {
            return Ok(ListDays::default());
        }
        let mut errs = FieldErrors::default();
        let mut day = |field: &'static str, v: &Option<String>| -> Option<jiff::civil::Date> {
            let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            match parse_date(field, v) {
                Ok(d) => Some(d),
                Err(e) => {
                    errs.add(field, e.message);
                    None
                }
            }
        };
        let ranges = [
            (day("from", &f.from), day("to", &f.to)),
            (
                day("closed_from", &f.closed_from),
                day("closed_to", &f.closed_to),
            ),
        ];
        errs.into_result()?;
        let ids: Option<Vec<String>> = match f.location_id.as_deref().filter(|v| !v.is_empty()) {
            Some(l) => Some(vec![l.to_string()]),
            None => actor.scope(),
        };
        let locations = match ids {
            // an admin's list covers every location
            None => self.all_locations().await?,
            Some(ids) => {
                let mut locations = Vec::with_capacity(ids.len());
                for id in ids {
                    match self.location(&id).await {
                        Ok(l) => locations.push(l),
                        Err(StoreError::NotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                locations
            }
        };
        let bounds = |(a, b): (Option<jiff::civil::Date>, Option<jiff::civil::Date>)| {
            (a.is_some() || b.is_some()).then(|| {
                day_bounds(
                    &locations,
                    a.unwrap_or(jiff::civil::date(1970, 1, 1)),
                    b.unwrap_or(jiff::civil::date(9999, 1, 1)),
                )
            })
        };
        let [noticed, closed] = ranges;
        Ok(ListDays {
            noticed: bounds(noticed),
            closed: bounds(closed),
        })
    }
}

impl Store {
    /// How many cases the list's filters match (`limit` and `cursor` aside): the count an Insights
    /// figure links to.
    pub async fn count_cases(
        &self,
        actor: &Actor,
        f: &CaseFilter,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let days = self.list_days(actor, f).await?;
        let count = |lookup: &Lookup| -> Result<SelectStatement, StoreError> {
            let mut q = Query::select();
            q.expr_as(Expr::col(("cases", "id")).count(), "n")
                .from("cases");
            super::list::filter_query(&mut q, actor, f, now, lookup, &days)?;
            Ok(q)
        };
        let n = |row: Option<AnyRow>| -> Result<i64, StoreError> {
            i(
                &row.ok_or_else(|| StoreError::Corrupt("count".into()))?,
                "n",
            )
        };
        let contact = Lookup::contact(f);
        let fallback = matches!(contact, Lookup::Contact(..));
        let lookup = if fallback {
            contact
        } else {
            self.word_lookup(f).await?
        };
        let q = count(&lookup)?;
        let mut found = match lookup {
            Lookup::Nothing => 0,
            _ => n(self.db.fetch_optional(&q).await?)?,
        };
        if found == 0 && fallback {
            // as the list does: no case has that number or address, so it may be words
            let lookup = self.word_lookup(f).await?;
            if !matches!(lookup, Lookup::Nothing) {
                found = n(self.db.fetch_optional(&count(&lookup)?).await?)?;
            }
        }
        Ok(found)
    }
}
