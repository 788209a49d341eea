//! Path verification (SPEC §7): a path `verify_path` accepts never leaves the work
//! tree, never names `.git` in any spelling, and `quote` never lets a control
//! character through.
#![no_main]
use git_workflow::layout;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    if layout::verify_path(path).is_ok() {
        assert!(!path.starts_with('/'), "{path:?}");
        for component in path.split('/') {
            assert!(!component.is_empty(), "{path:?}");
            assert!(component != "." && component != "..", "{path:?}");
            let folded: String = component
                .chars()
                .filter(|c| !matches!(*c as u32, 0x200c..=0x200f | 0x202a..=0x202e | 0x206a..=0x206f | 0xfeff))
                .collect::<String>()
                .to_ascii_lowercase();
            let trimmed = folded.trim_end_matches(['.', ' ']);
            assert!(trimmed != ".git" && trimmed != "git~1", "{path:?}");
        }
    }
    let quoted = layout::quote(path);
    assert!(!quoted.chars().any(char::is_control), "{quoted:?}");
    let shown = layout::escape_controls(path);
    assert!(
        !shown.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{shown:?}"
    );
});
