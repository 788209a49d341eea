//! Fault injection for the reliability tests: at a named step of an operation, die
//! (as `kill -9` or an abort would), fail with an I/O error (a full disk, a denied
//! write), or wait. Compiled into debug builds only, which is what `cargo test` runs;
//! in release builds every point is a no-op.
//!
//! `GIT_WORKFLOW_FAULT=<point>[:<mode>]`, mode one of `abort` (the default), `kill`,
//! `error`, `full`, `denied`, or `pause=<file>` (wait until the file exists).

/// Every point, in the order an operation passes them.
pub const POINTS: &[&str] = &[
    "planned",
    "objects",
    "before-ref",
    "after-ref",
    "removed",
    "renamed",
    "written",
    "index",
    "after-materialise",
];

/// Passes point `name`: nothing happens unless the environment asks for a fault here.
pub fn point(name: &str) -> std::io::Result<()> {
    #[cfg(debug_assertions)]
    if let Ok(spec) = std::env::var("GIT_WORKFLOW_FAULT") {
        let (at, mode) = spec.split_once(':').unwrap_or((spec.as_str(), "abort"));
        if at == name {
            return inject(name, mode);
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
    Ok(())
}

#[cfg(debug_assertions)]
fn inject(name: &str, mode: &str) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    match mode {
        "kill" => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &std::process::id().to_string()])
                .status();
            std::process::abort()
        }
        "error" => Err(Error::other(format!("injected fault at {name}"))),
        "full" => Err(Error::new(
            ErrorKind::StorageFull,
            format!("no space left on device (injected at {name})"),
        )),
        "denied" => Err(Error::new(
            ErrorKind::PermissionDenied,
            format!("permission denied (injected at {name})"),
        )),
        m if m.starts_with("pause=") => {
            let go = std::path::Path::new(&m["pause=".len()..]);
            while !go.exists() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Ok(())
        }
        _ => std::process::abort(),
    }
}
