//! Question 1, where are we leaking: defects by stage against the period before, by week, defect,
//! severity, location, weekday and hour.

use super::*;

pub(super) fn leaking(s: &ReportSummary, l: &Links) -> Screen {
    let k = &s.leaking;
    let top = k
        .by_stage
        .iter()
        .max_by_key(|t| t.count)
        .filter(|t| t.count > 0);
    let figures = vec![
        fig(
            "logged",
            "Defects logged",
            k.logged.to_string(),
            format!("{} in the period before", k.previous_logged),
            Some(l.noticed(&[])),
        ),
        fig(
            "top-stage",
            "Top leaking stage",
            top.map_or_else(|| "–".into(), |t| t.label.clone()),
            top.map_or_else(String::new, |t| format!("{} defects", t.count)),
            top.map(|t| l.noticed(&[("stage", &t.key)])),
        ),
        fig(
            "critical",
            "Critical (safety) defects",
            k.by_severity
                .iter()
                .find(|c| c.key == "critical")
                .map_or(0, |c| c.count)
                .to_string(),
            "shown in red".into(),
            Some(l.noticed(&[("severity", "critical")])),
        ),
    ];
    let stage_bars: Vec<Bar> = k
        .by_stage
        .iter()
        .map(|t| {
            Bar::new(&t.label, t.count as f64, t.count.to_string())
                .second(t.previous as f64, format!("{} before", t.previous))
                .link(l.noticed(&[("stage", &t.key)]))
        })
        .collect();
    let defect_bars: Vec<Bar> = k
        .top_defects
        .iter()
        .map(|d| {
            Bar::new(&d.label, d.count as f64, d.count.to_string())
                .link(l.noticed(&[("defect", &d.key)]))
        })
        .collect();
    let sev_bars: Vec<Bar> = k
        .by_severity
        .iter()
        .map(|c| {
            Bar::new(&c.label, c.count as f64, c.count.to_string())
                .link(l.noticed(&[("severity", &c.key)]))
                .alert(c.key == "critical")
        })
        .collect();
    let plain = |v: &[olive_domain::insights::Count]| -> Vec<Bar> {
        v.iter()
            .map(|c| Bar::new(&c.label, c.count as f64, c.count.to_string()))
            .collect()
    };
    let hours: Vec<olive_domain::insights::Count> =
        k.by_hour.iter().filter(|c| c.count > 0).cloned().collect();
    let mut sections = vec![
        Section {
            title: "Defects by stage of the visit, against the period before".into(),
            chart: Some(chart::bars(
                "ch-stage",
                "Defects by stage",
                &describe(&stage_bars),
                &stage_bars,
                Some(("this period", "the period before")),
            )),
            table: Table {
                id: "stages",
                caption: "Defects by stage".into(),
                headers: vec!["Stage", "This period", "Period before", "Change"],
                rows: k
                    .by_stage
                    .iter()
                    .map(|x| {
                        vec![
                            t_label(&x.label),
                            tl(x.count.to_string(), l.noticed(&[("stage", &x.key)])),
                            t(x.previous.to_string()),
                            t(change(x.count, x.previous)),
                        ]
                    })
                    .collect(),
            },
        },
        Section {
            title: "Stage by week".into(),
            chart: Some(heatmap_of(s, l, "ch-heat")),
            table: Table {
                id: "weeks",
                caption: "Defects by stage and week (weeks start on Monday)".into(),
                headers: vec!["Stage", "Week of", "Defects"],
                rows: k
                    .heatmap
                    .iter()
                    .flat_map(|r| {
                        r.counts.iter().zip(&k.weeks).map(move |(n, w)| {
                            vec![
                                t_label(&r.label),
                                t(w.clone()),
                                tl(n.to_string(), l.week(w, &[("stage", &r.key)])),
                            ]
                        })
                    })
                    .collect(),
            },
        },
        Section {
            title: "Top defects".into(),
            chart: Some(chart::bars(
                "ch-defects",
                "Top defects",
                &describe(&defect_bars),
                &defect_bars,
                None,
            )),
            table: count_table("defects", "Top defects", "Defect", &k.top_defects, |c| {
                l.noticed(&[("defect", &c.key)])
            }),
        },
        Section {
            title: "Severity".into(),
            chart: Some(chart::bars(
                "ch-sev",
                "Defects by severity",
                &describe(&sev_bars),
                &sev_bars,
                None,
            )),
            table: count_table(
                "severity",
                "Defects by severity",
                "Severity",
                &k.by_severity,
                |c| l.noticed(&[("severity", &c.key)]),
            ),
        },
        Section {
            title: "Day of the week".into(),
            chart: Some(chart::bars(
                "ch-weekday",
                "Defects by day of the week",
                &describe(&plain(&k.by_weekday)),
                &plain(&k.by_weekday),
                None,
            )),
            table: count_table_plain(
                "weekdays",
                "Defects by day of the week",
                "Day",
                &k.by_weekday,
            ),
        },
        Section {
            title: "Hour of the day (the location's clock)".into(),
            chart: Some(chart::bars(
                "ch-hour",
                "Defects by hour of the day",
                &describe(&plain(&hours)),
                &plain(&hours),
                None,
            )),
            table: count_table_plain("hours", "Defects by hour of the day", "Hour", &hours),
        },
    ];
    if k.by_location.len() > 1 {
        let loc_bars: Vec<Bar> = k
            .by_location
            .iter()
            .map(|c| {
                Bar::new(&c.label, c.count as f64, c.count.to_string())
                    .link(l.at(&c.key).noticed(&[]))
            })
            .collect();
        sections.insert(
            1,
            Section {
                title: "By location".into(),
                chart: Some(chart::bars(
                    "ch-loc",
                    "Defects by location",
                    &describe(&loc_bars),
                    &loc_bars,
                    None,
                )),
                table: count_table(
                    "locations",
                    "Defects by location",
                    "Location",
                    &k.by_location,
                    |c| l.at(&c.key).noticed(&[]),
                ),
            },
        );
    }
    Screen { figures, sections }
}
