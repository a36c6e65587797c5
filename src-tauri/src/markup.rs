//! Notification text as the desktop shows it. Freedesktop notification daemons (Linux, the
//! BSDs) may render a body as markup (`<b>`, `<a href>`), and a notice can carry text from the
//! exchange (error details, market names), so the body is escaped there; macOS and Windows
//! show text as text, where escaping would print `&amp;`.
//!
//! Invariant: on freedesktop platforms a notification body never contains a raw `<`, `>` or
//! `&`; the summary (title) is plain text by the specification and is left alone.

/// `text` with `&`, `<` and `>` escaped as entities.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A notification body as it is handed to the OS.
pub fn notification_body(text: &str) -> String {
    if cfg!(all(unix, not(target_os = "macos"), not(target_os = "ios"))) {
        escape_markup(text)
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_markup(r#"<a href="x">Fed</a> & <b>rates</b>"#),
            r#"&lt;a href="x"&gt;Fed&lt;/a&gt; &amp; &lt;b&gt;rates&lt;/b&gt;"#
        );
        assert_eq!(escape_markup("plain text 0.42"), "plain text 0.42");
        // Already-escaped text is escaped again, so it shows as typed.
        assert_eq!(escape_markup("&amp;"), "&amp;amp;");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_bodies_carry_no_raw_markup() {
        let body = notification_body("bot <i>stopped</i> & paused");
        assert!(!body.contains(['<', '>']));
        assert_eq!(body.matches('&').count(), body.matches("&amp;").count() + 4);
    }
}
