//! The playbook's words-and-gestures page (issue 20) as a browser without scripts posts it: a form
//! drawn before someone else saved is refused and answered with the playbook as it is now; a new case
//! field with a long label gets a key the playbook accepts; a wrong value is reported on its own row
//! even when a blank row was left before it; nothing is written (and no location copy made) on error.

mod common;

use common::TestApp;
use common::browser::{Browser, signed_in};
use reqwest::StatusCode;

/// Every field a browser would send from the page's form: inputs (checkboxes only when ticked) and
/// each select's chosen option.
fn form_of(body: &str) -> Vec<(String, String)> {
    let form = &body[body
        .find("<form method=\"post\" action=\"/playbook/settings\"")
        .expect("the form")..];
    let form = &form[..form.find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| {
        let k = format!("{name}=\"");
        tag.find(&k).map(|i| {
            let rest = &tag[i + k.len()..];
            rest[..rest.find('"').unwrap()]
                .replace("&#x27;", "'")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
        })
    };
    let mut out = Vec::new();
    let mut select: Option<(String, Option<String>)> = None;
    for tag in form.split('<') {
        if tag.starts_with("input ") {
            let (Some(name), value) = (attr(tag, "name"), attr(tag, "value")) else {
                continue;
            };
            if attr(tag, "type").as_deref() == Some("checkbox") && !tag.contains(" checked") {
                continue;
            }
            if attr(tag, "type").as_deref() == Some("radio") && !tag.contains(" checked") {
                continue;
            }
            out.push((name, value.unwrap_or_default()));
        } else if tag.starts_with("select ") {
            select = Some((attr(tag, "name").unwrap(), None));
        } else if tag.starts_with("option ") {
            if let Some((_, chosen)) = &mut select {
                let v = attr(tag, "value").unwrap_or_default();
                if chosen.is_none() || tag.contains(" selected") {
                    *chosen = Some(v);
                }
            }
        } else if tag.starts_with("/select")
            && let Some((name, Some(v))) = select.take()
        {
            out.push((name, v));
        }
    }
    out
}

fn set(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k == name) {
        Some(kv) => kv.1 = value.to_string(),
        None => form.push((name.to_string(), value.to_string())),
    }
}

async fn post(b: &mut Browser, form: &[(String, String)]) -> (StatusCode, String) {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (st, body, _) = b.post("/playbook/settings", &pairs).await;
    (st, body)
}

#[tokio::test]
async fn settings_are_saved_only_on_the_form_as_drawn_and_checked_whole() {
    let app = TestApp::spawn(false).await;
    let store = &app.fx.store;
    store
        .set_password(&app.fx.actor("dental_manager").staff_id, "correct horse")
        .await
        .unwrap();
    let mut m = signed_in(&app, "dental-manager").await;
    let page = format!("/playbook/settings?location={}", app.fx.dental);
    let (st, body, _) = m.get(&page).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let drawn = form_of(&body);
    let gestures: usize = drawn
        .iter()
        .find(|(k, _)| k == "gestures")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let fields: usize = drawn
        .iter()
        .find(|(k, _)| k == "fields")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let before = store.location(&app.fx.dental).await.unwrap().playbook_code;

    // A wrong value on the new gesture row: the message is on that row; nothing saved, no copy made.
    let mut f = drawn.clone();
    set(
        &mut f,
        &format!("g{}_name", gestures - 1),
        "Parking paid for the next visit",
    );
    set(&mut f, &format!("g{}_value", gestures - 1), "twelve");
    let (st, body) = post(&mut m, &f).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(&format!("id=\"s-g{}-value-e\"", gestures - 1)),
        "{body}"
    );
    assert!(body.contains("value=\"twelve\""), "typed text kept");
    assert_eq!(
        store.location(&app.fx.dental).await.unwrap().playbook_code,
        before,
        "no copy made"
    );

    // A new case field with a long label: a key the playbook accepts (32 characters at most).
    let mut f = drawn.clone();
    set(
        &mut f,
        &format!("f{}_label", fields - 1),
        "Name of the person who took the call at the desk",
    );
    let (st, body) = post(&mut m, &f).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    let code = store.location(&app.fx.dental).await.unwrap().playbook_code;
    assert_ne!(code, before, "the location's own copy");
    let p = store.playbook(&code).await.unwrap();
    let added = p
        .case_fields
        .iter()
        .find(|c| c.label.starts_with("Name of the person"))
        .expect("the new field");
    assert!(added.key.len() <= 32, "{}", added.key);
    // Everything else is as it was: the group's gestures, words and other fields.
    let group = store.playbook("dental").await.unwrap();
    assert_eq!(p.gestures, group.gestures);
    assert_eq!(p.playbook.customer_noun, group.playbook.customer_noun);
    assert_eq!(p.case_fields.len(), group.case_fields.len() + 1);

    // The first form, drawn before that save: refused, answered with the playbook as it is now.
    let (_, now_body, _) = m.get(&page).await;
    let now_at = form_of(&now_body).into_iter().find(|(k, _)| k == "at");
    let was_at = drawn.iter().find(|(k, _)| k == "at").cloned();
    assert_ne!(now_at, was_at, "the page is drawn at the copy's version");
    let mut f = drawn.clone();
    set(&mut f, "noun", "client");
    let (st, body) = post(&mut m, &f).await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{body} {:?} {:?}",
        f.iter().find(|(k, _)| k == "at"),
        now_at
    );
    assert!(
        body.contains("Someone saved this playbook since you opened the page"),
        "{body}"
    );
    assert!(
        body.contains("Name of the person who took the call"),
        "fresh: {body}"
    );
    assert_eq!(
        store.playbook(&code).await.unwrap().playbook.customer_noun,
        "patient"
    );
}
