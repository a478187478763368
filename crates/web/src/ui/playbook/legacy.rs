//! The editor's older forms: download the TOML, upload an edited one (validated, nothing replaced on
//! error, the text kept), the single-step form, and adding a defect with a starting protocol.

use super::draft::{DefectDraft, Fields, StepDraft};
use super::edit::{finish, target};
use super::{PageQuery, page_for, shown_for};
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::{Posted, Web};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use olive_storage::StoreError;
use olive_storage::admin::StepUpdate;

pub async fn download(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let s = shown_for(&st, &web, &q).await?;
    let disposition = format!("attachment; filename=\"{}.toml\"", s.p.playbook.code);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        s.p.to_toml(),
    )
        .into_response())
}

/// Upload an edited TOML playbook (pasted) as the group's: validated; nothing is replaced on error and
/// the text is kept.
pub async fn upload(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let text = p.form.get("toml").cloned().unwrap_or_default();
    let location = p.form.get("location").cloned().unwrap_or_default();
    let res = st
        .store
        .upload_playbook(&p.web.actor, &text, st.now())
        .await;
    let q = PageQuery {
        location: Some(location.clone()),
        ..PageQuery::default()
    };
    let errors = match res {
        Ok(pb) => {
            let old = pb.warnings(&text);
            let msg = match old.first() {
                None => "Playbook saved; new cases use it.".to_string(),
                Some(w) => format!(
                    "Playbook saved; new cases use it. It still uses {} old token(s), which work but say less clearly who is meant; for example, {}",
                    old.len(),
                    w.message
                ),
            };
            return Ok(Redirect::to(&format!(
                "/playbook?location={}&done={}",
                crate::ui::urlencode(&location),
                crate::ui::urlencode(&msg)
            ))
            .into_response());
        }
        Err(StoreError::Validation { message, .. }) => {
            message.lines().map(str::to_string).collect()
        }
        Err(StoreError::Forbidden(m)) => vec![m],
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        page_for(&st, &p.web, &q, None, errors, text).await?,
    )
        .into_response())
}

/// The single-step form of earlier releases (by playbook code).
pub async fn step(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let u = StepUpdate {
        defect: get("defect"),
        index: get("index").parse().unwrap_or(usize::MAX),
        due: get("due"),
        owner: get("owner"),
        say: get("say"),
        write: get("write"),
    };
    st.store
        .update_playbook_step(&p.web.actor, &get("code"), u, st.now())
        .await?;
    Ok(Redirect::to(&format!(
        "/playbook?location={}&done={}",
        crate::ui::urlencode(&get("location_id")),
        crate::ui::urlencode("Step saved; new cases use it.")
    ))
    .into_response())
}

/// Add a defect with a starting protocol (acknowledge, put it right, check it worked) to refine.
pub async fn defect(
    State(st): State<AppState>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let code = olive_domain::playbook::settings::code_from(&get("title"));
    let step = |title: &str, kind: &str, due_kind: &str, n: &str, t: &str, say: &str| StepDraft {
        title: title.into(),
        kind: kind.into(),
        owner: "front_desk".into(),
        due_kind: due_kind.into(),
        due_number: n.into(),
        due_time: t.into(),
        say: say.into(),
        ..StepDraft::default()
    };
    let draft = DefectDraft {
        code: if code.is_empty() {
            "new-defect".into()
        } else {
            code
        },
        stage: get("stage"),
        title: get("title"),
        severity: get("severity"),
        keywords: get("keywords"),
        steps: vec![
            step(
                "Acknowledge and apologise",
                "acknowledge",
                "minutes",
                "10",
                "",
                "I'm sorry this happened. I'll look after it myself, right now.",
            ),
            step("Put it right", "fix", "same_day", "", "17:00", ""),
            step(
                "Check the recovery hit home",
                "verify",
                "next_business_day",
                "",
                "12:00",
                "I wanted to check that we put things right for you.",
            ),
        ],
        ..DefectDraft::default()
    };
    let (row, scope, q) = target(&st, &p.web, &p.form).await?;
    let pb = st.store.playbook(&row.code).await?;
    let mut d = draft;
    let base = d.code.clone();
    let mut n = 2;
    while pb.defect(&d.code).is_some() || pb.retired_defects.iter().any(|r| r.code == d.code) {
        d.code = format!("{base}-{n}");
        n += 1;
    }
    let res = match d.to_defect(&pb) {
        Ok(defect) => {
            let code = defect.code.clone();
            st.store
                .save_defect(&p.web.actor, &row, defect, scope, st.now())
                .await
                .map(|_| (code, "Defect added; edit its steps below.".to_string()))
        }
        Err(e) => Err(StoreError::field(
            "title",
            e.into_values().collect::<Vec<_>>().join(" "),
        )),
    };
    finish(&st, &p.web, &headers, q, res, None).await
}
