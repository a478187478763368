//! The layout drawn with krilla: DejaVu Sans (embedded, subset by krilla), text and filled paths.

use crate::ReportError;
use crate::figures::MonthlyReport;
use crate::layout::{Op, PAGE_H, PAGE_W, lay_out};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The report as an A4 PDF: the business and the month, the headline figures, three bar charts
/// (defects by stage, gesture spend by kind, follow-up ratings), and a footer on every page.
pub fn monthly_pdf(r: &MonthlyReport) -> Result<Vec<u8>, ReportError> {
    let regular = Font::new(REGULAR.into(), 0).ok_or(ReportError::Font)?;
    let bold = Font::new(BOLD.into(), 0).ok_or(ReportError::Font)?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!(
                "Olive monthly report — {} — {}",
                r.business,
                r.month.title()
            ))
            .creator("Olive".into())
            .language("en".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| ReportError::Pdf("bad page size".into()))?;
    for ops in lay_out(r).pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in &ops {
            draw(&mut surface, op, &regular, &bold);
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

fn fill(r: u8, g: u8, b: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(surface: &mut Surface<'_>, op: &Op, regular: &Font, bold: &Font) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold: b,
            text,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(fill(20, 20, 20)));
            let font = if *b { bold } else { regular };
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { x, y, w, h, green } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(if *green {
                    fill(85, 125, 60)
                } else {
                    fill(200, 200, 200)
                }));
                surface.draw_path(&path);
            }
        }
        Op::Line { x1, y1, x2, y2 } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(90, 90, 90).into(),
                    width: 0.8,
                    ..Default::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}
