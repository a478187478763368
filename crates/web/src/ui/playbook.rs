//! The playbook editor: the stages with their defect counts and one stage's defects at a time (a page,
//! or an htmx fragment), each defect edited in place in plain language; retire with a confirmation and
//! an undo; a location's own copy or (for an admin) the group's playbook; a newer built-in release.

mod draft;
mod edit;
mod legacy;
mod settings;
mod view;

use super::Nav;
use super::log::pick_location;
use super::session::Web;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use draft::DefectDraft;
pub use edit::{adopt, restore, retire, save};
pub use legacy::{defect, download, step, upload};
use olive_domain::permission::Permission;
use olive_domain::playbook::Playbook;
use olive_storage::admin::PlaybookRow;
use olive_storage::auth::WebSession;
use olive_storage::views::LocationView;
use serde::Deserialize;
pub use settings::{page as settings_page, save as settings_save};
use std::sync::Arc;
use view::{Ctx, DefectCard, EditForm, OfferView};

#[derive(Deserialize, Default, Clone)]
pub struct PageQuery {
    pub location: Option<String>,
    pub stage: Option<String>,
    /// `1`: the group's playbook rather than the location's own copy
    pub group: Option<String>,
    /// the defect being edited
    pub defect: Option<String>,
    /// the defect whose retirement is being confirmed
    pub retire: Option<String>,
    /// a defect just retired (offered back: undo)
    pub retired: Option<String>,
    pub done: Option<String>,
    /// `1`: the defect's form rather than its summary (htmx)
    pub edit: Option<String>,
}

impl PageQuery {
    /// `group=1`: the group's playbook rather than the location's own copy.
    pub fn wants_group(&self) -> bool {
        self.group.as_deref() == Some("1")
    }
}

/// One stage in the list.
pub struct StageLink {
    pub code: String,
    pub name: String,
    pub count: usize,
    pub active: bool,
}

/// The stage being shown, with its defects and the retired ones.
pub struct StageView {
    pub links: Vec<StageLink>,
    pub name: String,
    pub description: String,
    pub defects: Vec<DefectCard>,
    pub retired: Vec<(String, String)>,
    pub flash: Option<String>,
    /// just retired: (code, title), for the undo
    pub undo: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "playbook.html")]
pub struct PlaybookPage {
    nav: Nav,
    locations: Vec<LocationView>,
    ctx: Ctx,
    name: String,
    /// how this playbook relates to the location and the group, in words
    whose: String,
    /// the other view's link text and query (an admin: the group's default / the location's copy)
    other_view: Option<(String, String)>,
    stage: StageView,
    offer: Option<OfferView>,
    is_admin: bool,
    toml: String,
    errors: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "playbook_stage.html")]
pub struct StageFragment {
    ctx: Ctx,
    stage: StageView,
}

#[derive(Template, WebTemplate)]
#[template(path = "playbook_defect.html")]
pub struct DefectFragment {
    ctx: Ctx,
    d: DefectCard,
}

/// The playbook shown for a location: its own copy, or the group's (always, with `group`).
pub(crate) struct Shown {
    pub loc: LocationView,
    pub locations: Vec<LocationView>,
    pub row: PlaybookRow,
    pub p: Arc<Playbook>,
    pub currency: String,
}

/// The playbook a page's query asks for: its location's, or the group's with `group=1`.
pub(crate) async fn shown_for(
    st: &AppState,
    web: &WebSession,
    q: &PageQuery,
) -> Result<Shown, AppError> {
    shown(st, web, q.location.as_deref(), q.wants_group()).await
}

pub(crate) async fn shown(
    st: &AppState,
    web: &WebSession,
    location: Option<&str>,
    group: bool,
) -> Result<Shown, AppError> {
    let (locations, loc) = pick_location(st, web, location).await?;
    let mut row = st.store.playbook_row(&loc.playbook).await?;
    if group && row.location_id.is_some() {
        row = st.store.playbook_row(row.group()).await?;
    }
    let p = st.store.playbook(&row.code).await?;
    Ok(Shown {
        currency: loc.currency.clone(),
        loc,
        locations,
        row,
        p,
    })
}

pub(crate) fn ctx_for(web: &WebSession, s: &Shown, stage: Option<&str>) -> Ctx {
    let stage = stage
        .filter(|c| s.p.stage(c).is_some())
        .or_else(|| s.p.stages.first().map(|x| x.code.as_str()))
        .unwrap_or_default();
    let group = s.row.location_id.is_none();
    let mut c = Ctx::new(&s.p, &web.csrf, (&s.loc.id, &s.loc.name), group, stage);
    c.can_edit = web.actor.is_admin || web.actor.may(Permission::EditPlaybook, &s.loc.id);
    c.choose_scope = web.actor.is_admin && group;
    c
}

/// One stage's defects, with the one being edited (its form: stored, or as typed with its errors).
pub(crate) fn stage_view(s: &Shown, c: &Ctx, q: &PageQuery, edit: Option<EditForm>) -> StageView {
    let p = &s.p;
    let st = p.stage(&c.stage);
    let mut edit = edit;
    let defects = p
        .defects
        .iter()
        .filter(|d| d.stage == c.stage)
        .map(|d| {
            let mut card = DefectCard::of(p, d, &s.currency);
            if c.can_edit && q.defect.as_deref() == Some(d.code.as_str()) {
                card.edit = Some(edit.take().unwrap_or_else(|| {
                    EditForm::new(DefectDraft::from_defect(d), Default::default(), None)
                }));
            }
            card.confirm_retire = c.can_edit && q.retire.as_deref() == Some(d.code.as_str());
            card
        })
        .collect();
    let retired = p
        .retired_defects
        .iter()
        .filter(|d| d.stage == c.stage)
        .map(|d| (d.code.clone(), d.title.clone()))
        .collect();
    let undo = q.retired.as_ref().and_then(|code| {
        p.retired_defects
            .iter()
            .find(|d| &d.code == code)
            .map(|d| (d.code.clone(), d.title.clone()))
    });
    let links = p
        .stages
        .iter()
        .map(|x| StageLink {
            count: p.defects.iter().filter(|d| d.stage == x.code).count(),
            active: x.code == c.stage,
            code: x.code.clone(),
            name: x.name.clone(),
        })
        .collect();
    StageView {
        links,
        name: st.map(|x| x.name.clone()).unwrap_or_default(),
        description: st.map(|x| x.description.clone()).unwrap_or_default(),
        defects,
        retired,
        flash: q.done.clone(),
        undo,
    }
}

/// How the playbook shown relates to the location and the group, in words (the editor's pages say it
/// the same way).
pub(crate) fn whose(web: &WebSession, s: &Shown, c: &Ctx) -> String {
    match &s.row.location_id {
        Some(_) => format!(
            "{}'s own copy of the group's playbook. Changes here apply to {} only.",
            s.loc.name, s.loc.name
        ),
        None if c.can_edit && !web.actor.is_admin => format!(
            "The group's playbook, which {} uses. Your first change gives {} its own copy; other locations are not changed.",
            s.loc.name, s.loc.name
        ),
        None => format!(
            "The group's playbook, used by every location without its own copy (here: {}).",
            s.loc.name
        ),
    }
}

pub(crate) async fn page_for(
    st: &AppState,
    web: &WebSession,
    q: &PageQuery,
    edit: Option<EditForm>,
    errors: Vec<String>,
    toml: String,
) -> Result<PlaybookPage, AppError> {
    let s = shown_for(st, web, q).await?;
    let c = ctx_for(web, &s, q.stage.as_deref());
    let group_name = s.p.playbook.name.clone();
    let whose = whose(web, &s, &c);
    let other_view =
        (web.actor.is_admin && s.loc.playbook != s.row.code || q.wants_group()).then(|| {
            if s.row.location_id.is_none() && s.loc.playbook != s.row.code {
                (
                    format!("Show {}'s own copy", s.loc.name),
                    format!("location={}", crate::ui::urlencode(&s.loc.id)),
                )
            } else {
                (
                    "Show the group's default".to_string(),
                    format!("location={}&group=1", crate::ui::urlencode(&s.loc.id)),
                )
            }
        });
    let offer = match (c.can_edit, st.store.built_in_offer(&s.row).await?) {
        (true, Some(o)) => Some(OfferView::of(&s.p, o)),
        _ => None,
    };
    let stage = stage_view(&s, &c, q, edit);
    Ok(PlaybookPage {
        nav: Nav::new(web, "playbook"),
        name: group_name,
        whose,
        other_view,
        stage,
        offer,
        is_admin: web.actor.is_admin,
        toml,
        errors,
        locations: s.locations,
        ctx: c,
    })
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<PlaybookPage, AppError> {
    page_for(&st, &web, &q, None, Vec::new(), String::new()).await
}

/// htmx: one stage's defects.
pub async fn stage(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<StageFragment, AppError> {
    let s = shown_for(&st, &web, &q).await?;
    let ctx = ctx_for(&web, &s, q.stage.as_deref());
    let stage = stage_view(&s, &ctx, &q, None);
    Ok(StageFragment { ctx, stage })
}

/// htmx: one defect (its summary, its form with `defect`, or its retire confirmation with `retire`).
pub async fn defect_card(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<DefectFragment, AppError> {
    let s = shown_for(&st, &web, &q).await?;
    let code = q
        .defect
        .clone()
        .or_else(|| q.retire.clone())
        .unwrap_or_default();
    let d =
        s.p.defect(&code)
            .ok_or_else(|| AppError::from(olive_storage::StoreError::NotFound("defect")))?;
    let ctx = ctx_for(&web, &s, Some(&d.stage));
    let mut card = DefectCard::of(&s.p, d, &s.currency);
    if ctx.can_edit && q.retire.is_some() {
        card.confirm_retire = true;
    } else if ctx.can_edit && q.defect.is_some() && q.edit.is_some() {
        card.edit = Some(EditForm::new(
            DefectDraft::from_defect(d),
            Default::default(),
            None,
        ));
    }
    Ok(DefectFragment { ctx, d: card })
}
