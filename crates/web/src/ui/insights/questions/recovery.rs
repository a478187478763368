//! Question 3, does the recovery hit home: the recovery rate, ratings, would come back, reopened;
//! recovery by defect, gesture, stage and person.

use super::*;

fn recovery_table(
    id: &'static str,
    caption: &str,
    head: &'static str,
    v: &[Recovery],
    link: impl Fn(&Recovery, &'static str) -> String,
) -> Table {
    Table {
        id,
        caption: caption.into(),
        headers: vec![head, "Closed", "Recovered", "Rate"],
        rows: v
            .iter()
            .map(|x| {
                vec![
                    t_label(&x.label),
                    tl(x.closed.to_string(), link(x, "")),
                    tl(x.recovered.to_string(), link(x, "recovered")),
                    t(percent(x.rate)),
                ]
            })
            .collect(),
    }
}

pub(super) fn recovery(s: &ReportSummary, l: &Links) -> Screen {
    let r = &s.recovery;
    let figures = vec![
        fig(
            "recovery-rate",
            "Recovery rate",
            percent(r.rate),
            format!("{} of {} closed cases recovered", r.recovered, r.closed),
            Some(l.closed(&[("outcome", "recovered")])),
        ),
        fig(
            "closed",
            "Closed",
            r.closed.to_string(),
            format!("{} not recovered", r.not_recovered),
            Some(l.closed(&[])),
        ),
        fig(
            "would-return",
            "Would come back",
            format!("{} yes · {} no", r.would_return_yes, r.would_return_no),
            format!("{} follow-up answers", r.answered),
            None,
        ),
        fig(
            "reopened",
            "Reopened before closing",
            r.reopened.to_string(),
            "after a poor answer or by a manager".into(),
            Some(l.closed(&[("reopened", "1")])),
        ),
    ];
    let rate_bars = |v: &[Recovery], link: &dyn Fn(&Recovery) -> String| -> Vec<Bar> {
        v.iter()
            .map(|x| {
                Bar::new(
                    &x.label,
                    x.rate.unwrap_or(0.0) * 100.0,
                    format!("{} ({} of {})", percent(x.rate), x.recovered, x.closed),
                )
                .link(link(x))
            })
            .collect()
    };
    let ratings: Vec<Bar> = r
        .ratings
        .iter()
        .map(|c| Bar::new(&c.label, c.count as f64, c.count.to_string()))
        .collect();
    let by_defect = rate_bars(&r.by_defect, &|x| l.closed(&[("defect", &x.key)]));
    let by_gesture = rate_bars(&r.by_gesture, &|x| l.closed(&[("gesture", &x.key)]));
    let sections = vec![
        Section {
            title: "Recovery by defect".into(),
            chart: Some(chart::bars(
                "ch-rec-defect",
                "Recovery rate by defect",
                &describe(&by_defect),
                &by_defect,
                None,
            )),
            table: recovery_table(
                "recovery-defect",
                "Recovery by defect",
                "Defect",
                &r.by_defect,
                |x, o| l.closed(&[("defect", &x.key), ("outcome", o)]),
            ),
        },
        Section {
            title: "Ratings from the follow-up".into(),
            chart: Some(chart::bars(
                "ch-ratings",
                "Follow-up ratings",
                &describe(&ratings),
                &ratings,
                None,
            )),
            table: count_table_plain(
                "ratings",
                "Follow-up ratings (1 poor, 5 excellent)",
                "Rating",
                &r.ratings,
            ),
        },
        Section {
            title: "Recovery by gesture".into(),
            chart: Some(chart::bars(
                "ch-rec-gesture",
                "Recovery rate by gesture given",
                &describe(&by_gesture),
                &by_gesture,
                None,
            )),
            table: recovery_table(
                "recovery-gesture",
                "Recovery by gesture given",
                "Gesture",
                &r.by_gesture,
                |x, o| l.closed(&[("gesture", &x.key), ("outcome", o)]),
            ),
        },
        Section {
            title: "Recovery by stage".into(),
            chart: None,
            table: recovery_table(
                "recovery-stage",
                "Recovery by stage",
                "Stage",
                &r.by_stage,
                |x, o| l.closed(&[("stage", &x.key), ("outcome", o)]),
            ),
        },
        Section {
            title: "Recovery by person holding the case".into(),
            chart: None,
            table: recovery_table(
                "recovery-person",
                "Recovery by person",
                "Person",
                &r.by_person,
                |x, o| l.closed(&[("owner", &x.key), ("outcome", o)]),
            ),
        },
    ];
    Screen { figures, sections }
}
