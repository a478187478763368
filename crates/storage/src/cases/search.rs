//! The case list's word search: the customer's name, the description and the notes, through each
//! backend's full-text index (`case_search`, migration 0027), never a scan of the cases.
//!
//! Each word of `q` must match (AND), as the start of a word ("stea" finds "steak"), case- and
//! accent-insensitive. `q` is cut into words of letters and digits before it reaches the database, so what
//! a person types (quotes, `*`, `-`, `:`, `OR`, `NEAR`) is only ever words, never the engine's syntax.

use super::*;
use crate::db::Backend;

/// At most this many words of `q` are looked for (the rest are ignored).
const MAX_WORDS: usize = 16;

/// When at most this many cases match the words, the list starts from them (each found by its reference,
/// then filtered and sorted); when more match, it walks the list's own index in order and keeps the cases
/// that match (so a common word such as a surname many customers share finds a page at once).
const FEW: u64 = 2000;

/// How the list finds the cases `q` names.
#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    /// No words to look for: no `q`, a case reference (which `filter_query` reads itself), or only
    /// punctuation (`%`, `"*"`: a search for nothing, so every case the other filters keep).
    Plain,
    /// A phone number or an email address: that column and its value.
    Contact(&'static str, String),
    /// Words that no case has: nothing is listed (and the index alone told so).
    Nothing,
    /// Words few cases have: the list starts from the matching cases.
    Few(Matching),
    /// Words many cases have: the list checks each case it walks.
    Many(Matching),
}

/// The words of `q` on one backend.
#[derive(Debug, Clone)]
pub(crate) struct Matching {
    backend: Backend,
    words: Vec<String>,
}

impl Lookup {
    /// The lookup of `q` that needs no database: a phone number or email address, else `Plain`.
    pub(crate) fn contact(f: &CaseFilter) -> Lookup {
        match super::list::contact_search(f) {
            Some((column, value)) => Lookup::Contact(column, value),
            None => Lookup::Plain,
        }
    }
}

impl Store {
    /// The words of `q` and how many cases have them all (one read of the index, stopping after `FEW`).
    pub(crate) async fn word_lookup(&self, f: &CaseFilter) -> Result<Lookup, StoreError> {
        let Some(text) = f.q.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(Lookup::Plain);
        };
        if text.parse::<olive_domain::ids::CaseRef>().is_ok() {
            return Ok(Lookup::Plain);
        }
        let words = words(text);
        if words.is_empty() {
            return Ok(Lookup::Plain);
        }
        let m = Matching {
            backend: self.db.backend(),
            words,
        };
        let probe = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_subquery(m.select().limit(FEW + 1).to_owned(), "p")
            .to_owned();
        let row = self.db.fetch_optional(&probe).await?;
        let n = row.map(|r| i(&r, "n")).transpose()?.unwrap_or(0);
        Ok(match n {
            0 => Lookup::Nothing,
            n if n as u64 <= FEW => Lookup::Few(m),
            _ => Lookup::Many(m),
        })
    }
}

impl Matching {
    /// The one place the backends differ: `SELECT <the case's ref> AS hit FROM case_search WHERE <the
    /// words match>`, with the key the select returns.
    /// - SQLite: an FTS5 table whose rowid is the case's reference; each word a quoted string with `*`
    ///   (a prefix), side by side (all of them): `"stea"* "smith"*`.
    /// - PostgreSQL (`$1`: sea-query numbers it among the statement's values): a `tsvector` per reference with a GIN index; each word a quoted lexeme with `:*`
    ///   (a prefix), joined by `&`, accents folded as the index folds them: `'stea':* & 'smith':*`.
    ///
    /// The words hold letters and digits only (`words`), so neither engine can read them as syntax;
    /// quotes are doubled anyway.
    fn match_parts(&self) -> (Expr, Expr) {
        match self.backend {
            Backend::Sqlite => {
                let query = self
                    .words
                    .iter()
                    .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    Expr::col(("case_search", "rowid")),
                    Expr::cust_with_values("case_search MATCH ?", [query]),
                )
            }
            Backend::Postgres => {
                let query = self
                    .words
                    .iter()
                    .map(|w| format!("'{}':*", w.replace('\'', "''")))
                    .collect::<Vec<_>>()
                    .join(" & ");
                (
                    Expr::col(("case_search", "ref")),
                    Expr::cust_with_values(
                        "case_search.doc @@ to_tsquery('simple', olive_fold($1))",
                        [query],
                    ),
                )
            }
        }
    }

    /// The references of the cases that have every word.
    fn select(&self) -> SelectStatement {
        let (key, matches) = self.match_parts();
        Query::select()
            .expr_as(key, "hit")
            .from("case_search")
            .and_where(matches)
            .to_owned()
    }

    /// Only the cases that have every word, starting from them: they are found first, each by its
    /// reference, then filtered and sorted (as `by_contact` does for a phone number).
    pub(super) fn few(&self, q: &mut SelectStatement) {
        q.from_clear()
            .from_subquery(self.select(), "m")
            .cross_join("cases")
            .and_where(Expr::col(("cases", "ref")).equals(("m", "hit")));
    }

    /// Only the cases that have every word, checked one by one as the list walks its index in order.
    pub(super) fn many(&self, q: &mut SelectStatement) {
        let (key, matches) = self.match_parts();
        let check = Query::select()
            .expr(Expr::cust("1"))
            .from("case_search")
            .and_where(matches)
            .and_where(key.equals(("cases", "ref")))
            .to_owned();
        q.and_where(Expr::exists(check));
    }
}

/// The words of a search: runs of letters and digits, lower-cased, at most `MAX_WORDS`.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(MAX_WORDS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_are_letters_and_digits_only() {
        assert_eq!(words(" Zoë  O'Brien "), ["zoë", "o", "brien"]);
        assert_eq!(
            words("\"steak\" OR -x* NEAR(a b) c:d"),
            ["steak", "or", "x", "near", "a", "b", "c", "d"]
        );
        assert!(words("\"*-:()^").is_empty());
        assert_eq!(words(&"w ".repeat(100)).len(), super::MAX_WORDS);
    }
}

#[cfg(test)]
mod sql {
    use super::{Backend, Matching};
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
    use sea_query_sqlx::SqlxBinder;

    /// Each backend's statement, with the words bound (never inlined).
    #[test]
    fn the_words_are_bound() {
        let words = vec!["stea".to_string(), "zoë".to_string()];
        let lite = Matching {
            backend: Backend::Sqlite,
            words: words.clone(),
        }
        .select();
        let (sql, values) = lite.build_sqlx(SqliteQueryBuilder);
        assert_eq!(
            sql,
            r#"SELECT "case_search"."rowid" AS "hit" FROM "case_search" WHERE case_search MATCH ?"#
        );
        let bound = |v: &str| format!("String(Some({v:?}))");
        assert!(
            format!("{values:?}").contains(&bound(r#""stea"* "zoë"*"#)),
            "{values:?}"
        );
        let pg = Matching {
            backend: Backend::Postgres,
            words,
        }
        .select();
        let (sql, values) = pg.build_sqlx(PostgresQueryBuilder);
        assert_eq!(
            sql,
            r#"SELECT "case_search"."ref" AS "hit" FROM "case_search" WHERE case_search.doc @@ to_tsquery('simple', olive_fold($1))"#
        );
        assert!(
            format!("{values:?}").contains(&bound("'stea':* & 'zoë':*")),
            "{values:?}"
        );
    }
}

#[cfg(test)]
mod plans {
    use super::{Backend, Lookup, Matching};
    use crate::cases::CaseFilter;
    use crate::cases::filters::ListDays;
    use crate::cases::list::list_query;
    use crate::testing::{Fixture, fresh_store};
    use sea_query::SqliteQueryBuilder;
    use sea_query_sqlx::SqlxBinder;

    /// Few matches: the list starts from the index's matches, each case found by its reference, and sorts
    /// them. Many: it walks the list's own index in order and asks the index about each case (no sort, no
    /// materialised list of every match). Neither reads every case.
    #[tokio::test]
    async fn few_start_from_the_matches_and_many_walk_the_list_in_order() {
        let store = fresh_store(false).await.unwrap();
        let fx = Fixture::new(store.clone()).await.unwrap();
        let m = Matching {
            backend: Backend::Sqlite,
            words: vec!["steak".into()],
        };
        let now = jiff::Timestamp::now();
        let some = |v: &str| Some(v.to_string());
        for actor in [&fx.actors["admin"], &fx.actors["dental_front"]] {
            for f in [
                CaseFilter::default(),
                CaseFilter {
                    status: some("closed"),
                    stage: some("arrival"),
                    cursor: some("1764000000000_0190a000-0000-7000-8000-000000000000"),
                    ..Default::default()
                },
            ] {
                let f = CaseFilter {
                    q: some("steak"),
                    ..f
                };
                for lookup in [Lookup::Few(m.clone()), Lookup::Many(m.clone())] {
                    let (q, _) = list_query(actor, &f, now, &lookup, &ListDays::default()).unwrap();
                    let (sql, _) = q.build_sqlx(SqliteQueryBuilder);
                    let plan = store.db.explain(&sql).await.unwrap();
                    let first = plan.lines().next().unwrap_or_default();
                    let ok = match lookup {
                        Lookup::Few(_) => {
                            first.starts_with("SCAN case_search VIRTUAL TABLE")
                                && plan.contains(
                                    "SEARCH cases USING INDEX sqlite_autoindex_cases_2 (ref=?)",
                                )
                        }
                        _ => {
                            first.starts_with("SEARCH cases USING INDEX")
                                || first.starts_with("SCAN cases USING INDEX")
                        }
                    };
                    let many = matches!(lookup, Lookup::Many(_));
                    assert!(
                        ok && !plan.contains("SCAN cases\n")
                            && many == plan.contains("EXISTS VIRTUAL TABLE INDEX 0:=M1")
                            && (!many || !plan.contains("TEMP B-TREE")),
                        "{lookup:?} {f:?} as {}:\n{sql}\n{plan}",
                        actor.name
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod shapes {
    use super::{Lookup, Matching};
    use crate::cases::filters::ListDays;
    use crate::cases::list::list_query;
    use crate::cases::{CaseFilter, CustomerInput, NewCase};
    use crate::testing::{Fixture, fresh_store};

    /// Starting from the matches or walking the list, the same cases come back in the same order, page
    /// after page, scoped to the caller (the tests elsewhere only ever have few matches).
    async fn both_shapes_list_the_same(postgres: bool) {
        let fx = Fixture::new(fresh_store(postgres).await.unwrap())
            .await
            .unwrap();
        let store = &fx.store;
        let now = jiff::Timestamp::now();
        for n in 0..12 {
            let (location, who) = if n % 3 == 0 {
                (&fx.grill, "grill_front")
            } else {
                (&fx.dental, "dental_front")
            };
            let input = NewCase {
                location_id: location.clone(),
                defect: "other".into(),
                stage: Some(if n % 3 == 0 { "bill" } else { "arrival" }.into()),
                customer: CustomerInput {
                    name: format!("Guest Number{n}"),
                    ..Default::default()
                },
                description: if n % 2 == 0 { "steak cold" } else { "steak" }.into(),
                severity: None,
                fields: Default::default(),
                noticed_at: None,
                done_steps: Vec::new(),
            };
            // the same instant for some: ties are broken by id, as the list's order does
            let at = now - jiff::SignedDuration::from_mins(n / 2);
            store
                .create_case(fx.actor(who), input, None, at)
                .await
                .unwrap();
        }
        let m = Matching {
            backend: store.db.backend(),
            words: vec!["stea".into(), "cold".into()],
        };
        // "steak cold": the even cases, two of them at the grill (every third case)
        for (actor, expected) in [("admin", 6), ("dental_front", 4), ("grill_front", 2)] {
            let actor = fx.actor(actor);
            let mut pages: Vec<Vec<Vec<String>>> = Vec::new();
            for lookup in [Lookup::Few(m.clone()), Lookup::Many(m.clone())] {
                let mut f = CaseFilter {
                    q: Some("stea cold".into()),
                    limit: Some(2),
                    ..Default::default()
                };
                let mut seen = Vec::new();
                loop {
                    let (q, limit) =
                        list_query(actor, &f, now, &lookup, &ListDays::default()).unwrap();
                    let rows = store.db.fetch_all(&q).await.unwrap();
                    let mut page: Vec<(i64, String)> = rows
                        .iter()
                        .map(|r| {
                            (
                                crate::rows::i(r, "created_at").unwrap(),
                                crate::rows::s(r, "id").unwrap(),
                            )
                        })
                        .collect();
                    let more = page.len() as u64 > limit;
                    page.truncate(limit as usize);
                    seen.push(page.iter().map(|(_, id)| id.clone()).collect());
                    match page.last() {
                        Some((at, id)) if more => f.cursor = Some(format!("{at}_{id}")),
                        _ => break,
                    }
                }
                pages.push(seen);
            }
            let total: usize = pages[0].iter().map(Vec::len).sum();
            assert_eq!(total, expected, "{}: {pages:?}", actor.name);
            assert_eq!(pages[0], pages[1], "{}", actor.name);
        }
    }

    #[tokio::test]
    async fn both_shapes_list_the_same_sqlite() {
        both_shapes_list_the_same(false).await;
    }

    #[tokio::test]
    async fn both_shapes_list_the_same_postgres() {
        both_shapes_list_the_same(true).await;
    }
}
