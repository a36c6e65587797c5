//! RFC 4180 CSV writing for exports (fills, activity), small enough not to need a crate.
//!
//! - a field is quoted when it contains a comma, a quote, CR or LF, or starts/ends with a space;
//!   quotes inside are doubled; records end with CRLF;
//! - free-text fields (messages, names, JSON details) that start with `=`, `+`, `-`, `@`, TAB or
//!   CR are prefixed with `'` so a spreadsheet opening the export does not run them as formulas
//!   (CSV injection). Numeric columns are written as-is: a negative P&L stays a number.

use std::io::{self, Write};

pub(crate) fn write_record<W: Write + ?Sized>(out: &mut W, fields: &[&str]) -> io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_field(out, field)?;
    }
    out.write_all(b"\r\n")
}

fn write_field<W: Write + ?Sized>(out: &mut W, field: &str) -> io::Result<()> {
    let needs_quotes =
        field.contains([',', '"', '\r', '\n']) || field.starts_with(' ') || field.ends_with(' ');
    if !needs_quotes {
        return out.write_all(field.as_bytes());
    }
    out.write_all(b"\"")?;
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

/// Free text made safe to open in a spreadsheet (see the module docs).
pub(crate) fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> String {
        let mut out = Vec::new();
        write_record(&mut out, fields).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_fields_are_not_quoted() {
        assert_eq!(record(&["a", "0.52", ""]), "a,0.52,\r\n");
    }

    #[test]
    fn commas_quotes_and_newlines_are_quoted() {
        assert_eq!(
            record(&["a,b", "say \"hi\"", "line1\nline2", "cr\r", " pad"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\r\",\" pad\"\r\n"
        );
    }

    #[test]
    fn formulas_in_text_are_neutralised() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("-1+2"), "'-1+2");
        assert_eq!(text_cell("bought 10"), "bought 10");
    }
}
