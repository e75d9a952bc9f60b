//! Which CPUs a thread may run on (Linux's `sched_setaffinity`), at the edge:
//! where the host's threads go is decided by [`crate::config::thread_placement`].
//! Elsewhere than Linux nothing is pinned.

use kassa_store::sqlite::SqliteOptions;

/// The CPUs a host's threads are pinned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// SQLite's writer thread, alone.
    pub writer: usize,
    /// Every other thread: the runtime, the store's reader and checkpointer.
    pub others: Vec<usize>,
}

/// The CPUs this process may run on (its affinity mask, which `taskset` and
/// cgroups narrow), in order; empty when unknown.
pub fn allowed_cpus() -> Vec<usize> {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity};
        use nix::unistd::Pid;
        if let Ok(set) = sched_getaffinity(Pid::from_raw(0)) {
            return (0..CpuSet::count()).filter(|&cpu| set.is_set(cpu).unwrap_or(false)).collect();
        }
    }
    Vec::new()
}

/// Keeps the calling thread, and the threads it starts afterwards, on `cpus`.
pub fn pin_current_thread(cpus: &[usize]) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_setaffinity};
        use nix::unistd::Pid;
        let mut set = CpuSet::new();
        for &cpu in cpus {
            set.set(cpu).map_err(|e| format!("CPU {cpu}: {e}"))?;
        }
        sched_setaffinity(Pid::from_raw(0), &set).map_err(|e| format!("pin to CPUs {cpus:?}: {e}"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpus;
        Ok(())
    }
}

/// Keeps the calling thread on the placement's other CPUs (none: nothing to
/// do). Call it before the runtime is built: the threads started afterwards
/// inherit them. A failure is logged, and the threads stay where the kernel
/// puts them.
pub fn pin_others(placement: Option<&Placement>) {
    let Some(placement) = placement else {
        return;
    };
    if let Err(error) = pin_current_thread(&placement.others) {
        tracing::warn!(%error, "the host's threads are not pinned");
    }
}

/// Store options whose writer thread keeps itself on the placement's writer CPU.
pub fn writer_options(placement: Option<&Placement>) -> SqliteOptions {
    let Some(cpu) = placement.map(|p| p.writer) else {
        return SqliteOptions::default();
    };
    let start = move || {
        if let Err(error) = pin_current_thread(&[cpu]) {
            tracing::warn!(%error, "the store's writer is not pinned");
        }
    };
    SqliteOptions { writer_start: Some(Box::new(start)), ..SqliteOptions::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_pinned_to_one_allowed_cpu_stays_there() {
        let cpus = allowed_cpus();
        assert!(!cpus.is_empty(), "Linux reports the affinity mask");
        let last = *cpus.last().unwrap_or(&0);
        // A thread of its own, so the test runner's threads are not narrowed.
        let seen = std::thread::spawn(move || pin_current_thread(&[last]).map(|()| allowed_cpus()))
            .join()
            .unwrap_or_else(|_| Err("the thread panicked".into()));
        assert_eq!(seen, Ok(vec![last]));
        assert!(pin_current_thread(&[usize::MAX]).is_err(), "a CPU that cannot exist is refused");
    }
}
