//! Edits JSON as text: a value replaced, a member or an array item added, every other
//! byte (key order, unknown fields, spacing, escapes) left as it was. serde_json says
//! whether the file is valid at all, building nothing; a scanner then finds where the
//! values on one path lie, stepping over the rest without decoding it, so an edit to a
//! manifest of ten thousand entries allocates for the entries it touches only. The
//! top level is stepped over once and kept across edits, so several lookups and
//! edits of one file do not each walk its largest list again.

use anyhow::{Result, anyhow, bail};
use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{PrettyFormatter, Serializer};
use std::cell::RefCell;
use std::ops::Range;

/// The byte-order mark Windows editors put first, which a text edit keeps.
const BOM: &str = "\u{FEFF}";

/// Where a JSON value lies in the text, and the shape of what it holds.
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
    /// `{…}`: how many members, and where the last one's value lies.
    Object(Children),
    /// `[…]`: how many items, and where the last one lies.
    Array(Children),
    /// A string, number, bool or null.
    Scalar,
}

/// What an edit needs of a container's contents: new members and items go after
/// the last one, at its indentation, and counts are all callers read.
#[derive(Debug, Clone, Default)]
pub struct Children {
    /// Members or items.
    pub count: usize,
    /// The last member's value or the last item.
    pub last: Option<Range<usize>>,
}

/// A JSON document held as text, edited in place.
#[derive(Debug, Clone)]
pub struct JsonText {
    text: String,
    /// The top level as last scanned, kept across edits (see [`Scanned`]).
    top: RefCell<Option<Scanned>>,
}

/// The document's top level, scanned once: an object's members, or any other root
/// as located. An edit inside one member's value shifts the members after it and
/// marks that one to be located again, so a file of ten thousand entries is stepped
/// over once for all of a completion's lookups and edits, not once per lookup.
#[derive(Debug, Clone)]
enum Scanned {
    /// An object root: where it lies, and each member in the order written.
    Object {
        start: usize,
        end: usize,
        members: Vec<Member>,
    },
    /// An array or scalar root, forgotten at the first edit.
    Other(Node),
}

/// One member of the top-level object.
#[derive(Debug, Clone)]
struct Member {
    /// The quoted key.
    key: Range<usize>,
    /// Its value; when `stale`, only the extent is right (an edit changed what is
    /// inside), and the shape is located again when asked for.
    value: Node,
    stale: bool,
}

impl JsonText {
    /// Parses `text` as `JSON.parse` reads it (a byte-order mark, which an edit keeps,
    /// and lone surrogates are accepted); an invalid document is refused with the
    /// line and column `JSON.parse` names.
    pub fn parse(text: &str) -> Result<Self> {
        crate::formats::json::check_json(text)?;
        Ok(Self {
            text: text.to_string(),
            top: RefCell::new(None),
        })
    }

    /// The document as it is now.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The document's value, for reading.
    pub fn value(&self) -> Result<Value> {
        crate::formats::json::read_json(self.text.as_bytes())
    }

    /// The node at `path` (object keys), if there is one. A key that occurs twice is
    /// its last occurrence, as JavaScript's `JSON.parse` keeps it.
    pub fn find(&self, path: &[&str]) -> Option<Node> {
        let Some((first, deeper)) = path.split_first() else {
            return self.root();
        };
        let b = self.text.as_bytes();
        let mut node = self.top_member(first)?;
        for key in deeper {
            node = member_value(b, node.start, key)?;
        }
        Some(node)
    }

    /// The whole document's node, from the top level as scanned.
    fn root(&self) -> Option<Node> {
        match self.scanned()?.as_ref()? {
            Scanned::Object {
                start,
                end,
                members,
            } => Some(Node {
                start: *start,
                end: *end,
                kind: Kind::Object(Children {
                    count: members.len(),
                    last: members.last().map(|m| m.value.start..m.value.end),
                }),
            }),
            Scanned::Other(node) => Some(node.clone()),
        }
    }

    /// The value of the top-level member `key` (its last occurrence), located again
    /// first when an edit changed what is inside it.
    fn top_member(&self, key: &str) -> Option<Node> {
        let b = self.text.as_bytes();
        let mut top = self.scanned()?;
        let Some(Scanned::Object { members, .. }) = top.as_mut() else {
            return None;
        };
        let member = members
            .iter_mut()
            .rev()
            .find(|m| key_is(&b[m.key.clone()], key))?;
        if member.stale {
            member.value = locate(b, member.value.start)?;
            member.stale = false;
        }
        Some(member.value.clone())
    }

    /// The top level, scanned now if it was not yet.
    fn scanned(&self) -> Option<std::cell::RefMut<'_, Option<Scanned>>> {
        let mut top = self.top.borrow_mut();
        if top.is_none() {
            *top = Some(scan_top(self.text.as_bytes())?);
        }
        Some(top)
    }

    /// Replaces the bytes in `range` with `with`, keeping the scanned top level
    /// right: members before the edit stay, those after it move by the change in
    /// length, the one whose value holds it is marked to be located again. An edit
    /// between members (a new one, say) forgets the scan.
    fn replace(&mut self, range: Range<usize>, with: &str) {
        self.text.replace_range(range.clone(), with);
        let delta = with.len() as isize - range.len() as isize;
        let shift = |at: &mut usize| *at = at.wrapping_add_signed(delta);
        let top = self.top.get_mut();
        let Some(Scanned::Object { end, members, .. }) = top.as_mut() else {
            *top = None;
            return;
        };
        let Some(at) = members.iter().position(|m| holds(&m.value, &range)) else {
            *top = None;
            return;
        };
        shift(end);
        shift(&mut members[at].value.end);
        members[at].stale = true;
        for member in &mut members[at + 1..] {
            shift(&mut member.key.start);
            shift(&mut member.key.end);
            shift_node(&mut member.value, delta);
        }
    }

    /// Whether the document is an object (`{`) or an array (`[`), told by its first
    /// byte, without stepping over it.
    pub fn opens_with(&self, bracket: char) -> bool {
        self.text
            .trim_start_matches(BOM)
            .trim_start()
            .starts_with(bracket)
    }

    /// The value at `path`, decoded on its own: the rest of the document is not.
    pub fn value_at(&self, path: &[&str]) -> Result<Option<Value>> {
        self.find(path)
            .map(|node| {
                crate::formats::json::read_json(&self.text.as_bytes()[node.start..node.end])
            })
            .transpose()
    }

    /// Sets `path` to `value`: replaces the value that is there, or adds the member at
    /// the end of its object. The objects above it must exist.
    pub fn set(&mut self, path: &[&str], value: &Value) -> Result<()> {
        let (last, parents) = path.split_last().ok_or_else(|| anyhow!("empty path"))?;
        if let Some(node) = self.find(path) {
            let indent = self.line_indent(node.start);
            let rendered = self.render(value, &indent)?;
            self.replace(node.start..node.end, &rendered);
            return Ok(());
        }
        let parent = self
            .find(parents)
            .ok_or_else(|| anyhow!("{} is missing", parents.join(".")))?;
        let Kind::Object(members) = &parent.kind else {
            bail!("{} is not an object", parents.join("."));
        };
        let key = serde_json::to_string(last)?;
        self.insert_last(&parent, members.last.as_ref(), |indent, this| {
            Ok(format!(
                "{key}:{}{}",
                if this.compact() { "" } else { " " },
                this.render(value, indent)?
            ))
        })
    }

    /// Appends `value` to the array at `path`.
    pub fn push(&mut self, path: &[&str], value: &Value) -> Result<()> {
        let node = self.find(path).ok_or_else(|| {
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
        self.insert_last(&node, items.last.as_ref(), |indent, this| {
            this.render(value, indent)
        })
    }

    /// Inserts a new member or item after `last` (or into the empty container), on
    /// its own line at the indentation its siblings use.
    fn insert_last(
        &mut self,
        container: &Node,
        last: Option<&Range<usize>>,
        make: impl Fn(&str, &Self) -> Result<String>,
    ) -> Result<()> {
        let close = container.end - 1;
        if self.compact() {
            let body = make("", self)?;
            let (at, text) = match last {
                Some(last) => (last.end, format!(",{body}")),
                None => (close, body),
            };
            self.replace(at..at, &text);
            return Ok(());
        }
        let outer = self.line_indent(container.start);
        let inner = match last {
            Some(last) => self.line_indent(last.start),
            None => format!("{outer}{}", self.indent_unit()),
        };
        let body = make(&inner, self)?;
        match last {
            Some(last) => self.replace(last.end..last.end, &format!(",\n{inner}{body}")),
            None => {
                let between = self.text[container.start + 1..close].to_string();
                if between.trim().is_empty() {
                    self.replace(
                        container.start + 1..close,
                        &format!("\n{inner}{body}\n{outer}"),
                    );
                } else {
                    self.replace(close..close, &format!("{inner}{body}\n"));
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
        let line = &self.text[start..at];
        line[..line.len() - line.trim_start_matches([' ', '\t']).len()].to_string()
    }
}

/// Whether an edit of `range` lies inside `value` (or replaces it whole), so that
/// only what `value` holds changed; an insertion right after it lies outside.
fn holds(value: &Node, range: &Range<usize>) -> bool {
    let inside = value.start <= range.start && range.end < value.end;
    inside || (range.start == value.start && range.end == value.end)
}

/// `node` moved by `delta` bytes, with the last child it knows of.
fn shift_node(node: &mut Node, delta: isize) {
    node.start = node.start.wrapping_add_signed(delta);
    node.end = node.end.wrapping_add_signed(delta);
    if let Kind::Object(children) | Kind::Array(children) = &mut node.kind
        && let Some(last) = &mut children.last
    {
        *last = last.start.wrapping_add_signed(delta)..last.end.wrapping_add_signed(delta);
    }
}

/// The top level of the document: an object's members one by one, or any other
/// root located whole.
fn scan_top(b: &[u8]) -> Option<Scanned> {
    let mut at = if b.starts_with(BOM.as_bytes()) {
        BOM.len()
    } else {
        0
    };
    skip_ws(b, &mut at);
    if b.get(at) != Some(&b'{') {
        return locate(b, at).map(Scanned::Other);
    }
    let start = at;
    at += 1;
    let mut members = Vec::new();
    loop {
        skip_ws(b, &mut at);
        match *b.get(at)? {
            b'}' => {
                return Some(Scanned::Object {
                    start,
                    end: at + 1,
                    members,
                });
            }
            b',' => at += 1,
            b'"' => {
                let key_start = at;
                skip_string(b, &mut at)?;
                let key = key_start..at;
                skip_ws(b, &mut at);
                at += 1;
                skip_ws(b, &mut at);
                let value = locate(b, at)?;
                at = value.end;
                members.push(Member {
                    key,
                    value,
                    stale: false,
                });
            }
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], at: &mut usize) {
    while *at < b.len() && matches!(b[*at], b' ' | b'\t' | b'\n' | b'\r') {
        *at += 1;
    }
}

/// The value of the object at `at`'s last member named `key`; `None` when `at`
/// holds no object or the object has no such member.
fn member_value(b: &[u8], mut at: usize, key: &str) -> Option<Node> {
    if b.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    let mut found = None;
    loop {
        skip_ws(b, &mut at);
        match *b.get(at)? {
            b'}' => return found,
            b',' => at += 1,
            b'"' => {
                let key_start = at;
                skip_string(b, &mut at)?;
                let named = key_is(&b[key_start..at], key);
                skip_ws(b, &mut at);
                at += 1;
                skip_ws(b, &mut at);
                if named {
                    let node = locate(b, at)?;
                    at = node.end;
                    found = Some(node);
                } else {
                    skip_value(b, &mut at)?;
                }
            }
            _ => return None,
        }
    }
}

/// Whether the quoted key `raw` says `key`: compared as bytes, decoded only when it
/// holds an escape.
fn key_is(raw: &[u8], key: &str) -> bool {
    let inner = &raw[1..raw.len() - 1];
    if !inner.contains(&b'\\') {
        return inner == key.as_bytes();
    }
    serde_json::from_slice::<String>(raw).is_ok_and(|decoded| decoded == key)
}

/// The value at `at`: its extent, and for a container its count and last child.
fn locate(b: &[u8], at: usize) -> Option<Node> {
    let mut end = at;
    let kind = match *b.get(at)? {
        open @ (b'{' | b'[') => {
            let children = children(b, &mut end, open == b'{')?;
            if open == b'{' {
                Kind::Object(children)
            } else {
                Kind::Array(children)
            }
        }
        _ => {
            skip_value(b, &mut end)?;
            Kind::Scalar
        }
    };
    Some(Node {
        start: at,
        end,
        kind,
    })
}

/// Steps over the container at `at`, counting its members (`keyed`) or items and
/// noting where the last one lies.
fn children(b: &[u8], at: &mut usize, keyed: bool) -> Option<Children> {
    *at += 1;
    let mut found = Children::default();
    loop {
        skip_ws(b, at);
        match *b.get(*at)? {
            b'}' | b']' => {
                *at += 1;
                return Some(found);
            }
            b',' => *at += 1,
            _ => {
                if keyed {
                    skip_string(b, at)?;
                    skip_ws(b, at);
                    *at += 1;
                    skip_ws(b, at);
                }
                let start = *at;
                skip_value(b, at)?;
                found.count += 1;
                found.last = Some(start..*at);
            }
        }
    }
}

/// Steps over one value without decoding it: the text was validated, so only
/// strings and nesting need following.
fn skip_value(b: &[u8], at: &mut usize) -> Option<()> {
    match *b.get(*at)? {
        b'"' => skip_string(b, at),
        b'{' | b'[' => skip_container(b, at),
        _ => {
            while *at < b.len()
                && !matches!(b[*at], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                *at += 1;
            }
            Some(())
        }
    }
}

/// Which bytes a container's end is found by: quotes (strings are stepped over
/// whole) and brackets.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 5 {
        table[b"\"{}[]"[i] as usize] = true;
        i += 1;
    }
    table
};

/// Steps over the object or array at `at`, to just past its closing bracket.
fn skip_container(b: &[u8], at: &mut usize) -> Option<()> {
    let mut depth = 0usize;
    loop {
        while !STRUCTURAL[*b.get(*at)? as usize] {
            *at += 1;
        }
        match b[*at] {
            b'"' => {
                skip_string(b, at)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            _ => {
                depth -= 1;
                if depth == 0 {
                    *at += 1;
                    return Some(());
                }
            }
        }
        *at += 1;
    }
}

/// Steps over the string at `at`, to just past its closing quote.
fn skip_string(b: &[u8], at: &mut usize) -> Option<()> {
    *at += 1;
    loop {
        *at += memchr::memchr2(b'"', b'\\', b.get(*at..)?)?;
        if b[*at] == b'"' {
            *at += 1;
            return Some(());
        }
        *at += 2;
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

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z\"\\\\{}\\[\\],: 字\\n]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                prop::collection::vec(("[ab\"\\\\]{1,2}", inner), 0..5)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// Every path of `value` whose parents are objects: the paths `set` and `push`
    /// can name.
    fn key_paths(value: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        if let Value::Object(members) = value {
            for (key, child) in members {
                let mut deeper = path.clone();
                deeper.push(key.clone());
                key_paths(child, deeper.clone(), out);
                out.push(deeper);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn edits_on_one_document_give_what_edits_on_freshly_parsed_ones_give(
            value in json_value(),
            pretty in proptest::bool::ANY,
            edits in proptest::collection::vec((0usize..64, json_value()), 1..6),
        ) {
            let text = if pretty {
                serde_json::to_string_pretty(&json!({"first": value, "list": [1], "stats": {"n": 1}})).unwrap()
            } else {
                serde_json::to_string(&json!({"first": value, "list": [1], "stats": {"n": 1}})).unwrap()
            };
            let mut kept = JsonText::parse(&text).unwrap();
            for (pick, new) in edits {
                let current: Value = serde_json::from_str(kept.text()).unwrap();
                let mut paths = Vec::new();
                key_paths(&current, Vec::new(), &mut paths);
                let path = &paths[pick % paths.len()];
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                let mut fresh = JsonText::parse(kept.text()).unwrap();
                let is_array = matches!(kept.find(&keys).map(|n| n.kind), Some(Kind::Array(_)));
                if is_array {
                    kept.push(&keys, &new).unwrap();
                    fresh.push(&keys, &new).unwrap();
                } else {
                    kept.set(&keys, &new).unwrap();
                    fresh.set(&keys, &new).unwrap();
                }
                proptest::prop_assert_eq!(kept.text(), fresh.text());
                let reread = JsonText::parse(kept.text()).unwrap();
                for path in paths.iter().chain([&vec!["list".to_string()], &vec![]]) {
                    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                    let (a, b) = (kept.find(&keys), reread.find(&keys));
                    proptest::prop_assert_eq!(a.as_ref().map(|n| (n.start, n.end)), b.as_ref().map(|n| (n.start, n.end)));
                    let count = |n: Option<Node>| match n.map(|n| n.kind) {
                        Some(Kind::Object(c) | Kind::Array(c)) => Some((c.count, c.last)),
                        _ => None,
                    };
                    proptest::prop_assert_eq!(count(a), count(b));
                }
            }
        }

        #[test]
        fn the_scanner_finds_what_serde_decodes(value in json_value(), pretty in proptest::bool::ANY) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let doc = JsonText::parse(&text).unwrap();
            let mut paths = vec![(Vec::<String>::new(), &value)];
            while let Some((path, expected)) = paths.pop() {
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                let node = doc.find(&keys).unwrap();
                let found: Value = serde_json::from_str(&text[node.start..node.end]).unwrap();
                proptest::prop_assert_eq!(&found, expected);
                match (&node.kind, expected) {
                    (Kind::Object(c), Value::Object(m)) => {
                        proptest::prop_assert_eq!(c.count, m.len());
                        for (key, child) in m {
                            let mut deeper = path.clone();
                            deeper.push(key.clone());
                            paths.push((deeper, child));
                        }
                    }
                    (Kind::Array(c), Value::Array(items)) => {
                        proptest::prop_assert_eq!(c.count, items.len());
                        let last = c.last.clone().map(|r| serde_json::from_str::<Value>(&text[r]).unwrap());
                        proptest::prop_assert_eq!(last.as_ref(), items.last());
                    }
                    (Kind::Scalar, v) => proptest::prop_assert!(!v.is_object() && !v.is_array()),
                    _ => proptest::prop_assert!(false, "wrong kind at {:?}", path),
                }
            }
        }
    }
}
