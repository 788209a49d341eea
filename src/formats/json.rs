//! JSON as JavaScript's `JSON.parse` reads it: the agents that write `.workflow/`
//! are JavaScript programs, and what they can read back is what counts.

use anyhow::Result;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use serde_json::error::Category;

/// Parses JSON as JavaScript's `JSON.parse` reads the files agents write: a byte-order mark is
/// ignored, and a lone surrogate escape (`"\ud83d"`, which CCW writes when it cuts a
/// string inside an emoji) reads as U+FFFD instead of failing.
pub fn read_json(bytes: &[u8]) -> Result<Value> {
    decode(bytes)
}

/// Whether `text` is JSON as [`read_json`] reads it, building nothing: the check a
/// text edit makes before it touches a file.
pub fn check_json(text: &str) -> Result<()> {
    decode::<IgnoredAny>(text.as_bytes()).map(drop)
}

/// `T` from JSON as JavaScript reads it. The strict parse is tried first (real files
/// are almost always strict JSON); then lone surrogates are replaced, which keeps
/// every byte where it was, so an error's position is still the file's; then
/// numbers past a double are clamped.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let text = std::str::from_utf8(bytes)?;
    let lenient = replace_lone_surrogates(text);
    let err = match serde_json::from_str(&lenient) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let (clamped, clamps) = clamp_huge_numbers(&lenient);
    if clamps.is_empty() {
        return Err(located(&err, &lenient, stop_offset(&err, &lenient)));
    }
    serde_json::from_str(&clamped).map_err(|err| {
        let offset = original_offset(stop_offset(&err, &clamped), &clamps);
        located(&err, &lenient, offset)
    })
}

/// One number [`clamp_huge_numbers`] rewrote: where it starts in the new text, its
/// length there, and its length in the file.
struct Clamp {
    at: usize,
    len: usize,
    was: usize,
}

/// The file's offset of `offset` in the text with `clamps` applied: shifted back by
/// each clamp before it, or the start of the number it falls in.
fn original_offset(offset: usize, clamps: &[Clamp]) -> usize {
    let mut shift = 0isize;
    for clamp in clamps {
        if offset < clamp.at {
            break;
        }
        if offset < clamp.at + clamp.len {
            return clamp.at.saturating_add_signed(-shift);
        }
        shift += clamp.len as isize - clamp.was as isize;
    }
    offset.saturating_add_signed(-shift)
}

/// Numbers past the range of a double (`1e400`), which JavaScript reads as
/// ±Infinity and serde refuses, written as the largest double of their sign, in
/// one pass over the text outside its strings; with where each one was, so that a
/// later error is still placed in the file's own text.
fn clamp_huge_numbers(text: &str) -> (String, Vec<Clamp>) {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut clamps = Vec::new();
    let (mut i, mut copied, mut in_string) = (0, 0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let end = i + bytes[i..]
                .iter()
                .take_while(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .count();
            let number = &text[i..end];
            if number.parse::<f64>().is_ok_and(f64::is_infinite) {
                out.push_str(&text[copied..i]);
                let largest = if b == b'-' {
                    "-1.7976931348623157e308"
                } else {
                    "1.7976931348623157e308"
                };
                clamps.push(Clamp {
                    at: out.len(),
                    len: largest.len(),
                    was: number.len(),
                });
                out.push_str(largest);
                copied = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    (out, clamps)
}

/// serde_json's error at the line and column `JSON.parse` reports for the same
/// text (SPEC §7: a user compares the two): `offset`, the character the parser
/// stopped at ([`stop_offset`]), with the column counted in UTF-16 code units
/// from 1, as JavaScript counts string positions.
fn located(err: &serde_json::Error, text: &str, offset: usize) -> anyhow::Error {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].encode_utf16().count() + 1;
    let words = err.to_string();
    let what = words.split(" at line ").next().unwrap_or(&words);
    anyhow::anyhow!("{what} at line {line} column {column}")
}

/// The byte serde_json stopped at in `text`: the end when it ran out, else the one
/// its `line:column` names.
fn stop_offset(err: &serde_json::Error, text: &str) -> usize {
    match err.classify() {
        Category::Eof => text.len(),
        _ => stopped_at(text, err.line(), err.column()),
    }
}

/// The byte serde_json's `line:column` names: the last byte it read (column 0 is
/// the line break before the line, which it read last).
fn stopped_at(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .match_indices('\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(i, _)| i + 1);
    let line_start = if line <= 1 { 0 } else { line_start };
    (line_start + column).saturating_sub(1).min(text.len())
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// `\uD800`–`\uDFFF` escapes that do not form a pair, turned into `\uFFFD`.
fn replace_lone_surrogates(text: &str) -> String {
    let escape_at = |i: usize| -> Option<u32> {
        let hex = text.get(i + 2..i + 6)?;
        (text.get(i..i + 2) == Some("\\u")).then(|| u32::from_str_radix(hex, 16).ok())?
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(pair) = text.get(i..i + 2).filter(|p| !p.ends_with('u'))
        {
            out.push_str(pair);
            i += 2;
            continue;
        }
        match escape_at(i) {
            Some(0xD800..=0xDBFF) if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                out.push_str(&text[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\uFFFD");
                i += 6;
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_past_a_double_read_as_javascript_reads_them() {
        let value = read_json(
            br#"{"big": 1e400, "small": -2E+999, "s": "1e400", "n": 12345678901234567890123}"#,
        )
        .unwrap();
        assert_eq!(value["big"], serde_json::json!(f64::MAX));
        assert_eq!(value["small"], serde_json::json!(f64::MIN));
        assert_eq!(value["s"], "1e400");
        assert!(read_json(b"[1e400,]").is_err());
        let edge = read_json(b"[1.7976931348623158e308, -1.7976931348623158e308]").unwrap();
        assert_eq!(
            edge,
            serde_json::json!([f64::MAX, f64::MIN]),
            "rounded as JavaScript rounds"
        );
    }

    #[test]
    fn an_error_after_a_clamped_number_is_placed_in_the_files_own_text() {
        let err = read_json(b"{\"a\": 1e400, \"b\": tru}").unwrap_err();
        assert_eq!(err.to_string(), "expected ident at line 1 column 22");
        let err = read_json(b"[-1e999, 1e999 2]").unwrap_err();
        assert_eq!(err.to_string(), "expected `,` or `]` at line 1 column 16");
    }

    #[test]
    fn error_columns_count_characters() {
        let err = read_json("{\n  \"标题\": [1,, 2]\n}".as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "expected value at line 2 column 12");
    }

    #[test]
    fn a_byte_order_mark_and_lone_surrogates_read_as_javascript_reads_them() {
        assert_eq!(read_json(b"\xEF\xBB\xBF{}").unwrap(), serde_json::json!({}));
        let lone = read_json(br#""cut \ud83d""#).unwrap();
        assert_eq!(lone, Value::String("cut \u{FFFD}".into()));
        assert!(read_json(b"{").is_err());
    }
}
