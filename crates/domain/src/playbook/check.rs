//! Checking a playbook: every problem found at once, each with the line it is on.

use super::*;

impl Playbook {
    pub(super) fn problems(&self, text: &str) -> Vec<PlaybookIssue> {
        let mut issues = Vec::new();
        let mut issues_out = Vec::new();
        let mut push = |anchor: Option<&str>, message: String| {
            issues.push(PlaybookIssue {
                line: anchor.and_then(|a| find_line(text, a)),
                message,
            })
        };
        if !valid_code(&self.playbook.code) {
            push(
                None,
                format!(
                    "playbook code '{}' must use lower-case letters, digits and '-'",
                    self.playbook.code
                ),
            );
        }
        if self.playbook.name.trim().is_empty() {
            push(None, "the playbook needs a name".into());
        }
        if self.stages.is_empty() {
            push(
                None,
                "the playbook needs at least one [[stages]] entry".into(),
            );
        }
        let mut seen = HashSet::new();
        for s in &self.stages {
            let anchor = format!("code = \"{}\"", s.code);
            if !valid_code(&s.code) {
                push(
                    Some(&anchor),
                    format!(
                        "stage code '{}' must use lower-case letters, digits and '-'",
                        s.code
                    ),
                );
            }
            if !seen.insert(s.code.as_str()) {
                push(Some(&anchor), format!("stage '{}' is listed twice", s.code));
            }
        }
        let mut field_keys = HashSet::new();
        let mut filled = HashSet::new();
        for f in &self.case_fields {
            let anchor = format!("key = \"{}\"", f.key);
            let ok = !f.key.is_empty()
                && f.key.len() <= 32
                && f.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                push(
                    Some(&anchor),
                    format!(
                        "case field key '{}' must use lower-case letters, digits and '_'",
                        f.key
                    ),
                );
            }
            if !field_keys.insert(f.key.as_str()) {
                push(
                    Some(&anchor),
                    format!("case field '{}' is listed twice", f.key),
                );
            }
            if f.label.trim().is_empty() {
                push(
                    Some(&anchor),
                    format!("case field '{}' needs a label", f.key),
                );
            }
            if let Some(p) = f.placeholder()
                && !filled.insert(p)
            {
                push(
                    Some(&anchor),
                    format!("two case fields fill {p}; only one may"),
                );
            }
        }
        for t in [&self.playbook.follow_up_write] {
            for unknown in script::unknown_placeholders(t) {
                push(
                    Some(&unknown),
                    format!(
                        "follow_up_write uses the unknown placeholder {unknown}; the known ones are {}",
                        script::vocabulary()
                    ),
                );
            }
        }
        let mut gesture_codes = HashSet::new();
        for g in &self.gestures {
            if !gesture_codes.insert(g.code.as_str()) {
                push(
                    Some(&format!("code = \"{}\"", g.code)),
                    format!("gesture '{}' is listed twice", g.code),
                );
            }
            if g.typical_value_cents.is_some_and(|v| v.0 < 0) {
                push(
                    Some(&format!("code = \"{}\"", g.code)),
                    format!("gesture '{}' has a negative typical value", g.code),
                );
            }
        }
        let checker = match self.wording_checker() {
            Ok(c) => Some(c),
            Err(e) => {
                push(None, e);
                None
            }
        };
        let mut defect_codes = HashSet::new();
        for d in &self.defects {
            let anchor = format!("code = \"{}\"", d.code);
            let at = Some(anchor.as_str());
            if !valid_code(&d.code) || d.code == "other" {
                push(
                    at,
                    format!(
                        "defect code '{}' must use lower-case letters, digits and '-' (and not be 'other')",
                        d.code
                    ),
                );
            }
            if !defect_codes.insert(d.code.as_str()) {
                push(at, format!("defect '{}' is listed twice", d.code));
            }
            if self.stage(&d.stage).is_none() {
                push(
                    at,
                    format!(
                        "defect '{}' names stage '{}', which is not in [[stages]]",
                        d.code, d.stage
                    ),
                );
            }
            if d.title.trim().is_empty() {
                push(at, format!("defect '{}' needs a title", d.code));
            }
            if d.steps.is_empty() {
                push(
                    at,
                    format!(
                        "defect '{}' needs at least one step in its protocol",
                        d.code
                    ),
                );
            }
            let verifies = d
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::Verify)
                .count();
            let sequence = sequence_problems(d, text);
            let out_of_order = sequence.iter().any(|i| i.message.contains("follows"));
            issues_out.extend(sequence);
            if verifies != 1
                || (d.steps.last().map(|s| s.kind) != Some(StepKind::Verify) && !out_of_order)
            {
                push(
                    at,
                    format!(
                        "defect '{}' must end with exactly one step of kind 'verify'",
                        d.code
                    ),
                );
            }
            for g in d
                .gestures
                .iter()
                .chain(d.steps.iter().filter_map(|s| s.gesture.as_ref()))
            {
                if !gesture_codes.contains(g.as_str()) {
                    push(
                        at,
                        format!(
                            "defect '{}' names gesture '{g}', which is not in [[gestures]]",
                            d.code
                        ),
                    );
                }
            }
            let provider_field = self
                .field_for(Placeholder::Provider)
                .is_some_and(|f| f.kind == FieldKind::Staff);
            for s in &d.steps {
                if s.title.trim().is_empty() {
                    push(at, format!("a step of defect '{}' needs a title", d.code));
                }
                if s.owner == StepOwner::Provider && !provider_field {
                    push(
                        at,
                        format!(
                            "step '{}' of defect '{}' is for the provider, but no [[case_fields]] entry of kind \"staff\" fills provider",
                            s.title, d.code
                        ),
                    );
                }
                for unknown in s.scripts().flat_map(script::unknown_placeholders) {
                    push(
                        Some(&unknown),
                        format!(
                            "step '{}' of defect '{}' uses the unknown placeholder {unknown}; the known ones are {}",
                            s.title,
                            d.code,
                            script::vocabulary()
                        ),
                    );
                }
                if let Some(f) = checker
                    .as_ref()
                    .and_then(|c| s.scripts().flat_map(|t| c.check(t)).next())
                {
                    push(
                        at,
                        format!(
                            "the wording of step '{}' of defect '{}' is flagged: \"{}\" — {} Try: {}",
                            s.title, d.code, f.excerpt, f.message, f.suggestion
                        ),
                    );
                }
            }
        }
        for s in &self.stages {
            if !self.defects.iter().any(|d| d.stage == s.code) {
                push(
                    Some(&format!("code = \"{}\"", s.code)),
                    format!("stage '{}' has no defects", s.code),
                );
            }
        }
        issues.extend(issues_out);
        issues
    }
}

/// A protocol is sequential: no step after a verification, every `after` names an earlier step, and
/// a verification follows the last step before it that is not one (the work it checks).
fn sequence_problems(d: &Defect, text: &str) -> Vec<PlaybookIssue> {
    let mut out = Vec::new();
    let mut seen_verify = false;
    let mut last_work: Option<usize> = None;
    for (i, s) in d.steps.iter().enumerate() {
        let pos = i + 1;
        let line = step_line(text, &d.code, i);
        let mut push = |message: String| out.push(PlaybookIssue { line, message });
        if s.kind == StepKind::Verify {
            seen_verify = true;
        } else if seen_verify {
            push(format!(
                "defect '{}' step {pos} ({}) follows a verify step: the verification comes last",
                d.code,
                s.kind.as_str()
            ));
        }
        if let Some(Anchor::After(n)) = s.anchor {
            if n as usize == pos {
                push(format!(
                    "defect '{}' step {pos} is anchored after itself: after must name an earlier step",
                    d.code
                ));
            } else if n == 0 || n as usize > d.steps.len() {
                push(format!(
                    "defect '{}' step {pos} is anchored after step {n}, which does not exist",
                    d.code
                ));
            } else if n as usize > pos {
                push(format!(
                    "defect '{}' step {pos} is anchored after step {n}, a later step: after must name an earlier step",
                    d.code
                ));
            }
        }
        if s.kind == StepKind::Verify
            && let (Some(w), Some(a)) = (last_work, s.anchor)
            && a != Anchor::After(w as u32 + 1)
        {
            push(format!(
                "defect '{}' step {pos} (verify) must come after step {}, the last step it checks: write after = {}",
                d.code,
                w + 1,
                w + 1
            ));
        }
        if s.kind != StepKind::Verify {
            last_work = Some(i);
        }
    }
    out
}

/// The line of a defect's step (`index` from 0) in the file: its `after` or `anchor` line when it has
/// one, else its `[[defects.steps]]` header.
pub(super) fn step_line(text: &str, defect_code: &str, index: usize) -> Option<usize> {
    let defects = text.find("[[defects]]")?;
    let code = format!("code = \"{defect_code}\"");
    let start = defects + text[defects..].find(&code)?;
    let mut at = start;
    for _ in 0..=index {
        at += text[at..].find("[[defects.steps]]")? + 1;
    }
    let head = at - 1;
    let body = &text[head + 1..];
    let end = [body.find("\n["), body.find("[[")]
        .into_iter()
        .flatten()
        .min()
        .map_or(text.len(), |e| head + 1 + e);
    let mut offset = head;
    for l in text[head..end].split_inclusive('\n') {
        let key = l.trim_start();
        if key.starts_with("after") || key.starts_with("anchor") {
            return Some(line_of(text, offset));
        }
        offset += l.len();
    }
    Some(line_of(text, head))
}
