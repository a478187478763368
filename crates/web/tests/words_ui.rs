//! The business's words on the pages of issue 20 (part B): approvals with their context, moving on to
//! the next request, a decline that needs its reason (422, nothing stored), the log form reporting
//! every missing field at once, and no raw code (`pending_approval`, `front_desk`, `PT10M`…) in the
//! visible text of the log page, board, case list, approvals, alerts and settings.

mod common;

use common::TestApp;
use common::browser::{Browser, signed_in};
use olive_domain::gesture::GestureStatus;
use reqwest::StatusCode;

/// The text a person sees: tags, scripts and styles removed (attribute values are not visible).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let tail = &rest[i..];
        let end_tag = if tail.starts_with("<script") {
            "</script>"
        } else if tail.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        rest = tail
            .find(end_tag)
            .map_or("", |j| &tail[j + end_tag.len()..]);
    }
    out.push_str(rest);
    out.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Raw codes that must never reach a person's eyes.
const CODES: [&str; 11] = [
    "pending_approval",
    "in_progress",
    "awaiting_verification",
    "front_desk",
    "team_member",
    "PT10M",
    "PT1H",
    "P1D",
    "gesture_approved",
    "gesture_declined",
    "lottery-card",
];

fn assert_no_codes(who: &str, path: &str, html: &str) {
    let text = visible(html);
    for code in CODES {
        assert!(
            !text.contains(code),
            "{who} {path}: the raw code {code:?} is visible in: …{}…",
            text.find(code).map_or("", |i| &text
                [i.saturating_sub(80)..(i + 80).min(text.len())])
        );
    }
    // A gesture's slug on its own ("flowers" rather than the playbook's name).
    for slug in [" flowers ", " taxi-home", "gift-voucher"] {
        assert!(
            !text.contains(slug),
            "{who} {path}: the slug {slug:?} in …{}…",
            text.find(slug).map_or("", |i| &text
                [i.saturating_sub(80)..(i + 80).min(text.len())])
        );
    }
}

async fn case(app: &TestApp, who: &str, loc: &str, defect: &str, name: &str) -> String {
    let input = olive_storage::cases::NewCase {
        location_id: loc.to_string(),
        defect: defect.into(),
        stage: None,
        customer: olive_storage::cases::CustomerInput {
            name: name.into(),
            phone: Some("0412 345 678".into()),
            ..Default::default()
        },
        description: "Waited 50 minutes".into(),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let (c, _) = app
        .fx
        .store
        .create_case(app.fx.actor(who), input, None, jiff::Timestamp::now())
        .await
        .unwrap();
    c.summary.id
}

async fn ask(app: &TestApp, who: &str, case: &str, kind: &str, cents: i64, why: &str) -> String {
    let gift = olive_storage::actions::NewGesture {
        kind: kind.into(),
        value_cents: cents,
        note: why.into(),
        step_id: None,
    };
    let (_, id, _) = app
        .fx
        .store
        .give_gesture(app.fx.actor(who), case, gift, None, jiff::Timestamp::now())
        .await
        .unwrap();
    id
}

async fn status_of(app: &TestApp, case: &str, gesture: &str) -> GestureStatus {
    let d = app
        .fx
        .store
        .get_case(app.fx.actor("admin"), case, jiff::Timestamp::now())
        .await
        .unwrap();
    d.gestures.iter().find(|g| g.id == gesture).unwrap().status
}

#[tokio::test]
async fn approvals_show_context_and_move_on_and_pages_speak_the_business_words() {
    let app = TestApp::spawn(false).await;
    for who in [
        "admin",
        "dental_front",
        "dental_manager",
        "grill_front",
        "grill_manager",
    ] {
        app.fx
            .store
            .set_password(&app.fx.actor(who).staff_id, "correct horse")
            .await
            .unwrap();
    }
    let (dental, grill) = (app.fx.dental.clone(), app.fx.grill.clone());
    let a = case(&app, "dental_front", &dental, "long-wait", "Ava Nguyen").await;
    ask(&app, "dental_front", &a, "coffee", 6_00, "").await;
    let flowers = ask(
        &app,
        "dental_front",
        &a,
        "flowers",
        300_00,
        "She waited 50 minutes with a toddler",
    )
    .await;
    let b = case(&app, "dental_front", &dental, "long-wait", "Ben Okafor").await;
    let taxi = ask(&app, "dental_front", &b, "taxi-home", 250_00, "No bus").await;
    // A critical case at the grill, so its manager's alert has one.
    case(
        &app,
        "grill_front",
        &grill,
        "allergen-in-served-dish",
        "Table 7",
    )
    .await;

    // The manager's queue: customer with the noun, defect, gesture name, typical and asked value,
    // already given, who asked and why, how long it has waited.
    let mut m = signed_in(&app, "dental-manager").await;
    // The case page shows the phone as it was typed (the API keeps the normalised number).
    let reference = app
        .fx
        .store
        .get_case(app.fx.actor("admin"), &b, jiff::Timestamp::now())
        .await
        .unwrap()
        .summary
        .reference;
    let (st, page, _) = m.get(&format!("/cases/{reference}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        page.contains(">0412 345 678</a>"),
        "the typed phone on the case page"
    );
    let (st, page, _) = m.get("/approvals").await;
    assert_eq!(st, StatusCode::OK);
    let text = visible(&page);
    for want in [
        "Patient",
        "Ava Nguyen",
        "Flowers delivered to the patient's home",
        "300.00 AUD",
        "usually 60.00 AUD",
        "Coffee or tea from the cafe nearby, brought to the waiting room (6.00 AUD) — total 6.00 AUD",
        "dental front",
        "She waited 50 minutes with a toddler",
        "waiting under a minute",
        "Nothing yet",
    ] {
        assert!(text.contains(want), "approvals page lacks {want:?}: {text}");
    }

    // Declining with no reason: 422, the message beside the box, nothing stored.
    let csrf = m.csrf("/approvals").await;
    let (st, page, _) = m
        .post(
            &format!("/approvals/{flowers}/decline"),
            &[("_csrf", &csrf), ("note", "  ")],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(&format!("id=\"why-{flowers}-error\"")),
        "message beside the box: {page}"
    );
    assert!(page.contains(&format!("aria-describedby=\"why-{flowers}-error\"")));
    assert_eq!(
        status_of(&app, &a, &flowers).await,
        GestureStatus::PendingApproval
    );
    // From htmx: the card alone, with its message, still 422.
    let res = m
        .http
        .post(format!("{}/approvals/{flowers}/decline", m.base))
        .header("cookie", m.cookies.join("; "))
        .header("hx-request", "true")
        .form(&[("_csrf", csrf.as_str()), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let card = res.text().await.unwrap();
    assert!(
        card.starts_with("<article") && card.contains("field-error"),
        "{card}"
    );

    // Declined with a reason (htmx): the card becomes a short line, the next request comes with focus.
    let res = m
        .http
        .post(format!("{}/approvals/{flowers}/decline", m.base))
        .header("cookie", m.cookies.join("; "))
        .header("hx-request", "true")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("note", "A card fits better here"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let frag = res.text().await.unwrap();
    assert!(frag.contains("Declined — 1 more waiting."), "{frag}");
    assert!(
        frag.contains(&format!("id=\"req-{taxi}\"")) && frag.contains("autofocus"),
        "{frag}"
    );
    assert_eq!(status_of(&app, &a, &flowers).await, GestureStatus::Declined);

    // Approved without JavaScript: back to the queue, which says so.
    let (st, _, h) = m
        .post(&format!("/approvals/{taxi}/approve"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], "/approvals?decided=approved");
    let (_, page, _) = m.get("/approvals?decided=approved").await;
    assert!(visible(&page).contains("Approved — nothing else is waiting."));
    assert_eq!(status_of(&app, &b, &taxi).await, GestureStatus::Approved);
    // Deciding it again: already decided, nothing changes.
    let (st, _, h) = m
        .post(
            &format!("/approvals/{taxi}/decline"),
            &[("_csrf", &csrf), ("note", "x")],
        )
        .await;
    assert_eq!(
        (st, h["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/approvals?decided=gone")
    );
    assert_eq!(status_of(&app, &b, &taxi).await, GestureStatus::Approved);

    // Another request waiting, so the alert and approvals carry one too.
    ask(&app, "dental_front", &b, "flowers", 200_00, "").await;

    // No raw codes on the pages, for each person.
    let mut pages: Vec<(&str, Vec<&str>)> = vec![
        (
            "dental-front",
            vec!["/", "/board", "/cases", "/ui/alerts", "/my"],
        ),
        (
            "dental-manager",
            vec![
                "/",
                "/board",
                "/cases",
                "/approvals",
                "/ui/alerts",
                "/settings",
            ],
        ),
        (
            "grill-manager",
            vec![
                "/",
                "/board",
                "/cases",
                "/approvals",
                "/ui/alerts",
                "/settings",
            ],
        ),
        ("admin", vec!["/", "/cases", "/approvals", "/settings"]),
    ];
    for (who, paths) in pages.drain(..) {
        let mut br: Browser = signed_in(&app, who).await;
        for path in paths {
            let (st, html, _) = br.get(path).await;
            assert_eq!(st, StatusCode::OK, "{who} {path}");
            assert_no_codes(who, path, &html);
        }
    }
    // The requester's alert: the decision, with the gesture's name and the reason.
    let mut f = signed_in(&app, "dental-front").await;
    let (_, alert, _) = f.get("/ui/alerts").await;
    let alert = visible(&alert);
    assert!(
        alert.contains("Flowers delivered to the patient's home (300.00 AUD)")
            && alert.contains("A card fits better here"),
        "{alert}"
    );

    // The words of each playbook: the role labels in settings, the log page's heading.
    let (_, s, _) = m.get("/settings").await;
    let s = visible(&s);
    assert!(s.contains("Receptionist") && s.contains("Dentist"), "{s}");
    assert!(s.contains("What patients see"), "{s}");
    let mut gm = signed_in(&app, "grill-manager").await;
    let (_, s, _) = gm.get("/settings").await;
    assert!(visible(&s).contains("Host"), "{s}");
    let (_, log, _) = gm.get("/").await;
    assert!(visible(&log).contains("Log a guest's problem"));
    let (_, log, _) = m.get("/").await;
    assert!(visible(&log).contains("Log a patient's problem"));
}

#[tokio::test]
async fn the_log_form_reports_every_missing_field_at_once() {
    let app = TestApp::spawn(false).await;
    app.fx
        .store
        .set_password(&app.fx.actor("dental_front").staff_id, "correct horse")
        .await
        .unwrap();
    let mut b = signed_in(&app, "dental-front").await;
    let csrf = b.csrf("/").await;
    let (st, page, _) = b
        .post(
            "/log",
            &[
                ("_csrf", &csrf),
                ("location_id", &app.fx.dental),
                ("customer_phone", "12"),
                ("customer_email", "nope"),
                ("preferred_name", "Pri"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // Each beside its field, described by it; all listed on top with links to the fields.
    for (field, error) in [
        ("defect-search", "defect-error"),
        ("customer_name", "name-error"),
        ("customer_phone", "phone-error"),
        ("customer_email", "email-error"),
        ("description", "description-error"),
    ] {
        assert!(
            page.contains(&format!("id=\"{error}\"")),
            "{error} missing: {page}"
        );
        let at = page.find(&format!("id=\"{field}\"")).expect(field);
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        assert!(
            tag.contains("aria-invalid=\"true\"")
                && tag.contains(&format!("aria-describedby=\"{error}\"")),
            "{field}: {tag}"
        );
        assert!(
            page.contains(&format!("<a href=\"#{field}\">")),
            "summary link to {field}"
        );
    }
    let text = visible(&page);
    assert!(text.contains("5 things to fix"), "{text}");
    assert!(page.contains("value=\"Pri\""), "what was typed is kept");
    let (_, list) = app.get("admin", "/api/v1/cases").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing logged");
}
