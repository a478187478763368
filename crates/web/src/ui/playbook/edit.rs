//! The editor's changes: save a defect (with a step move: up, down, remove, add), retire one after a
//! confirmation, restore it (the undo), and adopt a newer built-in release. Each answers htmx with the
//! part it changed, and a browser without JavaScript with a redirect (or the page with the errors).

use super::draft::{DefectDraft, Fields};
use super::view::{DefectCard, EditForm};
use super::{DefectFragment, PageQuery, StageFragment, ctx_for, page_for, shown, stage_view};
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::Posted;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use olive_storage::StoreError;
use olive_storage::admin::{EditScope, PlaybookRow};
use olive_storage::auth::WebSession;

/// Where a posted change goes (the location's copy, made now if need be, or the group's playbook),
/// and the view to come back to.
pub(crate) async fn target(
    st: &AppState,
    web: &WebSession,
    f: &Fields,
) -> Result<(PlaybookRow, EditScope, PageQuery), AppError> {
    let get = |k: &str| f.get(k).cloned().filter(|v| !v.is_empty());
    let group = get("group").as_deref() == Some("1");
    let scope = match (web.actor.is_admin && group, get("scope").as_deref()) {
        (true, Some("all")) => EditScope::All,
        (true, Some("location")) => EditScope::Location,
        (true, _) => EditScope::Group,
        _ => EditScope::Location,
    };
    let location = get("location").unwrap_or_default();
    let row = st
        .store
        .playbook_for_edit(&web.actor, &location, scope, st.now())
        .await?;
    let q = PageQuery {
        location: Some(location),
        stage: get("stage"),
        group: (row.location_id.is_none()).then(|| "1".to_string()),
        ..PageQuery::default()
    };
    Ok((row, scope, q))
}

fn htmx(h: &HeaderMap) -> bool {
    h.contains_key("hx-request")
}

fn query(q: &PageQuery) -> String {
    let mut out = format!(
        "location={}",
        crate::ui::urlencode(q.location.as_deref().unwrap_or_default())
    );
    for (k, v) in [
        ("stage", &q.stage),
        ("group", &q.group),
        ("defect", &q.defect),
        ("retired", &q.retired),
        ("done", &q.done),
    ] {
        if let Some(v) = v {
            out.push_str(&format!("&{k}={}", crate::ui::urlencode(v)));
        }
    }
    out
}

/// After a change to the stage (retire, restore, adopt, add): htmx gets the stage, a plain browser a
/// redirect; an error is shown on the page (or in the stage) in words.
pub(crate) async fn finish(
    st: &AppState,
    web: &WebSession,
    headers: &HeaderMap,
    mut q: PageQuery,
    res: Result<(String, String), StoreError>,
    retired: Option<String>,
) -> Result<Response, AppError> {
    match res {
        Ok((code, msg)) => {
            q.done = Some(msg);
            q.retired = retired;
            if retired_none(&q) {
                q.defect = Some(code.clone()).filter(|c| !c.is_empty());
            }
            if htmx(headers) {
                let s = shown(st, web, q.location.as_deref(), q.group.is_some()).await?;
                let ctx = ctx_for(web, &s, q.stage.as_deref());
                let stage = stage_view(&s, &ctx, &q, None);
                return Ok(StageFragment { ctx, stage }.into_response());
            }
            let anchor = if code.is_empty() {
                String::new()
            } else {
                format!("#d-{code}")
            };
            Ok(Redirect::to(&format!("/playbook?{}{anchor}", query(&q))).into_response())
        }
        Err(StoreError::Validation { message, .. }) => {
            let errors = message.lines().map(str::to_string).collect();
            let status = if htmx(headers) {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((
                status,
                page_for(st, web, &q, None, errors, String::new()).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn retired_none(q: &PageQuery) -> bool {
    q.retired.is_none()
}

/// Save a defect's form, after its step move (`op`: `up:N`, `down:N`, `remove:N`, `add`) if any.
pub async fn save(
    axum::extract::State(st): axum::extract::State<AppState>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let mut draft = DefectDraft::from_form(&p.form);
    let op = p.form.get("op").cloned().unwrap_or_default();
    let moved = op != "save" && draft.apply(&op);
    let (row, scope, mut q) = target(&st, &p.web, &p.form).await?;
    let pb = st.store.playbook(&row.code).await?;
    q.stage = pb.defect(&draft.code).map(|d| d.stage.clone()).or(q.stage);
    q.defect = Some(draft.code.clone());
    let (errors, saved) = match draft.to_defect(&pb) {
        Ok(d) if pb.defect(&d.code).is_none() => {
            return Err(StoreError::NotFound("defect").into());
        }
        Ok(d) => {
            let passed = st
                .store
                .save_defect(&p.web.actor, &row, d, scope, st.now())
                .await?;
            let what = if moved {
                "Steps reordered and saved"
            } else {
                "Saved"
            };
            let more = match scope {
                EditScope::All => {
                    format!(" Also changed in {passed} location copies that had not changed it.")
                }
                EditScope::Group => " Locations with their own copy keep theirs.".to_string(),
                EditScope::Location => String::new(),
            };
            (
                Default::default(),
                Some(format!("{what}; new cases use it.{more}")),
            )
        }
        Err(e) => (e, None),
    };
    let failed = !errors.is_empty();
    let form = EditForm::new(
        if failed {
            draft
        } else {
            DefectDraft::from_defect(
                st.store
                    .playbook(&row.code)
                    .await?
                    .defect(&q.defect.clone().unwrap_or_default())
                    .ok_or(StoreError::NotFound("defect"))?,
            )
        },
        errors,
        saved.clone(),
    );
    if htmx(&headers) {
        let s = shown(&st, &p.web, q.location.as_deref(), q.group.is_some()).await?;
        let ctx = ctx_for(&p.web, &s, q.stage.as_deref());
        let Some(d) = s.p.defect(q.defect.as_deref().unwrap_or_default()) else {
            return Err(StoreError::NotFound("defect").into());
        };
        let mut card = DefectCard::of(&s.p, d, &s.currency);
        card.edit = Some(form);
        return Ok(DefectFragment { ctx, d: card }.into_response());
    }
    if failed {
        let page = page_for(&st, &p.web, &q, Some(form), Vec::new(), String::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    q.done = saved;
    let code = q.defect.clone().unwrap_or_default();
    Ok(Redirect::to(&format!("/playbook?{}#d-{code}", query(&q))).into_response())
}

/// Retire a defect (after its confirmation): new cases can no longer choose it; offered back (undo).
pub async fn retire(
    axum::extract::State(st): axum::extract::State<AppState>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    set_retired(st, headers, p, true).await
}

/// Restore a retired defect (the undo, or from the retired list).
pub async fn restore(
    axum::extract::State(st): axum::extract::State<AppState>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    set_retired(st, headers, p, false).await
}

/// Retire or restore the posted defect, and answer with the stage (retired: with its undo).
async fn set_retired(
    st: AppState,
    headers: HeaderMap,
    p: Posted<Fields>,
    retired: bool,
) -> Result<Response, AppError> {
    let code = p.form.get("defect").cloned().unwrap_or_default();
    let (row, _, q) = target(&st, &p.web, &p.form).await?;
    let res = st
        .store
        .set_defect_retired(&p.web.actor, &row, &code, retired, st.now())
        .await
        .map(|pb| {
            let list = if retired {
                &pb.retired_defects
            } else {
                &pb.defects
            };
            let title = list
                .iter()
                .find(|d| d.code == code)
                .map(|d| d.title.clone())
                .unwrap_or_default();
            if retired {
                (String::new(), format!("Retired ‘{title}’. New cases can no longer choose it; open cases keep their protocol."))
            } else {
                (code.clone(), format!("Restored ‘{title}’; new cases can choose it again."))
            }
        });
    finish(&st, &p.web, &headers, q, res, retired.then_some(code)).await
}

/// Adopt a newer built-in release: one defect (`defect`), every one (`all`), or keep yours (`keep`).
pub async fn adopt(
    axum::extract::State(st): axum::extract::State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let (row, _, q) = target(&st, &p.web, &p.form).await?;
    let keep = !get("keep").is_empty();
    let one = Some(get("defect")).filter(|d| !d.is_empty() && get("all").is_empty());
    let res = st
        .store
        .adopt_built_in(&p.web.actor, &row, one.as_deref(), keep, st.now())
        .await
        .map(|n| {
            let msg = match (keep, n) {
                (true, _) => {
                    "Kept your playbook as it is; the newer built-in version is no longer offered."
                        .to_string()
                }
                (_, 1) => "Adopted the built-in version of 1 defect; new cases use it.".to_string(),
                (_, n) => format!("Adopted the built-in version of {n} defects; new cases use it."),
            };
            (String::new(), msg)
        });
    // The offer sits above the stages: always come back to the whole page.
    finish(&st, &p.web, &HeaderMap::new(), q, res, None).await
}
