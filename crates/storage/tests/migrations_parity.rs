//! The SQLite and PostgreSQL migrations define the same schema: the same tables, the same columns in
//! each, and the same named indexes on the same tables (primary keys and SQLite's automatic indexes
//! aside), read back from each database's own catalogue after every migration has run.
//! The full-text index (`case_search`, migration 0027) is each engine's own by nature (an FTS5 table and
//! its shadow tables on SQLite, a `tsvector` table with a GIN index on PostgreSQL): it is left out.

use olive_storage::Store;
use olive_storage::testing::fresh_url;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// table → columns, and index → (table, columns) as each database reports them.
#[derive(Debug, PartialEq)]
struct Schema {
    tables: BTreeMap<String, BTreeSet<String>>,
    indexes: BTreeMap<String, String>,
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>(0))
    .collect();
    let mut tables = BTreeMap::new();
    for t in names {
        let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}')"
        )))
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
        tables.insert(t, cols);
    }
    let indexes = sqlx::query(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
    .collect();
    Schema { tables, indexes }
}

async fn postgres_schema(url: &str) -> Schema {
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    {
        tables
            .entry(r.get::<String, _>(0))
            .or_default()
            .insert(r.get::<String, _>(1));
    }
    // Indexes that back a primary key or a UNIQUE constraint are named by PostgreSQL itself.
    let indexes = sqlx::query(
        "SELECT i.indexname::text, i.tablename::text FROM pg_indexes i \
         WHERE i.schemaname = 'public' AND i.tablename NOT LIKE '_sqlx%' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
    .collect();
    Schema { tables, indexes }
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_define_the_same_schema() {
    let (lite, pg) = (
        fresh_url(false).await.unwrap(),
        fresh_url(true).await.unwrap(),
    );
    Store::open(&lite).await.unwrap().db().close().await;
    Store::open(&pg).await.unwrap().db().close().await;
    let (mut a, mut b) = (sqlite_schema(&lite).await, postgres_schema(&pg).await);
    for s in [&mut a, &mut b] {
        s.tables.retain(|t, _| !t.starts_with("case_search"));
        s.indexes.retain(|_, t| !t.starts_with("case_search"));
    }
    assert!(a.tables.len() > 10, "{:?}", a.tables.keys());
    let names = |s: &Schema| s.tables.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        names(&a),
        names(&b),
        "the same tables (SQLite, then PostgreSQL)"
    );
    for (t, cols) in &a.tables {
        assert_eq!(
            Some(cols),
            b.tables.get(t),
            "the columns of {t} (SQLite, then PostgreSQL)"
        );
    }
    assert_eq!(
        a.indexes, b.indexes,
        "the same indexes on the same tables (SQLite, then PostgreSQL)"
    );
}
