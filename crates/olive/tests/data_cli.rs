//! `olive backup` and `olive export` on the embedded database: a backup that passes the integrity check and
//! never overwrites, PostgreSQL pointed at pg_dump, JSON with timelines and properly quoted CSV.

use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::testing::Fixture;
use olive_storage::{Actor, Db, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AWKWARD: &str = "Smith, \"Jo\"";

fn olive(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_olive"))
        .args(args)
        .env("OLIVE_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run olive")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "olive-data-{name}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("a runtime")
}

fn admin() -> Actor {
    Actor::operator("test")
}

/// Two cases in `dir/olive.db`, one for a customer whose name holds a comma and quotes.
fn seed(dir: &Path) {
    rt().block_on(async {
        let url = format!("sqlite://{}", dir.join("olive.db").display());
        let store = Store::open(&url).await.expect("open");
        let fx = Fixture::new(store.clone()).await.expect("fixture");
        for name in [AWKWARD, "Noah Smith"] {
            let case = NewCase {
                location_id: fx.dental.clone(),
                defect: "appointment-not-in-book".into(),
                stage: None,
                customer: CustomerInput {
                    name: name.into(),
                    phone: Some("0400 111 222".into()),
                    ..CustomerInput::default()
                },
                description: "card said 10:30,\nnot in the book".into(),
                severity: None,
                fields: Default::default(),
                noticed_at: None,
                done_steps: Vec::new(),
            };
            store
                .create_case(fx.actor("dental_front"), case, None, jiff::Timestamp::now())
                .await
                .expect("a case");
        }
        store.db().close().await;
    });
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn backup_is_consistent_and_never_overwrites() {
    let dir = temp_dir("backup");
    seed(&dir);
    let out = dir.join("backup.db");
    let arg = out.to_str().unwrap();
    let done = olive(&["backup", "--out", arg], &dir);
    let (stdout, stderr) = text(&done);
    assert_eq!(done.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("integrity ok"), "{stdout}");
    rt().block_on(async {
        let url = format!("sqlite://{arg}");
        let db = Db::connect(&url).await.expect("the backup opens");
        assert_eq!(db.integrity_check().await.expect("check"), "ok");
        db.close().await;
        let store = Store::open(&url).await.expect("a store over the backup");
        let page = store
            .list_cases(&admin(), &Default::default(), jiff::Timestamp::now())
            .await
            .expect("cases");
        assert_eq!(page.items.len(), 2);
        store.db().close().await;
    });
    // Never over an existing file (not even the backup just made).
    let before = std::fs::read(&out).unwrap();
    let again = olive(&["backup", "--out", arg], &dir);
    assert_ne!(again.status.code(), Some(0));
    assert!(
        text(&again).1.contains("already exists"),
        "{}",
        text(&again).1
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);
    // PostgreSQL: pg_dump is the tool, and the password is not shown.
    let pg = olive(
        &[
            "backup",
            "--out",
            dir.join("pg.db").to_str().unwrap(),
            "--database-url",
            "postgres://olive:s3cret@127.0.0.1:1/olive",
        ],
        &dir,
    );
    assert_ne!(pg.status.code(), Some(0));
    let (_, err) = text(&pg);
    assert!(err.contains("pg_dump") && !err.contains("s3cret"), "{err}");
    assert!(!dir.join("pg.db").exists());
    // No database yet: a clear error, and nothing is created.
    let empty = temp_dir("backup-empty");
    let nothing = olive(
        &["backup", "--out", empty.join("b.db").to_str().unwrap()],
        &empty,
    );
    assert_ne!(nothing.status.code(), Some(0));
    assert!(
        text(&nothing).1.contains("opening the database"),
        "{}",
        text(&nothing).1
    );
    assert!(!empty.join("olive.db").exists() && !empty.join("b.db").exists());
}

#[test]
fn export_json_and_csv() {
    let dir = temp_dir("export");
    seed(&dir);
    // JSON to stdout: an array of cases, each with its timeline.
    let json = olive(&["export", "--format", "json"], &dir);
    let (stdout, stderr) = text(&json);
    assert_eq!(json.status.code(), Some(0), "{stderr}");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&stdout).expect("a JSON array");
    assert_eq!(cases.len(), 2);
    for c in &cases {
        assert_eq!(c["timeline"][0]["event"], "created", "{c}");
        assert!(c["steps"].as_array().is_some_and(|s| !s.is_empty()));
        assert!(c["ref"].as_str().is_some_and(|r| r.starts_with("C-")));
    }
    assert!(cases.iter().any(|c| c["customer"]["name"] == AWKWARD));
    // To a file: the same, and no partial file left behind.
    let file = dir.join("cases.json");
    let to_file = olive(
        &[
            "export",
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
        &dir,
    );
    assert_eq!(to_file.status.code(), Some(0), "{}", text(&to_file).1);
    let from_file: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(from_file.len(), 2);
    assert!(!dir.join("cases.json.part").exists());

    // CSV: a header, one row per case, the awkward name quoted properly.
    let csv_out = olive(&["export", "--format", "csv"], &dir);
    let (raw, stderr) = text(&csv_out);
    assert_eq!(csv_out.status.code(), Some(0), "{stderr}");
    assert!(raw.contains("\"Smith, \"\"Jo\"\"\""), "{raw}");
    let mut r = csv::Reader::from_reader(raw.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "reference",
            "id",
            "location",
            "defect",
            "stage",
            "severity",
            "status",
            "outcome",
            "customer_name",
            "customer_phone",
            "customer_email",
            "created_at",
            "closed_at",
            "owner",
            "handoffs",
            "escalated_at",
            "display_name",
            "fields"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let awkward = rows.iter().find(|r| &r[8] == AWKWARD).expect("the row");
    assert_eq!(&awkward[2], "Harbour Dental");
    assert_eq!(&awkward[3], "appointment-not-in-book");
    assert_eq!(&awkward[6], "open");
    assert_eq!(&awkward[14], "0");
    assert_eq!(&awkward[16], AWKWARD, "a named customer is shown by name");
    assert_eq!(&awkward[17], "{}", "no case fields were given");

    // CSV timeline: one row per entry.
    let tl = olive(&["export", "--format", "csv", "--timeline"], &dir);
    assert_eq!(tl.status.code(), Some(0), "{}", text(&tl).1);
    let mut r = csv::Reader::from_reader(tl.stdout.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["reference", "case_id", "at", "event", "actor", "data"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(rows.len() >= 2);
    assert!(rows.iter().all(|r| r[0].starts_with("C-")));
    assert_eq!(rows.iter().filter(|r| &r[3] == "created").count(), 2);
    assert!(
        rows.iter()
            .all(|r| serde_json::from_str::<serde_json::Value>(&r[5]).is_ok())
    );

    let bad = olive(&["export", "--format", "xml"], &dir);
    assert_ne!(bad.status.code(), Some(0));
}
