//! Edits JSON as text: a value replaced, a member or an array item added, every other
//! byte (key order, unknown fields, spacing, escapes) left as it was. A small parser
//! finds where each value lies; serde_json says whether the file is valid at all.

use anyhow::{Result, anyhow, bail};
use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{PrettyFormatter, Serializer};

/// Where a JSON value lies in the text, and its members or items.
#[derive(Debug, Clone)]
pub struct Node {
    /// First byte of the value.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// What it is.
    pub kind: Kind,
}

/// The shape of a located value.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `{…}` with its members in file order.
    Object(Vec<(String, Node)>),
    /// `[…]` with its items.
    Array(Vec<Node>),
    /// A string, number, bool or null.
    Scalar,
}

/// A JSON document held as text, edited in place.
#[derive(Debug, Clone)]
pub struct JsonText {
    text: String,
}

impl JsonText {
    /// Parses `text`; an invalid document is refused with serde_json's line and column.
    pub fn parse(text: &str) -> Result<Self> {
        serde_json::from_str::<Value>(text).map_err(|e| anyhow!("{e}"))?;
        Ok(Self {
            text: text.to_string(),
        })
    }

    /// The document as it is now.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The document's value, for reading.
    pub fn value(&self) -> Result<Value> {
        Ok(serde_json::from_str(&self.text)?)
    }

    /// The node at `path` (object keys), if there is one.
    pub fn find(&self, path: &[&str]) -> Result<Option<Node>> {
        let mut node = self.root()?;
        for key in path {
            let Kind::Object(members) = node.kind else {
                return Ok(None);
            };
            match members.into_iter().rev().find(|(k, _)| k == key) {
                Some((_, child)) => node = child,
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    /// Sets `path` to `value`: replaces the value that is there, or adds the member at
    /// the end of its object. The objects above it must exist.
    pub fn set(&mut self, path: &[&str], value: &Value) -> Result<()> {
        let (last, parents) = path.split_last().ok_or_else(|| anyhow!("empty path"))?;
        if let Some(node) = self.find(path)? {
            let indent = self.line_indent(node.start);
            let rendered = self.render(value, &indent)?;
            self.text.replace_range(node.start..node.end, &rendered);
            return Ok(());
        }
        let parent = self
            .find(parents)?
            .ok_or_else(|| anyhow!("{} is missing", parents.join(".")))?;
        let Kind::Object(members) = &parent.kind else {
            bail!("{} is not an object", parents.join("."));
        };
        let key = serde_json::to_string(last)?;
        self.insert_last(&parent, members.last().map(|(_, n)| n), |indent, this| {
            Ok(format!(
                "{key}:{}{}",
                if this.compact() { "" } else { " " },
                this.render(value, indent)?
            ))
        })
    }

    /// Appends `value` to the array at `path`.
    pub fn push(&mut self, path: &[&str], value: &Value) -> Result<()> {
        let node = self.find(path)?.ok_or_else(|| {
            anyhow!(
                "{} is missing",
                if path.is_empty() {
                    "the document"
                } else {
                    path[0]
                }
            )
        })?;
        let Kind::Array(items) = &node.kind else {
            bail!("{} is not an array", path.join("."));
        };
        self.insert_last(&node, items.last(), |indent, this| {
            this.render(value, indent)
        })
    }

    /// Inserts a new member or item after `last` (or into the empty container), on
    /// its own line at the indentation its siblings use.
    fn insert_last(
        &mut self,
        container: &Node,
        last: Option<&Node>,
        make: impl Fn(&str, &Self) -> Result<String>,
    ) -> Result<()> {
        let close = container.end - 1;
        if self.compact() {
            let body = make("", self)?;
            let (at, text) = match last {
                Some(last) => (last.end, format!(",{body}")),
                None => (close, body),
            };
            self.text.insert_str(at, &text);
            return Ok(());
        }
        let outer = self.line_indent(container.start);
        let inner = match last {
            Some(last) => self.line_indent(last.start),
            None => format!("{outer}{}", self.indent_unit()),
        };
        let body = make(&inner, self)?;
        match last {
            Some(last) => self.text.insert_str(last.end, &format!(",\n{inner}{body}")),
            None => {
                let between = self.text[container.start + 1..close].to_string();
                if between.trim().is_empty() {
                    self.text.replace_range(
                        container.start + 1..close,
                        &format!("\n{inner}{body}\n{outer}"),
                    );
                } else {
                    self.text.insert_str(close, &format!("{inner}{body}\n"));
                }
            }
        }
        Ok(())
    }

    /// A value as this file writes values: pretty with its indentation, every line
    /// after the first shifted to `indent`; on one line in a one-line file.
    fn render(&self, value: &Value, indent: &str) -> Result<String> {
        if self.compact() {
            return Ok(serde_json::to_string(value)?);
        }
        let unit = self.indent_unit();
        let mut out = Vec::new();
        let mut ser =
            Serializer::with_formatter(&mut out, PrettyFormatter::with_indent(unit.as_bytes()));
        value.serialize(&mut ser)?;
        let pretty = String::from_utf8(out)?;
        Ok(pretty.replace('\n', &format!("\n{indent}")))
    }

    /// Whether the document is written on one line (an empty `[]` or `{}` says
    /// nothing about style, and is then written pretty).
    fn compact(&self) -> bool {
        let text = self.text.trim_end();
        !text.contains('\n') && (text.contains(':') || text.contains(','))
    }

    /// The file's indentation step: the leading white space of its first indented line.
    fn indent_unit(&self) -> String {
        self.text
            .lines()
            .map(|l| &l[..l.len() - l.trim_start().len()])
            .find(|ws| !ws.is_empty())
            .unwrap_or("  ")
            .to_string()
    }

    /// The leading white space of the line `at` lies on.
    fn line_indent(&self, at: usize) -> String {
        let start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.text[start..];
        line[..line.len() - line.trim_start().len()].to_string()
    }

    fn root(&self) -> Result<Node> {
        let mut at = 0;
        parse_value(self.text.as_bytes(), &mut at).ok_or_else(|| anyhow!("not a JSON document"))
    }
}

fn skip_ws(b: &[u8], at: &mut usize) {
    while *at < b.len() && matches!(b[*at], b' ' | b'\t' | b'\n' | b'\r') {
        *at += 1;
    }
}

fn parse_value(b: &[u8], at: &mut usize) -> Option<Node> {
    skip_ws(b, at);
    let start = *at;
    let kind = match *b.get(*at)? {
        b'{' => Kind::Object(parse_members(b, at)?),
        b'[' => Kind::Array(parse_items(b, at)?),
        b'"' => {
            skip_string(b, at)?;
            Kind::Scalar
        }
        _ => {
            while *at < b.len()
                && !matches!(b[*at], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                *at += 1;
            }
            Kind::Scalar
        }
    };
    Some(Node {
        start,
        end: *at,
        kind,
    })
}

fn parse_members(b: &[u8], at: &mut usize) -> Option<Vec<(String, Node)>> {
    *at += 1;
    let mut members = Vec::new();
    loop {
        skip_ws(b, at);
        match *b.get(*at)? {
            b'}' => {
                *at += 1;
                return Some(members);
            }
            b',' => *at += 1,
            b'"' => {
                let key_start = *at;
                skip_string(b, at)?;
                let key: String = serde_json::from_slice(&b[key_start..*at]).ok()?;
                skip_ws(b, at);
                *at += 1;
                members.push((key, parse_value(b, at)?));
            }
            _ => return None,
        }
    }
}

fn parse_items(b: &[u8], at: &mut usize) -> Option<Vec<Node>> {
    *at += 1;
    let mut items = Vec::new();
    loop {
        skip_ws(b, at);
        match *b.get(*at)? {
            b']' => {
                *at += 1;
                return Some(items);
            }
            b',' => *at += 1,
            _ => items.push(parse_value(b, at)?),
        }
    }
}

fn skip_string(b: &[u8], at: &mut usize) -> Option<()> {
    *at += 1;
    loop {
        match *b.get(*at)? {
            b'\\' => *at += 2,
            b'"' => {
                *at += 1;
                return Some(());
            }
            _ => *at += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_replaced_value_leaves_every_other_byte_alone() {
        let text = "{\n  \"zeta\": \"\\u00e9\",\n  \"statistics\": {\n    \"total\": 1,\n    \"x\": 1.50\n  }\n}\n";
        let mut doc = JsonText::parse(text).unwrap();
        doc.set(&["statistics", "total"], &json!(2)).unwrap();
        assert_eq!(doc.text(), text.replace("\"total\": 1", "\"total\": 2"));
    }

    #[test]
    fn members_and_items_go_last_at_their_siblings_indentation() {
        let text = "{\n    \"features\": [\n        {\"id\": \"a\"}\n    ],\n    \"s\": {}\n}";
        let mut doc = JsonText::parse(text).unwrap();
        doc.push(&["features"], &json!({"id": "b"})).unwrap();
        doc.set(&["s", "n"], &json!(1)).unwrap();
        doc.set(&["new"], &json!([])).unwrap();
        assert_eq!(
            doc.text(),
            "{\n    \"features\": [\n        {\"id\": \"a\"},\n        {\n            \"id\": \"b\"\n        }\n    ],\n    \"s\": {\n        \"n\": 1\n    },\n    \"new\": []\n}"
        );
    }

    #[test]
    fn empty_containers_and_one_line_files_stay_in_their_style() {
        let mut doc = JsonText::parse("[]\n").unwrap();
        doc.push(&[], &json!({"a": 1})).unwrap();
        assert_eq!(doc.text(), "[\n  {\n    \"a\": 1\n  }\n]\n");
        let mut doc = JsonText::parse("{\"archives\":[{\"a\":1}]}").unwrap();
        doc.push(&["archives"], &json!({"b": 2})).unwrap();
        assert_eq!(doc.text(), "{\"archives\":[{\"a\":1},{\"b\":2}]}");
    }

    #[test]
    fn an_invalid_document_says_where() {
        let err = JsonText::parse("{\n  \"a\": 1,\n}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}
