//! A YAML file as lines, edited in place: blocks found by indentation, entries
//! replaced, inserted and removed, everything else kept byte for byte.

/// The file as lines, with its line ending and whether it ends with one.
pub(super) struct Lines {
    pub(super) lines: Vec<String>,
    pub(super) eol: &'static str,
    pub(super) final_newline: bool,
}

/// One `key:` of a block mapping and the lines of its value.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// One item of a block sequence.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) key_indent: usize,
    pub(super) flow: bool,
}

impl Lines {
    pub(super) fn new(text: &str) -> Self {
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let final_newline = text.ends_with('\n');
        let body = text.strip_suffix(eol).unwrap_or(text);
        Self {
            lines: if body.is_empty() {
                Vec::new()
            } else {
                body.split(eol).map(str::to_string).collect()
            },
            eol,
            final_newline,
        }
    }

    pub(super) fn text(&self) -> String {
        let mut text = self.lines.join(self.eol);
        if self.final_newline {
            text.push_str(self.eol);
        }
        text
    }

    /// The first nested indentation of the file, or 2.
    pub(super) fn step(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| indent_of(l))
            .find(|&i| i > 0)
            .unwrap_or(2)
    }

    /// The entries of the block mapping whose keys sit at `indent` in `[start, end)`
    /// (the first line may be a sequence item's `- key:`).
    pub(super) fn mapping(&self, start: usize, end: usize, indent: usize) -> Option<Vec<Entry>> {
        let mut entries: Vec<Entry> = Vec::new();
        for i in start..end {
            let line = self.virtual_line(i, start, indent);
            if line.trim().is_empty() {
                continue;
            }
            let here = indent_of(&line);
            if here == indent && !line.trim_start().starts_with('#') {
                let key = key_at(&line, indent)?;
                if let Some(last) = entries.last_mut() {
                    last.end = self.value_end(last.start + 1, i, indent);
                }
                entries.push(Entry {
                    key,
                    start: i,
                    end: i + 1,
                });
            } else if here < indent && !line.trim_start().starts_with('#') {
                return None;
            }
        }
        if let Some(last) = entries.last_mut() {
            last.end = self.value_end(last.start + 1, end, indent);
        }
        Some(entries)
    }

    /// A line as the mapping sees it: a sequence item's `- ` counts as indentation.
    pub(super) fn virtual_line(&self, i: usize, start: usize, indent: usize) -> String {
        let line = &self.lines[i];
        if i == start && indent >= 2 && line.get(indent - 2..indent) == Some("- ") {
            return format!("{}  {}", &line[..indent - 2], &line[indent..]);
        }
        line.clone()
    }

    /// Where a value that starts at `from` ends: it keeps the lines indented deeper
    /// than its key (comments included), not the blank or shallower lines after it.
    pub(super) fn value_end(&self, from: usize, limit: usize, indent: usize) -> usize {
        let mut end = from;
        for i in from..limit {
            let line = &self.lines[i];
            if line.trim().is_empty() {
                continue;
            }
            if indent_of(line) > indent {
                end = i + 1;
            } else {
                break;
            }
        }
        end
    }

    /// The items of the block sequence under `entry`.
    pub(super) fn items(&self, entry: &Entry) -> Vec<Item> {
        let mut items: Vec<Item> = Vec::new();
        for i in entry.start + 1..entry.end {
            let line = &self.lines[i];
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed
                .strip_prefix("- ")
                .or(trimmed.strip_prefix('-').filter(|r| r.is_empty()))
            {
                let dash = indent_of(line);
                if items.first().is_some_and(|f| f.key_indent - 2 != dash) {
                    continue;
                }
                if let Some(last) = items.last_mut() {
                    last.end = self.value_end(last.start + 1, i, dash);
                }
                items.push(Item {
                    start: i,
                    end: i + 1,
                    key_indent: dash + 2,
                    flow: rest.trim_start().starts_with('{'),
                });
            }
        }
        if let Some(last) = items.last_mut() {
            last.end = self.value_end(last.start + 1, entry.end, last.key_indent - 2);
        }
        items
    }
}

pub(super) fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

pub(super) fn key_at(line: &str, indent: usize) -> Option<String> {
    let rest = line.get(indent..)?;
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    let after = &rest[colon + 1..];
    (!key.is_empty() && !key.contains(' ') && (after.is_empty() || after.starts_with(' ')))
        .then(|| key.to_string())
}
