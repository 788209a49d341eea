//! The index reader and splice: any bytes either read as an index this crate
//! splices, and then write back as one that reads the same entries again, or are
//! left to libgit2. Never a panic, never a different entry after the round trip.
#![no_main]
use git_workflow::repo::index_round_trip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((entries, written)) = index_round_trip(data.to_vec()) {
        let (again, rewritten) =
            index_round_trip(written.clone()).expect("a written index reads back");
        assert_eq!(entries, again);
        assert_eq!(written, rewritten, "writing is idempotent");
    }
});
