//! The `olive` command line: exit codes and messages of check-wording, playbook validate/import/export, user and token.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn olive(args: &[&str], stdin: Option<&str>, data_dir: &std::path::Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_olive"))
        .args(args)
        .env("OLIVE_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run olive");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "olive-cli-{name}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn check_wording_exit_codes() {
    let dir = temp_dir("wording");
    let clean = olive(
        &["check-wording", "There's no charge for your steak tonight."],
        None,
        &dir,
    );
    assert_eq!(clean.status.code(), Some(0));
    let flagged = olive(
        &["check-wording", "--json"],
        Some("I'm buying your steak"),
        &dir,
    );
    assert_eq!(flagged.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&flagged.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule_id"], "buying-your");
    let missing = olive(
        &["check-wording", "--file", "/nonexistent/words.txt"],
        None,
        &dir,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/words.txt"));
}

#[test]
fn playbook_validate_names_file_and_line() {
    let dir = temp_dir("validate");
    let src = olive_domain::playbook::Playbook::built_in_source("restaurant").unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, src).unwrap();
    let ok = olive(
        &["playbook", "validate", good.to_str().unwrap()],
        None,
        &dir,
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let broken = src.replacen("severity = \"major\"", "severity = \"dreadful\"", 1);
    let line = broken.lines().position(|l| l.contains("dreadful")).unwrap() + 1;
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, &broken).unwrap();
    let out = olive(&["playbook", "validate", bad.to_str().unwrap()], None, &dir);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
}

#[test]
fn users_tokens_and_playbooks_on_the_embedded_database() {
    let dir = temp_dir("admin");
    let out = olive(
        &[
            "user",
            "add",
            "--name",
            "Olivia",
            "--email",
            "owner@example.com",
            "--admin",
        ],
        None,
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = olive(
        &["token", "create", "--email", "owner@example.com"],
        None,
        &dir,
    );
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        token.starts_with("olv_") && token.len() > 40 && !token.contains('\n'),
        "{token}"
    );
    let out = olive(
        &["token", "create", "--email", "nobody@example.com"],
        None,
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    let out = olive(&["playbook", "list"], None, &dir);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("dental") && list.contains("restaurant"),
        "{list}"
    );
    let out = olive(&["playbook", "export", "dental"], None, &dir);
    let exported = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(olive_domain::playbook::Playbook::from_toml(&exported).is_ok());
}

/// What `olive worker` logs in its first seconds with these settings (it is stopped after that).
fn worker_log(data_dir: &std::path::Path, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_olive"));
    cmd.arg("worker")
        .env("OLIVE_DATA_DIR", data_dir)
        .env("OLIVE_WORKER_TICK_MS", "50")
        .env_remove("DATABASE_URL")
        .env_remove("OLIVE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for name in [
        "OLIVE_PUBLIC_URL",
        "OLIVE_SMTP_HOST",
        "OLIVE_SMTP_FROM",
        "OLIVE_SMTP_HELO_NAME",
    ] {
        cmd.env_remove(name);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run olive worker");
    let stderr = child.stderr.take().unwrap();
    // Lines as they come, so the test waits for the worker to start however loaded the machine is
    // (a fixed sleep saw nothing at all when start-up was slow).
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let started = std::time::Instant::now();
    while !log.contains("worker running") && started.elapsed() < std::time::Duration::from_secs(90)
    {
        if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            log.push_str(&line);
            log.push('\n');
        }
    }
    // Several ticks after start-up: a warning repeated per tick would show up more than once.
    std::thread::sleep(std::time::Duration::from_secs(3));
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    log.extend(rx.try_iter().map(|l| l + "\n"));
    log
}

#[test]
fn start_up_warns_once_about_a_default_sender_and_public_url() {
    let dir = temp_dir("defaults");
    // SMTP set up (nothing is sent: the outbox is empty), its sender and the public URL left alone.
    let log = worker_log(&dir, &[("OLIVE_SMTP_HOST", "127.0.0.1")]);
    assert!(log.contains("worker running"), "{log}");
    assert_eq!(
        log.matches("OLIVE_PUBLIC_URL is not set").count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("OLIVE_SMTP_FROM is not set").count(),
        1,
        "{log}"
    );
    assert!(log.contains("WARN"), "{log}");
    let log = worker_log(
        &dir,
        &[
            ("OLIVE_SMTP_HOST", "127.0.0.1"),
            ("OLIVE_SMTP_FROM", "Olive <olive@olive.example.com>"),
            ("OLIVE_PUBLIC_URL", "https://olive.example.com"),
        ],
    );
    assert!(log.contains("worker running"), "{log}");
    assert!(!log.contains("is not set"), "{log}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `olive` with only the given environment (no `OLIVE_DATA_DIR`), for the settings file's tests.
fn olive_bare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_olive"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("OLIVE_DATA_DIR")
        .env_remove("OLIVE_CONFIG")
        .output()
        .expect("run olive")
}

#[test]
fn a_settings_file_fills_what_the_command_line_and_environment_leave_out() {
    let dir = temp_dir("config");
    let file = dir.join("olive.toml");
    let from_file = dir.join("from-file");
    std::fs::write(
        &file,
        format!(
            "data_dir = \"{}\"\npublic_url = \"https://olive.example.com\"\n",
            from_file.display()
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let out = olive_bare(&["--config", f, "migrate"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        from_file.join("olive.db").is_file(),
        "the file's data_dir was used"
    );
    // The command line wins over the file.
    let from_flag = dir.join("from-flag");
    let out = olive_bare(&[
        "migrate",
        "--config",
        f,
        "--data-dir",
        from_flag.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(from_flag.join("olive.db").is_file());
    // A key Olive does not know, and a bad value, stop start-up with their names.
    std::fs::write(&file, "pubic_url = \"https://olive.example.com\"\n").unwrap();
    let out = olive_bare(&["--config", f, "migrate"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("'pubic_url'") && err.contains("olive.toml"),
        "{err}"
    );
    std::fs::write(&file, "smtp_host = \"127.0.0.1\"\nsmtp_port = \"lots\"\n").unwrap();
    let out = olive_bare(&["--config", f, "migrate"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("OLIVE_SMTP_PORT"), "{err}");
    let out = olive_bare(&[
        "--config",
        dir.join("missing.toml").to_str().unwrap(),
        "migrate",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
    std::fs::remove_dir_all(&dir).ok();
}
