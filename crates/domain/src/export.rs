//! Spreadsheet exports (CSV): cells a spreadsheet would run as formulas are defused, amounts are plain decimals.

/// A text cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return gets a leading apostrophe (names and notes are typed by staff and customers, and
/// `=HYPERLINK(…)` in a customer's name must stay text). Everything else is returned as it is.
pub fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// An amount in cents as a plain decimal a spreadsheet reads as a number: `6000` → `60.00`, `-5` →
/// `-0.05` (no thousands separators, no currency sign).
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::{decimal, spreadsheet_safe};

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("+61 2 9555 0142"), "'+61 2 9555 0142");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("\rx"), "'\rx");
    }

    #[test]
    fn plain_text_is_left_alone() {
        assert_eq!(spreadsheet_safe("Mrs Jones"), "Mrs Jones");
        assert_eq!(spreadsheet_safe("a=b"), "a=b");
        assert_eq!(spreadsheet_safe("'quoted"), "'quoted");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(decimal(6000), "60.00");
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(123_456_78), "123456.78");
        assert_eq!(decimal(-5), "-0.05");
    }
}
