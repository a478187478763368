//! Questions 5 and 6: who passes the hot potato (hand-offs by person, claims apart), and why it
//! happened (root causes, prevention actions).

use super::*;

pub(super) fn handoffs(s: &ReportSummary, l: &Links) -> Screen {
    let h = &s.handoffs;
    let top = h.by_person.first();
    let figures = vec![
        fig(
            "handoffs",
            "Hand-offs offered",
            h.total_offered.to_string(),
            h.median_per_person.map_or_else(String::new, |m| {
                format!("median {m} per person who handed off")
            }),
            None,
        ),
        fig(
            "top-passer",
            "Hands off most",
            top.map_or_else(|| "nobody".into(), |p| p.name.clone()),
            top.map_or_else(String::new, |p| {
                format!("{} hand-offs on {} cases", p.offered, p.cases)
            }),
            top.map(|p| l.noticed(&[("handed_off_by", &p.staff_id)])),
        ),
        fig(
            "hot-potato",
            "Cases handed off twice or more",
            h.cases_twice_or_more.to_string(),
            "the hot potato".into(),
            Some(l.noticed(&[("handoffs_min", "2")])),
        ),
    ];
    let median = h.median_per_person.unwrap_or(0.0);
    let bars: Vec<Bar> = h
        .by_person
        .iter()
        .map(|p| {
            Bar::new(
                &p.name,
                p.offered as f64,
                format!(
                    "{} ({} accepted, {} declined)",
                    p.offered, p.accepted, p.declined
                ),
            )
            .link(l.noticed(&[("handed_off_by", &p.staff_id)]))
            .alert(median > 0.0 && p.offered as f64 >= 3.0 * median)
        })
        .collect();
    let claims: Vec<Bar> = h
        .claimed
        .iter()
        .map(|c| Bar::new(&c.label, c.count as f64, c.count.to_string()))
        .collect();
    let sections = vec![
        Section {
            title: "Hand-offs offered, by person".into(),
            chart: Some(chart::bars(
                "ch-handoffs",
                "Hand-offs offered by person",
                &describe(&bars),
                &bars,
                None,
            )),
            table: Table {
                id: "handoffs-person",
                caption: "Hand-offs by person".into(),
                headers: vec![
                    "Person", "Offered", "Cases", "Accepted", "Declined", "Reasons",
                ],
                rows: h
                    .by_person
                    .iter()
                    .map(|p| {
                        vec![
                            t_label(&p.name),
                            t(p.offered.to_string()),
                            tl(
                                p.cases.to_string(),
                                l.noticed(&[("handed_off_by", &p.staff_id)]),
                            ),
                            t(p.accepted.to_string()),
                            t(p.declined.to_string()),
                            t(p.reasons
                                .iter()
                                .map(|r| format!("{} ({})", r.label, r.count))
                                .collect::<Vec<_>>()
                                .join("; ")),
                        ]
                    })
                    .collect(),
            },
        },
        Section {
            title: "Steps taken from a role's queue (not hand-offs)".into(),
            chart: Some(chart::bars(
                "ch-claims",
                "Steps claimed from a queue by person",
                &describe(&claims),
                &claims,
                None,
            )),
            table: count_table_plain(
                "claims",
                "Steps claimed from a role's queue",
                "Person",
                &h.claimed,
            ),
        },
    ];
    Screen { figures, sections }
}

pub(super) fn causes(s: &ReportSummary, l: &Links) -> Screen {
    let c = &s.causes;
    let top = c.by_cause.first();
    let figures = vec![
        fig(
            "top-cause",
            "Most common root cause",
            top.map_or_else(|| "–".into(), |x| x.label.clone()),
            top.map_or_else(String::new, |x| format!("{} closed cases", x.count)),
            None,
        ),
        fig(
            "prevention",
            "Prevention actions",
            format!("{} open · {} done", c.prevention_open, c.prevention_done),
            "at these locations".into(),
            Some("/prevention".into()),
        ),
    ];
    let bars: Vec<Bar> = c
        .by_cause
        .iter()
        .map(|x| Bar::new(&x.label, x.count as f64, x.count.to_string()))
        .collect();
    let cause_rows =
        |v: &[olive_domain::insights::CauseOf], key: &'static str| -> Vec<Vec<TCell>> {
            v.iter()
                .map(|x| {
                    vec![
                        t_label(&x.defect_label),
                        t(x.cause_label.clone()),
                        tl(x.count.to_string(), l.closed(&[(key, &x.defect)])),
                    ]
                })
                .collect()
        };
    let sections = vec![
        Section {
            title: "Root causes of the cases closed".into(),
            chart: Some(chart::bars(
                "ch-causes",
                "Root causes",
                &describe(&bars),
                &bars,
                None,
            )),
            table: count_table_plain(
                "causes",
                "Root causes of the cases closed",
                "Root cause",
                &c.by_cause,
            ),
        },
        Section {
            title: "Root causes by defect".into(),
            chart: None,
            table: Table {
                id: "causes-defect",
                caption: "Root causes by defect".into(),
                headers: vec!["Defect", "Root cause", "Cases (all causes)"],
                rows: cause_rows(&c.by_defect, "defect"),
            },
        },
        Section {
            title: "Root causes by stage".into(),
            chart: None,
            table: Table {
                id: "causes-stage",
                caption: "Root causes by stage".into(),
                headers: vec!["Stage", "Root cause", "Cases (all causes)"],
                rows: cause_rows(&c.by_stage, "stage"),
            },
        },
    ];
    Screen { figures, sections }
}
