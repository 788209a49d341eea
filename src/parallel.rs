//! Work shared out to every core: the few places where an operation's time is
//! independent per item (the work tree's writes, the pack's deflating, the
//! sessions' YAML), each cut into one contiguous share per core.

/// How many threads a share-out uses: the cores, at most eight (past that the work
/// tree's file system, not the CPU, sets the pace). Asked of the system once per
/// process: the standard library reads the cgroup files on every call, which cost
/// a small operation a twentieth of its time.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
}

/// The fewest items worth a thread of their own in [`on_every_core`].
const ITEMS_PER_THREAD: usize = 64;

/// Runs `work` on `items` cut into one contiguous share per core and returns each
/// share's result in the items' order. A few items are done on this thread; a
/// share that panics panics here.
pub fn on_every_core<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let worth = items.len() / ITEMS_PER_THREAD;
    let threads = if worth < 2 { 1 } else { cores().min(worth) };
    if threads == 1 {
        return vec![work(items)];
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|share| scope.spawn(move || work(share)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// [`on_every_core`] for work done one item at a time: each item's result, in the
/// items' order.
pub fn map_on_every_core<T: Sync, R: Send>(items: &[T], each: impl Fn(&T) -> R + Sync) -> Vec<R> {
    on_every_core(items, |share| share.iter().map(&each).collect::<Vec<_>>())
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_items_order_however_they_are_shared() {
        for n in [0, 1, ITEMS_PER_THREAD - 1, ITEMS_PER_THREAD * 2, 10_007] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                map_on_every_core(&items, |i| i * 2),
                (0..n).map(|i| i * 2).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    #[should_panic(expected = "share failed")]
    fn a_share_that_panics_panics_the_caller() {
        let items: Vec<usize> = (0..ITEMS_PER_THREAD * 4).collect();
        map_on_every_core(&items, |&i| assert!(i != 200, "share failed"));
    }
}
