//! The bounds every YAML file the tool reads is held to before a parser builds
//! anything from it (SPEC §7): state, sessions, task definitions and task graphs.
//! Work is bounded by the file's size, never by what it expands to: nesting past
//! [`MAX_DEPTH`] is refused by a linear scan of the text (parsers' own depth limits
//! come only after a scan that is quadratic in the nesting), and aliases are counted
//! by every node they stand for, up to [`MAX_EXPANDED`] per file, on parser events
//! that build nothing.

use anyhow::{Result, bail};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};

/// The deepest nesting of collections read.
pub const MAX_DEPTH: usize = 128;

/// How many nodes one file may stand for once its aliases are expanded.
pub const MAX_EXPANDED: usize = 1_000_000;

/// Refuses a YAML text whose flow collections (`[…]`, `{…}`) nest deeper than
/// [`MAX_DEPTH`], in one pass over its bytes. Quoted scalars, comments and block
/// scalars are stepped over, so brackets written inside them count for nothing.
/// Block nesting needs a line of indentation per level, so it costs its own size
/// and is left to the parser's limit.
pub fn refuse_deep_flow(text: &[u8]) -> Result<()> {
    let text = lines_as_libyaml_breaks_them(text);
    let mut scan = Scan {
        text: &text,
        at: 0,
        line: 1,
        depth: 0,
        node_start: true,
    };
    scan.run()
}

/// The text with every line break libyaml knows (`\r\n`, `\r`, U+0085, U+2028,
/// U+2029) written as `\n`: the scan and the alias count then see the lines the
/// parser that builds the value sees, and a comment cannot hide a line from them.
fn lines_as_libyaml_breaks_them(text: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let has_other_breaks = memchr::memchr(b'\r', text).is_some()
        || memchr::memmem::find(text, "\u{85}".as_bytes()).is_some()
        || memchr::memmem::find(text, "\u{2028}".as_bytes()).is_some()
        || memchr::memmem::find(text, "\u{2029}".as_bytes()).is_some();
    if !has_other_breaks {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (is_break, width) = match rest {
            [b'\r', b'\n', ..] => (true, 2),
            [b'\r', ..] => (true, 1),
            [0xC2, 0x85, ..] => (true, 2),
            [0xE2, 0x80, 0xA8 | 0xA9, ..] => (true, 3),
            _ => (false, 1),
        };
        if is_break {
            out.push(b'\n');
        } else {
            out.push(rest[0]);
        }
        i += width;
    }
    std::borrow::Cow::Owned(out)
}

/// The state of the nesting scan.
struct Scan<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
    depth: usize,
    /// Whether a node could begin here: only there does `[`, `{`, `'`, `"`, `|` or
    /// `>` mean what YAML makes of it, elsewhere it is part of a plain scalar.
    node_start: bool,
}

impl Scan<'_> {
    fn run(&mut self) -> Result<()> {
        while let Some(&c) = self.text.get(self.at) {
            self.at += 1;
            match c {
                b'\n' => {
                    self.line += 1;
                    self.node_start = true;
                }
                b' ' | b'\t' | b'\r' => {}
                b'#' if self.after_space() => self.skip_line(),
                b'[' | b'{' if self.node_start || self.depth > 0 => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        bail!(
                            "nesting deeper than {MAX_DEPTH} levels (line {})",
                            self.line
                        );
                    }
                    self.node_start = true;
                }
                b']' | b'}' if self.depth > 0 => {
                    self.depth -= 1;
                    self.node_start = false;
                }
                b',' if self.depth > 0 => self.node_start = true,
                b'"' if self.node_start => self.skip_quoted(b'"'),
                b'\'' if self.node_start => self.skip_quoted(b'\''),
                b'|' | b'>' if self.node_start && self.depth == 0 => self.skip_block_scalar(),
                b'-' | b'?' | b':' if self.indicator() => self.node_start = true,
                b'&' | b'!' if self.node_start => self.skip_token(),
                _ => self.node_start = false,
            }
        }
        Ok(())
    }

    /// Whether the byte just read began a comment: at a line's start or after
    /// white space.
    fn after_space(&self) -> bool {
        self.at < 2 || matches!(self.text[self.at - 2], b' ' | b'\t' | b'\n' | b'\r')
    }

    /// Whether the `-`, `?` or `:` just read is an indicator (followed by a space,
    /// a line end or the end, or, for `:` in a flow collection, anything).
    fn indicator(&self) -> bool {
        let next = self.text.get(self.at).copied();
        let spaced = matches!(next, None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        spaced || self.text[self.at - 1] == b':' && self.depth > 0
    }

    fn skip_line(&mut self) {
        while self.at < self.text.len() && self.text[self.at] != b'\n' {
            self.at += 1;
        }
    }

    /// An anchor or a tag: up to the next white space or flow indicator (an
    /// anchor's name holds neither), and a node may still begin after it.
    fn skip_token(&mut self) {
        while self.at < self.text.len()
            && !matches!(
                self.text[self.at],
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
            )
        {
            self.at += 1;
        }
    }

    /// A quoted scalar, across lines: `\` escapes in `"…"`, `''` in `'…'`.
    fn skip_quoted(&mut self, quote: u8) {
        while let Some(&c) = self.text.get(self.at) {
            self.at += 1;
            match c {
                b'\n' => self.line += 1,
                b'\\' if quote == b'"' => {
                    if self.text.get(self.at) == Some(&b'\n') {
                        self.line += 1;
                    }
                    self.at += 1;
                }
                c if c == quote => {
                    if quote == b'\'' && self.text.get(self.at) == Some(&b'\'') {
                        self.at += 1;
                        continue;
                    }
                    break;
                }
                _ => {}
            }
        }
        self.node_start = false;
    }

    /// A block scalar (`|`, `>`): the rest of its line, then every line that is
    /// blank or indented deeper than the line it began on.
    fn skip_block_scalar(&mut self) {
        let line_start = self.text[..self.at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let indent = indentation(&self.text[line_start..]);
        self.skip_line();
        while self.at < self.text.len() {
            let next = self.at + 1;
            let rest = &self.text[next.min(self.text.len())..];
            let blank = rest
                .iter()
                .take_while(|&&b| b != b'\n')
                .all(|b| matches!(b, b' ' | b'\t' | b'\r'));
            if !blank && indentation(rest) <= indent {
                break;
            }
            self.at = next;
            self.line += 1;
            self.skip_line();
        }
        self.node_start = false;
    }
}

/// The spaces a line begins with.
fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

/// Refuses a YAML text that nests deeper than [`MAX_DEPTH`] or whose aliases stand
/// for more than [`MAX_EXPANDED`] nodes, after [`refuse_deep_flow`]. Nothing is
/// built: each anchor's size is counted as its events pass, each alias adds the
/// size of its anchor. `Ok(false)` when the text is not YAML this parser reads
/// and holds no anchor (so no alias can expand in it): the caller's own parser then
/// says what is wrong. Text this parser cannot read that does hold an anchor is
/// refused: its aliases could not be counted.
pub fn within_budget(text: &str) -> Result<bool> {
    refuse_deep_flow(text.as_bytes())?;
    let lines = lines_as_libyaml_breaks_them(text.as_bytes());
    let lines = std::str::from_utf8(&lines)?;
    let mut budget = Budget::default();
    let mut parser = Parser::new_from_str(lines);
    loop {
        let (event, _) = match parser.next_token() {
            Ok(next) => next,
            Err(_) if !text.contains('&') => return Ok(false),
            Err(e) => bail!("{e}"),
        };
        if event == Event::StreamEnd {
            return Ok(true);
        }
        budget.count(event);
        if let Some(why) = budget.refusal {
            bail!(why);
        }
    }
}

/// The running count of [`within_budget`].
#[derive(Default)]
struct Budget {
    /// Nodes so far, aliases counted as what they stand for.
    nodes: usize,
    /// For each open collection: the anchor it carries and the count it began at.
    open: Vec<(usize, usize)>,
    /// Each anchor's size.
    anchors: HashMap<usize, usize>,
    /// The first bound broken, which ends the walk.
    refusal: Option<String>,
}

impl Budget {
    fn add(&mut self, nodes: usize) {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_EXPANDED && self.refusal.is_none() {
            self.refusal = Some(format!("aliases expand to more than {MAX_EXPANDED} nodes"));
        }
    }
}

impl Budget {
    /// One event of the walk.
    fn count(&mut self, event: Event) {
        match event {
            Event::Alias(id) => {
                let size = self.anchors.get(&id).copied().unwrap_or(1);
                self.add(size);
            }
            Event::Scalar(_, _, anchor, _) => {
                self.add(1);
                if anchor > 0 {
                    self.anchors.insert(anchor, 1);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, self.nodes));
                self.add(1);
                if self.open.len() > MAX_DEPTH {
                    self.refusal = Some(format!("nesting deeper than {MAX_DEPTH} levels"));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, from)) = self.open.pop()
                    && anchor > 0
                {
                    self.anchors.insert(anchor, self.nodes - from);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan_out(levels: usize) -> String {
        let names: Vec<String> = (0..levels).map(|n| format!("l{n}")).collect();
        let mut text = format!(
            "{}: &{} [x, x, x, x, x, x, x, x, x, x]\n",
            names[0], names[0]
        );
        for n in 1..levels {
            let refs = vec![format!("*{}", names[n - 1]); 10].join(", ");
            text.push_str(&format!("{}: &{} [{refs}]\n", names[n], names[n]));
        }
        text
    }

    #[test]
    fn alias_fan_out_is_counted_by_what_it_expands_to() {
        assert!(within_budget(&fan_out(5)).unwrap());
        let err = within_budget(&fan_out(7)).unwrap_err().to_string();
        assert!(err.contains("expand to more than 1000000"), "{err}");
    }

    #[test]
    fn flow_nesting_is_refused_while_scanning() {
        let deep = format!("a: {}{}\n", "[".repeat(129), "]".repeat(129));
        let err = refuse_deep_flow(deep.as_bytes()).unwrap_err().to_string();
        assert_eq!(err, "nesting deeper than 128 levels (line 1)");
        let ok = format!("a: {}{}\n", "[".repeat(128), "]".repeat(128));
        assert!(refuse_deep_flow(ok.as_bytes()).is_ok());
        let mixed = format!("a: [{}]\n", "{b: [".repeat(70) + &"]}".repeat(70));
        assert!(refuse_deep_flow(mixed.as_bytes()).is_err());
    }

    #[test]
    fn brackets_inside_scalars_and_comments_count_for_nothing() {
        let many = "[".repeat(300);
        for text in [
            format!("a: \"{many}\"\n"),
            format!("a: '{many}'\n"),
            format!("a: x{many}\n"),
            format!("# {many}\na: 1\n"),
            format!("a: |\n  {many}\n  more\nb: [1]\n"),
            format!("- >-\n    {many}\n\n    {many}\n- [x]\n"),
            format!("a: \"x\\\"{many}\"\n"),
            format!("a: 'it''s {many}'\n"),
        ] {
            assert!(refuse_deep_flow(text.as_bytes()).is_ok(), "{text}");
        }
        let after_block = format!("a: |\n  x\nb: {}\n", "[".repeat(129));
        assert!(refuse_deep_flow(after_block.as_bytes()).is_err());
    }

    #[test]
    fn no_line_break_or_token_hides_nesting_or_aliases_from_the_bounds() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        for hidden in [
            format!("a: 1 #\rb: {deep}\n"),
            format!("a: 1 #\u{85}b: {deep}\n"),
            format!("a: 1 #\u{2028}b: {deep}\n"),
            format!("a: 1 #\u{2029}b: {deep}\n"),
            format!("a: [&x,{deep}]\n"),
            format!("a: [!t,{deep}]\n"),
        ] {
            assert!(refuse_deep_flow(hidden.as_bytes()).is_err(), "{hidden:?}");
        }
        let bomb = fan_out(7).replace('\n', "\u{2028}");
        let err = within_budget(&format!("x: 1 #\u{2028}{bomb}")).unwrap_err();
        assert!(err.to_string().contains("expand to more than"), "{err}");
    }

    #[test]
    fn text_this_parser_cannot_read_is_left_to_the_caller() {
        assert!(!within_budget("a: [\n").unwrap());
        assert!(
            within_budget("a: &x [\n").is_err(),
            "anchors it cannot count"
        );
        assert!(within_budget("a: 1\nb: [x, {c: d}]\n").unwrap());
    }
}
