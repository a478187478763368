//! Links from a figure to the case list behind it: the report's own filters plus the figure's, in the
//! list's parameters (the list counts the same cases the figure does).

use crate::ui::urlencode;
use jiff::ToSpan;
use jiff::civil::Date;

#[derive(Debug, Clone)]
pub struct Links {
    /// the report's case filters, as list parameters (`location`, `stage`, `defect`, `severity`, `owner`)
    base: Vec<(&'static str, String)>,
    from: Date,
    to: Date,
}

impl Links {
    pub fn new(base: Vec<(&'static str, String)>, from: Date, to: Date) -> Links {
        Links {
            base: base.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
            from,
            to,
        }
    }

    fn url(&self, dates: &[(&'static str, String)], extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = self
            .base
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        pairs.extend(dates.iter().map(|(k, v)| (k.to_string(), v.clone())));
        pairs.extend(
            extra
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let q: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        format!("/cases?{}", q.join("&"))
    }

    /// Cases noticed in the period.
    pub fn noticed(&self, extra: &[(&str, &str)]) -> String {
        self.url(
            &[("from", self.from.to_string()), ("to", self.to.to_string())],
            extra,
        )
    }

    /// Cases closed in the period.
    pub fn closed(&self, extra: &[(&str, &str)]) -> String {
        self.url(
            &[
                ("closed_from", self.from.to_string()),
                ("closed_to", self.to.to_string()),
            ],
            extra,
        )
    }

    /// Cases as they are now (open, overdue, by age): no period.
    pub fn now(&self, extra: &[(&str, &str)]) -> String {
        self.url(&[], extra)
    }

    /// Cases noticed in the week starting `monday` (`2026-11-02`), within the period.
    pub fn week(&self, monday: &str, extra: &[(&str, &str)]) -> String {
        let Ok(m) = monday.parse::<Date>() else {
            return self.noticed(extra);
        };
        let end = m.checked_add(6.days()).unwrap_or(m);
        let (from, to) = (m.max(self.from), end.min(self.to));
        self.url(&[("from", from.to_string()), ("to", to.to_string())], extra)
    }

    /// The same links at one location.
    pub fn at(&self, location_id: &str) -> Links {
        let mut l = self.clone();
        l.base.retain(|(k, _)| *k != "location");
        l.base.push(("location", location_id.to_string()));
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn links_carry_the_report_and_the_figure() {
        let l = Links::new(
            vec![("location", "L1".into()), ("stage", "".into())],
            date(2026, 11, 1),
            date(2026, 11, 30),
        );
        assert_eq!(
            l.noticed(&[("stage", "arrival")]),
            "/cases?location=L1&from=2026-11-01&to=2026-11-30&stage=arrival"
        );
        assert_eq!(
            l.closed(&[("outcome", "recovered"), ("defect", "")]),
            "/cases?location=L1&closed_from=2026-11-01&closed_to=2026-11-30&outcome=recovered"
        );
        assert_eq!(
            l.week("2026-10-26", &[]),
            "/cases?location=L1&from=2026-11-01&to=2026-11-01"
        );
        assert_eq!(
            l.at("L2").now(&[("age", "7+")]),
            "/cases?location=L2&age=7%2B"
        );
    }
}
