//! A case's playbook fields (the dentist, the table, the appointment time) and its scripts rendered with every name in its own place.

use super::*;
use crate::store::Location;
use olive_domain::playbook::{FieldKind, FieldValues};
use olive_domain::script::{self, Cast, Placeholder};
use olive_domain::{CaseField, Playbook};

/// How a visit time reads in a script and on the page ("Saturday 5 December, 2:30 pm").
const VISIT_TIME: &str = "%A %-d %B, %-I:%M %P";

impl Store {
    /// Case fields as typed, checked against the playbook: an unknown key, a value of the wrong kind,
    /// a staff member who does not work at the location or a missing required field is named
    /// (`fields.<key>`). `existing` are the values already on the case (an edit changes only those named).
    pub(crate) async fn parse_fields(
        &self,
        playbook: &Playbook,
        location: &Location,
        raw: &BTreeMap<String, serde_json::Value>,
        existing: Option<&FieldValues>,
        errs: &mut FieldErrors,
    ) -> Result<FieldValues, StoreError> {
        let mut out = existing.cloned().unwrap_or_default();
        for (key, value) in raw {
            let name = format!("fields.{key}");
            let Some(field) = playbook.case_field(key) else {
                let known: Vec<&str> = playbook
                    .case_fields
                    .iter()
                    .map(|f| f.key.as_str())
                    .collect();
                errs.add(
                    &name,
                    &if known.is_empty() {
                        "this playbook asks for no case fields".to_string()
                    } else {
                        format!("not a field of this playbook (it has {})", known.join(", "))
                    },
                );
                continue;
            };
            let text = match value {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => {
                    errs.add(&name, "expected text or a number");
                    continue;
                }
            };
            match field.parse_value(&text) {
                Err(e) => errs.add(&name, &e),
                Ok(None) if field.required => {
                    errs.add(
                        &name,
                        format!("the {} is required", field.label.to_lowercase()),
                    );
                }
                Ok(None) => {
                    out.remove(key);
                }
                Ok(Some(v)) => match self.field_value(field, location, &v).await? {
                    Ok(v) => {
                        out.insert(key.clone(), v);
                    }
                    Err(e) => errs.add(&name, &e),
                },
            }
        }
        if existing.is_none() {
            for f in &playbook.case_fields {
                errs.check(
                    !f.required
                        || f.asked != olive_domain::playbook::Asked::Logging
                        || out.contains_key(&f.key),
                    &format!("fields.{}", f.key),
                    &format!("enter the {}", f.label.to_lowercase()),
                );
            }
        }
        Ok(out)
    }

    /// A staff field's id must be someone at the location; a time is read in the location's time zone
    /// ("2026-12-05T14:30") or as an instant, and kept as an RFC 3339 instant.
    async fn field_value(
        &self,
        field: &CaseField,
        location: &Location,
        v: &str,
    ) -> Result<Result<String, String>, StoreError> {
        Ok(match field.kind {
            FieldKind::Staff => {
                let q = Query::select()
                    .column(("s", "id"))
                    .from_as("staff", "s")
                    .inner_join(
                        sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                        Expr::col(("sl", "staff_id")).equals(("s", "id")),
                    )
                    .and_where(Expr::col(("s", "id")).eq(v))
                    .and_where(Expr::col(("sl", "location_id")).eq(location.id.clone()))
                    .and_where(Expr::col(("s", "active")).eq(1))
                    .to_owned();
                match self.db.fetch_optional(&q).await? {
                    Some(_) => Ok(v.to_string()),
                    None => Err(format!(
                        "choose a {} who works at {}",
                        field.label.to_lowercase(),
                        location.name
                    )),
                }
            }
            FieldKind::Time => parse_time(v, location)
                .map(|t| t.to_string())
                .ok_or_else(|| "enter a date and time, e.g. 2026-12-05T14:30".to_string()),
            FieldKind::Text | FieldKind::Number => Ok(v.to_string()),
        })
    }
}

impl Store {
    /// A case's scene and its playbook (for scripts rendered outside the case page: the follow-up, print views).
    pub(crate) async fn scene_of(
        &self,
        c: &CaseRow,
        location: &Location,
    ) -> Result<(Scene, std::sync::Arc<Playbook>), StoreError> {
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let mut ids = staff_in_fields(c, &playbook);
        ids.push(c.owner_id.clone());
        let names = self.names(ids).await?;
        Ok((Scene::new(c, &playbook, location, &names), playbook))
    }

    /// Any text rendered for a case as the caller would say or write it (a card's note typed by
    /// staff, a message): placeholders filled, blanks listed.
    pub async fn render_for_case(
        &self,
        actor: &Actor,
        key: &str,
        text: &str,
    ) -> Result<ScriptView, StoreError> {
        let c = self.case_row(actor, key).await?;
        let location = self.location(&c.location_id).await?;
        let (scene, _) = self.scene_of(&c, &location).await?;
        Ok(scene.render(text, &actor.name).unwrap_or(ScriptView {
            template: String::new(),
            text: String::new(),
            blanks: Vec::new(),
        }))
    }
}

/// A time typed for a case field: an instant, or a civil date and time at the location.
pub(crate) fn parse_time(v: &str, location: &Location) -> Option<Timestamp> {
    v.parse::<Timestamp>().ok().or_else(|| {
        v.parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(location.tz.clone()).ok())
            .map(|z| z.timestamp())
    })
}

/// Everything a case's scripts and pages say about it, read once: the names behind its fields, the
/// business, the playbook's words.
pub(crate) struct Scene {
    pub customer_name: String,
    pub preferred_name: Option<String>,
    pub owner: String,
    pub business: String,
    pub business_phone: Option<String>,
    pub greeting_fallback: String,
    /// placeholder → value as read ("Dr Ines Ruiz", "Table 12"'s "12", "Saturday 5 December, 2:30 pm")
    pub filled: HashMap<Placeholder, String>,
    pub fields: Vec<CaseFieldView>,
}

impl Scene {
    /// `names`: staff names by id (the owner and every staff field's value must be in it).
    pub fn new(
        c: &CaseRow,
        playbook: &Playbook,
        location: &Location,
        names: &HashMap<String, String>,
    ) -> Scene {
        let mut filled = HashMap::new();
        let fields = playbook
            .case_fields
            .iter()
            .map(|f| {
                let value = c.fields.get(&f.key).cloned();
                let display = value.as_deref().map(|v| match f.kind {
                    FieldKind::Staff => names.get(v).cloned().unwrap_or_else(|| v.to_string()),
                    FieldKind::Time => v
                        .parse::<Timestamp>()
                        .map(|t| {
                            t.to_zoned(location.tz.clone())
                                .strftime(VISIT_TIME)
                                .to_string()
                        })
                        .unwrap_or_else(|_| v.to_string()),
                    FieldKind::Text | FieldKind::Number => v.to_string(),
                });
                if let (Some(p), Some(d)) = (f.placeholder(), &display) {
                    filled.insert(p, d.clone());
                }
                CaseFieldView {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    kind: f.kind,
                    required: f.required,
                    asked: f.asked,
                    value,
                    display,
                }
            })
            .collect();
        Scene {
            customer_name: c.customer.name.clone(),
            preferred_name: c.customer.preferred_name.clone(),
            owner: names.get(&c.owner_id).cloned().unwrap_or_default(),
            business: location.name.clone(),
            business_phone: location.phone.as_ref().map(|p| p.as_str().to_string()),
            greeting_fallback: playbook.playbook.greeting_fallback.clone(),
            filled,
            fields,
        }
    }

    /// Who is who, for a script done (or about to be done) by `me`.
    pub fn cast<'a>(&'a self, me: &'a str) -> Cast<'a> {
        let get = |p| self.filled.get(&p).map(String::as_str);
        Cast {
            customer_name: &self.customer_name,
            preferred_name: self.preferred_name.as_deref(),
            me,
            owner: &self.owner,
            provider: get(Placeholder::Provider),
            business: &self.business,
            business_phone: self.business_phone.as_deref(),
            table: get(Placeholder::Table),
            visit_time: get(Placeholder::VisitTime),
            party_size: get(Placeholder::PartySize),
            greeting_fallback: &self.greeting_fallback,
        }
    }

    /// A script rendered for this case, or `None` when the step has none.
    pub fn render(&self, template: &str, me: &str) -> Option<ScriptView> {
        if template.trim().is_empty() {
            return None;
        }
        let r = script::render(template, &self.cast(me));
        Some(ScriptView {
            template: template.to_string(),
            text: r.text,
            blanks: r.blanks,
        })
    }
}

/// The staff ids a case's fields name (to read their names with the rest).
pub(crate) fn staff_in_fields(c: &CaseRow, playbook: &Playbook) -> Vec<String> {
    playbook
        .case_fields
        .iter()
        .filter(|f| f.kind == FieldKind::Staff)
        .filter_map(|f| c.fields.get(&f.key).cloned())
        .collect()
}
