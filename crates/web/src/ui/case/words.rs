//! The business's words on the case page: scripts to say and to write with their blanks marked, the playbook's case fields, the customer noun.

use olive_domain::playbook::FieldKind;
use olive_domain::wording::capitalise_first;
use olive_storage::views::{CaseDetail, CaseFieldView, ScriptView};
use std::collections::BTreeMap;

/// A script as shown: runs of text, each a blank still to fill (marked) or not.
pub struct Script {
    pub parts: Vec<(String, bool)>,
    pub has_blanks: bool,
}

impl Script {
    pub fn from_view(v: &ScriptView) -> Script {
        Script {
            parts: parts(&v.text, &v.blanks),
            has_blanks: !v.blanks.is_empty(),
        }
    }
}

/// Split a text at its blanks, so each can be marked.
fn parts(text: &str, blanks: &[String]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((at, blank)) = blanks
        .iter()
        .filter_map(|b| rest.find(b.as_str()).map(|i| (i, b)))
        .min_by_key(|(i, _)| *i)
    {
        if at > 0 {
            out.push((rest[..at].to_string(), false));
        }
        out.push((blank.clone(), true));
        rest = &rest[at + blank.len()..];
    }
    if !rest.is_empty() {
        out.push((rest.to_string(), false));
    }
    out
}

/// One case field on the page: what it says now, and its input in the edit form.
pub struct FieldRow {
    pub key: String,
    pub label: String,
    /// as people read it ("Dr Ines Ruiz", "Saturday 5 December, 2:30 pm"), empty when not given
    pub display: String,
    /// `text`, `number`, `datetime-local` or `staff` (a list)
    pub input: &'static str,
    /// the value in the input (a staff id; a time as `YYYY-MM-DDTHH:MM` at the location)
    pub value: String,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
}

/// The case fields as rows, with `staff` (id, name) offered for staff fields and what was typed
/// after a refused save.
pub fn field_rows(
    fields: &[CaseFieldView],
    staff: &[(String, String)],
    tz: &jiff::tz::TimeZone,
    typed: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> Vec<FieldRow> {
    fields
        .iter()
        .map(|f| {
            let name = format!("field.{}", f.key);
            let stored = f.value.clone().unwrap_or_default();
            let stored = match f.kind {
                FieldKind::Time => stored
                    .parse::<jiff::Timestamp>()
                    .map(|t| {
                        t.to_zoned(tz.clone())
                            .strftime("%Y-%m-%dT%H:%M")
                            .to_string()
                    })
                    .unwrap_or(stored),
                _ => stored,
            };
            FieldRow {
                key: f.key.clone(),
                label: f.label.clone(),
                display: f.display.clone().unwrap_or_default(),
                input: input_kind(f.kind),
                value: typed.get(&name).cloned().unwrap_or(stored),
                options: if f.kind == FieldKind::Staff {
                    staff.to_vec()
                } else {
                    Vec::new()
                },
                error: errors.get(&format!("fields.{}", f.key)).cloned(),
            }
        })
        .collect()
}

/// The HTML input for a kind of field.
pub fn input_kind(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Number => "number",
        FieldKind::Time => "datetime-local",
        FieldKind::Staff => "staff",
    }
}

/// The case fields typed in a form (`field.<key>`), as the API takes them.
pub fn typed_fields(form: &BTreeMap<String, String>) -> BTreeMap<String, serde_json::Value> {
    form.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("field.")
                .map(|key| (key.to_string(), serde_json::Value::String(v.clone())))
        })
        .collect()
}

/// The business's word for its customer, as a heading ("Patient") and in a sentence ("patient").
pub fn nouns(c: &CaseDetail) -> (String, String) {
    (capitalise_first(&c.customer_noun), c.customer_noun.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_are_marked_where_they_are() {
        let p = parts(
            "See you on [day] at [time], [day] again.",
            &["[day]".into(), "[time]".into(), "[day]".into()],
        );
        let marked: Vec<&str> = p
            .iter()
            .filter(|(_, b)| *b)
            .map(|(t, _)| t.as_str())
            .collect();
        assert_eq!(marked, vec!["[day]", "[time]", "[day]"]);
        let whole: String = p.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(whole, "See you on [day] at [time], [day] again.");
        assert_eq!(
            parts("no blanks", &[]),
            vec![("no blanks".to_string(), false)]
        );
    }
}
