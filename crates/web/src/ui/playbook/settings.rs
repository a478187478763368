//! The playbook-wide settings on one page: the business's word for its customers, its role labels,
//! its gestures (name, typical value, whether an address is needed) and the fields a case asks for.
//! The form as typed is read back into [`Settings`] with each problem beside its field, and saved in
//! place (htmx) or by an ordinary post; an admin on the group's playbook chooses where it goes.

use super::super::Nav;
use super::draft::{Errors, Fields};
use super::edit::target;
use super::view::Ctx;
use super::{PageQuery, ctx_for, shown_for};
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::{Posted, Web};
use crate::ui::{parse_money, urlencode};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::money::Cents;
use olive_domain::playbook::settings::{Settings, code_from};
use olive_domain::playbook::{
    Asked, CaseField, FieldKind, GestureKind, Playbook, RoleLabels, default_label,
};
use olive_domain::role::Role;
use olive_storage::StoreError;
use olive_storage::admin::EditScope;

/// One gesture as typed (`code` empty: the blank row that adds one).
#[derive(Debug, Clone, Default)]
pub struct GestureRow {
    pub code: String,
    pub name: String,
    pub value: String,
    pub address: bool,
    pub remove: bool,
    /// the defects offering it (it cannot be taken out while any does)
    pub users: Vec<String>,
}

/// One case field as typed (`key` empty: the blank row that adds one).
#[derive(Debug, Clone, Default)]
pub struct FieldRow {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub asked: String,
    pub remove: bool,
}

/// The whole form, as stored or as typed, with its problems by field name.
pub struct SettingsForm {
    pub noun: String,
    pub nouns: String,
    /// (role code, Olive's own word, the playbook's word as typed)
    pub roles: Vec<(&'static str, &'static str, String)>,
    pub gestures: Vec<GestureRow>,
    pub fields: Vec<FieldRow>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub errors: Errors,
    /// problems with the playbook as a whole (a provider step with no dentist field, …)
    pub general: Vec<String>,
    pub saved: Option<String>,
    /// the playbook row's `updated_at` when the form was drawn: a save made on an older one is refused
    pub at: i64,
    /// an answer to a save in place (the browser moves the focus to it)
    pub posted: bool,
}

impl SettingsForm {
    /// The answer to a save (saved, or refused): the browser moves the focus to it.
    pub fn answered(&self) -> bool {
        self.posted && (self.saved.is_some() || !self.errors.is_empty() || !self.general.is_empty())
    }

    pub fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }

    pub fn of(p: &Playbook) -> SettingsForm {
        let gestures = p
            .gestures
            .iter()
            .map(|g| GestureRow {
                code: g.code.clone(),
                name: g.name.clone(),
                value: g
                    .typical_value_cents
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                address: g.needs_address,
                remove: false,
                users: Vec::new(),
            })
            .collect();
        let fields = p
            .case_fields
            .iter()
            .map(|f| FieldRow {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.kind.as_str().into(),
                required: f.required,
                asked: f.asked.as_str().into(),
                remove: false,
            })
            .collect();
        let labels = &p.playbook.role_labels;
        SettingsForm::new(
            p,
            (&p.playbook.customer_noun, &p.playbook.customer_noun_plural),
            Role::ALL.map(|r| labels.own(r).unwrap_or_default().to_string()),
            gestures,
            fields,
        )
    }

    fn new(
        p: &Playbook,
        nouns: (&str, &str),
        roles: [String; 4],
        mut gestures: Vec<GestureRow>,
        mut fields: Vec<FieldRow>,
    ) -> SettingsForm {
        for g in &mut gestures {
            g.users = p
                .gesture_users(&g.code)
                .into_iter()
                .map(str::to_string)
                .collect();
        }
        // Rows typed but not saved stay as typed; one blank row is always there to add another.
        gestures.retain(|g| !(g.code.is_empty() && g.name.is_empty() && g.value.is_empty()));
        gestures.push(GestureRow::default());
        fields.retain(|f| !(f.key.is_empty() && f.label.is_empty()));
        fields.push(FieldRow {
            kind: "text".into(),
            asked: "logging".into(),
            ..FieldRow::default()
        });
        SettingsForm {
            noun: nouns.0.into(),
            nouns: nouns.1.into(),
            roles: Role::ALL
                .iter()
                .zip(roles)
                .map(|(r, v)| (r.as_str(), default_label(*r), v))
                .collect(),
            gestures,
            fields,
            kinds: FieldKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            errors: Errors::new(),
            general: Vec::new(),
            saved: None,
            at: 0,
            posted: false,
        }
    }

    /// The form as posted, and the settings it holds (none when a field is wrong: see `errors`).
    pub fn from_form(p: &Playbook, f: &Fields) -> (SettingsForm, Option<Settings>) {
        let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        let on = |k: &str| f.get(k).is_some_and(|v| !v.is_empty());
        let count = |k: &str| get(k).parse::<usize>().unwrap_or(0).min(200);
        let gestures = (0..count("gestures"))
            .map(|i| GestureRow {
                code: get(&format!("g{i}_code")),
                name: get(&format!("g{i}_name")),
                value: get(&format!("g{i}_value")),
                address: on(&format!("g{i}_address")),
                remove: on(&format!("g{i}_remove")),
                users: Vec::new(),
            })
            .filter(|g| !(g.code.is_empty() && g.name.is_empty() && g.value.is_empty()))
            .collect::<Vec<_>>();
        let fields = (0..count("fields"))
            .map(|i| FieldRow {
                key: get(&format!("f{i}_key")),
                label: get(&format!("f{i}_label")),
                kind: get(&format!("f{i}_kind")),
                required: on(&format!("f{i}_required")),
                asked: get(&format!("f{i}_asked")),
                remove: on(&format!("f{i}_remove")),
            })
            .filter(|r| !(r.key.is_empty() && r.label.is_empty()))
            .collect::<Vec<_>>();
        let roles = Role::ALL.map(|r| get(&format!("role_{}", r.as_str())));
        let mut errors = Errors::new();
        let noun = get("noun");
        if noun.is_empty() {
            errors.insert(
                "noun".into(),
                "Say what you call the people you serve (“patient”, “guest”).".into(),
            );
        }
        let nouns = Some(get("nouns"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{noun}s"));
        let mut kinds = Vec::new();
        for (i, g) in gestures.iter().enumerate() {
            let users = p.gesture_users(&g.code);
            if g.remove && !g.code.is_empty() {
                if !users.is_empty() {
                    errors.insert(
                        format!("g{i}_remove"),
                        format!(
                            "Still offered by {}: take it out of those defects first.",
                            users.join(", ")
                        ),
                    );
                }
                continue;
            }
            if g.name.is_empty() {
                errors.insert(format!("g{i}_name"), "Give the gesture a name.".into());
            }
            let value = match g.value.as_str() {
                "" => None,
                v => match parse_money(v) {
                    Some(c) => Some(Cents(c)),
                    None => {
                        errors.insert(format!("g{i}_value"), "Enter an amount such as 60.00, or leave it empty when only the real value will do.".into());
                        None
                    }
                },
            };
            let mut code = if g.code.is_empty() {
                code_from(&g.name)
            } else {
                g.code.clone()
            };
            if code.is_empty() && !g.name.is_empty() {
                errors.insert(
                    format!("g{i}_name"),
                    "Use at least one letter or digit in the name.".into(),
                );
            }
            let taken = |c: &str, k: &Vec<GestureKind>| k.iter().any(|x| x.code == c);
            if g.code.is_empty() {
                let base = code.clone();
                let mut n = 2;
                while taken(&code, &kinds) || gestures.iter().any(|x| x.code == code) {
                    code = format!("{base}-{n}");
                    n += 1;
                }
            }
            kinds.push(GestureKind {
                code,
                name: g.name.clone(),
                typical_value_cents: value,
                needs_address: g.address,
            });
        }
        let mut case_fields = Vec::new();
        for (i, r) in fields.iter().enumerate() {
            if r.remove {
                continue;
            }
            if r.label.is_empty() {
                errors.insert(format!("f{i}_label"), "Give the field a label.".into());
            }
            let old = p.case_field(&r.key);
            let key = if r.key.is_empty() {
                field_key(&r.label)
            } else {
                r.key.clone()
            };
            if key.is_empty() && !r.label.is_empty() {
                errors.insert(
                    format!("f{i}_label"),
                    "Use at least one letter or digit in the label.".into(),
                );
            }
            if r.key.is_empty()
                && (p.case_field(&key).is_some()
                    || case_fields.iter().any(|c: &CaseField| c.key == key))
            {
                errors.insert(
                    format!("f{i}_label"),
                    "Another field already has this label.".into(),
                );
            }
            case_fields.push(CaseField {
                key,
                label: r.label.clone(),
                kind: FieldKind::parse(&r.kind)
                    .or(old.map(|o| o.kind))
                    .unwrap_or(FieldKind::Text),
                required: r.required,
                asked: Asked::parse(&r.asked).unwrap_or_default(),
                fills: old.and_then(|o| o.fills),
            });
        }
        let mut role_labels = RoleLabels::default();
        for (r, v) in Role::ALL.iter().zip(&roles) {
            role_labels.set(*r, Some(v.clone()).filter(|v| !v.is_empty()));
        }
        let settings = errors.is_empty().then(|| Settings {
            customer_noun: noun.clone(),
            customer_noun_plural: nouns.clone(),
            role_labels,
            gestures: kinds,
            case_fields,
        });
        let mut form = SettingsForm::new(p, (&noun, &nouns), roles, gestures, fields);
        form.errors = errors;
        (form, settings)
    }
}

/// A new case field's key, made from its label: lower case, words joined by `_`, at most 32
/// characters ("Name of the person who took the call" → `name_of_the_person_who_took_the`).
fn field_key(label: &str) -> String {
    let mut key = code_from(label).replace('-', "_");
    key.truncate(32);
    key.trim_end_matches('_').to_string()
}

#[derive(Template, WebTemplate)]
#[template(path = "playbook_settings.html")]
pub struct SettingsPage {
    nav: Nav,
    name: String,
    whose: String,
    ctx: Ctx,
    form: SettingsForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "playbook_settings_form.html")]
pub struct SettingsFragment {
    ctx: Ctx,
    form: SettingsForm,
}

async fn page_for(
    st: &AppState,
    web: &olive_storage::auth::WebSession,
    q: &PageQuery,
    form: Option<SettingsForm>,
) -> Result<SettingsPage, AppError> {
    let s = shown_for(st, web, q).await?;
    let ctx = ctx_for(web, &s, q.stage.as_deref());
    let whose = super::whose(web, &s, &ctx);
    let mut form = form.unwrap_or_else(|| SettingsForm::of(&s.p));
    if form.saved.is_none() {
        form.saved = q.done.clone();
    }
    form.at = s.row.updated_at;
    Ok(SettingsPage {
        nav: Nav::new(web, "playbook"),
        name: s.p.playbook.name.clone(),
        whose,
        ctx,
        form,
    })
}

/// `GET /playbook/settings`: the words, roles, gestures and case fields of the playbook shown.
pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<SettingsPage, AppError> {
    page_for(&st, &web, &q, None).await
}

/// `POST /playbook/settings`: save them (to the location's own copy, or an admin's choice on the
/// group's playbook); a wrong field is shown beside itself with everything as typed, nothing saved.
pub async fn save(
    State(st): State<AppState>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let hx = headers.contains_key("hx-request");
    let mut shown_q = PageQuery {
        location: p.form.get("location").cloned(),
        group: p.form.get("group").cloned().filter(|g| g == "1"),
        ..PageQuery::default()
    };
    let mut s = shown_for(&st, &p.web, &shown_q).await?;
    // The row this post writes to: the group's only for an admin who chose it; anyone else's goes to
    // the location's own playbook (its copy, or the group's that a first change copies).
    let to_group = p.web.actor.is_admin
        && shown_q.wants_group()
        && p.form.get("scope").map(String::as_str) != Some("location");
    let dest = if to_group {
        s.row.clone()
    } else {
        st.store.playbook_row(&s.loc.playbook).await?
    };
    let drawn_at = p.form.get("at").and_then(|v| v.trim().parse::<i64>().ok());
    let stale = drawn_at != Some(dest.updated_at);
    if stale && dest.code != s.row.code {
        // Drawn from the group's playbook, written to the location's own copy: show the copy.
        shown_q.group = None;
        s = shown_for(&st, &p.web, &shown_q).await?;
    }
    let shown = Settings::of(&s.p);
    let (mut form, mut settings) = SettingsForm::from_form(&s.p, &p.form);
    form.posted = true;
    form.at = s.row.updated_at;
    if stale {
        // Someone saved this playbook since the page was drawn: its settings as they are now.
        form = SettingsForm::of(&s.p);
        (form.posted, form.at) = (true, s.row.updated_at);
        form.general = vec![
            "Someone saved this playbook since you opened the page: here it is now. Make your change again."
                .into(),
        ];
        settings = None;
    }
    // The whole playbook is checked before anything is written (or a location's copy is made).
    if let Some(set) = &settings {
        let mut candidate = (*s.p).clone();
        set.apply_changes(&shown, &mut candidate);
        if let Err(e) = Playbook::from_toml(&candidate.to_toml()) {
            form.general = e.issues.iter().map(|i| i.message.clone()).collect();
            settings = None;
        }
    }
    let res = match settings {
        None => None,
        Some(settings) => {
            let (row, scope, q) = target(&st, &p.web, &p.form).await?;
            let saved = st
                .store
                .save_playbook_settings(&p.web.actor, &row, &shown, &settings, scope, st.now())
                .await;
            Some((saved, scope, q))
        }
    };
    let q = match res {
        Some((Ok(passed), scope, mut q)) => {
            let msg = match (scope, passed) {
                (EditScope::All, 1) => "Saved, and passed on to 1 location's own copy.".to_string(),
                (EditScope::All, n) => {
                    format!("Saved, and passed on to {n} locations' own copies.")
                }
                _ => "Saved. New cases use these words and gestures.".to_string(),
            };
            if !hx {
                let g = if q.wants_group() { "&group=1" } else { "" };
                let loc = urlencode(q.location.as_deref().unwrap_or_default());
                return Ok(Redirect::to(&format!(
                    "/playbook/settings?location={loc}{g}&done={}",
                    urlencode(&msg)
                ))
                .into_response());
            }
            q.done = Some(msg);
            let s = shown_for(&st, &p.web, &q).await?;
            let ctx = ctx_for(&p.web, &s, None);
            let mut form = SettingsForm::of(&s.p);
            (form.saved, form.at, form.posted) = (q.done, s.row.updated_at, true);
            return Ok(SettingsFragment { ctx, form }.into_response());
        }
        Some((Err(StoreError::Validation { message, .. }), _, q)) => {
            form.general = message.lines().map(str::to_string).collect();
            q
        }
        Some((Err(e), _, _)) => return Err(e.into()),
        None => shown_q,
    };
    if hx {
        let ctx = ctx_for(&p.web, &s, None);
        return Ok(SettingsFragment { ctx, form }.into_response());
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        page_for(&st, &p.web, &q, Some(form)).await?,
    )
        .into_response())
}
