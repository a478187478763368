//! Where everything goes on the A4 pages: the report laid out as drawing operations in points (origin
//! top left, y down), a new page started whenever the next block would not fit above the footer.

use crate::figures::{Bar, MonthlyReport};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// the lowest a block may reach: the footer sits below it
const BOTTOM: f32 = PAGE_H - 70.0;
const LINE: f32 = 17.0;
const BAR_H: f32 = 11.0;
const BAR_STEP: f32 = 17.0;
/// where the charts' bars start (their labels are left of it), and the longest bar
const AXIS_X: f32 = MARGIN + 170.0;
const BAR_MAX_W: f32 = 240.0;

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// a filled rectangle: a bar (green) or a rule (grey)
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        green: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

/// Pages of operations.
pub struct Layout {
    pub pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Room for `h` more points on this page, else a new page.
    fn room(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: impl Into<String>) {
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            text: text.into(),
        });
    }
}

/// A label cut to `max` characters with an ellipsis.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The whole report.
pub fn lay_out(r: &MonthlyReport) -> Layout {
    let mut l = Layout::new();
    l.y += 10.0;
    l.text(MARGIN, l.y, 20.0, true, cut(&r.business, 45));
    l.y += 24.0;
    l.text(
        MARGIN,
        l.y,
        13.0,
        false,
        format!("Olive monthly report — {}", r.month.title()),
    );
    l.y += 30.0;
    l.text(MARGIN, l.y, 12.0, true, "The month in figures");
    l.y += LINE + 2.0;
    for line in r.lines() {
        l.room(LINE);
        l.text(MARGIN, l.y, 10.0, true, line.label);
        // A long value (a defect's whole title) is set smaller rather than cut: the words are the figure.
        let chars = line.value.chars().count().max(1) as f32;
        let size = (10.0 * 56.0 / chars).clamp(7.0, 10.0);
        l.text(MARGIN + 175.0, l.y, size, false, cut(&line.value, 80));
        l.y += LINE;
    }
    l.y += 14.0;
    chart(
        &mut l,
        "Defects by stage",
        "Stage",
        "Defects",
        &r.defects_by_stage,
    );
    chart(
        &mut l,
        "Gesture spend by kind",
        "Gesture kind",
        "Spend",
        &r.spend_by_gesture,
    );
    chart(
        &mut l,
        "Follow-up ratings",
        "Rating",
        "Answers",
        &r.rating_bars(),
    );
    let pages = l.pages.len();
    for (k, page) in l.pages.iter_mut().enumerate() {
        page.push(Op::Line {
            x1: MARGIN,
            y1: PAGE_H - 52.0,
            x2: PAGE_W - MARGIN,
            y2: PAGE_H - 52.0,
        });
        page.push(Op::Text {
            x: MARGIN,
            y: PAGE_H - 36.0,
            size: 9.0,
            bold: false,
            text: "Aggregates only; no customer details.".into(),
        });
        page.push(Op::Text {
            x: PAGE_W - MARGIN - 60.0,
            y: PAGE_H - 36.0,
            size: 9.0,
            bold: false,
            text: format!("Page {} of {pages}", k + 1),
        });
    }
    l
}

/// A horizontal bar chart: a title, the bars with their labels on the left (the vertical axis,
/// named `y_name`) and their values printed beside them, and the horizontal axis named `x_name`.
fn chart(l: &mut Layout, title: &str, y_name: &str, x_name: &str, bars: &[Bar]) {
    let rows = bars.len().max(1) as f32;
    l.room(30.0 + rows * BAR_STEP + 30.0);
    l.text(MARGIN, l.y, 12.0, true, title);
    l.y += 14.0;
    l.text(MARGIN, l.y + 4.0, 8.0, true, y_name);
    l.y += 10.0;
    let top = l.y;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f32;
    if bars.is_empty() {
        l.text(AXIS_X + 8.0, l.y + 9.0, 9.0, false, "nothing this month");
        l.y += BAR_STEP;
    }
    for b in bars {
        l.text(MARGIN, l.y + 9.0, 9.0, false, cut(&b.label, 32));
        let w = (b.value.max(0) as f32 / max) * BAR_MAX_W;
        if w > 0.0 {
            let y = l.y;
            l.ops().push(Op::Rect {
                x: AXIS_X,
                y,
                w,
                h: BAR_H,
                green: true,
            });
        }
        l.text(AXIS_X + w + 5.0, l.y + 9.0, 9.0, false, b.shown.clone());
        l.y += BAR_STEP;
    }
    let bottom = l.y + 2.0;
    l.ops().push(Op::Line {
        x1: AXIS_X,
        y1: top - 3.0,
        x2: AXIS_X,
        y2: bottom,
    });
    l.ops().push(Op::Line {
        x1: AXIS_X,
        y1: bottom,
        x2: AXIS_X + BAR_MAX_W + 20.0,
        y2: bottom,
    });
    l.text(AXIS_X, bottom + 12.0, 8.0, false, "0");
    l.text(AXIS_X + BAR_MAX_W - 10.0, bottom + 12.0, 8.0, true, x_name);
    l.y = bottom + 32.0;
}
