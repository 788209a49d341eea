//! YAML as agentrelay reads it: PyYAML's safe loader, YAML 1.1 rules (GRAPH.md §1.1).
//! Types decide whether a graph is valid, so plain scalars are resolved here, with
//! their positions, from a parser that keeps each scalar's style.

use anyhow::{Result, anyhow, bail};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

mod resolve;

pub use resolve::resolve_plain;

/// The largest graph file read (SPEC §7).
const MAX_BYTES: usize = 16 * 1024 * 1024;

use crate::formats::yaml::{MAX_DEPTH, MAX_EXPANDED, refuse_deep_flow};

/// A loaded value, typed as PyYAML's safe loader types it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null`, empty.
    Null,
    /// `true`, `yes`, `on`, … (YAML 1.1).
    Bool(bool),
    /// An integer of any size, kept as its decimal digits (with a leading `-`).
    Int(String),
    /// A float, with Python's `repr` of it.
    Float(String),
    /// A string.
    Str(String),
    /// A date or date-time: neither a string nor a number.
    Date(String),
    /// `!!binary`, `!!set`, `!!omap`, `!!pairs`: fail every type test.
    Other(&'static str),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, keys in first-seen order, the last value of a repeated key winning.
    Map(Vec<(Node, Node)>),
}

/// A value and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Line of its first character.
    pub line: usize,
}

impl Node {
    /// The mapping's value for a string key, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

impl Value {
    /// The value as Python's `repr` prints it, for messages that quote it.
    pub fn repr(&self) -> String {
        match self {
            Value::Null => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.clone(),
            Value::Float(f) => f.clone(),
            Value::Str(s) => python_str_repr(s),
            Value::Date(d) => format!("datetime.date({d})"),
            Value::Other(kind) => (*kind).into(),
            Value::Seq(_) => "[…]".into(),
            Value::Map(_) => "{…}".into(),
        }
    }

    /// The value in YAML flow style, for the `operational:` line.
    pub fn flow(&self) -> String {
        self.flow_with(&Value::flow)
    }

    /// The value in YAML flow style with each value inside a sequence or mapping
    /// written by `inner` (keys always plain): what the migration writes, which
    /// quotes strings that would not read back as themselves.
    pub fn flow_with(&self, inner: &dyn Fn(&Value) -> String) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.clone(),
            Value::Float(f) => f.clone(),
            Value::Str(s) => s.clone(),
            Value::Date(d) => d.clone(),
            Value::Other(kind) => (*kind).into(),
            Value::Seq(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|n| inner(&n.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.value.flow(), inner(&v.value)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Python's `repr` of a string: single quotes unless it holds `'` and no `"`.
pub fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Loads one document. Errors are YAML errors: the caller reports them with location
/// null as `Invalid YAML in <path>: <detail>`.
pub fn load(text: &str) -> Result<Node> {
    if text.len() > MAX_BYTES {
        bail!("the file is over the {} MiB limit", MAX_BYTES >> 20);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    refuse_deep_flow(text.as_bytes())?;
    let mut loader = Loader {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        expanded: 0,
    };
    loader.document()
}

struct Loader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, Node>,
    expanded: usize,
}

impl Loader<'_> {
    fn next(&mut self) -> Result<(Event, Marker)> {
        self.parser.next_token().map_err(|e| anyhow!("{e}"))
    }

    fn document(&mut self) -> Result<Node> {
        let mut root = None;
        loop {
            match self.next()?.0 {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart => {
                    if root.is_some() {
                        bail!(
                            "expected a single document in the stream, but found another document"
                        );
                    }
                    let (event, mark) = self.next()?;
                    root = Some(match event {
                        Event::DocumentEnd => Node {
                            value: Value::Null,
                            line: mark.line(),
                        },
                        event => self.node(event, mark, 0)?,
                    });
                }
                other => bail!("unexpected event {other:?}"),
            }
        }
        Ok(root.unwrap_or(Node {
            value: Value::Null,
            line: 1,
        }))
    }

    fn node(&mut self, event: Event, mark: Marker, depth: usize) -> Result<Node> {
        if depth > MAX_DEPTH {
            bail!("nesting deeper than {MAX_DEPTH} levels");
        }
        let line = mark.line();
        let (node, anchor) = match event {
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| anyhow!("found undefined alias (line {line})"))?;
                self.expanded += size(&node);
                if self.expanded > MAX_EXPANDED {
                    bail!("aliases expand to more than {MAX_EXPANDED} nodes");
                }
                return Ok(node);
            }
            Event::Scalar(text, style, anchor, tag) => (
                Node {
                    value: scalar(&text, style, tag.as_ref(), line)?,
                    line,
                },
                anchor,
            ),
            Event::SequenceStart(anchor, tag) => (self.sequence(tag, line, depth)?, anchor),
            Event::MappingStart(anchor, tag) => (self.mapping(tag, line, depth)?, anchor),
            other => bail!("unexpected event {other:?} (line {line})"),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn sequence(&mut self, tag: Option<Tag>, line: usize, depth: usize) -> Result<Node> {
        let mut items = Vec::new();
        loop {
            let (event, mark) = self.next()?;
            if matches!(event, Event::SequenceEnd) {
                break;
            }
            items.push(self.node(event, mark, depth + 1)?);
        }
        let value = match tag.as_ref().map(|t| t.suffix.as_str()) {
            None | Some("seq") => Value::Seq(items),
            Some("omap") => Value::Other("omap"),
            Some("pairs") => Value::Other("pairs"),
            Some(other) => {
                bail!("could not determine a constructor for the tag '!!{other}' (line {line})")
            }
        };
        Ok(Node { value, line })
    }

    fn mapping(&mut self, tag: Option<Tag>, line: usize, depth: usize) -> Result<Node> {
        let mut entries = Entries::default();
        let mut merged = Entries::default();
        loop {
            let (event, mark) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge =
                matches!(&event, Event::Scalar(k, TScalarStyle::Plain, _, None) if k == "<<");
            let key = self.node(event, mark, depth + 1)?;
            let (event, mark) = self.next()?;
            let value = self.node(event, mark, depth + 1)?;
            if is_merge {
                merge_into(&mut merged, value, line)?;
                continue;
            }
            entries.set(key, value);
        }
        for (k, v) in merged.list {
            entries.add(k, v);
        }
        let value = match tag.as_ref().map(|t| t.suffix.as_str()) {
            None | Some("map") => Value::Map(entries.list),
            Some("set") => Value::Other("set"),
            Some(other) => {
                bail!("could not determine a constructor for the tag '!!{other}' (line {line})")
            }
        };
        Ok(Node { value, line })
    }
}

/// A mapping's entries in first-seen order, with each key found by hashing, not by
/// a scan: a pushed graph of a million keys costs a million lookups, not half a
/// million million comparisons. Keys are told apart as `Value`'s equality tells
/// them (its `Debug` form, which shows every field equality compares).
#[derive(Default)]
struct Entries {
    list: Vec<(Node, Node)>,
    at: HashMap<String, usize>,
}

impl Entries {
    /// A repeated key keeps its first position and takes the last value.
    fn set(&mut self, key: Node, value: Node) {
        let id = format!("{:?}", key.value);
        match self.at.get(&id) {
            Some(&i) => self.list[i].1 = value,
            None => {
                self.at.insert(id, self.list.len());
                self.list.push((key, value));
            }
        }
    }

    /// A key not there yet is added; one that is keeps its value.
    fn add(&mut self, key: Node, value: Node) {
        let id = format!("{:?}", key.value);
        if !self.at.contains_key(&id) {
            self.at.insert(id, self.list.len());
            self.list.push((key, value));
        }
    }
}

/// `<<: *base` or `<<: [*a, *b]`: earlier sources win over later ones.
fn merge_into(merged: &mut Entries, source: Node, line: usize) -> Result<()> {
    let maps = match source.value {
        Value::Map(entries) => vec![entries],
        Value::Seq(items) => items
            .into_iter()
            .map(|n| match n.value {
                Value::Map(e) => Ok(e),
                _ => Err(anyhow!("expected a mapping for merging (line {line})")),
            })
            .collect::<Result<_>>()?,
        _ => bail!("expected a mapping or list of mappings for merging (line {line})"),
    };
    for entries in maps {
        for (k, v) in entries {
            merged.add(k, v);
        }
    }
    Ok(())
}

fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
        _ => 0,
    }
}

/// A scalar's value: quoted and block scalars are strings, tags are honoured, plain
/// scalars are resolved by YAML 1.1's rules.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>, line: usize) -> Result<Value> {
    if let Some(tag) = tag {
        return tagged(text, tag, line);
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::Str(text.to_string()));
    }
    if text == "=" {
        bail!(
            "could not determine a constructor for the tag 'tag:yaml.org,2002:value' (line {line})"
        );
    }
    Ok(resolve_plain(text))
}

fn tagged(text: &str, tag: &Tag, line: usize) -> Result<Value> {
    let standard = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
    let name = if standard { tag.suffix.as_str() } else { "" };
    let resolved = resolve_plain(text);
    Ok(match name {
        "str" => Value::Str(text.to_string()),
        "null" => Value::Null,
        "bool" if matches!(resolved, Value::Bool(_)) => resolved,
        "int" if matches!(resolved, Value::Int(_)) => resolved,
        "float" => match resolved {
            Value::Float(_) => resolved,
            Value::Int(i) => Value::Float(format!("{i}.0")),
            _ => bail!("invalid float {text:?} (line {line})"),
        },
        "timestamp" if matches!(resolved, Value::Date(_)) => resolved,
        "binary" => Value::Other("binary"),
        "bool" | "int" | "timestamp" => bail!("invalid !!{name} {text:?} (line {line})"),
        _ => bail!(
            "could not determine a constructor for the tag '{}{}' (line {line})",
            tag.handle,
            tag.suffix
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::resolve::*;
    use super::*;

    fn plain(text: &str) -> Value {
        resolve_plain(text)
    }

    #[test]
    fn yaml_1_1_plain_scalars_resolve_as_pyyaml_does() {
        assert_eq!(plain("yes"), Value::Bool(true));
        assert_eq!(plain("Off"), Value::Bool(false));
        assert_eq!(plain("y"), Value::Str("y".into()));
        assert_eq!(plain("010"), Value::Int("8".into()));
        assert_eq!(plain("0x2"), Value::Int("2".into()));
        assert_eq!(plain("0b101"), Value::Int("5".into()));
        assert_eq!(plain("1:30"), Value::Int("90".into()));
        assert_eq!(plain("1_000"), Value::Int("1000".into()));
        assert_eq!(plain("-0"), Value::Int("0".into()));
        assert_eq!(
            plain("123456789012345678901234567890"),
            Value::Int("123456789012345678901234567890".into())
        );
        assert_eq!(plain("2.0"), Value::Float("2.0".into()));
        assert_eq!(plain(".5"), Value::Float("0.5".into()));
        assert_eq!(plain("1.5e+3"), Value::Float("1500.0".into()));
        assert_eq!(plain("1e3"), Value::Str("1e3".into()));
        assert_eq!(plain("1.0e3"), Value::Str("1.0e3".into()));
        assert_eq!(plain(".inf"), Value::Float("inf".into()));
        assert_eq!(plain("2024-01-01"), Value::Date("2024-01-01".into()));
        assert_eq!(
            plain("2024-01-01T10:00:00Z"),
            Value::Date("2024-01-01T10:00:00Z".into())
        );
        assert_eq!(plain("~"), Value::Null);
    }

    #[test]
    fn documents_anchors_merges_and_limits() {
        assert!(load("a: 1\n---\nb: 2\n").is_err());
        assert_eq!(load("").unwrap().value, Value::Null);
        let node = load("base: &b {x: 1, y: 2}\nder:\n  <<: *b\n  y: 3\n").unwrap();
        let der = node.get("der").unwrap();
        assert_eq!(der.get("x").unwrap().value, Value::Int("1".into()));
        assert_eq!(der.get("y").unwrap().value, Value::Int("3".into()));
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(load(&deep).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            bomb.push_str(&format!(
                "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
                (b'b' + i) as char,
                (b'b' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i) as char
            ));
        }
        assert!(load(&bomb).is_err());
        assert!(load("a: =\n").is_err());
        assert!(load("a: !custom x\n").is_err());
        assert_eq!(
            load("k: 1\nk: 2\n").unwrap().get("k").unwrap().value,
            Value::Int("2".into())
        );
    }

    #[test]
    fn python_reprs() {
        assert_eq!(python_str_repr("ALWAYS"), "'ALWAYS'");
        assert_eq!(python_str_repr("it's"), "\"it's\"");
        assert_eq!(Value::Bool(true).repr(), "True");
    }
}
