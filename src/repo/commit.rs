//! Commits written as `git commit` writes them: author and committer, dates, message.

use anyhow::{Context, Result, bail};
use git2::{Signature, Time};

use super::{GitError, Oid, Repo};

impl Repo {
    /// Writes a commit object (no ref moves) with the author and committer git would
    /// use: `GIT_AUTHOR_*`/`GIT_COMMITTER_*`, else `user.name`/`user.email`.
    pub fn write_commit(&self, tree: Oid, parent: Oid, message: &str) -> Result<Oid> {
        let author = self.identity("AUTHOR")?;
        let committer = self.identity("COMMITTER")?;
        let tree = self.git.find_tree(tree)?;
        let parent = self.git.find_commit(parent)?;
        Ok(self
            .git
            .commit(None, &author, &committer, message, &tree, &[&parent])?)
    }

    fn identity(&self, role: &str) -> Result<Signature<'static>> {
        let config = self.git.config()?;
        let field = |what: &str, key: &str| {
            std::env::var(format!("GIT_{role}_{what}"))
                .ok()
                .or_else(|| config.get_string(key).ok())
        };
        let (Some(name), Some(email)) = (field("NAME", "user.name"), field("EMAIL", "user.email"))
        else {
            return Err(GitError::NoIdentity.into());
        };
        let time = match std::env::var(format!("GIT_{role}_DATE")) {
            Ok(date) => parse_git_date(&date)
                .with_context(|| format!("GIT_{role}_DATE={date:?} is not a date git accepts"))?,
            Err(_) => {
                let now = chrono::Local::now();
                Time::new(now.timestamp(), now.offset().local_minus_utc() / 60)
            }
        };
        Ok(Signature::new(&name, &email, &time)?)
    }
}

/// Parses the date forms git accepts in `GIT_AUTHOR_DATE` that tools and tests use:
/// `@<secs> [±hhmm]`, `<secs> ±hhmm`, RFC 2822, RFC 3339, `YYYY-MM-DD HH:MM:SS ±hhmm`.
fn parse_git_date(date: &str) -> Result<Time> {
    let date = date.trim();
    let mut parts = date.split_whitespace();
    let first = parts.next().unwrap_or("");
    let digits = first.strip_prefix('@').unwrap_or(first);
    if let Ok(secs) = digits.parse::<i64>()
        && (first.starts_with('@') || parts.clone().next().is_some())
    {
        let offset = parts.next().map(parse_offset).transpose()?.unwrap_or(0);
        return Ok(Time::new(secs, offset));
    }
    let parsed = chrono::DateTime::parse_from_rfc2822(date)
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(date))
        .or_else(|_| chrono::DateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S %z"))?;
    Ok(Time::new(
        parsed.timestamp(),
        parsed.offset().local_minus_utc() / 60,
    ))
}

fn parse_offset(text: &str) -> Result<i32> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => bail!("bad time zone {text:?}"),
    };
    if rest.len() != 4 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        bail!("bad time zone {text:?}");
    }
    let hours: i32 = rest[..2].parse()?;
    let minutes: i32 = rest[2..].parse()?;
    Ok(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dates_in_the_forms_tests_and_tools_use() {
        let t = parse_git_date("@1700000000 +0100").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 60));
        let t = parse_git_date("1700000000 -0230").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, -150));
        let t = parse_git_date("2005-04-07T22:13:13+02:00").unwrap();
        assert_eq!(t.offset_minutes(), 120);
        assert!(parse_git_date("yesterday-ish").is_err());
    }
}
