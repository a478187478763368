//! Question 2, are we on top of it: time to first action, steps on time, overdue now, open cases by age.

use super::*;

fn timing_table(
    id: &'static str,
    caption: &str,
    head: &'static str,
    v: &[Timing],
    link: impl Fn(&Timing) -> String,
) -> Table {
    Table {
        id,
        caption: caption.into(),
        headers: vec![head, "Cases", "Median", "p90"],
        rows: v
            .iter()
            .map(|x| {
                vec![
                    t_label(&x.label),
                    tl(x.cases.to_string(), link(x)),
                    t(minutes(x.median_minutes)),
                    t(minutes(x.p90_minutes)),
                ]
            })
            .collect(),
    }
}

pub(super) fn response(s: &ReportSummary, l: &Links) -> Screen {
    let r = &s.response;
    let figures = vec![
        fig(
            "first-action-median",
            "Time to first action (median)",
            minutes(r.first_action.median_minutes),
            format!(
                "p90 {} over {} cases",
                minutes(r.first_action.p90_minutes),
                r.first_action.cases
            ),
            None,
        ),
        fig(
            "on-time",
            "Steps done on time",
            percent(r.on_time_rate),
            format!("{} of {} steps due", r.steps_on_time, r.steps_due),
            None,
        ),
        fig(
            "overdue-now",
            "Overdue now",
            r.overdue_now.to_string(),
            "open cases with a step past due".into(),
            Some(l.now(&[("overdue", "1")])),
        ),
    ];
    let med = |v: &[Timing], link: &dyn Fn(&Timing) -> String| -> Vec<Bar> {
        v.iter()
            .map(|x| {
                Bar::new(
                    &x.label,
                    x.median_minutes.unwrap_or(0) as f64,
                    minutes(x.median_minutes),
                )
                .second(
                    x.p90_minutes.unwrap_or(0) as f64,
                    format!("p90 {}", minutes(x.p90_minutes)),
                )
                .link(link(x))
            })
            .collect()
    };
    let by_stage = med(&r.by_stage, &|x| l.noticed(&[("stage", &x.key)]));
    let by_person = med(&r.by_person, &|x| l.noticed(&[("owner", &x.key)]));
    let age_bars: Vec<Bar> = r
        .open_by_age
        .iter()
        .map(|c| {
            Bar::new(&c.label, c.count as f64, c.count.to_string())
                .link(l.now(&[("age", &c.key)]))
                .alert(c.key == "7+" && c.count > 0)
        })
        .collect();
    let sections = vec![
        Section {
            title: "Time to first action by stage".into(),
            chart: Some(chart::bars(
                "ch-fa-stage",
                "Median minutes to first action by stage",
                &describe(&by_stage),
                &by_stage,
                Some(("median", "p90")),
            )),
            table: timing_table(
                "first-action-stage",
                "Time to first action by stage",
                "Stage",
                &r.by_stage,
                |x| l.noticed(&[("stage", &x.key)]),
            ),
        },
        Section {
            title: "Time to first action by person holding the case".into(),
            chart: Some(chart::bars(
                "ch-fa-person",
                "Median minutes to first action by person",
                &describe(&by_person),
                &by_person,
                Some(("median", "p90")),
            )),
            table: timing_table(
                "first-action-person",
                "Time to first action by person",
                "Person",
                &r.by_person,
                |x| l.noticed(&[("owner", &x.key)]),
            ),
        },
        Section {
            title: "Time to first action by defect".into(),
            chart: None,
            table: timing_table(
                "first-action-defect",
                "Time to first action by defect",
                "Defect",
                &r.by_defect,
                |x| l.noticed(&[("defect", &x.key)]),
            ),
        },
        Section {
            title: "Open cases by age".into(),
            chart: Some(chart::bars(
                "ch-age",
                "Open cases by age",
                &describe(&age_bars),
                &age_bars,
                None,
            )),
            table: count_table(
                "open-age",
                "Open cases by age (since noticed)",
                "Age",
                &r.open_by_age,
                |c| l.now(&[("age", &c.key)]),
            ),
        },
    ];
    Screen { figures, sections }
}
