//! A hand-written reader for single-object market-channel frames, the feed's hot path;
//! serde stays the reference and the fallback.
//!
//! Invariants:
//! - [`scan_message`] either returns exactly the [`MarketMessage`] that
//!   [`parse_one_with_serde`](crate::book::parse_one_with_serde) builds from the same text,
//!   or declines with `None`; it never reports an error, so a declined frame is parsed (or
//!   rejected, with serde's error) as before, and correctness never depends on this module;
//! - it reads the shape the venue sends: one object whose values are strings without
//!   escapes, or arrays of flat objects of such strings; unknown keys may also carry
//!   `true`/`false`/`null`. Anything else (a backslash, a control character in a string, a
//!   number, a nested value where none is expected, a duplicate key, malformed or trailing
//!   text) declines. It may decline frames serde accepts, never the other way round;
//! - it borrows every string from the frame and allocates only the entry lists.
//!
//! Why the result equals serde's: the serde path picks its target type by peeking at the
//! first `"event_type":"` in the text (`price_change` → the 6-field `PriceChangeMessage`,
//! anything else → the full [`MarketMessage`]). In a frame this module accepts, no string
//! holds a quote or a backslash, so every quote opens or closes a string and that first
//! occurrence is the first key `event_type` (at any depth) written with its colon and the
//! value's opening quote tight against it. [`Scanner::first_event_type`] records exactly
//! that key's value, and [`scan_message`] then keeps the same fields serde would.

use crate::book::{MarketMessage, RawLevel, RawLevelChange, RawPriceChange};

/// Reads one single-object frame (leading whitespace allowed), or declines.
pub(crate) fn scan_message(text: &str) -> Option<MarketMessage<'_>> {
    let mut scanner = Scanner {
        text,
        pos: 0,
        first_event_type: None,
    };
    let message = scanner.message()?;
    scanner.skip_whitespace();
    if scanner.pos != text.len() {
        return None;
    }
    if scanner.first_event_type == Some("price_change") {
        // The serde path reads only these fields of a price_change; the others are
        // ignored there, so they are dropped here.
        return Some(MarketMessage {
            event_type: "price_change",
            market: message.market,
            timestamp: message.timestamp,
            price_changes: message.price_changes,
            asset_id: message.asset_id,
            hash: message.hash,
            changes: message.changes,
            ..MarketMessage::default()
        });
    }
    Some(message)
}

/// The offset of the first byte in `bytes` that ends or interrupts a string: a quote, a
/// backslash or a control character; `None` if there is none.
///
/// Ids and hashes are 40-77 bytes long, so eight bytes are tested per step (SWAR):
/// `(x - 0x01..) & !x & 0x80..` flags the zero bytes of `x` (the quotes of `x ^ 0x22..`, the
/// backslashes of `x ^ 0x5c..`) and `(x - 0x20..) & !x & 0x80..` the bytes below 0x20. A
/// borrow can only flag a byte *above* a true hit, so the lowest flag is exact.
#[inline(always)]
fn string_stop(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut offset = 0;
    while let Some(chunk) = bytes.get(offset..offset + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let flags = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGHS;
        if flags != 0 {
            return Some(offset + (flags.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = bytes.get(offset..)?;
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| offset + i)
}

/// The keys an entry of `bids`, `asks`, `price_changes` or `changes` can carry; each list
/// then takes the ones its entry type has.
#[derive(Default)]
struct EntryFields<'a> {
    asset_id: Option<&'a str>,
    price: Option<&'a str>,
    size: Option<&'a str>,
    side: Option<&'a str>,
    hash: Option<&'a str>,
    best_bid: Option<&'a str>,
    best_ask: Option<&'a str>,
}

/// A cursor over a frame. Every method returns `None` to decline.
struct Scanner<'a> {
    text: &'a str,
    /// Byte offset of the next unread byte; always on a char boundary between tokens.
    pos: usize,
    /// The value of the first key `event_type` spelled `"event_type":"` (no whitespace
    /// around the colon): what the serde path's peek finds.
    first_event_type: Option<&'a str>,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace (exactly serde_json's four bytes).
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `byte` after optional whitespace.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Reads a string whose opening quote is at the cursor and returns its contents.
    /// Declines on a backslash (serde would unescape into a new buffer, which a borrowed
    /// `&str` cannot hold) and on a control character (serde rejects it).
    ///
    /// Always inlined: a price_change holds ~35 strings, and the call with its constant
    /// setup measured ~8% of the parse.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let end = start + string_stop(bytes.get(start..)?)?;
        if bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        // Both ends sit next to an ASCII quote, so they are char boundaries.
        self.text.get(start..end)
    }

    /// Reads a known string field into its slot; a second occurrence of the key is an
    /// error for serde, so it declines.
    fn known_string(&mut self, slot: &mut Option<&'a str>) -> Option<()> {
        if slot.is_some() {
            return None;
        }
        *slot = Some(self.string()?);
        Some(())
    }

    /// Skips the value of a key serde ignores: a string or a literal. Numbers and nested
    /// values decline (serde would validate them; this module does not try).
    fn skip_unknown(&mut self) -> Option<()> {
        let rest = self.text.as_bytes().get(self.pos..)?;
        for literal in [&b"true"[..], b"false", b"null"] {
            if rest.starts_with(literal) {
                self.pos += literal.len();
                return Some(());
            }
        }
        self.string().map(|_| ())
    }

    /// Reads an object, calling `field` with the cursor on each value; `field` must consume
    /// the value. Records the peeked `event_type` on the way.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_whitespace();
            let key = self.string()?;
            if key == "event_type" && self.first_event_type.is_none() {
                self.note_event_type();
            }
            self.expect(b':')?;
            self.skip_whitespace();
            field(self, key)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// With the cursor just after the key `event_type`: if `:"` follows directly, this is
    /// the occurrence the serde path's peek would find; remember its value (read again by
    /// the caller).
    fn note_event_type(&mut self) {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) == Some(&b':') && bytes.get(self.pos + 1) == Some(&b'"') {
            let mut value = Scanner {
                text: self.text,
                pos: self.pos + 1,
                first_event_type: None,
            };
            // An unreadable value declines later, when the caller reads it; an empty
            // placeholder keeps the "first occurrence" rule meanwhile.
            self.first_event_type = Some(value.string().unwrap_or(""));
        }
    }

    /// Reads an array, calling `entry` with the cursor on each element.
    fn array<T>(&mut self, mut entry: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Some(out);
        }
        loop {
            self.skip_whitespace();
            out.push(entry(self)?);
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// Reads a list field; a second occurrence of the key declines.
    fn known_array<T>(
        &mut self,
        slot: &mut Option<Vec<T>>,
        entry: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<()> {
        if slot.is_some() {
            return None;
        }
        *slot = Some(self.array(entry)?);
        Some(())
    }

    /// Reads one flat entry object. A key known to any entry type but repeated declines,
    /// even where serde would ignore it: declining is always allowed.
    fn entry(&mut self) -> Option<EntryFields<'a>> {
        let mut fields = EntryFields::default();
        self.object(|scanner, key| match key {
            "asset_id" => scanner.known_string(&mut fields.asset_id),
            "price" => scanner.known_string(&mut fields.price),
            "size" => scanner.known_string(&mut fields.size),
            "side" => scanner.known_string(&mut fields.side),
            "hash" => scanner.known_string(&mut fields.hash),
            "best_bid" => scanner.known_string(&mut fields.best_bid),
            "best_ask" => scanner.known_string(&mut fields.best_ask),
            _ => scanner.skip_unknown(),
        })?;
        Some(fields)
    }

    fn level(&mut self) -> Option<RawLevel<'a>> {
        let entry = self.entry()?;
        Some(RawLevel {
            price: entry.price?,
            size: entry.size?,
        })
    }

    fn price_change(&mut self) -> Option<RawPriceChange<'a>> {
        let entry = self.entry()?;
        Some(RawPriceChange {
            asset_id: entry.asset_id?,
            price: entry.price?,
            size: entry.size?,
            side: entry.side?,
            hash: entry.hash,
            best_bid: entry.best_bid,
            best_ask: entry.best_ask,
        })
    }

    fn level_change(&mut self) -> Option<RawLevelChange<'a>> {
        let entry = self.entry()?;
        Some(RawLevelChange {
            price: entry.price?,
            side: entry.side?,
            size: entry.size?,
        })
    }

    /// Reads the top-level object with every [`MarketMessage`] field.
    fn message(&mut self) -> Option<MarketMessage<'a>> {
        let mut message = MarketMessage::default();
        let mut event_type = None;
        self.object(|scanner, key| match key {
            "event_type" => scanner.known_string(&mut event_type),
            "asset_id" => scanner.known_string(&mut message.asset_id),
            "market" => scanner.known_string(&mut message.market),
            "timestamp" => scanner.known_string(&mut message.timestamp),
            "hash" => scanner.known_string(&mut message.hash),
            "price_changes" => scanner.known_array(&mut message.price_changes, Self::price_change),
            "bids" => scanner.known_array(&mut message.bids, Self::level),
            "asks" => scanner.known_array(&mut message.asks, Self::level),
            "changes" => scanner.known_array(&mut message.changes, Self::level_change),
            "price" => scanner.known_string(&mut message.price),
            "side" => scanner.known_string(&mut message.side),
            "size" => scanner.known_string(&mut message.size),
            "new_tick_size" => scanner.known_string(&mut message.new_tick_size),
            "best_bid" => scanner.known_string(&mut message.best_bid),
            "best_ask" => scanner.known_string(&mut message.best_ask),
            "tick_size" => scanner.known_string(&mut message.tick_size),
            "last_trade_price" => scanner.known_string(&mut message.last_trade_price),
            "winning_asset_id" => scanner.known_string(&mut message.winning_asset_id),
            "winning_outcome" => scanner.known_string(&mut message.winning_outcome),
            // A list of strings (market_resolved, rare): serde reads it.
            "assets_ids" => None,
            _ => scanner.skip_unknown(),
        })?;
        message.event_type = event_type.unwrap_or("");
        Some(message)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::book::{parse_frame, parse_one_with_serde};

    const CURRENT: &str = r#"{"event_type":"price_change","market":"0x5f65","timestamp":"1767225600456","price_changes":[{"asset_id":"7132","price":"0.49","size":"120.5","side":"BUY","hash":"5662","best_bid":"0.49","best_ask":"0.52"},{"asset_id":"5211","price":"0.52","size":"0","side":"SELL","hash":"1895","best_bid":"0.48","best_ask":"0.51"}]}"#;
    /// The order the venue actually sends: `event_type` last.
    const CURRENT_EVENT_LAST: &str = r#"{"market":"0x5f65","price_changes":[{"asset_id":"7132","price":"0.49","size":"120.5","side":"BUY","hash":"5662","best_bid":"0.49","best_ask":"0.52"}],"timestamp":"1767225600456","event_type":"price_change"}"#;
    const LEGACY: &str = r#"{"event_type":"price_change","asset_id":"1","market":"0xc","timestamp":"3","hash":"h","changes":[{"price":"0.4","side":"SELL","size":"3300"},{"price":"0.41","side":"BUY","size":"0"}]}"#;
    const BOOK: &str = r#"{"event_type":"book","asset_id":"1","market":"0xc","timestamp":"1767225600123","hash":"h","bids":[{"price":"0.48","size":"30"},{"price":"0.49","size":"20"}],"asks":[{"price":"0.53","size":"60"}],"tick_size":"0.01","last_trade_price":"0.5"}"#;
    const TRADE: &str = r#"{"event_type":"last_trade_price","asset_id":"1","market":"0xc","price":"0.51","side":"BUY","size":"12.5","fee_rate_bps":"0","timestamp":"1"}"#;
    const TICK: &str = r#"{"event_type":"tick_size_change","asset_id":"1","market":"0xc","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"2"}"#;
    const TOP: &str = r#"{"event_type":"best_bid_ask","market":"0xc","asset_id":"1","best_bid":"0.49","best_ask":"0.52","spread":"0.03","timestamp":"5"}"#;

    /// The scanner reads `text` and gets exactly serde's message.
    #[track_caller]
    fn agrees(text: &str) -> MarketMessage<'_> {
        let scanned = scan_message(text).unwrap_or_else(|| panic!("declined {text}"));
        assert_eq!(Ok(&scanned), parse_one_with_serde(text).as_ref(), "{text}");
        scanned
    }

    /// The scanner declines `text`, and the feed's parse still ends exactly as serde's.
    #[track_caller]
    fn declines(text: &str) {
        assert_eq!(scan_message(text), None, "{text}");
        assert_eq!(
            parse_frame(text),
            parse_one_with_serde(text).map(|m| vec![m]),
            "{text}"
        );
    }

    #[test]
    fn reads_every_message_type_as_serde_does() {
        let current = agrees(CURRENT);
        assert_eq!(current.event_type, "price_change");
        let changes = current.price_changes.unwrap_or_default();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[1].side, "SELL");
        assert_eq!(changes[0].best_ask, Some("0.52"));
        agrees(CURRENT_EVENT_LAST);
        let legacy = agrees(LEGACY);
        assert_eq!(legacy.changes.map(|c| c.len()), Some(2));
        let book = agrees(BOOK);
        assert_eq!(book.bids.map(|b| b.len()), Some(2));
        assert_eq!(book.tick_size, Some("0.01"));
        for text in [TRADE, TICK, TOP] {
            agrees(text);
        }
    }

    #[test]
    fn whitespace_anywhere_between_tokens() {
        let spaced = CURRENT
            .replace(':', " :\t")
            .replace(',', "\r\n ,  ")
            .replace('{', "{ ")
            .replace('}', "\n}")
            .replace('[', "[\n")
            .replace(']', " ]");
        // The peek only recognises the tight spelling: with spaces this is read as a full
        // MarketMessage by serde, and the scanner must follow it there.
        let message = agrees(&spaced);
        assert_eq!(message.event_type, "price_change");
        agrees(&format!("  \n{CURRENT}\n\t "));
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(CURRENT_EVENT_LAST).unwrap(),
        )
        .unwrap();
        agrees(&pretty);
        agrees(&LEGACY.replace(',', ", "));
    }

    #[test]
    fn a_market_resolution_is_read_by_serde_with_its_assets_and_winner() {
        const RESOLVED: &str = r#"{"event_type":"market_resolved","id":"0xc","market":"0xc","assets_ids":["1","2"],"outcomes":["Yes","No"],"winning_asset_id":"1","winning_outcome":"Yes","timestamp":"6"}"#;
        declines(RESOLVED);
        let message = parse_one_with_serde(RESOLVED).unwrap();
        assert_eq!(message.assets_ids, Some(vec!["1", "2"]));
        assert_eq!(
            (message.winning_asset_id, message.winning_outcome),
            (Some("1"), Some("Yes"))
        );
        // Without the lists, the winner's fields are plain strings the scanner reads.
        let bare = RESOLVED
            .replace(r#""assets_ids":["1","2"],"#, "")
            .replace(r#""outcomes":["Yes","No"],"#, "");
        assert_eq!(agrees(&bare).winning_outcome, Some("Yes"));
        // A list that is not one is refused by serde, so the scanner must decline it too.
        declines(&RESOLVED.replace(r#"["1","2"]"#, r#""1""#));
    }

    #[test]
    fn unknown_keys_with_strings_or_literals_are_skipped() {
        let extra = CURRENT
            .replace(
                r#""market""#,
                r#""fee_rate_bps":"0","x":true,"y":false,"z":null,"":"","market""#,
            )
            .replace(r#""hash""#, r#""extra":"ünïcode ✓","flag":null,"hash""#);
        let message = agrees(&extra);
        assert_eq!(message.market, Some("0x5f65"));
        // A price_change ignores the fields only other messages have, like serde does;
        // another message keeps them.
        let with_price = CURRENT.replace(r#""market""#, r#""price":"0.5","market""#);
        assert_eq!(agrees(&with_price).price, None);
        assert_eq!(agrees(TRADE).price, Some("0.51"));
    }

    #[test]
    fn follows_the_serde_path_s_choice_of_message_type() {
        // No event_type at all: a full MarketMessage with an empty type.
        let none = CURRENT.replace(r#""event_type":"price_change","#, "");
        assert_eq!(agrees(&none).event_type, "");
        // The first tightly spelled event_type wins, even nested in an entry.
        let nested = CURRENT_EVENT_LAST
            .replace(r#""asset_id""#, r#""event_type":"book","asset_id""#)
            .replace(
                r#""event_type":"price_change""#,
                r#""event_type":"price_change","price":"1""#,
            );
        let message = agrees(&nested);
        assert_eq!(message.event_type, "price_change");
        assert_eq!(message.price, Some("1"));
        let nested_first = CURRENT
            .replace(
                r#""event_type":"price_change""#,
                r#""event_type" :"price_change""#,
            )
            .replace(
                r#""hash":"5662""#,
                r#""hash":"5662","event_type":"price_change""#,
            );
        assert_eq!(agrees(&nested_first).event_type, "price_change");
        agrees("{}");
        agrees(r#"{"event_type":"price_change","price_changes":[]}"#);
        agrees(r#"{"event_type":"book","bids":[ ],"asks":[]}"#);
    }

    #[test]
    fn declines_what_it_does_not_read() {
        let cases = [
            // escapes, in values, unknown values and keys
            CURRENT.replace("5662", r#"56\"62"#),
            CURRENT.replace("0x5f65", r"0x5f\u0036"),
            CURRENT.replace(r#""market""#, r#""note":"a\\b","market""#),
            CURRENT.replace(r#""market""#, r#""m\u0061rket""#),
            // a raw control character inside a string (serde rejects it)
            CURRENT.replace("0x5f65", "0x5f\t65"),
            // numbers, nested values, null where a string is expected
            CURRENT.replace(r#""1767225600456""#, "1767225600456"),
            CURRENT.replace(r#""market""#, r#""fee":0,"market""#),
            CURRENT.replace(r#""market""#, r#""meta":{"a":"b"},"market""#),
            CURRENT.replace(r#""market""#, r#""list":["a"],"market""#),
            CURRENT.replace(r#""0x5f65""#, "null"),
            CURRENT.replace(r#""hash":"5662""#, r#""hash":null"#),
            CURRENT.replace(r#""price_changes":["#, r#""price_changes":[["a"],"#),
            // duplicate keys (serde rejects them)
            CURRENT.replace(r#""market""#, r#""timestamp":"1","market""#),
            CURRENT.replace(r#""hash":"5662""#, r#""hash":"5662","hash":"x""#),
            // a missing required field
            CURRENT.replace(r#""side":"BUY","#, ""),
            LEGACY.replace(r#""size":"3300""#, r#""sizes":"3300""#),
            // malformed
            CURRENT.replace("]}", "],}"),
            CURRENT.replace(r#""market":"#, r#""market""#),
            format!("{CURRENT} x"),
            format!("{CURRENT}}}"),
            CURRENT[..CURRENT.len() - 1].to_owned(),
            CURRENT[..40].to_owned(),
            "{'event_type':'price_change'}".to_owned(),
            r#"{"event_type":"price_change","market":"x""#.to_owned(),
            r#"{"event_type":tru}"#.to_owned(),
            r#"{"event_type":"book","bids":[{"price":"1","size":"2"}"#.to_owned(),
        ];
        for text in &cases {
            declines(text);
        }
    }

    /// The first byte ending a string, byte by byte: what [`string_stop`] must find.
    fn naive_stop(bytes: &[u8]) -> Option<usize> {
        bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
    }

    #[test]
    fn string_stop_finds_the_first_stop_byte_at_every_offset() {
        let ordinary = [
            b'a', b' ', b'!', b'#', b'[', b']', b'~', 0x7f, 0x80, 0xc3, 0xff,
        ];
        for length in 0..26 {
            for position in 0..=length {
                for stop in [b'"', b'\\', 0x00, 0x01, 0x1f, b'a'] {
                    for &fill in &ordinary {
                        let mut bytes = vec![fill; length];
                        if position < length {
                            bytes[position] = stop;
                        }
                        // A second stop further on must not hide the first.
                        if position + 3 < length {
                            bytes[position + 3] = 0x00;
                        }
                        assert_eq!(string_stop(&bytes), naive_stop(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }

    /// A JSON value as text, and whether the scanner reads it where a string is expected
    /// (`Some(true)`), only where serde ignores the key (`Some(false)`) or never (`None`).
    /// A `noisy` value is often something else than a plain string; a quiet one always is,
    /// so that quiet frames check that the scanner reads what it should.
    fn value(noisy: bool) -> impl Strategy<Value = (String, Option<bool>)> {
        let noise = u32::from(noisy);
        let clean = "[0-9a-zA-Z._ é✓-]{0,80}";
        let escape = prop::sample::select(vec![r#"\""#, r"\\", r"\n", r"\u00e9", r"\/"]);
        let other = prop::sample::select(vec!["0", "-1.5", "12e3", "{}", "[]", r#"{"a":"b"}"#]);
        prop_oneof![
            40 => clean.prop_map(|s| (format!("\"{s}\""), Some(true))),
            noise => (clean, escape, clean).prop_map(|(a, e, b)| (format!("\"{a}{e}{b}\""), None)),
            noise => (clean, clean).prop_map(|(a, b)| (format!("\"{a}\t{b}\""), None)),
            noise => prop::sample::select(vec!["true", "false", "null"])
                .prop_map(|l| (l.to_owned(), Some(false))),
            noise => other.prop_map(|v| (v.to_owned(), None)),
        ]
    }

    fn event_type() -> impl Strategy<Value = String> {
        let other = prop::sample::select(vec!["book", "last_trade_price", "", "price_changes"]);
        prop_oneof![
            6 => Just("price_change".to_owned()),
            1 => other.prop_map(str::to_owned),
        ]
    }

    /// A field as (key, value text, whether the scanner must read it).
    type Field = (String, String, bool);

    /// Known string fields, each present with probability `presence`.
    fn known(
        keys: &'static [&'static str],
        presence: f64,
        noisy: bool,
    ) -> Vec<BoxedStrategy<Option<Field>>> {
        keys.iter()
            .map(move |&key| {
                let value = if presence < 1.0 {
                    prop::option::weighted(presence, value(noisy)).boxed()
                } else {
                    value(noisy).prop_map(Some).boxed()
                };
                value
                    .prop_map(move |v| {
                        v.map(|(text, readable)| (key.to_owned(), text, readable == Some(true)))
                    })
                    .boxed()
            })
            .collect()
    }

    /// Keys serde ignores, with any value; a noisy key may be spelled with an escape.
    fn unknown(noisy: bool) -> impl Strategy<Value = Vec<Field>> {
        let key = prop_oneof![
            6 => prop::sample::select(vec!["extra", "fee_rate_bps", "old_tick_size", "spread", ""])
                .prop_map(|k| (k.to_owned(), true)),
            u32::from(noisy) => Just((r"ex\u0074ra".to_owned(), false)),
        ];
        prop::collection::vec((key, value(noisy)), 0..3).prop_map(|fields| {
            fields
                .into_iter()
                .map(|((key, key_clean), (text, readable))| {
                    (key, text, key_clean && readable.is_some())
                })
                .collect()
        })
    }

    /// Assembles an object from its parts in a random order, now and then with a repeated
    /// key; returns its compact text and whether the scanner must read it.
    fn object(
        parts: impl Strategy<Value = (Vec<Option<Field>>, bool)>,
        noisy: bool,
    ) -> impl Strategy<Value = (String, bool)> {
        let duplicate = if noisy {
            prop::option::weighted(0.05, any::<prop::sample::Index>()).boxed()
        } else {
            Just(None).boxed()
        };
        (parts, unknown(noisy), duplicate)
            .prop_flat_map(|((fields, required_present), unknown, duplicate)| {
                let mut fields: Vec<Field> = fields.into_iter().flatten().chain(unknown).collect();
                let mut readable = required_present && fields.iter().all(|f| f.2);
                if let (Some(index), false) = (duplicate, fields.is_empty()) {
                    fields.push(fields[index.index(fields.len())].clone());
                    readable = false;
                }
                (Just(fields).prop_shuffle(), Just(readable))
            })
            .prop_map(|(fields, readable)| {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(key, text, _)| format!("\"{key}\":{text}"))
                    .collect();
                (format!("{{{}}}", body.join(",")), readable)
            })
    }

    /// An entry with `required` keys (each very rarely missing, which serde rejects),
    /// `optional` ones and, sometimes, a nested `event_type` (which the peek may see first).
    fn entry(
        required: &'static [&'static str],
        optional: &'static [&'static str],
        noisy: bool,
    ) -> impl Strategy<Value = (String, bool)> {
        let presence = if noisy { 0.97 } else { 1.0 };
        let nested_type = prop::option::weighted(0.15, event_type())
            .prop_map(|t| t.map(|t| ("event_type".to_owned(), format!("\"{t}\""), true)));
        let parts = (
            known(required, presence, noisy),
            known(optional, 0.6, noisy),
            nested_type,
        )
            .prop_map(|(required, mut fields, nested_type)| {
                let present = required.iter().all(Option::is_some);
                fields.extend(required);
                fields.push(nested_type);
                (fields, present)
            });
        object(parts, noisy)
    }

    /// A list field: `(key, text, readable)` with 0-3 entries, or absent.
    fn list(
        key: &'static str,
        presence: f64,
        entry: impl Strategy<Value = (String, bool)> + 'static,
    ) -> BoxedStrategy<Option<Field>> {
        prop::option::weighted(presence, prop::collection::vec(entry, 0..4))
            .prop_map(move |entries| {
                entries.map(|entries| {
                    let readable = entries.iter().all(|e| e.1);
                    let texts: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
                    (key.to_owned(), format!("[{}]", texts.join(",")), readable)
                })
            })
            .boxed()
    }

    /// A whole frame: mostly current price_changes, sometimes legacy changes, snapshots'
    /// levels or the fields of other messages, in any order.
    fn frame(noisy: bool) -> impl Strategy<Value = (String, bool)> {
        const STRINGS: &[&str] = &[
            "market",
            "timestamp",
            "asset_id",
            "hash",
            "price",
            "side",
            "size",
            "new_tick_size",
            "best_bid",
            "best_ask",
            "tick_size",
            "last_trade_price",
        ];
        let event = prop::option::weighted(0.9, event_type())
            .prop_map(|t| t.map(|t| ("event_type".to_owned(), format!("\"{t}\""), true)));
        let current = entry(
            &["asset_id", "price", "size", "side"],
            &["hash", "best_bid", "best_ask"],
            noisy,
        );
        let legacy = entry(&["price", "side", "size"], &[], noisy);
        let level = || entry(&["price", "size"], &[], noisy);
        let parts = (
            event,
            known(STRINGS, 0.3, noisy),
            list("price_changes", 0.7, current),
            list("changes", 0.2, legacy),
            list("bids", 0.15, level()),
            list("asks", 0.15, level()),
        )
            .prop_map(|(event, mut fields, changes, legacy, bids, asks)| {
                fields.extend([event, changes, legacy, bids, asks]);
                (fields, true)
            });
        object(parts, noisy)
    }

    /// Inserts whitespace from `gaps` around every structural character outside strings.
    fn spread(compact: &str, gaps: &[&str]) -> String {
        let mut out = String::new();
        let mut next = 0;
        let mut gap = |out: &mut String| {
            out.push_str(gaps[next % gaps.len()]);
            next += 1;
        };
        let (mut in_string, mut escaped) = (false, false);
        gap(&mut out);
        for c in compact.chars() {
            if in_string {
                in_string = escaped || c != '"';
                escaped = !escaped && c == '\\';
                out.push(c);
            } else if matches!(c, '{' | '}' | '[' | ']' | ':' | ',') {
                gap(&mut out);
                out.push(c);
                gap(&mut out);
            } else {
                in_string = c == '"';
                out.push(c);
            }
        }
        gap(&mut out);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn scanner_and_serde_agree_on_generated_frames(
            (compact, readable) in any::<bool>().prop_flat_map(frame),
            gaps in prop::collection::vec(
                prop::sample::select(vec!["", "", "", "", "", " ", "\n", "\t", "\r\n  "]),
                1..40,
            ),
        ) {
            let text = spread(&compact, &gaps);
            let serde = parse_one_with_serde(&text);
            match scan_message(&text) {
                Some(scanned) => prop_assert_eq!(Ok(scanned), serde.clone(), "{}", text),
                None => prop_assert!(!readable, "declined a readable frame: {}", text),
            }
            // The feed trims leading whitespace before either parser sees the frame.
            let trimmed = parse_one_with_serde(text.trim_start()).map(|m| vec![m]);
            prop_assert_eq!(parse_frame(&text), trimmed, "{}", text);
        }
    }
}
