//! The hook's index reader: any bytes either read as an index (every entry, and
//! the entries under a folder a subset of them in the same order, with at most one
//! cache-tree node) or are left to git. Never a panic, never an entry read twice.
#![no_main]
use git_workflow::repo::index_view_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((all, _)) = index_view_rows(data.to_vec(), "") {
        let (under, _) =
            index_view_rows(data.to_vec(), ".workflow").expect("read once, read again");
        let inside: Vec<_> = all
            .iter()
            .filter(|e| e.0.starts_with(b".workflow/"))
            .cloned()
            .collect();
        assert!(under.len() <= inside.len());
        assert!(under.iter().all(|e| inside.contains(e)));
    }
});
