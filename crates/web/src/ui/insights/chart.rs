//! Charts drawn on the server as SVG: horizontal bars (one or two series) and a heatmap. Each chart
//! carries a title and a description for screen readers; the table beside it holds the same numbers.

use std::fmt::Write;

/// Text made safe inside SVG/XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar: its label, its value, the value printed beside it, and where it links (the cases behind it).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
    pub link: Option<String>,
    /// a second value drawn thinner under the first (the previous period, or the budget)
    pub second: Option<(f64, String)>,
    /// draw the bar in the warning colour (a safety defect, over budget)
    pub alert: bool,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: f64, text: impl Into<String>) -> Bar {
        Bar {
            label: label.into(),
            value,
            text: text.into(),
            link: None,
            second: None,
            alert: false,
        }
    }
    pub fn link(mut self, href: String) -> Bar {
        self.link = Some(href);
        self
    }
    pub fn second(mut self, value: f64, text: impl Into<String>) -> Bar {
        self.second = Some((value, text.into()));
        self
    }
    pub fn alert(mut self, on: bool) -> Bar {
        self.alert = on;
        self
    }
}

const WIDTH: f64 = 480.0;
const VALUE_W: f64 = 200.0;

/// Horizontal bars, one row per bar with its label above it (so long labels stay whole and the chart
/// reads on a phone); a second series is drawn as a thin grey bar beneath (its legend names it).
pub fn bars(
    id: &str,
    title: &str,
    desc: &str,
    bars: &[Bar],
    legend: Option<(&str, &str)>,
) -> String {
    let second = bars.iter().any(|b| b.second.is_some());
    let row_h = if second { 50.0 } else { 42.0 };
    let top = if legend.is_some() { 26.0 } else { 4.0 };
    let height = top + row_h * bars.len().max(1) as f64 + 4.0;
    let max = bars
        .iter()
        .flat_map(|b| [b.value, b.second.as_ref().map_or(0.0, |s| s.0)])
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let span = WIDTH - VALUE_W;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" id="{id}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    if let Some((first, second)) = legend {
        let _ = write!(
            s,
            r##"<rect x="0" y="6" width="14" height="12" fill="#557a2c"/><text x="20" y="17" class="lg">{}</text><rect x="180" y="10" width="14" height="5" fill="#8a958f"/><text x="200" y="17" class="lg">{}</text>"##,
            esc(first),
            esc(second)
        );
    }
    if bars.is_empty() {
        let _ = write!(
            s,
            r#"<text x="0" y="{}" class="lb">Nothing in this period.</text>"#,
            top + 18.0
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let w = (b.value / max * span).max(if b.value > 0.0 { 2.0 } else { 0.0 });
        let fill = if b.alert { "#a4161a" } else { "#557a2c" };
        let open = b
            .link
            .as_ref()
            .map(|l| format!(r#"<a href="{}">"#, esc(l)))
            .unwrap_or_default();
        let close = if b.link.is_some() { "</a>" } else { "" };
        let _ = write!(
            s,
            r#"{open}<text x="0" y="{}" class="lb">{}</text><rect x="0" y="{}" width="{w:.1}" height="16" rx="2" fill="{fill}"><title>{}: {}</title></rect><text x="{}" y="{}" class="vl">{}</text>{close}"#,
            y + 15.0,
            esc(&truncate(&b.label, 60)),
            y + 20.0,
            esc(&b.label),
            esc(&b.text),
            w + 6.0,
            y + 33.0,
            esc(&b.text),
        );
        if let Some((v, t)) = &b.second {
            let w2 = (v / max * span).max(if *v > 0.0 { 2.0 } else { 0.0 });
            let _ = write!(
                s,
                r##"<rect x="0" y="{}" width="{w2:.1}" height="6" fill="#8a958f"><title>{}</title></rect><text x="{}" y="{}" class="vl2">{}</text>"##,
                y + 38.0,
                esc(t),
                w2 + 6.0,
                y + 45.0,
                esc(t)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// One cell of a heatmap.
#[derive(Debug, Clone)]
pub struct Cell {
    pub count: i64,
    pub link: Option<String>,
}

/// A grid: one row per `rows` label, one column per `columns` label; darker means more.
pub fn heatmap(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, Vec<Cell>)],
    columns: &[String],
) -> String {
    let label_w = 150.0;
    let cell_w = ((WIDTH - label_w) / columns.len().max(1) as f64).clamp(24.0, 60.0);
    let cell_h = 28.0;
    let width = label_w + cell_w * columns.len() as f64 + 4.0;
    let height = 24.0 + cell_h * rows.len() as f64 + 4.0;
    let max = rows
        .iter()
        .flat_map(|(_, c)| c.iter().map(|c| c.count))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart heatmap" id="{id}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="group" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for (j, c) in columns.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{}" y="16" class="lg" text-anchor="middle">{}</text>"#,
            label_w + cell_w * (j as f64 + 0.5),
            esc(c)
        );
    }
    for (i, (label, cells)) in rows.iter().enumerate() {
        let y = 24.0 + cell_h * i as f64;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="lb" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 18.0,
            esc(&truncate(label, 20))
        );
        for (j, cell) in cells.iter().enumerate() {
            let x = label_w + cell_w * j as f64;
            // Five steps from pale to the olive; an empty cell stays white with a line.
            let level = if cell.count == 0 {
                0
            } else {
                1 + (cell.count * 4 / max) as usize
            };
            let fill = ["#ffffff", "#e3eed7", "#bcd59d", "#8fb765", "#557a2c"][level.min(4)];
            let ink = if level >= 3 { "#ffffff" } else { "#1d2421" };
            let open = cell
                .link
                .as_ref()
                .map(|l| format!(r#"<a href="{}">"#, esc(l)))
                .unwrap_or_default();
            let close = if cell.link.is_some() { "</a>" } else { "" };
            let _ = write!(
                s,
                r##"{open}<rect x="{x:.1}" y="{y}" width="{:.1}" height="{}" fill="{fill}" stroke="#cfd8d3"><title>{}, week of {}: {}</title></rect><text x="{:.1}" y="{}" text-anchor="middle" class="hv" fill="{ink}">{}</text>{close}"##,
                cell_w - 2.0,
                cell_h - 2.0,
                esc(label),
                esc(columns.get(j).map_or("", |c| c.as_str())),
                cell.count,
                x + cell_w / 2.0 - 1.0,
                y + 18.0,
                cell.count
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_link_and_scale() {
        let svg = bars(
            "c",
            "Defects <by> stage",
            "Arrival 3",
            &[
                Bar::new("Arrival & check-in", 3.0, "3").link("/cases?stage=arrival&from=x".into()),
                Bar::new("Billing", 1.0, "1").second(2.0, "2 before"),
            ],
            Some(("this period", "the period before")),
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Arrival &amp; check-in"));
        assert!(svg.contains("Defects &lt;by&gt; stage"));
        assert!(svg.contains(r#"<a href="/cases?stage=arrival&amp;from=x">"#));
        assert!(svg.contains("2 before"));
        assert!(!svg.contains("<by>"));
    }

    #[test]
    fn a_heatmap_shades_by_count() {
        let svg = heatmap(
            "h",
            "t",
            "d",
            &[(
                "Arrival".into(),
                vec![
                    Cell {
                        count: 0,
                        link: None,
                    },
                    Cell {
                        count: 8,
                        link: Some("/x".into()),
                    },
                ],
            )],
            &["2 Nov".into(), "9 Nov".into()],
        );
        assert!(svg.contains("#ffffff") && svg.contains("#557a2c"));
        assert!(svg.contains(r#"<a href="/x">"#));
    }
}
