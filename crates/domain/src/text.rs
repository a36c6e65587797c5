//! Text that came from outside (the UI, the CLI, a file) as it may be shown back to people.
//!
//! Invariants:
//! - an error message quotes outside text only through [`quoted`]: at most [`QUOTE_CHARS`]
//!   characters, control and direction characters escaped, so a megabyte of input never comes
//!   back and an RTL override never reorders the message around it;
//! - a name or label a person gives (a bot's name, a wallet's label, a killswitch reason) has
//!   no control characters and no direction overrides ([`name_problem`]), so it cannot hide or
//!   disguise the text shown next to it.

/// The most characters of outside text an error message quotes.
pub const QUOTE_CHARS: usize = 40;

/// Unicode's explicit direction controls (embeddings, overrides, isolates) and the marks.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` may not appear in a name: a control or a direction character.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control() || is_direction_control(c)
}

/// `text` quoted for an error message: shortened to [`QUOTE_CHARS`] characters (with `…` and
/// the full length when cut) and with control and direction characters escaped.
pub fn quoted(text: &str) -> String {
    let mut shown = String::with_capacity(QUOTE_CHARS + 2);
    shown.push('"');
    for c in text.chars().take(QUOTE_CHARS) {
        if is_hidden_control(c) || c == '"' || c == '\\' {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown.push('"');
    let length = text.chars().count();
    if length > QUOTE_CHARS {
        shown.push_str(&format!("… ({length} characters)"));
    }
    shown
}

/// Why `text` cannot be a name or label of at most `max_chars` characters, or `None`: it is
/// blank, longer, or holds a control or direction character.
pub fn name_problem(text: &str, max_chars: usize) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Some("must not be empty".into());
    }
    if trimmed.chars().count() > max_chars {
        return Some(format!("must be at most {max_chars} characters"));
    }
    if trimmed.chars().any(is_hidden_control) {
        return Some("must not contain control or text-direction characters".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_shortens_and_escapes() {
        assert_eq!(quoted("abc"), "\"abc\"");
        let huge = "a".repeat(1 << 20);
        let shown = quoted(&huge);
        assert!(shown.len() < 80, "{shown}");
        assert!(shown.ends_with("… (1048576 characters)"), "{shown}");
        assert_eq!(quoted("a\0b\u{202e}c\"d"), "\"a\\u{0}b\\u{202e}c\\\"d\"");
    }

    #[test]
    fn names_refuse_blank_long_and_hidden_characters() {
        assert_eq!(name_problem("  Trader 1 ", 64), None);
        assert_eq!(
            name_problem("'; DROP TABLE bots; --", 64),
            None,
            "text, not SQL"
        );
        for bad in [
            "",
            "   ",
            "bot\0",
            "\u{202e}dcba",
            "tab\there",
            "a\u{2066}b",
        ] {
            assert!(name_problem(bad, 64).is_some(), "{bad:?}");
        }
        assert!(name_problem(&"x".repeat(65), 64).is_some());
        assert_eq!(
            name_problem(&"é".repeat(64), 64),
            None,
            "characters, not bytes"
        );
    }
}
