//! Text that came from outside (the UI, the CLI, a file) as it may be shown back to people.
//!
//! Invariants:
//! - an error message quotes outside text only through [`quoted`]: at most [`QUOTE_CHARS`]
//!   characters, control and direction characters escaped, so a megabyte of input never comes
//!   back and an RTL override never reorders the message around it;
//! - a name or label a person gives (a bot's name, a wallet's label, a killswitch reason) has
//!   no control characters and no direction overrides ([`name_problem`]), so it cannot hide or
//!   disguise the text shown next to it;
//! - a name never holds a private key ([`private_keys_in`]): labels are stored and printed in
//!   plain text, so a key pasted into the wrong field is refused, never echoed.

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

/// Every run of exactly 64 hex digits in `text` (a `0x` before it is allowed) that is a valid
/// secp256k1 private key. A longer run is not split: it is not a key typed by mistake.
pub fn private_keys_in(text: &str) -> Vec<crate::secret::PrivateKey> {
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes[start].is_ascii_hexdigit() {
            start += 1;
            continue;
        }
        let end = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_hexdigit())
            .map_or(bytes.len(), |n| start + n);
        if end - start == 64
            && let Ok(key) = crate::secret::PrivateKey::from_hex(&text[start..end])
        {
            keys.push(key);
        }
        start = end;
    }
    keys
}

/// Whether `text` holds something that parses as a private key (see [`private_keys_in`]).
pub fn holds_private_key(text: &str) -> bool {
    !private_keys_in(text).is_empty()
}

/// The sentence for a private key typed where it does not belong. It never quotes the text.
pub const PRIVATE_KEY_REFUSED: &str = "looks like a private key, which must never be typed here (it would be stored or sent in plain text); nothing was saved or sent";

/// Why `text` cannot be a name or label of at most `max_chars` characters, or `None`: it is
/// blank, longer, holds a control or direction character, or holds a private key.
pub fn name_problem(text: &str, max_chars: usize) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Some("must not be empty".into());
    }
    // Before the length check: a key with `0x` is 66 characters, and the user must learn
    // what they pasted rather than that it was long.
    if holds_private_key(trimmed) {
        return Some(PRIVATE_KEY_REFUSED.into());
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

    #[test]
    fn private_keys_are_found_and_refused_without_echo() {
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        for text in [
            key.to_owned(),
            format!("0x{key}"),
            format!("my wallet {key}"),
            key.to_uppercase(),
        ] {
            assert!(holds_private_key(&text), "{text}");
            let problem = name_problem(&text, 64).unwrap();
            assert!(!problem.contains("ac0974"), "{problem}");
        }
        // Not keys: too short, too long, zero, at or above the curve order.
        assert!(!holds_private_key(&key[..63]));
        assert!(!holds_private_key(&format!("{key}0")));
        assert!(!holds_private_key(&"0".repeat(64)));
        assert!(!holds_private_key(&"f".repeat(64)));
        assert_eq!(name_problem("Trader 1", 64), None);
    }
}
