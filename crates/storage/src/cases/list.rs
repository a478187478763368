//! Case lists: the filtered, paged list and a customer's other cases.

use super::filters::ListDays;
use super::search::Lookup;
use super::*;
use crate::reports::conds::{handed_off_by, has_gesture, noticed, was_reopened, within};
use olive_domain::insights::AgeBucket;

impl Store {
    /// Cases the caller may see, newest first, filtered, one page at a time.
    pub async fn list_cases(
        &self,
        actor: &Actor,
        f: &CaseFilter,
        now: Timestamp,
    ) -> Result<Page<CaseSummary>, StoreError> {
        let days = self.list_days(actor, f).await?;
        let contact = Lookup::contact(f);
        let fallback = matches!(contact, Lookup::Contact(..));
        let lookup = if fallback {
            contact
        } else {
            self.word_lookup(f).await?
        };
        let (q, limit) = list_query(actor, f, now, &lookup, &days)?;
        let mut rows = if matches!(lookup, Lookup::Nothing) {
            Vec::new()
        } else {
            self.db.fetch_all(&q).await?
        };
        if rows.is_empty() && fallback {
            // No case has that number or address: it may be words (a date, a booking number).
            let lookup = self.word_lookup(f).await?;
            if !matches!(lookup, Lookup::Nothing) {
                let (q, _) = list_query(actor, f, now, &lookup, &days)?;
                rows = self.db.fetch_all(&q).await?;
            }
        }
        let names = names_from_rows(&rows)?;
        let mut cases: Vec<CaseRow> = rows.iter().map(case_from_row).collect::<Result<_, _>>()?;
        let next_cursor = if cases.len() as u64 > limit {
            cases.truncate(limit as usize);
            cases.last().map(|c| format!("{}_{}", c.created_at, c.id))
        } else {
            None
        };
        let playbooks = self.playbooks_of(&cases).await?;
        Ok(Page {
            items: cases
                .iter()
                .map(|c| Self::summary(c, &names, now, playbooks.get(&c.location_id).map(|p| &**p)))
                .collect(),
            next_cursor,
        })
    }

    /// How staff messages name a case's customer: the full name, else "Table 12", else "Guest".
    pub(crate) async fn display_name(&self, c: &CaseRow) -> Result<String, StoreError> {
        let l = self.location(&c.location_id).await?;
        let p = self
            .playbook_at(&l.playbook_code, l.playbook_updated_at)
            .await?;
        Ok(p.display_name(&c.customer.name, &c.fields))
    }

    /// The playbook of each location among the cases (one read per location, cached).
    pub(crate) async fn playbooks_of(
        &self,
        cases: &[CaseRow],
    ) -> Result<HashMap<String, std::sync::Arc<olive_domain::Playbook>>, StoreError> {
        let mut out = HashMap::new();
        for c in cases {
            if !out.contains_key(&c.location_id) {
                let l = self.location(&c.location_id).await?;
                let p = self
                    .playbook_at(&l.playbook_code, l.playbook_updated_at)
                    .await?;
                out.insert(c.location_id.clone(), p);
            }
        }
        Ok(out)
    }
}

/// The cases still open, as a literal: the condition of the partial index `cases_location_active`
/// (migration 0010), which a query must repeat word for word for either database to use the index.
const ACTIVE: &str = "status IN ('open', 'in_progress', 'awaiting_verification')";

/// The list's statement (one row more than the page, to tell whether another follows) and the page size.
/// Every value the caller gives is bound, never inlined (only the open statuses are a literal: `ACTIVE`).
/// SQLite plans it without looking at the values (`SQLITE_ENABLE_QPSG` in `.cargo/config.toml`), so the
/// plan of the unbound statement is the one it runs.
pub(super) fn list_query(
    actor: &Actor,
    f: &CaseFilter,
    now: Timestamp,
    lookup: &Lookup,
    days: &ListDays,
) -> Result<(SelectStatement, u64), StoreError> {
    let limit = f.limit.unwrap_or(25).clamp(1, 100) as u64;
    let mut q = case_select_named();
    filter_query(&mut q, actor, f, now, lookup, days)?;
    if let Some(cursor) = f.cursor.as_deref().filter(|v| !v.is_empty()) {
        let (at, id) = cursor
            .split_once('_')
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.to_string())))
            .ok_or_else(|| {
                StoreError::field(
                    "cursor",
                    "invalid cursor: pass back next_cursor from the previous page",
                )
            })?;
        q.cond_where(
            Cond::any().add(Expr::col("created_at").lt(at)).add(
                Cond::all()
                    .add(Expr::col("created_at").eq(at))
                    .add(Expr::col("id").lt(id)),
            ),
        );
    }
    q.order_by("created_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit + 1);
    Ok((q, limit))
}

/// Every filter of the list on `q` (a select from `cases`): the caller's scope, then each filter given.
pub(super) fn filter_query(
    q: &mut SelectStatement,
    actor: &Actor,
    f: &CaseFilter,
    now: Timestamp,
    lookup: &Lookup,
    days: &ListDays,
) -> Result<(), StoreError> {
    if let Some(scope) = actor.scope() {
        q.and_where(Expr::col("location_id").is_in(scope));
    }
    let mut errs = FieldErrors::default();
    if let Some(st) = f.status.as_deref().filter(|v| !v.is_empty()) {
        match st {
            "active" => {
                q.and_where(Expr::cust(ACTIVE));
            }
            _ => match CaseStatus::parse(st) {
                Some(v) => {
                    q.and_where(Expr::col("status").eq(v.as_str()));
                }
                None => errs.add("status", "unknown status: use open, in_progress, awaiting_verification, closed, cancelled or active"),
            },
        }
    }
    if let Some(sev) = f.severity.as_deref().filter(|v| !v.is_empty()) {
        match Severity::parse(sev) {
            Some(v) => {
                q.and_where(Expr::col("severity").eq(v.as_str()));
            }
            None => errs.add("severity", "unknown severity: use minor, major or critical"),
        }
    }
    if let Some(o) = f.outcome.as_deref().filter(|v| !v.is_empty()) {
        match CloseOutcome::parse(o) {
            Some(v) => {
                q.and_where(Expr::col("status").eq(CaseStatus::Closed.as_str()))
                    .and_where(Expr::col("outcome").eq(v.as_str()));
            }
            None => errs.add("outcome", "unknown outcome: use recovered or not_recovered"),
        }
    }
    if let Some(a) = f.age.as_deref().filter(|v| !v.is_empty()) {
        match AgeBucket::parse(a) {
            Some(b) => {
                q.and_where(Expr::cust(ACTIVE));
                let (after, upto) = b.noticed_between(now);
                if let Some(t) = after {
                    q.and_where(noticed("cases").gt(ms(t)));
                }
                if let Some(t) = upto {
                    q.and_where(noticed("cases").lte(ms(t)));
                }
            }
            None => errs.add("age", "unknown age: use 0-1, 1-3, 3-7 or 7+"),
        }
    }
    if f.handoffs_min.is_some_and(|n| !(0..=1000).contains(&n)) {
        errs.add("handoffs_min", "use a number from 0 to 1000");
    }
    errs.into_result()?;
    // Asking for another location's cases by name is a 404, as for one of its cases.
    if let Some(l) = f.location_id.as_deref().filter(|v| !v.is_empty()) {
        actor.require(Permission::Read, l)?;
    }
    for (col, v) in [
        ("location_id", &f.location_id),
        ("stage_code", &f.stage),
        ("owner_id", &f.owner),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            q.and_where(Expr::col(col).eq(v));
        }
    }
    if let Some(d) = f.defect.as_deref().filter(|v| !v.is_empty()) {
        if d == "other" {
            q.and_where(Expr::col("defect_code").is_null());
        } else {
            q.and_where(Expr::col("defect_code").eq(d));
        }
    }
    if f.escalated == Some(true) {
        q.and_where(Expr::col("escalated_at").is_not_null());
    }
    if f.overdue == Some(true) {
        q.and_where(Expr::cust(ACTIVE))
            .and_where(Expr::col("next_due_at").lt(ms(now)));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        // A reference, a phone number or an email address (`lookup`) names one thing: found through
        // its index (a customer on the phone is found at once however many cases are stored).
        // Anything else is words, looked for in the name, the description and the notes through the
        // full-text index (`search.rs`).
        if let Ok(r) = text.parse::<olive_domain::ids::CaseRef>() {
            q.and_where(Expr::col("ref").eq(r.0));
        } else {
            match lookup {
                Lookup::Contact(column, value) => by_contact(q, column, value.clone()),
                Lookup::Few(m) => m.few(q),
                Lookup::Many(m) => m.many(q),
                Lookup::Nothing => {
                    q.and_where(Expr::cust("1 = 0"));
                }
                Lookup::Plain => {}
            }
        }
    }
    if let Some(b) = &days.noticed {
        q.cond_where(within("cases", noticed("cases"), b));
    }
    if let Some(b) = &days.closed {
        q.and_where(Expr::col("status").eq(CaseStatus::Closed.as_str()))
            .cond_where(within("cases", Expr::col(("cases", "closed_at")), b));
    }
    if let Some(g) = f.gesture.as_deref().filter(|v| !v.is_empty()) {
        q.and_where(has_gesture("cases", g));
    }
    if f.reopened == Some(true) {
        q.and_where(was_reopened("cases"));
    }
    if let Some(n) = f.handoffs_min {
        q.and_where(Expr::col("handoff_count").gte(n));
    }
    if let Some(who) = f.handed_off_by.as_deref().filter(|v| !v.is_empty()) {
        q.and_where(handed_off_by("cases", who));
    }
    Ok(())
}

impl Store {
    /// The customer's other cases (matched by phone or email) at the caller's locations.
    pub async fn customer_history(
        &self,
        actor: &Actor,
        key: &str,
        now: Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let c = self.case_row(actor, key).await?;
        let mut any = Cond::any();
        if let Some(p) = &c.customer.phone {
            any = any.add(Expr::col("customer_phone").eq(p.clone()));
        }
        if let Some(e) = &c.customer.email {
            any = any.add(Expr::col("customer_email").eq(e.clone()));
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let q = case_select_named()
            .cond_where(any)
            .and_where(Expr::col("id").ne(c.id.clone()))
            .order_by("created_at", Order::Desc)
            .limit(50)
            .to_owned();
        self.scoped_summaries(actor, q, now).await
    }

    /// Run a `case_select_named` query limited to the caller's locations and return the rows as summaries.
    pub(crate) async fn scoped_summaries(
        &self,
        actor: &Actor,
        mut q: SelectStatement,
        now: Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col("location_id").is_in(scope));
        }
        let rows = self.db.fetch_all(&q).await?;
        let names = names_from_rows(&rows)?;
        let cases: Vec<CaseRow> = rows.iter().map(case_from_row).collect::<Result<_, _>>()?;
        let playbooks = self.playbooks_of(&cases).await?;
        Ok(cases
            .iter()
            .map(|c| Self::summary(c, &names, now, playbooks.get(&c.location_id).map(|p| &**p)))
            .collect())
    }
}

/// The column and value a search looks up first when `q` is a phone number or an email address (and
/// not a reference); `None` when it is words.
pub(super) fn contact_search(f: &CaseFilter) -> Option<(&'static str, String)> {
    let text = f.q.as_deref().map(str::trim)?;
    if text.parse::<olive_domain::ids::CaseRef>().is_ok() {
        None
    } else if let Ok(p) = text.parse::<Phone>() {
        Some(("customer_phone", p.to_string()))
    } else {
        text.parse::<Email>()
            .ok()
            .map(|e| ("customer_email", e.to_string()))
    }
}

/// Only the cases of one phone number or email address. They are found first, through that column's
/// index, and then filtered and sorted: a `CROSS JOIN` keeps SQLite from walking every case of the
/// location in date order instead (it plans without statistics, and that walk needs no sort).
fn by_contact(q: &mut SelectStatement, column: &'static str, value: String) {
    let matches = Query::select()
        .expr_as(Expr::col("id"), "contact_case")
        .from("cases")
        .and_where(Expr::col(column).eq(value))
        .to_owned();
    q.from_clear()
        .from_subquery(matches, "m")
        .cross_join("cases")
        .and_where(Expr::col(("cases", "id")).equals(("m", "contact_case")));
}

#[cfg(test)]
mod tests {
    use super::{CaseFilter, list_query};
    use crate::testing::{Fixture, fresh_store};
    use olive_domain::case::CaseStatus;
    use sea_query::SqliteQueryBuilder;
    use sea_query_sqlx::SqlxBinder;

    /// SQLite was built to plan a statement without looking at its bound values. Without that, a bound
    /// `LIMIT` made it prepare the list's statement afresh at every run (15 % of a list page's CPU).
    #[tokio::test]
    async fn sqlite_plans_without_the_bound_values() {
        let store = fresh_store(false).await.unwrap();
        let options = store.db.compile_options().await.unwrap();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    }

    /// The literal the partial index repeats names exactly the statuses of a case still open.
    #[test]
    fn active_names_every_open_status() {
        for st in CaseStatus::ALL {
            assert_eq!(
                super::ACTIVE.contains(&format!("'{}'", st.as_str())),
                st.is_active(),
                "{st:?}"
            );
        }
    }

    /// Every list shape the API offers walks an index in the list's order: no sort of the matching cases,
    /// however many there are (a search for one customer's phone or email sorts that customer's cases).
    /// The plans are those of the statements as they run (values bound).
    #[tokio::test]
    async fn every_list_walks_an_index_in_order() {
        let store = fresh_store(false).await.unwrap();
        let fx = Fixture::new(store.clone()).await.unwrap();
        let admin = &fx.actors["admin"];
        let front = &fx.actors["dental_front"];
        let some = |v: &str| Some(v.to_string());
        let filters = [
            CaseFilter::default(),
            CaseFilter {
                status: some("closed"),
                stage: some("arrival"),
                ..Default::default()
            },
            CaseFilter {
                stage: some("arrival"),
                ..Default::default()
            },
            CaseFilter {
                defect: some("long-wait"),
                ..Default::default()
            },
            CaseFilter {
                owner: some(&admin.staff_id),
                ..Default::default()
            },
            CaseFilter {
                location_id: some(&fx.dental),
                ..Default::default()
            },
            CaseFilter {
                cursor: some("1764000000000_0190a000-0000-7000-8000-000000000000"),
                ..Default::default()
            },
        ];
        let now = jiff::Timestamp::now();
        // The statement as it runs (values bound) and SQLite's plan for it.
        let plan_of = async |actor: &crate::actor::Actor, f: &CaseFilter| {
            let (q, _) = list_query(
                actor,
                f,
                now,
                &super::Lookup::contact(f),
                &super::ListDays::default(),
            )
            .unwrap();
            let (sql, _) = q.build_sqlx(SqliteQueryBuilder);
            let plan = store.db.explain(&sql).await.unwrap();
            (sql, plan)
        };
        for actor in [admin, front] {
            for f in &filters {
                let (sql, plan) = plan_of(actor, f).await;
                assert!(
                    plan.contains("USING INDEX") && !plan.contains("TEMP B-TREE FOR ORDER BY"),
                    "{f:?} as {}:\n{sql}\n{plan}",
                    actor.name
                );
            }
            // The cases still open at a location come from the partial index of open cases, in order,
            // however long the location's history.
            for f in [
                CaseFilter {
                    status: some("active"),
                    ..Default::default()
                },
                CaseFilter {
                    status: some("active"),
                    location_id: some(&fx.dental),
                    ..Default::default()
                },
                CaseFilter {
                    overdue: Some(true),
                    location_id: some(&fx.dental),
                    ..Default::default()
                },
            ] {
                let (_, plan) = plan_of(actor, &f).await;
                let one_location = f.location_id.is_some() || actor.scope().is_some();
                let ok = if one_location {
                    plan.contains("USING INDEX cases_location_active (location_id=?)")
                        && !plan.contains("TEMP B-TREE")
                } else {
                    // Across locations: the status index finds the open cases, which are then sorted.
                    plan.contains("SEARCH cases USING INDEX") && !plan.contains("SCAN cases")
                };
                assert!(ok, "{f:?} as {}:\n{plan}", actor.name);
            }
            // A customer found by phone number or email: through that column's index, not a walk of
            // every case in date order (the few matches are then sorted).
            for (text, index) in [
                ("0412 345 678", "cases_phone (customer_phone=?)"),
                ("ava@example.com", "cases_email (customer_email=?)"),
            ] {
                for f in [
                    CaseFilter::default(),
                    CaseFilter {
                        status: some("active"),
                        location_id: some(&fx.dental),
                        ..Default::default()
                    },
                    CaseFilter {
                        status: some("closed"),
                        stage: some("arrival"),
                        cursor: some("1764000000000_0190a000-0000-7000-8000-000000000000"),
                        ..Default::default()
                    },
                ] {
                    let f = CaseFilter { q: some(text), ..f };
                    let (sql, plan) = plan_of(actor, &f).await;
                    let first = plan.lines().next().unwrap_or_default();
                    assert!(
                        first.contains(&format!("USING INDEX {index}"))
                            && plan.contains(
                                "SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)"
                            ),
                        "{f:?} as {}:\n{sql}\n{plan}",
                        actor.name
                    );
                }
            }
        }
    }
}
