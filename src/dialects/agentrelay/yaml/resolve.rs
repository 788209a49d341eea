//! How YAML 1.1 resolves a plain scalar, as PyYAML does: null, booleans of every
//! spelling, integers in every base (sexagesimal too), floats, timestamps.

use super::Value;

/// YAML 1.1's implicit types for a plain scalar (GRAPH.md §1.1).
pub fn resolve_plain(text: &str) -> Value {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = bool_1_1(text) {
        return Value::Bool(b);
    }
    if let Some(i) = int_1_1(text) {
        return Value::Int(i);
    }
    if let Some(f) = float_1_1(text) {
        return Value::Float(f);
    }
    if is_timestamp(text) {
        return Value::Date(text.to_string());
    }
    Value::Str(text.to_string())
}

pub(super) fn bool_1_1(text: &str) -> Option<bool> {
    const TRUE: &[&str] = &["true", "yes", "on"];
    const FALSE: &[&str] = &["false", "no", "off"];
    let forms = |w: &str| [w.to_string(), capitalise(w), w.to_uppercase()];
    if TRUE.iter().any(|w| forms(w).iter().any(|f| f == text)) {
        return Some(true);
    }
    if FALSE.iter().any(|w| forms(w).iter().any(|f| f == text)) {
        return Some(false);
    }
    None
}

pub(super) fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Decimal (with `_`), `0b`, `0` octal, `0x`, or base 60; as decimal digits. A
/// decimal integer keeps every digit (no size limit).
pub(super) fn int_1_1(text: &str) -> Option<String> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if !body.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let body = body.replace('_', "");
    let sign = |zero: bool| if negative && !zero { "-" } else { "" };
    if body.len() > 1 && body.starts_with('0') && !body.contains(':') {
        let magnitude = match body.as_bytes()[1] {
            b'b' => u128::from_str_radix(&body[2..], 2).ok()?,
            b'x' => u128::from_str_radix(&body[2..], 16).ok()?,
            _ => u128::from_str_radix(&body[1..], 8).ok()?,
        };
        return Some(format!("{}{magnitude}", sign(magnitude == 0)));
    }
    if body.contains(':') {
        let magnitude = sexagesimal(&body)?;
        return Some(format!("{}{magnitude}", sign(magnitude == 0)));
    }
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{}{body}", sign(body == "0")))
}

/// `1:30` is 90: base 60, first digit group 1–9.
pub(super) fn sexagesimal(body: &str) -> Option<u128> {
    let mut parts = body.split(':');
    let first = parts.next()?;
    if first.is_empty() || first.starts_with('0') || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: u128 = first.parse().ok()?;
    for part in parts {
        if part.is_empty()
            || part.len() > 2
            || !part.bytes().all(|b| b.is_ascii_digit())
            || part.as_bytes()[0] > b'5'
        {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(part.parse().ok()?)?;
    }
    Some(value)
}

/// A float needs a `.`; an exponent needs a sign; `.inf`, `.nan` and base 60 with a
/// fraction count too. Returned as Python's `repr` would print it.
pub(super) fn float_1_1(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    match lower.trim_start_matches(['-', '+']) {
        ".inf" => {
            return Some(if text.starts_with('-') {
                "-inf".into()
            } else {
                "inf".into()
            });
        }
        ".nan" if !text.starts_with(['-', '+']) => return Some("nan".into()),
        _ => {}
    }
    let body = text.replace('_', "");
    let unsigned = body.trim_start_matches(['-', '+']);
    if unsigned.contains(':') {
        let (whole, frac) = unsigned.split_once('.')?;
        let int: f64 = sexagesimal(whole)? as f64;
        let value: f64 = format!("{int}.{frac}").parse().ok()?;
        return Some(python_float(if body.starts_with('-') {
            -value
        } else {
            value
        }));
    }
    if !unsigned.contains('.') {
        return None;
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.matches('.').count() == 1
        && mantissa.len() > 1;
    let exponent_ok = exponent.is_none_or(|e| {
        (e.starts_with('+') || e.starts_with('-'))
            && e.len() > 1
            && e[1..].bytes().all(|b| b.is_ascii_digit())
    });
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let value: f64 = body.parse().ok()?;
    Some(python_float(value))
}

/// Python's `repr` of a float: shortest round-trip digits, always with a `.` or an
/// exponent.
pub(super) fn python_float(value: f64) -> String {
    if value.is_infinite() {
        return if value < 0.0 {
            "-inf".into()
        } else {
            "inf".into()
        };
    }
    let abs = value.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let text = format!("{value:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        return format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { "-" } else { "+" },
            exp.abs()
        );
    }
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// `2024-01-01`, or a date-time in YAML 1.1's timestamp form.
pub(super) fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() == 10 {
        return digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    }
    let date_end = match (b.get(4), b.iter().skip(5).position(|&c| c == b'-')) {
        (Some(b'-'), Some(p)) => 5 + p,
        _ => return false,
    };
    let rest = &text[date_end + 1..];
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !digits(0..4) || !(1..=2).contains(&(date_end - 5)) || !(1..=2).contains(&day_len) {
        return false;
    }
    let time = &rest[day_len..];
    let time = time
        .strip_prefix(['T', 't'])
        .or_else(|| Some(time.trim_start_matches([' ', '\t'])))
        .unwrap_or("");
    let hour_len = time.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&hour_len) && time[hour_len..].starts_with(':') && time.len() > hour_len + 5
}
